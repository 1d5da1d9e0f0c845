// The stale-build check the CLI tests start with: the binary they run must be built from the
// current sources, all of src/ (the CLI bundles the core, the runner and the fake server).

import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { staleBuild, tempDir } from "./helpers.js";

async function tree(files: Record<string, number>): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await tempDir();
  for (const [file, seconds] of Object.entries(files)) {
    const path = join(dir.path, file);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, "");
    await utimes(path, seconds, seconds);
  }
  return dir;
}

describe("staleBuild", () => {
  it("accepts a build newer than every source file", async () => {
    const dir = await tree({ "src/cli/main.ts": 1_000, "src/runner/zoho-runner.ts": 1_000, "dist/cli/main.js": 2_000 });
    try {
      expect(staleBuild(dir.path)).toBeUndefined();
    } finally {
      await dir.remove();
    }
  });

  it.each(["src/runner/zoho-runner.ts", "src/testing/fake-zoho.ts", "src/index.ts", "src/cli/commands/export.ts"])("refuses a build older than %s, saying to run npm run build", async (changed) => {
    const dir = await tree({ "src/cli/main.ts": 1_000, "dist/cli/main.js": 2_000, [changed]: 3_000 });
    try {
      expect(staleBuild(dir.path)).toMatch(/^dist\/ is older than src\/: run "npm run build" first/);
    } finally {
      await dir.remove();
    }
  });

  it("refuses a missing build, saying to run npm run build", async () => {
    const dir = await tree({ "src/cli/main.ts": 1_000 });
    try {
      expect(staleBuild(dir.path)).toMatch(/dist\/cli\/main\.js is missing: run "npm run build" first/);
    } finally {
      await dir.remove();
    }
  });
});

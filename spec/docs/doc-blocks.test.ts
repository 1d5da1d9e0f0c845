import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { docBlocks, expectedErrorLines } from "./doc-blocks.js";

// Every TypeScript block in README.md and docs/ is type-checked against the built package
// (imports of "zoho-bulk-read" resolve to dist/ through the package's own exports, as in a
// user's project) and run; a block marked `compile-error` must fail exactly on its
// commented lines. `npm test` builds dist/ first.
const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DIR = join(ROOT, "spec/docs/.blocks");
const blocks = docBlocks(ROOT);

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
for (const block of blocks) writeFileSync(join(DIR, `${block.id}.ts`), `${block.code}\n`);
writeFileSync(
  join(DIR, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: { target: "ES2022", lib: ["ES2022"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
    include: ["*.ts"],
  }),
);

async function typeErrors(): Promise<Map<string, number[]>> {
  const errors = new Map<string, number[]>();
  try {
    await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(DIR, "tsconfig.json")], { cwd: ROOT });
  } catch (error) {
    const output = (error as { stdout: string }).stdout;
    for (const match of output.matchAll(/^spec\/docs\/\.blocks\/(.+?)\.ts\((\d+),\d+\): error/gm)) {
      errors.set(match[1]!, [...(errors.get(match[1]!) ?? []), Number(match[2])]);
    }
    if (errors.size === 0) throw new Error(`tsc failed without per-file errors:\n${output}`);
  }
  return errors;
}

describe("documentation code blocks", async () => {
  const errors = await typeErrors();

  it("there are blocks to check", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });

  describe.each(blocks.filter((b) => !b.compileError))("$where", (block) => {
    it("compiles", () => {
      expect(errors.get(block.id) ?? []).toEqual([]);
    });

    it("runs", async () => {
      await run(process.execPath, ["--import", "tsx", join(DIR, `${block.id}.ts`)], { cwd: ROOT, timeout: 60_000 });
    });
  });

  it.each(blocks.filter((b) => b.compileError))("$where fails to compile exactly on its commented lines", (block) => {
    expect([...new Set(errors.get(block.id) ?? [])].sort((a, b) => a - b)).toEqual(expectedErrorLines(block.code));
  });
});

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The core ("zoho-bulk-read") is embedded in other libraries and runs in browsers: it may
// import only these packages, and nothing from Node.
const ALLOWED_PACKAGES = ["ts-pattern", "date-fns", "@date-fns/tz"];
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:import|export)[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

function coreGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const specifiers = importsOf(file);
    seen.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith(".")) visit(resolve(dirname(file), s.replace(/\.js$/, ".ts")));
  };
  visit(entry);
  return seen;
}

it("the core entry reaches no Node built-in and no package but its own dependencies", () => {
  const graph = coreGraph(resolve(SRC, "index.ts"));
  expect(graph.size).toBeGreaterThan(10);
  const external = [...graph.entries()].flatMap(([file, specifiers]) =>
    specifiers.filter((s) => !s.startsWith(".")).map((s) => `${file.slice(SRC.length + 1)} -> ${s}`),
  );
  const forbidden = external.filter((line) => !ALLOWED_PACKAGES.some((p) => line.endsWith(`-> ${p}`)));
  expect(forbidden).toEqual([]);
  for (const file of graph.keys()) expect(file).not.toMatch(/\/(runner|testing|cli)\//);
});

#!/usr/bin/env node
// Runs the type tests (spec/**/*.test-d.ts) under both compilers the project supports,
// TypeScript 6 (the project compiler) and TypeScript 7 (the native one), and checks that
// every `@ts-expect-error` stands right below its legal twin: a line of code that compiles.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const compilers = [
  ["TypeScript 6", "node_modules/typescript/bin/tsc"],
  ["TypeScript 7", "node_modules/typescript7/bin/tsc"],
];

function typeTestFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? typeTestFiles(path) : entry.name.endsWith(".test-d.ts") ? [path] : [];
  });
}

let failed = false;
let expectations = 0;
for (const file of typeTestFiles("spec")) {
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (!line.trim().startsWith("// @ts-expect-error")) return;
    expectations++;
    const twin = lines[i - 1]?.trim() ?? "";
    if (twin === "" || twin.startsWith("//") || twin.includes("@ts-expect-error")) {
      console.error(`${file}:${i + 1}: @ts-expect-error without a legal twin on the line above`);
      failed = true;
    }
  });
}

for (const [name, tsc] of compilers) {
  const version = execFileSync(process.execPath, [tsc, "--version"], { encoding: "utf8" }).trim();
  try {
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.types.json"], { encoding: "utf8", stdio: "pipe" });
    console.log(`${name} (${version}): type tests pass`);
  } catch (error) {
    console.error(`${name} (${version}): type tests FAIL\n${error.stdout}${error.stderr}`);
    failed = true;
  }
}
console.log(`${expectations} expected compile errors, each with its legal twin`);
process.exit(failed ? 1 : 0);

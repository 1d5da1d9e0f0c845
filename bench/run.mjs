#!/usr/bin/env node
// Runs every benchmark in bench/, one after the other: each `bench/<name>.mjs` except this
// file. Helper modules of a benchmark are named `<name>.<part>.mjs` (export.server.mjs...) and
// hidden files (.something.mjs) are scratch: neither is run. Benchmarks print; they do not fail
// on a missed target, but this exits non-zero when one of them crashes.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const benches = readdirSync(here)
  .filter((name) => name.endsWith(".mjs") && name !== "run.mjs" && !name.startsWith(".") && !name.slice(0, -".mjs".length).includes("."))
  .sort();

const failed = [];
for (const name of benches) {
  console.log(`\n=== bench/${name}`);
  const started = Date.now();
  const { status, signal } = spawnSync(process.execPath, [join(here, name)], { cwd: root, stdio: "inherit" });
  console.log(`=== bench/${name}: ${status === 0 ? "done" : `FAILED (${signal ?? `exit ${status}`})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\n${failed.length} benchmark(s) crashed: ${failed.join(", ")}`);
  process.exit(1);
}

#!/usr/bin/env node
// Export benchmark: 1,000,000 records (5 pages of 200,000) served by the fake Zoho server in its
// own process, pulled through createZohoRunner + runBulkRead in a fresh client process, next to
// a baseline measured in the same run: the same CSV pages parsed straight from memory with
// csv-parse. Repeated at 200,000 records to show that the client's memory does not grow with
// the number of records. Targets: at least half the baseline's throughput; client peak RSS
// under 200 MB at both sizes. A benchmark, not a timed test: it prints, it does not fail.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = process.cwd();
const build = join(root, "node_modules", ".cache", "zoho-bulk-read-bench");
const SIZES = (process.env.EXPORT_BENCH_SIZES ?? "1000000,200000").split(",").map(Number);
const THROUGHPUT_TARGET = 0.5;
const RSS_TARGET_MB = 200;

// Plain JavaScript for the children: the library compiled once (no TypeScript loader in the
// measured processes).
rmSync(build, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", build, "--declaration", "false", "--sourceMap", "false", "--noEmitOnError", "false"], { stdio: "pipe" });
} catch (error) {
  // Type errors elsewhere in the tree do not stop the emit; a missing output does.
  if (!existsSync(join(build, "runner", "index.js"))) throw error;
}

async function startServer(size) {
  const child = spawn(process.execPath, [join(root, "bench/export.server.mjs"), build, String(size)], { stdio: ["pipe", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { url: JSON.parse(line).url, stop: async () => { child.stdin.end(); await once(child, "exit"); } };
}

function measure(mode, url, size) {
  const out = execFileSync(process.execPath, [join(root, "bench/export.client.mjs"), build, mode, url, String(size)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").at(-1));
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");
const rows = [];
for (const size of SIZES) {
  const server = await startServer(size);
  try {
    const baseline = measure("baseline", server.url, size);
    const pipeline = measure("pipeline", server.url, size);
    rows.push({ size, baseline, pipeline });
    const bRate = (size / baseline.ms) * 1000;
    const pRate = (size / pipeline.ms) * 1000;
    console.log(`${fmt(size)} records (${Math.ceil(size / 200_000)} page(s) of up to 200,000)`);
    console.log(`  baseline  csv-parse from memory     ${fmt(bRate).padStart(9)} records/s  (peak RSS ${baseline.maxRssMb.toFixed(0)} MB, the CSV held in memory)`);
    console.log(`  pipeline  fake Zoho -> got -> unzip -> csv-parse -> typed records`);
    console.log(`                                      ${fmt(pRate).padStart(9)} records/s  client peak RSS ${pipeline.maxRssMb.toFixed(0)} MB`);
    console.log(`  ratios    throughput ${(pRate / bRate).toFixed(2)} of baseline (target >= ${THROUGHPUT_TARGET}): ${pRate / bRate >= THROUGHPUT_TARGET ? "ok" : "BELOW"};  RSS ${(pipeline.maxRssMb / RSS_TARGET_MB).toFixed(2)} of ${RSS_TARGET_MB} MB: ${pipeline.maxRssMb < RSS_TARGET_MB ? "ok" : "OVER"}`);
  } finally {
    await server.stop();
  }
}
if (rows.length > 1) {
  const [big, small] = [rows[0], rows.at(-1)];
  console.log(`client peak RSS ${fmt(big.size)} vs ${fmt(small.size)} records: ${(big.pipeline.maxRssMb / small.pipeline.maxRssMb).toFixed(2)}x (flat is ~1.0)`);
}
rmSync(build, { recursive: true, force: true });

// Child process of bench/export.mjs: one measurement, in a fresh process so that its peak RSS
// (process.resourceUsage().maxRSS) is its own. Prints one JSON line.
//   node export.client.mjs <build> pipeline <apiDomain> <records>
//   node export.client.mjs <build> baseline <apiDomain> <records>
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "csv-parse";
import { unzipSync } from "fflate";
import { schema } from "./export.data.mjs";

const [build, mode, url, expected] = [process.argv[2], process.argv[3], process.argv[4], Number(process.argv[5])];
const load = (path) => import(pathToFileURL(join(build, path)).href);
const { bulkRead, defineModule } = await load("index.js");
const { createZohoRunner, createLocalRunner, runBulkRead } = await load("runner/index.js");

const Leads = defineModule("Leads", schema);
const query = bulkRead(Leads).select(...Object.keys(schema));
const auth = { clientId: "id", clientSecret: "secret", refreshToken: "rt" };

if (mode === "pipeline") {
  const runner = createZohoRunner({ apiDomain: url, accountsUrl: url, auth });
  const started = performance.now();
  let records = 0;
  let checksum = 0;
  for await (const lead of runBulkRead(runner, query, { pollIntervalMs: 5, maxPollIntervalMs: 50 })) {
    records++;
    checksum += lead.No_of_Employees;
  }
  const ms = performance.now() - started;
  if (records !== expected) throw new Error(`expected ${expected} records, got ${records}`);
  console.log(JSON.stringify({ mode, records, ms, checksum, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  // Untimed setup: the same CSV pages, fetched through the same jobs and unzipped into memory.
  const runner = createZohoRunner({ apiDomain: url, accountsUrl: url, auth });
  const zips = [];
  let body = query.toJSON();
  for (;;) {
    let job = await runner.createJob(body);
    while (job.state !== "COMPLETED") job = await runner.getJob(job.id);
    const chunks = [];
    for await (const chunk of await runner.downloadResult(job.id, job.result.download_url)) chunks.push(chunk);
    zips.push(Buffer.concat(chunks));
    if (!job.result.more_records) break;
    body = { query: { page_token: job.result.next_page_token } };
  }
  // Timed: csv-parse straight from memory, records as objects keyed by the header. Each page
  // is unzipped (untimed) just before it is parsed, so that at most one CSV is held at a time.
  let ms = 0;
  let records = 0;
  for (const zip of zips) {
    const csv = Object.values(unzipSync(zip))[0];
    const started = performance.now();
    await new Promise((resolve, reject) => {
      const parser = parse({ columns: true, bom: true });
      parser.on("readable", () => {
        while (parser.read() !== null) records++;
      });
      parser.on("end", resolve);
      parser.on("error", reject);
      parser.end(csv);
    });
    ms += performance.now() - started;
  }
  if (records !== expected) throw new Error(`expected ${expected} records, got ${records}`);
  console.log(JSON.stringify({ mode, records, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

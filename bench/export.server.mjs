// Child process of bench/export.mjs: the fake Zoho server with the benchmark's records, in a
// process of its own so that its memory (the records, the ZIPs it writes) is not the client's.
// Prints `{"url": ...}` on stdout once listening; exits when stdin closes.
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { makeRecords, PAGE_SIZE, schema } from "./export.data.mjs";

const [build, size] = [process.argv[2], Number(process.argv[3])];
const { startFakeZoho } = await import(pathToFileURL(join(build, "testing/index.js")).href);
const { defineModule } = await import(pathToFileURL(join(build, "index.js")).href);

const Leads = defineModule("Leads", schema);
const fake = await startFakeZoho({
  data: { Leads: makeRecords(size) },
  schemas: [Leads],
  pageSize: PAGE_SIZE,
  limits: { downloadsPerMinute: 1000 },
});
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
process.stdin.resume();
process.stdin.on("end", () => void fake.close().then(() => process.exit(0)));

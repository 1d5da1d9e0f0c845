// Child process of export.test.ts: runs exportToFile against a fake Zoho server (its URL in
// argv) and kills itself with SIGKILL, with no chance to clean up, as soon as page 2's job is
// created, after page 1 was checkpointed. Run with `node --import tsx`.
import { bulkRead } from "../../src/index.js";
import { exportToFile } from "../../src/runner/export-to-file.js";
import { createZohoRunner } from "../../src/runner/zoho-runner.js";
import { CREDENTIALS, FAST, Leads } from "./pipeline-fixtures.js";

const [url, path, format] = process.argv.slice(2) as [string, string, "csv" | "jsonl"];
const runner = createZohoRunner({ apiDomain: url, accountsUrl: url, auth: CREDENTIALS });
const query = bulkRead(Leads).select("Last_Name", "No_of_Employees", "Created_Time", "Tags", "Description");
await exportToFile(runner, query, path, {
  ...FAST,
  format,
  onProgress: (event) => {
    if (event.phase === "created" && event.page === 2) process.kill(process.pid, "SIGKILL");
  },
});

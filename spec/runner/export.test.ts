// exportToFile: CSV and JSONL output, and resuming an interrupted export (aborted in process,
// or a child process killed with SIGKILL) with no record lost and none written twice.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bulkRead } from "../../src/index.js";
import { exportToFile, readCheckpoint, type ExportCheckpoint } from "../../src/runner/export-to-file.js";
import * as runnerEntry from "../../src/runner/index.js";
import type { JobRunner } from "../../src/runner/job-runner.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { runBulkRead } from "../../src/runner/run-bulk-read.js";
import { expectExactlyOnce } from "./pipeline-checks.js";
import { zohoErrorFromResponse } from "../../src/runner/zoho-response.js";
import { closeFakes, FAST, faultyDownloads, idsOf, Leads, makeLeads, startFake, zohoRunner } from "./pipeline-fixtures.js";

const query = bulkRead(Leads).select("Last_Name", "No_of_Employees", "Created_Time", "Tags", "Description");
const leads = makeLeads(25);
const allIds = idsOf(leads);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "zoho-bulk-read-export-"));
});
afterEach(async () => {
  await closeFakes();
  await rm(dir, { recursive: true, force: true });
});

const checkpointOf = async (path: string) => JSON.parse(await readFile(`${path}.checkpoint.json`, "utf8")) as ExportCheckpoint;
const csvRows = async (path: string) => parseCsv(await readFile(path), { columns: true, bom: true }) as Record<string, string>[];
const jsonLines = async (path: string) =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const idsIn = async (path: string, format: "csv" | "jsonl") => idsOf(format === "csv" ? await csvRows(path) : await jsonLines(path));

/** Runs an export and aborts it once page `afterPage` is checkpointed (during the next page). */
async function interrupted(runner: JobRunner, path: string, format: "csv" | "jsonl", afterPage = 1): Promise<unknown> {
  const controller = new AbortController();
  return exportToFile(runner, query, path, { ...FAST, format, signal: controller.signal, onProgress: (e) => e.phase === "created" && e.page === afterPage + 1 && controller.abort(new Error("stopped")) }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("exportToFile", () => {
  it("writes an RFC 4180 CSV with a header, Zoho's cells as they came", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "leads.csv");
    const result = await exportToFile(zohoRunner(fake), query, path, FAST);
    expect(result).toEqual({ records: 25, pages: 3, path, resumed: false });
    const text = await readFile(path, "utf8");
    expect(text.split("\r\n")[0]).toBe("id,Last_Name,No_of_Employees,Created_Time,Tags,Description");
    expect(text).toContain('5545974000000100010,Name 10,10,2024-01-01T00:00:10+00:00,Hot,"line one, ""quoted""\r\nline two 10"\r\n');
    const rows = await csvRows(path);
    expectExactlyOnce(idsOf(rows), allIds);
    expect(rows[2]).toEqual({ id: "5545974000000100002", Last_Name: "Name 2", No_of_Employees: "2", Created_Time: "2024-01-01T00:00:02+00:00", Tags: "Hot;Cold", Description: "" });
    await expect(readdir(dir)).resolves.toEqual(["leads.csv"]); // no checkpoint, no temp file left
  });

  it("writes JSONL, one typed record per line, dates as ISO strings", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "leads.jsonl");
    expect(await exportToFile(zohoRunner(fake), query, path, FAST)).toMatchObject({ records: 25, pages: 3 });
    const lines = await jsonLines(path);
    expectExactlyOnce(idsOf(lines), allIds);
    expect(lines[10]).toEqual({ id: "5545974000000100010", Last_Name: "Name 10", No_of_Employees: 10, Created_Time: "2024-01-01T00:00:10.000Z", Tags: ["Hot"], Description: 'line one, "quoted"\r\nline two 10' });
  });

  it.each(["csv", "jsonl"] as const)("resumes an export aborted after page 1 (%s): no record lost, none duplicated", async (format) => {
    const fake = await startFake({ leads });
    const path = join(dir, `leads.${format}`);
    const error = await interrupted(zohoRunner(fake), path, format);
    expect(error).toEqual(new Error("stopped"));
    const checkpoint = await checkpointOf(path);
    expect(checkpoint).toMatchObject({ version: 1, format, pagesDone: 1, records: 10, apiVersion: "v8", next: { page: 2, body: { query: { page_token: expect.any(String) } } } });
    expect(checkpoint.query).toEqual(JSON.parse(JSON.stringify(query)));
    expect(checkpoint).not.toHaveProperty("jobIds");
    // a half-written page after the checkpoint, as a crash in the middle of page 2 leaves it
    await appendFile(path, format === "csv" ? "5545974000000100010,Name 10,10,2024-01-01T00:00:10+00:00,Hot,\r\n5545974000000" : '{"id":"5545974000000100010"}\n{"id":"55459');

    const result = await exportToFile(zohoRunner(fake), query, path, FAST);
    expect(result).toEqual({ records: 25, pages: 3, path, resumed: true });
    expectExactlyOnce(await idsIn(path, format), allIds);
    await expect(readFile(`${path}.checkpoint.json`)).rejects.toMatchObject({ code: "ENOENT" });

    // byte for byte what an export that never stopped writes
    const clean = join(dir, `clean.${format}`);
    await exportToFile(zohoRunner(fake), query, clean, FAST);
    expect(await readFile(path)).toEqual(await readFile(clean));
  });

  it.each(["csv", "jsonl"] as const)("resumes after the exporting process was killed with SIGKILL (%s)", async (format) => {
    const fake = await startFake({ leads });
    const path = join(dir, `killed.${format}`);
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./export-child.ts", import.meta.url)), fake.url, path, format], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stderr }).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(await checkpointOf(path)).toMatchObject({ pagesDone: 1, records: 10 });

    const result = await exportToFile(zohoRunner(fake), query, path, FAST);
    expect(result).toMatchObject({ records: 25, pages: 3, resumed: true });
    expectExactlyOnce(await idsIn(path, format), allIds);
  });

  it("resumes on v6 with the page number", async () => {
    const fake = await startFake({ leads, apiVersion: "v6" });
    const runner = zohoRunner(fake, { apiVersion: "v6" });
    const path = join(dir, "v6.jsonl");
    await interrupted(runner, path, "jsonl", 2);
    expect(await checkpointOf(path)).toMatchObject({ pagesDone: 2, records: 20, apiVersion: "v6", next: { page: 3, body: { query: { module: { api_name: "Leads" }, page: 3 } } } });
    expect(await exportToFile(runner, query, path, FAST)).toMatchObject({ records: 25, pages: 3, resumed: true });
    expectExactlyOnce(await idsIn(path, "jsonl"), allIds);
  });

  it("refuses to resume a different query into the same file, and starts over with resume: false", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "leads.csv");
    await interrupted(zohoRunner(fake), path, "csv");
    const other = bulkRead(Leads).select("Last_Name");
    await expect(exportToFile(zohoRunner(fake), other, path, FAST)).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH", message: expect.stringMatching(/a different query.*resume: false/) });
    await expect(exportToFile(zohoRunner(fake), query, path, { ...FAST, format: "jsonl" })).rejects.toMatchObject({ code: "CHECKPOINT_MISMATCH", message: expect.stringMatching(/format csv/) });

    expect(await exportToFile(zohoRunner(fake), other, path, { ...FAST, resume: false })).toEqual({ records: 25, pages: 3, path, resumed: false });
    const rows = await csvRows(path);
    expect(Object.keys(rows[0]!)).toEqual(["id", "Last_Name"]);
    expectExactlyOnce(idsOf(rows), allIds);
  });

  it("says the page token expired (and to run with resume: false) when Zoho refuses it", async () => {
    const first = await startFake({ leads });
    const path = join(dir, "leads.jsonl");
    await interrupted(zohoRunner(first), path, "jsonl");
    // another server has never issued that token: it answers 400 like Zoho does for a stale one
    const second = await startFake({ leads });
    const error = await exportToFile(zohoRunner(second), query, path, FAST).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PAGE_TOKEN_EXPIRED" });
    expect((error as Error).message).toMatch(/page token.*24 hours.*resume: false/s);
    // and without asking Zoho when the token is older than 24 hours
    const checkpoint = await checkpointOf(path);
    await writeFile(`${path}.checkpoint.json`, JSON.stringify({ ...checkpoint, nextIssuedAt: new Date(Date.now() - 25 * 3600_000).toISOString() }));
    const requests = second.requests.length;
    await expect(exportToFile(zohoRunner(second), query, path, FAST)).rejects.toMatchObject({ code: "PAGE_TOKEN_EXPIRED", message: expect.stringMatching(/more than 24 hours ago.*resume: false/) });
    expect(second.requests.length).toBe(requests);
    expect(await exportToFile(zohoRunner(second), query, path, { ...FAST, resume: false })).toMatchObject({ records: 25 });
  });

  it("refuses a checkpoint whose output file was shortened since", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "leads.csv");
    await interrupted(zohoRunner(fake), path, "csv");
    await writeFile(path, "id\r\n");
    await expect(exportToFile(zohoRunner(fake), query, path, FAST)).rejects.toMatchObject({ code: "CHECKPOINT_INVALID" });
  });

  it("refuses bad options before touching any file", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "bad-options.csv");
    await expect(exportToFile(zohoRunner(fake), query, path, { ...FAST, batchSize: 0 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    expect(await readdir(dir)).not.toContain("bad-options.csv");
    expect(await readdir(dir)).not.toContain("bad-options.csv.checkpoint.json");
  });

  it("refuses a second export to the same file while the first runs, and releases the lock after", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "locked.csv");
    fake.faults.holdJobs(true);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = exportToFile(zohoRunner(fake), query, path, { ...FAST, onProgress: (e) => e.phase === "polling" && started() });
    await running;
    await expect(exportToFile(zohoRunner(fake), query, path, FAST)).rejects.toMatchObject({ code: "EXPORT_IN_PROGRESS" });
    fake.faults.holdJobs(false);
    await expect(first).resolves.toMatchObject({ records: leads.length });
    expect(await readdir(dir)).not.toContain("locked.csv.lock");
    await expect(exportToFile(zohoRunner(fake), query, path, { ...FAST, resume: false })).resolves.toMatchObject({ records: leads.length });
  });

  it("takes over a lock left by a process that is gone", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "stale.csv");
    const child = spawn(process.execPath, ["-e", ""]);
    await once(child, "exit");
    await writeFile(`${path}.lock`, JSON.stringify({ pid: child.pid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    await expect(exportToFile(zohoRunner(fake), query, path, FAST)).resolves.toMatchObject({ records: leads.length });
    expect(await readdir(dir)).not.toContain("stale.csv.lock");
  });

  it("writes only the header for an export with no records", async () => {
    const fake = await startFake({ leads });
    const path = join(dir, "none.csv");
    const none = query.where(Leads.where("No_of_Employees").gt(1000));
    expect(await exportToFile(zohoRunner(fake), none, path, FAST)).toMatchObject({ records: 0, pages: 1 });
    expect(await readFile(path, "utf8")).toBe("id,Last_Name,No_of_Employees,Created_Time,Tags,Description\r\n");
  });
});

describe("exportToFile and results it cannot trust", () => {
  const many = makeLeads(2000);
  const local = () => createLocalRunner({ data: { Leads: many }, schemas: [Leads], pageSize: 1000 });

  it.each(["csv", "jsonl"] as const)("does not checkpoint a page found corrupt: the file is cut back to the last checkpoint, and a re-run redoes the page (%s)", async (format) => {
    const runner = faultyDownloads(local(), ["good", { corrupt: 1005 }]);
    const path = join(dir, `corrupt.${format}`);
    const error = await exportToFile(runner, query, path, { ...FAST, format, batchSize: 50 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ARCHIVE_CORRUPT" });
    const checkpoint = await checkpointOf(path);
    expect(checkpoint).toMatchObject({ pagesDone: 1, records: 1000, next: { page: 2 } });
    expect((await readFile(path)).length).toBe(checkpoint.bytes);
    expectExactlyOnce(await idsIn(path, format), idsOf(many.slice(0, 1000)));

    expect(await exportToFile(runner, query, path, { ...FAST, format, batchSize: 50 })).toMatchObject({ records: 2000, pages: 2, resumed: true });
    expectExactlyOnce(await idsIn(path, format), idsOf(many));
    expect(await readFile(path, "utf8")).not.toContain("Mame");
    expect(runner.downloads).toBe(3);
  });

  it("a resumed export whose page-token request gets 403 NO_PERMISSION fails with NO_PERMISSION, not an expired token", async () => {
    const runner = local();
    const path = join(dir, "forbidden.jsonl");
    await interrupted(runner, path, "jsonl");
    const forbidden: JobRunner = {
      apiVersion: runner.apiVersion,
      createJob: async () => {
        throw zohoErrorFromResponse("POST /crm/bulk/v8/read", 403, JSON.stringify({ status: "error", code: "NO_PERMISSION", message: "permission denied", details: {} }), []);
      },
      getJob: (id, options) => runner.getJob(id, options),
      downloadResult: (id, url, options) => runner.downloadResult(id, url, options),
    };
    await expect(exportToFile(forbidden, query, path, FAST)).rejects.toMatchObject({ name: "ZohoApiError", code: "NO_PERMISSION", status: 403 });
  });
});

describe("readCheckpoint", () => {
  async function validCheckpoint(path: string): Promise<Record<string, unknown>> {
    await interrupted(createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 }), path, "csv");
    return (await checkpointOf(path)) as unknown as Record<string, unknown>;
  }

  it("is exported from zoho-bulk-read/runner, reads the checkpoint of an export's path, and is undefined when there is none", async () => {
    expect(runnerEntry.readCheckpoint).toBe(readCheckpoint);
    const path = join(dir, "leads.csv");
    expect(await readCheckpoint(path)).toBeUndefined();
    const valid = await validCheckpoint(path);
    expect(await readCheckpoint(path)).toEqual(valid);
  });

  it.each<[string, string, (valid: Record<string, unknown>) => unknown]>([
    ["not an object", "$", () => []],
    ["null", "$", () => null],
    ["another version", "$.version", (valid) => ({ ...valid, version: 2 })],
    ["an unknown format", "$.format", (valid) => ({ ...valid, format: "xml" })],
    ["a negative byte count", "$.bytes", (valid) => ({ ...valid, bytes: -1 })],
    ["a fractional record count", "$.records", (valid) => ({ ...valid, records: 1.5 })],
    ["a pages count that is a string", "$.pagesDone", (valid) => ({ ...valid, pagesDone: "1" })],
    ["a query without its query object", "$.query.query", (valid) => ({ ...valid, query: { file_type: "csv" } })],
    ["a header with a number", "$.header[1]", (valid) => ({ ...valid, header: ["id", 3] })],
    ["a next page without a body", "$.next.body", (valid) => ({ ...valid, next: { page: 2 } })],
    ["a next page numbered 0", "$.next.page", (valid) => ({ ...valid, next: { ...(valid["next"] as object), page: 0 } })],
    ["a next body whose query is a string", "$.next.body.query", (valid) => ({ ...valid, next: { page: 2, body: { query: "page_token=x" } } })],
    ["a page token that is not a string", "$.next.body.query.page_token", (valid) => ({ ...valid, next: { page: 2, body: { query: { page_token: 7 } } } })],
    ["a nextIssuedAt that is not a date", "$.nextIssuedAt", (valid) => ({ ...valid, nextIssuedAt: "yesterday" })],
    ["no apiVersion", "$.apiVersion", (valid) => ({ ...valid, apiVersion: undefined })],
  ])("refuses a checkpoint with %s as CHECKPOINT_INVALID naming %s", async (_label, jsonPath, change) => {
    const path = join(dir, "leads.csv");
    const valid = await validCheckpoint(path);
    await writeFile(`${path}.checkpoint.json`, JSON.stringify(change(valid)));
    const error = await readCheckpoint(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RunnerError", code: "CHECKPOINT_INVALID" });
    const message = (error as Error).message;
    expect(message).toContain(`${path}.checkpoint.json`);
    expect(message).toContain(` ${jsonPath} `);
    expect(message).toMatch(/delete it, or run with resume: false/);
    // exportToFile refuses it the same way, before any request; resume: false starts over
    await expect(exportToFile(createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 }), query, path, FAST)).rejects.toMatchObject({ code: "CHECKPOINT_INVALID", message });
    expect(await exportToFile(createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 }), query, path, { ...FAST, resume: false })).toMatchObject({ records: 25, resumed: false });
  });

  it("refuses a checkpoint that is not JSON", async () => {
    const path = join(dir, "leads.csv");
    await writeFile(`${path}.checkpoint.json`, "{ not json");
    await expect(readCheckpoint(path)).rejects.toMatchObject({ code: "CHECKPOINT_INVALID", message: expect.stringMatching(/not valid JSON.*delete it, or run with resume: false/) });
  });
});

describe("a CSV file as the local runner's data, end to end", () => {
  it("reads the file, filters, pages, converts and exports", async () => {
    const source = join(dir, "source.csv");
    const lines = ["Id,Last_Name,No_of_Employees,Created_Time,Tags,Description"];
    for (let i = 0; i < 30; i++) lines.push(`${9000000000000000000n + BigInt(i)},"Name, ${i}",${i},2024-03-01T10:00:${String(i).padStart(2, "0")}+05:30,${i % 2 ? "Hot;Cold" : ""},"multi\r\nline ""${i}"""`);
    await writeFile(source, `\uFEFF${lines.join("\r\n")}\r\n`);
    const runner = createLocalRunner({ data: { Leads: source }, schemas: [Leads], pageSize: 7 });
    const big = query.where(Leads.where("No_of_Employees").gte(10));

    const records = [];
    for await (const lead of runBulkRead(runner, big, FAST)) records.push(lead);
    expect(records.map((r) => r.No_of_Employees)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(records[1]).toEqual({ id: "9000000000000000011", Last_Name: "Name, 11", No_of_Employees: 11, Created_Time: new Date("2024-03-01T04:30:11Z"), Tags: ["Hot", "Cold"], Description: 'multi\r\nline "11"' });

    const path = join(dir, "out.jsonl");
    expect(await exportToFile(runner, big, path, FAST)).toMatchObject({ records: 20, pages: 3 });
    expect((await jsonLines(path))[1]).toMatchObject({ id: "9000000000000000011", Created_Time: "2024-03-01T04:30:11.000Z" });
  });
});

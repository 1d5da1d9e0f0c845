import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsvSync } from "csv-parse/sync";
import { strFromU8, unzipSync } from "fflate";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { CriteriaError, bulkRead, defineModule, lookup, multiselectpicklist, ownerlookup, picklist } from "../../src/index.js";
import type { BulkReadRequestBody, JobDetails, JobRunner } from "../../src/runner/job-runner.js";
import { cellText, createLocalRunner, csvField } from "../../src/runner/local-runner.js";
import { ZohoApiError } from "../../src/runner/zoho-api-error.js";

const Leads = defineModule("Leads", {
  Last_Name: "text",
  Company: "text",
  Amount: "currency",
  Paid: "boolean",
  Lead_Status: picklist(["New", "Contacted", "Lost"]),
  Tags: multiselectpicklist(["Hot", "Cold", "VIP"]),
  Owner: ownerlookup({ last_name: "text" }),
  Account_Name: lookup("Accounts", { Account_Name: "text" }),
  Created_Time: "datetime",
  Birthday: "date",
});

const OWNER = "5545974000000393001";
const leads = [
  { id: "5545974000001000001", Last_Name: "Boyle", Company: 'Zylker, "Intl"', Amount: 5000, Paid: true, Lead_Status: "New", Tags: ["Hot", "VIP"], Owner: { id: OWNER, last_name: "Patricia" }, Account_Name: "5545974000002000001", Created_Time: "2024-03-01T10:00:00+05:30", Birthday: "1990-05-17" },
  { id: "5545974000001000002", Last_Name: "Smith", Company: "Line\nBreak", Amount: 15000, Paid: false, Lead_Status: "Contacted", Tags: [], Owner: { id: "5545974000000393002", last_name: "Lee" }, Created_Time: new Date("2024-03-02T00:00:00Z") },
  { id: "5545974000001000003", Last_Name: "Jones", Amount: 25000, Lead_Status: "Lost", Tags: ["Cold"], Owner: { id: OWNER, last_name: "Patricia" }, Created_Time: "2024-03-03T00:00:00Z" },
  { id: "5545974000001000004", Last_Name: "Brown", Amount: 35000, Paid: true, Owner: { id: OWNER, last_name: "Patricia" } },
  { id: "5545974000001000005", Last_Name: "Davis", Amount: 45000, Paid: true, Owner: { id: OWNER, last_name: "Patricia" } },
];

const fixedClock = () => new Date("2025-01-02T03:04:05Z");

async function settle(runner: JobRunner, id: string): Promise<{ details: JobDetails; states: string[] }> {
  const states: string[] = [];
  for (let i = 0; i < 10; i++) {
    const details = await runner.getJob(id);
    states.push(details.state);
    if (details.state === "COMPLETED" || details.state === "FAILURE") return { details, states };
  }
  throw new Error(`job ${id} did not settle: ${states.join(" -> ")}`);
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number }> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { bytes: new Uint8Array(Buffer.concat(chunks)), chunks: chunks.length };
}

async function runToFiles(runner: JobRunner, body: BulkReadRequestBody) {
  const created = await runner.createJob(body);
  const { details } = await settle(runner, created.id);
  const { bytes, chunks } = await bytesOf(await runner.downloadResult(created.id, details.result?.download_url));
  return { id: created.id, details, files: unzipSync(bytes), chunks };
}

async function runToRows(runner: JobRunner, body: BulkReadRequestBody) {
  const { id, details, files } = await runToFiles(runner, body);
  expect(Object.keys(files)).toEqual([`${id}.csv`]);
  const text = strFromU8(files[`${id}.csv`]!);
  const rows = parseCsvSync(text, { columns: true }) as Record<string, string>[];
  const header = (parseCsvSync(text, { to_line: 1 }) as string[][])[0]!;
  return { id, details, rows, header, text };
}

describe("local runner: job lifecycle", () => {
  it("creates a job in ADDED with Zoho's create-job details, then moves one state per poll", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads], clock: fixedClock, user: { id: "111", name: "Pat" } });
    const created = await runner.createJob(bulkRead(Leads).select("Last_Name").toJSON());
    expect(created).toEqual({ id: expect.stringMatching(/^\d{19}$/), operation: "read", state: "ADDED", created_by: { id: "111", name: "Pat" }, created_time: "2025-01-02T03:04:05+00:00" });
    const first = await runner.getJob(created.id);
    expect(first.state).toBe("QUEUED");
    expect(first.result).toBeUndefined();
    expect(first.query).toEqual({ module: { api_name: "Leads" }, page: 1, fields: ["Last_Name"] });
    expect(first.file_type).toBe("csv");
    expect((await runner.getJob(created.id)).state).toBe("IN PROGRESS");
    const done = await runner.getJob(created.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toEqual({ page: 1, count: 5, per_page: 200_000, more_records: false, download_url: `/crm/bulk/v8/read/${created.id}/result` });
    expect((await runner.getJob(created.id)).state).toBe("COMPLETED");
  });

  it("holds jobs in QUEUED while holdJobs(true), then lets them finish", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    runner.holdJobs(true);
    const { id } = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    const states = [];
    for (let i = 0; i < 5; i++) states.push((await runner.getJob(id)).state);
    expect(states).toEqual(["QUEUED", "QUEUED", "QUEUED", "QUEUED", "QUEUED"]);
    runner.holdJobs(false);
    expect((await settle(runner, id)).states).toEqual(["IN PROGRESS", "COMPLETED"]);
  });

  it("ends a job in FAILURE with result.error_message (next job or by id), and tells listeners once", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const settled: JobDetails[] = [];
    runner.onSettled((job) => settled.push(job));
    runner.failJob("next");
    const a = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    const b = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    runner.failJob(b.id, { code: "LIMIT_REACHED", message: "Credits exhausted." });
    const c = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    const [ra, rb, rc] = [await settle(runner, a.id), await settle(runner, b.id), await settle(runner, c.id)];
    expect(ra.states).toEqual(["QUEUED", "IN PROGRESS", "FAILURE"]);
    expect(ra.details.result).toEqual({ error_message: { status: "error", code: "INTERNAL_SERVER_ERROR", message: "Internal server error occurred.", details: {} } });
    expect(rb.details.result?.error_message).toMatchObject({ code: "LIMIT_REACHED", message: "Credits exhausted." });
    expect(rc.details.state).toBe("COMPLETED");
    await runner.getJob(a.id);
    expect(settled.map((j) => [j.id, j.state])).toEqual([[a.id, "FAILURE"], [b.id, "FAILURE"], [c.id, "COMPLETED"]]);
    await expect(runner.downloadResult(a.id)).rejects.toMatchObject({ code: "RESOURCE_NOT_FOUND", status: 404 });
    expect(() => runner.failJob(c.id)).toThrow(/already ended/);
  });

  it("answers unknown jobs with RESOURCE_NOT_FOUND and refuses downloads before COMPLETED", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    await expect(runner.getJob("123")).rejects.toBeInstanceOf(ZohoApiError);
    await expect(runner.getJob("123")).rejects.toMatchObject({ code: "RESOURCE_NOT_FOUND", status: 404 });
    const { id } = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    await expect(runner.downloadResult(id)).rejects.toMatchObject({ code: "RESOURCE_NOT_FOUND" });
    await settle(runner, id);
    await expect(runner.downloadResult(id, "/crm/bulk/v8/read/999/result")).rejects.toMatchObject({ code: "INVALID_URL_PATTERN" });
  });

  it("honours an aborted signal", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(runner.createJob({ query: { module: { api_name: "Leads" } } }, { signal: controller.signal })).rejects.toThrow("stop");
  });
});

describe("local runner: validation", () => {
  const runner = createLocalRunner({ data: { Leads: leads, Events: [] }, schemas: [Leads] });

  it("rethrows the core's CriteriaError as it is", async () => {
    const body = { query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Amount" }, comparator: "contains", value: "1" } } };
    const error = await runner.createJob(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CriteriaError);
    expect(error).toMatchObject({ code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", path: "$.comparator", field: "Amount" });
    await expect(runner.createJob({ query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Nope" }, comparator: "equal", value: "x" } } })).rejects.toMatchObject({ code: "FIELD_IN_CRITERIA_NOT_AVAILABLE" });
  });

  it.each([
    [{ query: { module: { api_name: "Deals" } } }, "MODULE_NOT_AVAILABLE"],
    [{ query: {} }, "MANDATORY_NOT_FOUND"],
    [{ query: { module: { api_name: "Leads" }, fields: ["Last_Name", "Nope"] } }, "FIELD_NOT_SUPPORTED"],
    [{ query: { module: { api_name: "Leads" }, page: 0 } }, "PAGE_NOT_SUPPORTED"],
    [{ query: { page_token: "forged" } }, "INVALID_REQUEST"],
    [{ query: { module: { api_name: "Leads" }, cvid: "1" } }, "CVID_NOT_SUPPORTED"],
    [{ query: { module: { api_name: "Leads" } }, file_type: "ics" }, "QUERY_NOT_SUPPORTED"],
    [{ query: { module: { api_name: "Events" }, fields: ["Event_Title"] }, file_type: "ics" }, "QUERY_NOT_SUPPORTED"],
    [{ query: { module: { api_name: "Leads" } }, callback: { url: "not a url", method: "post" } }, "INVALID_CALLBACK_URL"],
    [{ query: { module: { api_name: "Leads" } }, callback: { url: "https://example.com/cb", method: "get" } }, "INVALID_CALLBACK_METHOD"],
  ])("refuses %j with %s (HTTP 400)", async (body, code) => {
    await expect(runner.createJob(body as BulkReadRequestBody)).rejects.toMatchObject({ code, status: 400 });
  });

  it("accepts the v2 body shape (module as a string, flat api_name leaves)", async () => {
    const body = bulkRead(Leads, { version: "v2" }).where(Leads.where("Last_Name").eq("Boyle")).toJSON();
    const { rows } = await runToRows(runner, body as BulkReadRequestBody);
    expect(rows.map((r) => r["Last_Name"])).toEqual(["Boyle"]);
  });
});

describe("local runner: results", () => {
  it("writes a real ZIP holding {job_id}.csv, Zoho's way: id first, lookups as ids, ISO datetimes, ;-joined multi-selects, RFC 4180 quoting", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const body = bulkRead(Leads)
      .select("Last_Name", "Company", "Paid", "Tags", "Owner", "Owner.last_name", "Account_Name", "Created_Time", "Birthday", "Amount")
      .where(Leads.where("Owner").in([OWNER]).and(Leads.where("Amount").lt(30000)))
      .toJSON();
    const { rows, header, text } = await runToRows(runner, body);
    expect(header).toEqual(["id", "Last_Name", "Company", "Paid", "Tags", "Owner", "Owner.last_name", "Account_Name", "Created_Time", "Birthday", "Amount"]);
    expect(rows).toEqual([
      { id: "5545974000001000001", Last_Name: "Boyle", Company: 'Zylker, "Intl"', Paid: "true", Tags: "Hot;VIP", Owner: OWNER, "Owner.last_name": "Patricia", Account_Name: "5545974000002000001", Created_Time: "2024-03-01T04:30:00+00:00", Birthday: "1990-05-17", Amount: "5000" },
      { id: "5545974000001000003", Last_Name: "Jones", Company: "", Paid: "", Tags: "Cold", Owner: OWNER, "Owner.last_name": "Patricia", Account_Name: "", Created_Time: "2024-03-03T00:00:00+00:00", Birthday: "", Amount: "25000" },
    ]);
    expect(text).toContain('"Zylker, ""Intl"""');
  });

  it("exports every schema field when none is selected, and quotes CR/LF", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const { rows, header } = await runToRows(runner, { query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Paid" }, comparator: "equal", value: false } } });
    expect(header).toEqual(["id", "Last_Name", "Company", "Amount", "Paid", "Lead_Status", "Tags", "Owner", "Account_Name", "Created_Time", "Birthday"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Last_Name: "Smith", Company: "Line\nBreak", Paid: "false", Tags: "", Created_Time: "2024-03-02T00:00:00+00:00" });
  });

  it("pages by page and by page_token, issuing next_page_token only while more_records", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 2 });
    const query = bulkRead(Leads).select("Last_Name").where(Leads.where("Amount").gt(1000));
    const first = await runToRows(runner, query.toJSON());
    expect(first.details.result).toMatchObject({ page: 1, count: 2, per_page: 2, more_records: true, next_page_token: expect.any(String) });
    expect(first.rows.map((r) => r["Last_Name"])).toEqual(["Boyle", "Smith"]);
    const second = await runToRows(runner, query.pageToken(first.details.result!.next_page_token!).toJSON());
    expect(second.details.result).toMatchObject({ page: 2, count: 2, more_records: true });
    expect(second.rows.map((r) => r["Last_Name"])).toEqual(["Jones", "Brown"]);
    expect(second.header).toEqual(["id", "Last_Name"]);
    const third = await runToRows(runner, { query: { page_token: second.details.result!.next_page_token! } });
    expect(third.details.result).toMatchObject({ page: 3, count: 1, more_records: false });
    expect(third.details.result).not.toHaveProperty("next_page_token");
    expect(third.rows.map((r) => r["Last_Name"])).toEqual(["Davis"]);
    const byPage = await runToRows(runner, query.page(3).toJSON());
    expect(byPage.rows.map((r) => r["Last_Name"])).toEqual(["Davis"]);
    // exactly two full pages: the second has no more records
    const exact = await runToRows(runner, bulkRead(Leads).where(Leads.where("Amount").gt(10000)).page(2).toJSON());
    expect(exact.details.result).toMatchObject({ page: 2, count: 2, more_records: false });
    expect(exact.details.result).not.toHaveProperty("next_page_token");
    const beyond = await runToRows(runner, query.page(9).toJSON());
    expect(beyond.details.result).toMatchObject({ page: 9, count: 0, more_records: false });
    expect(beyond.rows).toEqual([]);
    expect(beyond.header).toEqual(["id", "Last_Name"]);
  });

  it("streams a large page as many ZIP chunks that unzip to every row", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ Last_Name: `Name ${i}`, Company: `Company number ${i * 7919}`, Amount: i }));
    const runner = createLocalRunner({ data: { Leads: many }, schemas: [Leads] });
    const { files, chunks, id } = await runToFiles(runner, { query: { module: { api_name: "Leads" }, fields: ["Last_Name", "Amount"] } });
    expect(chunks).toBeGreaterThan(3);
    const rows = parseCsvSync(strFromU8(files[`${id}.csv`]!), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(20_000);
    expect(rows[19_999]).toMatchObject({ Last_Name: "Name 19999", Amount: "19999" });
  });

  it("gives records without an id a deterministic 19-digit id and keeps ids that are there", async () => {
    const data = { Leads: [{ Last_Name: "A" }, { Last_Name: "B", id: 42 }] };
    const ids = async () => (await runToRows(createLocalRunner({ data, schemas: [Leads] }), { query: { module: { api_name: "Leads" } } })).rows.map((r) => r["id"]);
    const first = await ids();
    expect(first[0]).toMatch(/^[1-9]\d{18}$/);
    expect(first[1]).toBe("42");
    expect(await ids()).toEqual(first);
  });
});

describe("local runner: paging cost and memory", () => {
  /** Records whose Amount counts its reads: how many records the runner's predicate looked at. */
  function countedLeads(n: number) {
    const reads = { count: 0 };
    const records = Array.from({ length: n }, (_, i) => {
      const record = { id: String(5545974000001000000 + i), Last_Name: `L${i}` };
      // a string id keeps the record itself (no copy), so the getter stays live
      Object.defineProperty(record, "Amount", { enumerable: true, get: () => (reads.count++, 1000 + i) });
      return record;
    });
    return { records, reads };
  }
  const over = (amount: number) => ({ query: { module: { api_name: "Leads" }, fields: ["Last_Name"], criteria: { field: { api_name: "Amount" }, comparator: "greater_than", value: amount } } });

  it("stops a page's scan at the first match past it, and continues a page_token where the last page stopped", async () => {
    const { records, reads } = countedLeads(1000);
    const runner = createLocalRunner({ data: { Leads: records }, schemas: [Leads], pageSize: 2 });
    const first = await runner.createJob(over(0));
    reads.count = 0;
    const { details } = await settle(runner, first.id);
    // records 0 and 1 fill the page, record 2 tells more_records: three of a thousand looked at
    expect(reads.count).toBe(3);
    expect(details.result).toMatchObject({ count: 2, more_records: true });
    const next = await runner.createJob({ query: { page_token: details.result!.next_page_token! } });
    reads.count = 0;
    await settle(runner, next.id);
    // the token carries where page 2 starts: records 2, 3 and 4, not 0 to 4
    expect(reads.count).toBe(3);
    reads.count = 0;
    const rows = parseCsvSync(strFromU8(unzipSync((await bytesOf(await runner.downloadResult(next.id))).bytes)[`${next.id}.csv`]!), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r["Last_Name"])).toEqual(["L2", "L3"]);
    // the download generates the page again from its first record: records 2 and 3
    expect(reads.count).toBe(2);
  });

  it("finds a page asked by number by passing over the pages before it, and an empty page past the end", async () => {
    const { records, reads } = countedLeads(10);
    const runner = createLocalRunner({ data: { Leads: records }, schemas: [Leads], pageSize: 3 });
    const third = await runToRows(runner, { query: { ...over(1002).query, page: 3 } });
    // matches are records 3..9: page 3 is records 9 (then no more)
    expect(third.rows.map((r) => r["Last_Name"])).toEqual(["L9"]);
    expect(third.details.result).toMatchObject({ page: 3, count: 1, more_records: false });
    reads.count = 0;
    const beyond = await runToRows(runner, { query: { ...over(0).query, page: 5 } });
    expect(beyond.rows).toEqual([]);
    expect(reads.count).toBe(10);
  });

  it("downloads a result again, byte for byte, after a transfer broken off midway", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ Last_Name: `Name ${i}`, Company: `Company ${i} `.repeat(8), Amount: i }));
    let tick = Date.parse("2025-01-02T03:04:05Z");
    // a clock that moves on at every call: the file is stamped once, when the job completes
    const runner = createLocalRunner({ data: { Leads: many }, schemas: [Leads], clock: () => new Date((tick += 3_600_000)) });
    const { id } = await runner.createJob({ query: { module: { api_name: "Leads" }, fields: ["Last_Name", "Company"] } });
    await settle(runner, id);
    const broken = (await runner.downloadResult(id))[Symbol.asyncIterator]();
    expect((await broken.next()).done).toBe(false);
    await broken.return?.();
    const once = await bytesOf(await runner.downloadResult(id));
    const twice = await bytesOf(await runner.downloadResult(id));
    expect(once.chunks).toBeGreaterThan(1);
    expect(Buffer.from(twice.bytes).equals(Buffer.from(once.bytes))).toBe(true);
    const rows = parseCsvSync(strFromU8(unzipSync(once.bytes)[`${id}.csv`]!), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5000);
  });

  it("remembers the last maxJobs jobs used, forgetting the least recently used with its page_token", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 2, maxJobs: 2 });
    const a = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    const { details } = await settle(runner, a.id);
    const b = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    await runner.getJob(a.id); // a is now used more recently than b
    const c = await runner.createJob({ query: { module: { api_name: "Leads" } } });
    await expect(runner.getJob(b.id)).rejects.toMatchObject({ code: "RESOURCE_NOT_FOUND", status: 404 });
    expect(runner.peekJob(b.id)).toBeUndefined();
    expect((await runner.getJob(a.id)).state).toBe("COMPLETED");
    expect((await runner.getJob(c.id)).state).toBe("QUEUED");
    // a is forgotten once two newer jobs are used; its token goes with it
    await runner.createJob({ query: { module: { api_name: "Leads" } } });
    await runner.getJob(c.id);
    await expect(runner.downloadResult(a.id)).rejects.toMatchObject({ code: "RESOURCE_NOT_FOUND" });
    await expect(runner.createJob({ query: { page_token: details.result!.next_page_token! } })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("refuses a maxJobs that is not a whole number from 1", () => {
    expect(() => createLocalRunner({ data: { Leads: leads }, maxJobs: 0 })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });
});

describe("local runner: data sources", () => {
  const dir = mkdtempSync(join(tmpdir(), "zbr-local-"));
  const csvPath = join(dir, "leads.csv");
  writeFileSync(
    csvPath,
    '\uFEFFId,Last_Name,Amount,Paid,Tags,Owner,Owner.last_name,Created_Time\r\n' +
      '111,Boyle,5000,true,Hot;VIP,5545974000000393001,Patricia,2024-03-01T10:00:00+05:30\r\n' +
      '112,"Smith, Jr",15000,false,,5545974000000393002,Lee,2024-03-02T00:00:00+00:00\r\n' +
      "113,Jones,25000,TRUE,Cold,5545974000000393001,Patricia,\r\n",
  );

  it("reads a CSV file as a module's data, typed by the schema", async () => {
    const runner = createLocalRunner({ data: { Leads: csvPath }, schemas: [Leads] });
    const body = bulkRead(Leads)
      .select("Last_Name", "Tags", "Owner.last_name")
      .where(Leads.where("Paid").eq(true).and(Leads.where("Amount").gte(5000), Leads.where("Owner.last_name").eq("patricia"), Leads.where("Tags").eq("VIP")))
      .toJSON();
    const { rows } = await runToRows(runner, body);
    expect(rows).toEqual([{ id: "111", Last_Name: "Boyle", Tags: "Hot;VIP", "Owner.last_name": "Patricia" }]);
  });

  it("infers types when a module has no schema (CSV or records) and treats unknown criteria fields as empty text", async () => {
    const runner = createLocalRunner({ data: { Leads: csvPath, Deals: [{ Deal_Name: "X", Amount: 10.5, Closing: "2024-01-05" }, { Deal_Name: "Y", Amount: 9, Closing: "2024-02-05" }] } });
    const amount = await runToRows(runner, { query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Amount" }, comparator: "greater_than", value: 9000 } } });
    expect(amount.rows.map((r) => r["Last_Name"])).toEqual(["Smith, Jr", "Jones"]);
    expect(amount.header).toEqual(["id", "Last_Name", "Amount", "Paid", "Tags", "Owner", "Owner.last_name", "Created_Time"]);
    const created = await runToRows(runner, { query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Created_Time" }, comparator: "less_than", value: "2024-03-01T05:00:00+00:00" } } });
    expect(created.rows.map((r) => r["id"])).toEqual(["111"]);
    const owner = await runToRows(runner, { query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Owner" }, comparator: "in", value: ["5545974000000393002"] } } });
    expect(owner.rows.map((r) => r["id"])).toEqual(["112"]);
    const deals = await runToRows(runner, { query: { module: { api_name: "Deals" }, criteria: { field: { api_name: "Closing" }, comparator: "between", value: ["2024-01-01", "2024-01-31"] } } });
    expect(deals.rows).toEqual([{ id: expect.stringMatching(/^\d{19}$/), Deal_Name: "X", Amount: "10.5", Closing: "2024-01-05" }]);
    const unknown = await runToRows(runner, { query: { module: { api_name: "Deals" }, criteria: { field: { api_name: "Stage" }, comparator: "equal", value: "${EMPTY}" } } });
    expect(unknown.rows).toHaveLength(2);
    await expect(runner.createJob({ query: { module: { api_name: "Deals" }, criteria: { field: { api_name: "Amount" }, comparator: "contains", value: "1" } } })).rejects.toMatchObject({ code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE" });
  });

  it("reads numbers in CSV cells as the evaluator does: sign, bare fraction, exponent", async () => {
    const path = join(dir, "numbers.csv");
    writeFileSync(path, "Deal_Name,Amount\r\nA,1.5E3\r\nB,+20\r\nC,-.5\r\nD,7\r\n");
    const runner = createLocalRunner({ data: { Deals: path } });
    const described = await runner.describeModule("Deals");
    expect(described?.schema.field("Amount")?.type).toBe("double");
    const { rows } = await runToRows(runner, { query: { module: { api_name: "Deals" }, criteria: { field: { api_name: "Amount" }, comparator: "greater_than", value: 10 } } });
    expect(rows.map((r) => [r["Deal_Name"], r["Amount"]])).toEqual([["A", "1500"], ["B", "20"]]);
  });

  it("reports an unreadable CSV file", async () => {
    const runner = createLocalRunner({ data: { Leads: join(dir, "missing.csv") } });
    await expect(runner.createJob({ query: { module: { api_name: "Leads" } } })).rejects.toMatchObject({ name: "RunnerError", code: "INVALID_OPTIONS" });
  });
});

describe("local runner: ICS", () => {
  const Events = defineModule("Events", { Event_Title: "text", Start_DateTime: "datetime", End_DateTime: "datetime", Venue: "text", All_day: "boolean" });
  const events = [
    { id: "901", Event_Title: "Demo, with Zylker", Start_DateTime: "2024-05-01T10:00:00+05:30", End_DateTime: "2024-05-01T11:00:00+05:30", Venue: "Chennai" },
    { id: "902", Event_Title: "Offsite", Start_DateTime: "2024-05-02", End_DateTime: "2024-05-03", All_day: true },
    { id: "903", Event_Title: "Skipped", Start_DateTime: "2023-01-01T00:00:00Z", End_DateTime: "2023-01-01T01:00:00Z" },
  ];

  it("exports Events as {job_id}.ics with one VEVENT per matching record", async () => {
    const runner = createLocalRunner({ data: { Events: events }, schemas: [Events], clock: fixedClock });
    const body = bulkRead(Events).fileType("ics").where(Events.where("Start_DateTime").gte(new Date("2024-01-01T00:00:00Z"))).toJSON();
    const { id, files, details } = await runToFiles(runner, body);
    expect(details.file_type).toBe("ics");
    expect(Object.keys(files)).toEqual([`${id}.ics`]);
    const calendar = new ICAL.Component(ICAL.parse(strFromU8(files[`${id}.ics`]!)) as unknown[]);
    const vevents = calendar.getAllSubcomponents("vevent").map((c) => new ICAL.Event(c));
    expect(vevents.map((e) => [e.uid, e.summary])).toEqual([["901", "Demo, with Zylker"], ["902", "Offsite"]]);
    expect(vevents[0]!.startDate.toJSDate().toISOString()).toBe("2024-05-01T04:30:00.000Z");
    expect(vevents[0]!.location).toBe("Chennai");
    expect(vevents[1]!.startDate.isDate).toBe(true);
    expect(vevents[1]!.startDate.toString()).toBe("2024-05-02");
  });
});

describe("CSV cells", () => {
  it("quotes only fields with a comma, a quote, CR or LF", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\rb")).toBe('"a\rb"');
    expect(csvField("a\nb")).toBe('"a\nb"');
  });

  it("writes values as Zoho does", () => {
    expect(cellText(null, "text")).toBe("");
    expect(cellText([], "multiselectpicklist")).toBe("");
    expect(cellText(["A", "B"], "multiselectpicklist")).toBe("A;B");
    expect(cellText(true, "boolean")).toBe("true");
    expect(cellText({ id: "77", name: "X" }, "lookup")).toBe("77");
    expect(cellText(new Date("2024-01-01T00:00:00.500Z"), "datetime")).toBe("2024-01-01T00:00:00+00:00");
    expect(cellText("2024-01-01T05:30:00+05:30", "datetime")).toBe("2024-01-01T00:00:00+00:00");
    expect(cellText(new Date("2024-01-01T12:00:00Z"), "date", "UTC")).toBe("2024-01-01");
    expect(cellText(12.5, "currency")).toBe("12.5");
    expect(cellText("9007199254740993", "bigint")).toBe("9007199254740993");
  });
});

// runBulkRead end to end: createZohoRunner against the fake Zoho server over real HTTP on
// 127.0.0.1, real ZIPs, real csv-parse. Every export must end with every record exactly once
// or with a clear error: never a hang, never a silent partial result.
import { strToU8, zipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { bulkRead, defineModule } from "../../src/index.js";
import type { JobDetails, JobRunner } from "../../src/runner/job-runner.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { runBulkRead, runBulkReadBatches, type BulkReadProgress } from "../../src/runner/run-bulk-read.js";
import { JobFailedError, waitForJob } from "../../src/runner/wait-for-job.js";
import { RunnerError, ZohoApiError } from "../../src/runner/zoho-api-error.js";
import { zohoErrorFromResponse } from "../../src/runner/zoho-response.js";
import { expectNoSecrets } from "./helpers.js";
import { expectExactlyOnce } from "./pipeline-checks.js";
import { closeFakes, drain, FAST, faultyDownloads, idsOf, Leads, makeLeads, startFake, zohoRunner } from "./pipeline-fixtures.js";

afterEach(closeFakes);

const ALL = bulkRead(Leads).select("Last_Name", "Annual_Revenue", "No_of_Employees", "Email_Opt_Out", "Created_Time", "Follow_Up_Date", "Lead_Status", "Tags", "Owner", "Big_Number", "Description");
const leads = makeLeads(25);
const allIds = idsOf(leads);

/** The job bodies the fake received, read back from the jobs' echoed queries. */
function echoedQueries(fake: Awaited<ReturnType<typeof startFake>>, jobIds: readonly string[]): Record<string, unknown>[] {
  return jobIds.map((id) => fake.runner.peekJob(id)!.query!);
}

describe("runBulkRead over the fake Zoho server", () => {
  it("returns every record of a 3-page export exactly once, typed by the selected fields", async () => {
    const fake = await startFake({ leads });
    const events: BulkReadProgress[] = [];
    const records = [];
    for await (const lead of runBulkRead(zohoRunner(fake), ALL, { ...FAST, onProgress: (event) => events.push(event) })) records.push(lead);

    expectExactlyOnce(idsOf(records), allIds);
    const first = records.find((r) => r.id === allIds[10])!;
    expect(first).toEqual({
      id: "5545974000000100010",
      Last_Name: "Name 10",
      Annual_Revenue: null,
      No_of_Employees: 10,
      Email_Opt_Out: true,
      Created_Time: new Date("2024-01-01T00:00:10Z"),
      Follow_Up_Date: "2024-02-29",
      Lead_Status: "Contacted",
      Tags: ["Hot"],
      Owner: "5545974000000393003",
      Big_Number: "9007199254740993",
      Description: 'line one, "quoted"\r\nline two 10',
    });
    const empty = records.find((r) => r.id === allIds[0])!;
    expect([empty.Email_Opt_Out, empty.Follow_Up_Date, empty.Tags, empty.Annual_Revenue]).toEqual([null, null, [], null]);

    const done = events.filter((e) => e.phase === "page-done");
    expect(done.map((e) => [e.page, e.pageCount, e.recordsSoFar])).toEqual([[1, 10, 10], [2, 10, 20], [3, 5, 25]]);
    expect(events.at(-1)).toMatchObject({ phase: "done", page: 3, recordsSoFar: 25, state: "COMPLETED" });
    const moving = events.filter((e) => e.phase === "records").map((e) => e.recordsSoFar);
    expect(moving.length).toBeGreaterThanOrEqual(3);
    expect(moving).toEqual([...moving].sort((a, b) => a - b));
    expect(moving.at(-1)).toBe(25);
    expect(events.filter((e) => e.phase === "created")).toHaveLength(3);
    expect(new Set(events.filter((e) => e.phase === "polling").map((e) => e.state))).toEqual(new Set(["QUEUED", "IN PROGRESS", "COMPLETED"]));
  });

  it("pages with page_token on v8: the next job's body is only { query: { page_token } }", async () => {
    const fake = await startFake({ leads });
    const jobIds: string[] = [];
    const { items } = await drain(runBulkRead(zohoRunner(fake), ALL, { ...FAST, onProgress: (e) => e.phase === "created" && jobIds.push(e.jobId) }));
    expectExactlyOnce(idsOf(items), allIds);
    const [first, second, third] = echoedQueries(fake, jobIds);
    expect(first).toMatchObject({ module: { api_name: "Leads" }, page: 1 });
    expect(first).not.toHaveProperty("page_token");
    expect(second).toMatchObject({ page_token: expect.any(String), page: 2 });
    expect(third).toMatchObject({ page_token: expect.any(String), page: 3 });
  });

  it("pages with page on v6 (no page tokens before v7)", async () => {
    const fake = await startFake({ leads, apiVersion: "v6" });
    const runner = zohoRunner(fake, { apiVersion: "v6" });
    expect(runner.apiVersion).toBe("v6");
    const jobIds: string[] = [];
    const { items, error } = await drain(runBulkRead(runner, ALL, { ...FAST, onProgress: (e) => e.phase === "created" && jobIds.push(e.jobId) }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), allIds);
    const queries = echoedQueries(fake, jobIds);
    expect(queries.map((q) => q["page"])).toEqual([1, 2, 3]);
    for (const query of queries) {
      expect(query).not.toHaveProperty("page_token");
      expect(query).toMatchObject({ module: { api_name: "Leads" }, fields: ALL.fields });
    }
  });

  it("yields batches with runBulkReadBatches (one array per batch, never one promise per record)", async () => {
    const fake = await startFake({ leads });
    const batches = [];
    for await (const batch of runBulkReadBatches(zohoRunner(fake), ALL, { ...FAST, batchSize: 4 })) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2, 4, 1]);
    expectExactlyOnce(idsOf(batches.flat()), allIds);
  });

  it("stops the download when the consumer breaks out early", async () => {
    const fake = await startFake({ leads: makeLeads(3000), pageSize: 3000 });
    let n = 0;
    for await (const _lead of runBulkRead(zohoRunner(fake), ALL, { ...FAST, batchSize: 10 })) if (++n === 5) break;
    expect(n).toBe(5);
    // the next export still works: no connection or job is left hanging
    const again = await drain(runBulkRead(zohoRunner(fake), ALL, FAST));
    expect(again.items).toHaveLength(3000);
  });

  it("exports every field when none is selected: known columns typed, unknown columns kept as text", async () => {
    const Wide = defineModule("Leads", { No_of_Employees: "integer" });
    const fake = await startFake({ leads: makeLeads(3), schemas: [Leads] });
    const records = (await drain(runBulkRead(zohoRunner(fake), bulkRead(Wide), FAST))).items;
    expect(records).toHaveLength(3);
    expect(records[1]).toMatchObject({ id: "5545974000000100001", No_of_Employees: 1, Last_Name: "Name 1", Annual_Revenue: "1000.5", Email_Opt_Out: "false" });
  });
});

describe("runBulkRead under injected faults", () => {
  it("retries 500s and still returns every record exactly once", async () => {
    const fake = await startFake({ leads, faults: { failNext: { count: 2 } } });
    const { items, error } = await drain(runBulkRead(zohoRunner(fake), ALL, { ...FAST, onProgress: (e) => e.phase === "page-done" && e.page === 1 && fake.faults.failNext(3) }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), allIds);
    expect(fake.requests.filter((r) => r.status === 500)).toHaveLength(5);
  });

  it("re-downloads a page whose download broke off mid-body and skips the records already yielded", async () => {
    const many = makeLeads(3000);
    const fake = await startFake({ leads: many, pageSize: 1000 });
    const events: BulkReadProgress[] = [];
    const { items, error } = await drain(
      runBulkRead(zohoRunner(fake), ALL, {
        ...FAST,
        batchSize: 50,
        onProgress: (e) => {
          events.push(e);
          // cut page 2's first download well inside its body, after some batches went out
          if (e.phase === "downloading" && e.page === 2 && e.attempt === 1) fake.faults.resetNextDownload({ afterBytes: 12_000 });
        },
      }),
    );
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), idsOf(many));
    const page2 = events.filter((e) => e.phase === "downloading" && e.page === 2);
    expect(page2.map((e) => e.attempt)).toEqual([1, 2]);
    expect(page2[1]!.recordsSoFar).toBeGreaterThan(1000); // records of page 2 had been yielded before the cut
  });

  it("gives up with a clear error after a bounded number of broken downloads", async () => {
    const fake = await startFake({ leads: makeLeads(2000), pageSize: 2000 });
    const { items, error } = await drain(
      runBulkRead(zohoRunner(fake), ALL, {
        ...FAST,
        downloadRetries: 2,
        onProgress: (e) => e.phase === "downloading" && fake.faults.resetNextDownload({ afterBytes: 5_000 }),
      }),
    );
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: "DOWNLOAD_INTERRUPTED" });
    expect(items.length).toBeLessThan(2000);
    expect(new Set(idsOf(items)).size).toBe(items.length);
  });

  it("refreshes the access token when it expires mid-run (401) and carries on", async () => {
    const fake = await startFake({ leads });
    const { items, error } = await drain(runBulkRead(zohoRunner(fake), ALL, { ...FAST, onProgress: (e) => e.phase === "page-done" && fake.faults.expireTokens() }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), allIds);
    expect(fake.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(2);
  });

  it("waits out 429s on downloads (a tiny window and wait configured) and returns every record", async () => {
    const fake = await startFake({ leads, limits: { downloadsPerMinute: 1, windowMs: 30 } });
    const runner = zohoRunner(fake, { downloadThrottleWaitMs: 40, maxDownloadThrottleWaits: 5 });
    const { items, error } = await drain(runBulkRead(runner, ALL, FAST));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), allIds);
    expect(fake.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
  });

  it("a 429 that outlasts the allowed waits is a clear error, not a partial success", async () => {
    const fake = await startFake({ leads, limits: { downloadsPerMinute: 1, windowMs: 60_000 } });
    const runner = zohoRunner(fake, { downloadThrottleWaitMs: 1, maxDownloadThrottleWaits: 1 });
    const { items, error } = await drain(runBulkRead(runner, ALL, FAST));
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error).toMatchObject({ code: "TOO_MANY_REQUESTS", status: 429 });
    expect(items).toHaveLength(10);
  });

  it("a FAILURE job raises JobFailedError with Zoho's error_message, after the records of the pages before it", async () => {
    const fake = await startFake({ leads });
    const { items, error } = await drain(
      runBulkRead(zohoRunner(fake), ALL, {
        ...FAST,
        onProgress: (e) => e.phase === "page-done" && e.page === 1 && fake.faults.failJob("next", { code: "INTERNAL_SERVER_ERROR", message: "Internal server error occurred." }),
      }),
    );
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({ code: "INTERNAL_SERVER_ERROR", zohoMessage: "Internal server error occurred.", jobId: expect.stringMatching(/^\d+$/) });
    expect((error as Error).message).toMatch(/page 2.*FAILURE.*INTERNAL_SERVER_ERROR/);
    expectExactlyOnce(idsOf(items), allIds.slice(0, 10));
  });

  it("never polls forever: a job held in QUEUED hits the deadline with an error naming the job and its state", async () => {
    const fake = await startFake({ leads, faults: { holdJobs: true } });
    const { items, error } = await drain(runBulkRead(zohoRunner(fake), ALL, { pollIntervalMs: 1, maxPollIntervalMs: 5, timeoutMs: 150 }));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: "JOB_TIMEOUT" });
    expect((error as Error).message).toMatch(/job \d+ \(page 1\) did not finish within 150 ms; its last state was QUEUED/);
  });

  it("never hangs on a runner whose status request never answers", async () => {
    const local = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const hanging: JobRunner = {
      createJob: (body, options) => local.createJob(body, options),
      getJob: (_id, options) => new Promise((_resolve, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal!.reason))),
      downloadResult: (id, url, options) => local.downloadResult(id, url, options),
    };
    const { error } = await drain(runBulkRead(hanging, ALL, { pollIntervalMs: 1, timeoutMs: 100 }));
    expect(error).toMatchObject({ code: "JOB_TIMEOUT" });
    expect((error as Error).message).toMatch(/last state was ADDED\. The last status request failed: a status request was still unanswered after \d+ ms\./);
  });

  it("aborts: the iteration rejects with the signal's reason and no more jobs are created", async () => {
    const fake = await startFake({ leads });
    const controller = new AbortController();
    const { items, error } = await drain(runBulkRead(zohoRunner(fake), ALL, { ...FAST, signal: controller.signal, onProgress: (e) => e.phase === "page-done" && controller.abort(new Error("user stop")) }));
    expect(error).toEqual(new Error("user stop"));
    expect(items).toHaveLength(10);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/read"))).toHaveLength(1);
  });

  it("aborts while polling", async () => {
    const fake = await startFake({ leads, faults: { holdJobs: true } });
    const controller = new AbortController();
    const { error } = await drain(runBulkRead(zohoRunner(fake), ALL, { pollIntervalMs: 1, maxPollIntervalMs: 2, signal: controller.signal, onProgress: (e) => e.phase === "polling" && e.state === "QUEUED" && controller.abort() }));
    expect((error as Error).name).toBe("AbortError");
  });

  it("puts no token or secret in any error", async () => {
    const credentials = { clientId: "client-ID-7f3a", clientSecret: "client-SECRET-9c1d", refreshToken: "refresh-TOKEN-4b2e" };
    const fake = await startFake({ leads, credentials });
    const token = fake.issueToken();
    const fixed = zohoRunner(fake, { auth: { accessToken: token } });
    fake.faults.failJob("next", { code: "INTERNAL_SERVER_ERROR" });
    const failed = (await drain(runBulkRead(fixed, ALL, FAST))).error;
    expect(failed).toBeInstanceOf(JobFailedError);
    fake.faults.expireTokens();
    const expired = (await drain(runBulkRead(fixed, ALL, FAST))).error;
    expect(expired).toMatchObject({ code: "INVALID_TOKEN" });
    const refreshing = zohoRunner(fake, { auth: credentials });
    const broken = (await drain(runBulkRead(refreshing, ALL, { ...FAST, downloadRetries: 0, onProgress: (e) => e.phase === "downloading" && fake.faults.resetNextDownload({ afterBytes: 50 }) }))).error;
    expect(broken).toBeInstanceOf(RunnerError);
    const refused = (await drain(runBulkRead(zohoRunner(fake, { auth: { ...credentials, refreshToken: "refresh-TOKEN-wrong" } }), ALL, FAST))).error;
    expect(refused).toBeInstanceOf(RunnerError);
    for (const error of [failed, expired, broken, refused]) expectNoSecrets(error, [token, ...Object.values(credentials), "refresh-TOKEN-wrong"]);
  });
});

/** A runner that forwards to another and lets a test change its answers. */
function tamper(inner: JobRunner, change: { job?: (job: JobDetails) => JobDetails; bytes?: () => Uint8Array }): JobRunner {
  return {
    apiVersion: inner.apiVersion,
    createJob: (body, options) => inner.createJob(body, options),
    getJob: async (id, options) => (change.job ?? ((job) => job))(await inner.getJob(id, options)),
    downloadResult: async (id, url, options) => {
      if (change.bytes === undefined) return inner.downloadResult(id, url, options);
      const bytes = change.bytes();
      return (async function* () {
        yield bytes;
      })();
    },
  };
}

describe("runBulkRead refuses results it cannot trust", () => {
  const local = () => createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 });

  it("a page with fewer records than result.count is an error, not a short result", async () => {
    const runner = tamper(local(), { job: (job) => (job.result?.count === undefined ? job : { ...job, result: { ...job.result, count: job.result.count + 1 } }) });
    const { items, error } = await drain(runBulkRead(runner, ALL, FAST));
    expect(error).toMatchObject({ code: "PAGE_COUNT_MISMATCH" });
    expect((error as Error).message).toMatch(/page 1\) holds 10 records but Zoho's job says 11/);
    expect(items).toHaveLength(10);
  });

  it("more_records without a next_page_token on v7+ is an error naming the fix", async () => {
    const runner = tamper(local(), { job: (job) => (job.result === undefined ? job : { ...job, result: { ...job.result, next_page_token: undefined } }) });
    const { error } = await drain(runBulkRead(runner, ALL, FAST));
    expect(error).toMatchObject({ code: "PAGE_TOKEN_MISSING" });
    expect((error as Error).message).toMatch(/apiVersion/);
  });

  it("matches the id column case-insensitively (Id) and reads quoted cells, a BOM and CRLF", async () => {
    const csv = '\uFEFFId,Last_Name,No_of_Employees,Tags\r\n"5545974000000100001","Boyle, ""Pat""",12,Hot;Cold\r\n5545974000000100002,"two\nlines",,\r\n';
    const runner = tamper(createLocalRunner({ data: { Leads: makeLeads(2) }, schemas: [Leads] }), { bytes: () => zipSync({ "1.csv": strToU8(csv) }) });
    const { items, error } = await drain(runBulkRead(runner, bulkRead(Leads).select("Last_Name", "No_of_Employees", "Tags"), FAST));
    expect(error).toBeUndefined();
    expect(items).toEqual([
      { id: "5545974000000100001", Last_Name: 'Boyle, "Pat"', No_of_Employees: 12, Tags: ["Hot", "Cold"] },
      { id: "5545974000000100002", Last_Name: "two\nlines", No_of_Employees: null, Tags: [] },
    ]);
    // renamed once per header, in the header's place: every record has the same keys in order
    for (const item of items) expect(Object.keys(item)).toEqual(["id", "Last_Name", "No_of_Employees", "Tags"]);
  });

  it.each(["id", "Id"])("a cell that is not its field's type is a CSV_VALUE_INVALID error naming the column and record (id column %s)", async (idColumn) => {
    const csv = `${idColumn},Last_Name,No_of_Employees\r\n1,a,12\r\n2,b,lots\r\n`;
    const runner = tamper(createLocalRunner({ data: { Leads: makeLeads(2) }, schemas: [Leads] }), { bytes: () => zipSync({ "1.csv": strToU8(csv) }) });
    const { error } = await drain(runBulkRead(runner, bulkRead(Leads).select("Last_Name", "No_of_Employees"), FAST));
    expect(error).toMatchObject({ code: "CSV_VALUE_INVALID" });
    expect((error as Error).message).toMatch(/"lots" in column "No_of_Employees" of record 2/);
  });
});

describe("a download that went wrong is never patched up silently", () => {
  // Two pages of 1,000; batches of 50, so a page's first records go out long before its end
  // (where the CRC-32 is checked).
  const many = makeLeads(2000);
  const local = () => createLocalRunner({ data: { Leads: many }, schemas: [Leads], pageSize: 1000 });
  const pageOf = (id: string) => (BigInt(id) - 5545974000000100000n < 1000n ? 1 : 2);

  it("a page found corrupt after some of its records were yielded fails with ARCHIVE_CORRUPT, even when a download again would be good", async () => {
    // Download 1 is page 1 (good), download 2 is page 2 with record 1005 changed in transit.
    const runner = faultyDownloads(local(), ["good", { corrupt: 1005 }]);
    const { items, error } = await drain(runBulkRead(runner, ALL, { ...FAST, batchSize: 50 }));
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: "ARCHIVE_CORRUPT", retryable: false });
    expect((error as Error).message).toMatch(/page 2.*CRC-32.*records of this page .*already.*may be wrong/s);
    // The changed record did go out (the CRC-32 comes at the end of the entry): the error is
    // what tells the consumer, so the page is not downloaded again and patched up.
    expect(items.filter((lead) => pageOf(lead.id) === 2).length).toBeGreaterThan(0);
    expect(items.some((lead) => lead.Last_Name === "Mame 1005")).toBe(true);
    expect(runner.downloads).toBe(2);
  });

  it("a page found corrupt before any of its records was yielded is downloaded again from the start", async () => {
    const runner = faultyDownloads(createLocalRunner({ data: { Leads: many.slice(0, 30) }, schemas: [Leads] }), [{ corrupt: 5 }]);
    const { items, error } = await drain(runBulkRead(runner, ALL, { ...FAST, batchSize: 1000 }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), idsOf(many.slice(0, 30)));
    expect(items.map((lead) => lead.Last_Name)).not.toContain("Mame 5");
    expect(runner.downloads).toBe(2);
  });

  it("a truncated download followed by a good one: every record exactly once, none changed", async () => {
    const runner = faultyDownloads(local(), ["good", "truncated"]);
    const events: BulkReadProgress[] = [];
    const { items, error } = await drain(runBulkRead(runner, ALL, { ...FAST, batchSize: 50, onProgress: (e) => events.push(e) }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), idsOf(many));
    expect(items.map((lead) => lead.Last_Name)).toEqual(many.map((lead) => lead["Last_Name"]));
    const page2 = events.filter((e) => e.phase === "downloading" && e.page === 2);
    expect(page2.map((e) => e.attempt)).toEqual([1, 2]);
    expect(page2[1]!.recordsSoFar).toBeGreaterThan(1000); // page 2 records went out before the cut
  });
});

/** A local runner whose page-token requests Zoho answers with `status` and `body`. */
function refusingPageTokens(status: number, body: Record<string, unknown>): JobRunner {
  const inner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 });
  return {
    apiVersion: inner.apiVersion,
    createJob: async (request, options) => {
      if (typeof request.query["page_token"] === "string") throw zohoErrorFromResponse("POST /crm/bulk/v8/read", status, JSON.stringify({ status: "error", ...body }), []);
      return inner.createJob(request, options);
    },
    getJob: (id, options) => inner.getJob(id, options),
    downloadResult: (id, url, options) => inner.downloadResult(id, url, options),
  };
}

describe("a refused page token is told apart from other errors of the page-token request", () => {
  it.each([
    ["403 NO_PERMISSION (its hint says a new token will not help)", 403, { code: "NO_PERMISSION", message: "permission denied", details: {} }],
    ["400 INVALID_DATA about another field", 400, { code: "INVALID_DATA", message: "invalid data", details: { api_name: "callback", json_path: "$.callback" } }],
    ["400 MANDATORY_NOT_FOUND", 400, { code: "MANDATORY_NOT_FOUND", message: "required field not found: token", details: { api_name: "module", json_path: "$.query.module" } }],
  ])("%s surfaces as itself", async (_label, status, body) => {
    const { items, error } = await drain(runBulkRead(refusingPageTokens(status, body), ALL, FAST));
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error).toMatchObject({ code: body.code, status });
    expect(items).toHaveLength(10);
  });

  it.each([
    ["details naming page_token", { code: "INVALID_DATA", message: "invalid data", details: { api_name: "page_token", json_path: "$.query.page_token" } }],
    ["a json_path naming page_token", { code: "INVALID_DATA", message: "invalid data", details: { json_path: "$.query.page_token" } }],
    ["INVALID_REQUEST", { code: "INVALID_REQUEST", message: "the request is invalid", details: {} }],
    ["a PAGE_TOKEN code", { code: "PAGE_TOKEN_EXPIRED", message: "expired" }],
  ])("a 400 with %s is PAGE_TOKEN_REFUSED", async (_label, body) => {
    const { error } = await drain(runBulkRead(refusingPageTokens(400, body), ALL, FAST));
    expect(error).toBeInstanceOf(RunnerError);
    expect(error).toMatchObject({ code: "PAGE_TOKEN_REFUSED", cause: expect.objectContaining({ code: body.code }) });
    expect((error as Error).message).toMatch(/page token for page 2.*24 hours/);
  });
});

describe("numeric options are checked one way", () => {
  const local = () => createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 });

  it.each([
    [{ batchSize: 0 }, "batchSize"],
    [{ batchSize: 2.5 }, "batchSize"],
    [{ downloadRetries: -1 }, "downloadRetries"],
    [{ downloadRetries: 1.5 }, "downloadRetries"],
    [{ retryDelayMs: -1 }, "retryDelayMs"],
    [{ retryDelayMs: Number.NaN }, "retryDelayMs"],
    [{ maxEntryBytes: 0 }, "maxEntryBytes"],
    [{ pollIntervalMs: -1 }, "pollIntervalMs"],
    [{ maxPollIntervalMs: Number.POSITIVE_INFINITY }, "maxPollIntervalMs"],
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ callback: { fallbackAfterMs: -5 } }, "callback.fallbackAfterMs"],
  ])("runBulkRead refuses %j before any request", async (options, name) => {
    const runner = local();
    let created = 0;
    const counting: JobRunner = { ...runner, createJob: (body, o) => (created++, runner.createJob(body, o)), getJob: (id, o) => runner.getJob(id, o), downloadResult: (id, url, o) => runner.downloadResult(id, url, o) };
    const { error } = await drain(runBulkRead(counting, ALL, { ...FAST, ...options }));
    expect(error).toMatchObject({ name: "RunnerError", code: "INVALID_OPTIONS", message: expect.stringContaining(name) });
    expect(created).toBe(0);
  });

  it.each([
    [{ maxPollErrors: -1 }, "maxPollErrors"],
    [{ maxPollErrors: 0.5 }, "maxPollErrors"],
    [{ timeoutMs: 0 }, "timeoutMs"],
    [{ firstPollAfterMs: -1 }, "firstPollAfterMs"],
  ])("waitForJob refuses %j", async (options, name) => {
    await expect(waitForJob(local(), "1", options)).rejects.toMatchObject({ code: "INVALID_OPTIONS", message: expect.stringContaining(name) });
  });
});

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, ServerResponse, type IncomingMessage } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { parse as parseCsvSync } from "csv-parse/sync";
import { strFromU8, unzipSync } from "fflate";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bulkRead, defineModule, ownerlookup, picklist, multiselectpicklist } from "../../src/index.js";
import type { JobDetails } from "../../src/runner/job-runner.js";
import { COMPARATORS_BY_TYPE } from "../../src/schema/comparators.js";
import { createZohoRunner } from "../../src/runner/zoho-runner.js";
import { startFakeZoho, type FakeZoho, type FakeZohoOptions } from "../../src/testing/index.js";

const Leads = defineModule("Leads", {
  Last_Name: "text",
  Amount: "currency",
  Lead_Status: picklist(["New", "Contacted"]),
  Tags: multiselectpicklist(["Hot", "Cold"]),
  Owner: ownerlookup({ last_name: "text" }),
  Created_Time: "datetime",
});
const leads = [
  { id: "1001", Last_Name: "Boyle", Amount: 5000, Lead_Status: "New", Owner: { id: "77", last_name: "Patricia" } },
  { id: "1002", Last_Name: "Smith", Amount: 15000, Lead_Status: "Contacted", Owner: { id: "78", last_name: "Lee" } },
  { id: "1003", Last_Name: "Jones", Amount: 25000, Lead_Status: "New", Owner: { id: "77", last_name: "Patricia" } },
];

const fakes: FakeZoho[] = [];
async function start(options: Partial<FakeZohoOptions> = {}): Promise<FakeZoho> {
  const fake = await startFakeZoho({ data: { Leads: leads }, schemas: [Leads], ...options });
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function tokenFrom(fake: FakeZoho, form: Record<string, string>) {
  const response = await fetch(`${fake.accountsUrl}/oauth/v2/token`, { method: "POST", body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const GOOD = { grant_type: "refresh_token", client_id: "id", client_secret: "secret", refresh_token: "rt" };

function api(fake: FakeZoho, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}${path}`, { ...init, headers: { Authorization: `Zoho-oauthtoken ${token}`, ...(init.headers as Record<string, string>) } });
}
const json = { "content-type": "application/json" };
const createBody = (body: unknown): RequestInit => ({ method: "POST", headers: json, body: JSON.stringify(body) });

async function pollUntilSettled(call: ReturnType<typeof api>, id: string): Promise<JobDetails> {
  for (let i = 0; i < 10; i++) {
    const { data } = (await (await call(`/crm/bulk/v8/read/${id}`)).json()) as { data: JobDetails[] };
    if (data[0]!.state === "COMPLETED" || data[0]!.state === "FAILURE") return data[0]!;
  }
  throw new Error("job never settled");
}

async function createdJob(call: ReturnType<typeof api>, query: Record<string, unknown> = { module: { api_name: "Leads" } }, callback?: { url: string; method: "post" }): Promise<string> {
  const response = await call("/crm/bulk/v8/read", createBody({ query, ...(callback !== undefined && { callback }) }));
  expect(response.status).toBe(201);
  return ((await response.json()) as { data: [{ details: { id: string } }] }).data[0].details.id;
}

describe("fake Zoho: accounts", () => {
  it("exchanges a refresh token for a random, tracked access token and names the API domain", async () => {
    const fake = await start();
    const first = await tokenFrom(fake, GOOD);
    const second = await tokenFrom(fake, GOOD);
    expect(first).toEqual({ status: 200, body: { access_token: expect.any(String), scope: expect.any(String), api_domain: fake.url, token_type: "Bearer", expires_in: 3600 } });
    expect(second.body["access_token"]).not.toBe(first.body["access_token"]);
    const response = await api(fake, String(first.body["access_token"]))("/crm/bulk/v8/read/1");
    expect(response.status).toBe(404);
  });

  it("answers bad credentials with HTTP 200 and Zoho's error, as Zoho does", async () => {
    const fake = await start({ credentials: { clientId: "cid", clientSecret: "cs", refreshToken: "r1" } });
    expect(await tokenFrom(fake, { ...GOOD, client_id: "cid", client_secret: "cs", refresh_token: "r1" })).toMatchObject({ status: 200, body: { access_token: expect.any(String) } });
    expect(await tokenFrom(fake, { ...GOOD, client_id: "nope", client_secret: "cs", refresh_token: "r1" })).toEqual({ status: 200, body: { error: "invalid_client" } });
    expect(await tokenFrom(fake, { ...GOOD, client_id: "cid", client_secret: "nope", refresh_token: "r1" })).toEqual({ status: 200, body: { error: "invalid_client" } });
    expect(await tokenFrom(fake, { ...GOOD, client_id: "cid", client_secret: "cs", refresh_token: "nope" })).toEqual({ status: 200, body: { error: "invalid_code" } });
    expect(await tokenFrom(fake, { grant_type: "password" })).toEqual({ status: 200, body: { error: "unsupported_grant_type" } });
  });

  it("answers a missing, unknown or expired token with 401 INVALID_TOKEN", async () => {
    const fake = await start();
    const expected = { code: "INVALID_TOKEN", details: {}, message: "invalid oauth token", status: "error" };
    const none = await fetch(`${fake.url}/crm/bulk/v8/read/1`);
    expect([none.status, await none.json()]).toEqual([401, expected]);
    const unknown = await api(fake, "1000.forged")("/crm/bulk/v8/read/1");
    expect([unknown.status, await unknown.json()]).toEqual([401, expected]);
    const token = String((await tokenFrom(fake, GOOD)).body["access_token"]);
    expect((await api(fake, token)("/crm/bulk/v8/read/1")).status).toBe(404);
    fake.faults.expireTokens();
    const expired = await api(fake, token)("/crm/bulk/v8/read/1");
    expect([expired.status, await expired.json()]).toEqual([401, expected]);
    expect((await api(fake, String((await tokenFrom(fake, GOOD)).body["access_token"]))("/crm/bulk/v8/read/1")).status).toBe(404);
  });

  it("expireTokensAfterDownloads(n) expires every token once n more downloads were sent in full", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    const { result } = await pollUntilSettled(call, await createdJob(call));
    fake.faults.expireTokensAfterDownloads(2);
    for (let i = 0; i < 2; i++) {
      const download = await call(result!.download_url!);
      await download.arrayBuffer(); // in full: the fake ends the body before the client reads its end
      expect(download.status).toBe(200);
    }
    const expired = await call("/crm/bulk/v8/read/1");
    expect([expired.status, ((await expired.json()) as { code: string }).code]).toEqual([401, "INVALID_TOKEN"]);
    const fresh = api(fake, String((await tokenFrom(fake, GOOD)).body["access_token"]));
    expect((await fresh(result!.download_url!)).status).toBe(200); // once: later downloads expire nothing
    expect((await fresh("/crm/bulk/v8/read/1")).status).toBe(404);
    expect(() => fake.faults.expireTokensAfterDownloads(0)).toThrow(RangeError);
  });

  it("expires tokens after an hour on its clock", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const fake = await start({ clock: () => new Date(now) });
    const call = api(fake, fake.issueToken());
    expect((await call("/crm/bulk/v8/read/1")).status).toBe(404);
    now += 3_600_001;
    expect((await call("/crm/bulk/v8/read/1")).status).toBe(401);
  });
});

describe("fake Zoho: bulk read endpoints", () => {
  it("creates a job with 201 and Zoho's success body, then serves its details as {data:[JobDetail]}", async () => {
    const fake = await start({ clock: () => new Date("2025-01-02T03:04:05Z") });
    const call = api(fake, fake.issueToken());
    const response = await call("/crm/bulk/v8/read", createBody(bulkRead(Leads).select("Last_Name").toJSON()));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { data: [{ details: JobDetails }] };
    expect(body).toEqual({
      data: [{ status: "success", code: "ADDED_SUCCESSFULLY", message: "Added successfully.", details: { id: expect.stringMatching(/^\d{19}$/), operation: "read", state: "ADDED", created_by: expect.objectContaining({ id: expect.any(String) }), created_time: "2025-01-02T03:04:05+00:00" } }],
      info: {},
    });
    const id = body.data[0].details.id;
    const states: string[] = [];
    let last: JobDetails | undefined;
    for (let i = 0; i < 3; i++) {
      const got = (await (await call(`/crm/bulk/v8/read/${id}`)).json()) as { data: JobDetails[] };
      expect(got.data).toHaveLength(1);
      last = got.data[0]!;
      states.push(last.state);
    }
    expect(states).toEqual(["QUEUED", "IN PROGRESS", "COMPLETED"]);
    expect(last!.result).toEqual({ page: 1, count: 3, per_page: 200_000, more_records: false, download_url: `/crm/bulk/v8/read/${id}/result` });
  });

  it("answers 415 MEDIA_TYPE_NOT_SUPPORTED without a JSON content type", async () => {
    const fake = await start();
    const response = await api(fake, fake.issueToken())("/crm/bulk/v8/read", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ query: { module: { api_name: "Leads" } } }) });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: "MEDIA_TYPE_NOT_SUPPORTED", status: "error" });
  });

  it("answers criteria errors with 400 and Zoho's body, details.supported from the comparator table", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    const criteria = { group_operator: "and", group: [{ field: { api_name: "Last_Name" }, comparator: "equal", value: "x" }, { field: { api_name: "Amount" }, comparator: "starts_with", value: "1" }] };
    const response = await call("/crm/bulk/v8/read", createBody({ query: { module: { api_name: "Leads" }, criteria } }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data: [{ status: string; code: string; message: string; details: Record<string, unknown> }] };
    expect(body.data[0]).toMatchObject({
      status: "error",
      code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
      details: { api_name: "Amount", comparator: "starts_with", json_path: "$.query.criteria.group[1].comparator", supported: [...COMPARATORS_BY_TYPE.currency] }, // Amount is a currency field
    });
    const unknownField = await call("/crm/bulk/v8/read", createBody({ query: { module: { api_name: "Leads" }, criteria: { field: { api_name: "Last_Nme" }, comparator: "equal", value: "x" } } }));
    expect(unknownField.status).toBe(400);
    expect(((await unknownField.json()) as { data: [{ code: string; details: unknown }] }).data[0]).toMatchObject({ code: "FIELD_IN_CRITERIA_NOT_AVAILABLE", details: { api_name: "Last_Nme", json_path: "$.query.criteria.field.api_name" } });
  });

  it("answers other bad bodies with 400 and Zoho's code", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    const cases: [unknown, string][] = [
      [{ query: { module: { api_name: "Deals" } } }, "MODULE_NOT_AVAILABLE"],
      [{ query: { module: { api_name: "Leads" }, fields: ["Nope"] } }, "FIELD_NOT_SUPPORTED"],
      [{ query: { module: { api_name: "Leads" } }, callback: { url: "ftp://x", method: "post" } }, "INVALID_CALLBACK_URL"],
    ];
    for (const [body, code] of cases) {
      const response = await call("/crm/bulk/v8/read", createBody(body));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ data: [{ status: "error", code }] });
    }
    const garbled = await call("/crm/bulk/v8/read", { method: "POST", headers: json, body: "{not json" });
    expect([garbled.status, ((await garbled.json()) as { data: [{ code: string }] }).data[0].code]).toEqual([400, "REQUEST_BODY_NOT_READABLE"]);
  });

  it("answers unknown jobs with 404 RESOURCE_NOT_FOUND and unknown paths with 404 INVALID_URL_PATTERN", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    for (const path of ["/crm/bulk/v8/read/123", "/crm/bulk/v8/read/123/result"]) {
      const response = await call(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ data: [{ status: "error", code: "RESOURCE_NOT_FOUND" }] });
    }
    const wrongVersion = await call("/crm/bulk/v7/read/123");
    expect([wrongVersion.status, ((await wrongVersion.json()) as { code: string }).code]).toEqual([404, "INVALID_URL_PATTERN"]);
  });

  it("streams the result as application/zip with Content-Disposition, holding {id}.csv", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    const id = await createdJob(call, { module: { api_name: "Leads" }, fields: ["Last_Name", "Owner", "Owner.last_name"], criteria: { field: { api_name: "Owner" }, comparator: "equal", value: "77" } });
    const details = await pollUntilSettled(call, id);
    const response = await call(details.result!.download_url!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename=${id}.zip`);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(files)).toEqual([`${id}.csv`]);
    expect(parseCsvSync(strFromU8(files[`${id}.csv`]!), { columns: true })).toEqual([
      { id: "1001", Last_Name: "Boyle", Owner: "77", "Owner.last_name": "Patricia" },
      { id: "1003", Last_Name: "Jones", Owner: "77", "Owner.last_name": "Patricia" },
    ]);
  });

  it("answers 429 TOO_MANY_REQUESTS, without Retry-After, after the configured downloads in the window", async () => {
    let now = Date.parse("2025-01-01T00:00:00Z");
    const fake = await start({ limits: { downloadsPerMinute: 2, windowMs: 60_000 }, clock: () => new Date(now) });
    const call = api(fake, fake.issueToken());
    const id = await createdJob(call);
    const { result } = await pollUntilSettled(call, id);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await call(result!.download_url!);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get("retry-after")).toBeNull();
        expect(await response.json()).toMatchObject({ code: "TOO_MANY_REQUESTS", status: "error" });
      } else {
        await response.arrayBuffer();
      }
    }
    expect(statuses).toEqual([200, 200, 429]);
    now += 60_000;
    expect((await call(result!.download_url!)).status).toBe(200);
  });

  it("serves the fields metadata in Zoho's shape", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    const response = await call("/crm/v8/settings/fields?module=Leads");
    expect(response.status).toBe(200);
    const { fields } = (await response.json()) as { fields: Record<string, unknown>[] };
    expect(fields.map((f) => [f["api_name"], f["data_type"], f["json_type"]])).toEqual([
      ["Last_Name", "text", "string"],
      ["Amount", "currency", "double"],
      ["Lead_Status", "picklist", "string"],
      ["Tags", "multiselectpicklist", "jsonarray"],
      ["Owner", "ownerlookup", "jsonobject"],
      ["Created_Time", "datetime", "string"],
    ]);
    expect(fields[2]).toMatchObject({ field_label: "Lead Status", pick_list_values: [{ display_value: "New", actual_value: "New" }, { display_value: "Contacted", actual_value: "Contacted" }], lookup: {} });
    expect(fields[4]).toMatchObject({ lookup: { module: { api_name: "users" } }, pick_list_values: [] });
    expect((await call("/crm/v8/settings/fields?module=Nope")).status).toBe(400);
    expect((await call("/crm/v8/settings/fields")).status).toBe(400);
  });

  it("records method, path and status of each request, and never a token", async () => {
    const fake = await start();
    const token = String((await tokenFrom(fake, GOOD)).body["access_token"]);
    const call = api(fake, token);
    await createdJob(call);
    await fetch(`${fake.url}/crm/bulk/v8/read/9`);
    expect(fake.requests).toEqual([
      { method: "POST", path: "/oauth/v2/token", status: 200 },
      { method: "POST", path: "/crm/bulk/v8/read", status: 201 },
      { method: "GET", path: "/crm/bulk/v8/read/9", status: 401 },
    ]);
    expect(JSON.stringify(fake.requests)).not.toContain(token);
  });
});

describe("fake Zoho: faults", () => {
  it("failNext(n, status) fails the next n CRM requests, not the accounts server", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    fake.faults.failNext(2, 503);
    expect((await tokenFrom(fake, GOOD)).status).toBe(200);
    const first = await call("/crm/bulk/v8/read", createBody({ query: { module: { api_name: "Leads" } } }));
    expect([first.status, await first.json()]).toEqual([503, { code: "INTERNAL_ERROR", details: {}, message: "Internal server error occurred.", status: "error" }]);
    expect((await call("/crm/bulk/v8/read/1")).status).toBe(503);
    expect((await call("/crm/bulk/v8/read", createBody({ query: { module: { api_name: "Leads" } } }))).status).toBe(201);
  });

  it("failNext from the options, with the default status 500", async () => {
    const fake = await start({ faults: { failNext: { count: 1 } } });
    const call = api(fake, fake.issueToken());
    expect((await call("/crm/bulk/v8/read/1")).status).toBe(500);
    expect((await call("/crm/bulk/v8/read/1")).status).toBe(404);
  });

  it("resetNextDownload cuts the body after afterBytes, once", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ Last_Name: `Name ${i}`, Amount: i }));
    const fake = await start({ data: { Leads: many } });
    const call = api(fake, fake.issueToken());
    const id = await createdJob(call);
    const { result } = await pollUntilSettled(call, id);
    fake.faults.resetNextDownload({ afterBytes: 100 });
    const cut = await call(result!.download_url!);
    expect(cut.status).toBe(200);
    const reader = cut.body!.getReader();
    let received = 0;
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        received += value.length;
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(received).toBe(100);
    const whole = await call(result!.download_url!);
    expect(Object.keys(unzipSync(new Uint8Array(await whole.arrayBuffer())))).toEqual([`${id}.csv`]);
  });

  it("a download the client abandons stops its producer: the fake still closes promptly, nothing keeps streaming", async () => {
    // Random text does not compress: the ZIP is far larger than the socket buffers, so the
    // server must wait for the client, who never reads.
    const big = Array.from({ length: 40_000 }, (_, i) => ({ Last_Name: randomBytes(96).toString("base64"), Amount: i }));
    const fake = await start({ data: { Leads: big } });
    const token = fake.issueToken();
    const call = api(fake, token);
    const { result } = await pollUntilSettled(call, await createdJob(call));

    // The event to wait for: a result chunk the socket could not take (write() returned false).
    let backpressure!: () => void;
    const stalled = new Promise<void>((resolve) => (backpressure = resolve));
    const write = ServerResponse.prototype.write;
    const spy = vi.spyOn(ServerResponse.prototype, "write").mockImplementation(function (this: ServerResponse, ...args: Parameters<typeof write>) {
      const accepted = write.apply(this, args);
      if (!accepted) backpressure();
      return accepted;
    });
    const socket = connect(Number(new URL(fake.url).port), "127.0.0.1");
    try {
      socket.pause();
      await once(socket, "connect");
      socket.write(`GET ${result!.download_url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Zoho-oauthtoken ${token}\r\n\r\n`);
      await stalled;
      expect(fake.activeDownloads).toBe(1);
    } finally {
      spy.mockRestore();
      socket.destroy();
    }
    await once(socket, "close");

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("close() did not finish within 2 s: the abandoned download is still running")), 2_000);
    });
    try {
      await Promise.race([fake.close(), deadline]);
    } finally {
      clearTimeout(timer);
    }
    expect(fake.activeDownloads).toBe(0);
    expect(fake.requests.at(-1)).toMatchObject({ path: result!.download_url, status: 200 });
  });

  it("failJob makes a job end in FAILURE with the error message; holdJobs keeps jobs QUEUED", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    fake.faults.failJob("next", { code: "INTERNAL_SERVER_ERROR", message: "Internal server error occurred." });
    const failed = await pollUntilSettled(call, await createdJob(call));
    expect(failed).toMatchObject({ state: "FAILURE", result: { error_message: { status: "error", code: "INTERNAL_SERVER_ERROR", message: "Internal server error occurred.", details: {} } } });
    fake.faults.holdJobs(true);
    const held = await createdJob(call);
    const states = [];
    for (let i = 0; i < 4; i++) states.push(((await (await call(`/crm/bulk/v8/read/${held}`)).json()) as { data: JobDetails[] }).data[0]!.state);
    expect(states).toEqual(["QUEUED", "QUEUED", "QUEUED", "QUEUED"]);
    fake.faults.holdJobs(false);
    expect((await pollUntilSettled(call, held)).state).toBe("COMPLETED");
  });
});

describe("fake Zoho: callbacks", () => {
  async function receiver() {
    const bodies: unknown[] = [];
    const waiters: ((body: unknown) => void)[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        bodies.push(body);
        res.writeHead(200).end();
        waiters.shift()?.(body);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`,
      next: () => new Promise<unknown>((resolve) => waiters.push(resolve)),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("posts {data:[JobDetail]} to callback.url when a job completes, without being polled", async () => {
    const hook = await receiver();
    try {
      const fake = await start();
      const call = api(fake, fake.issueToken());
      const delivered = hook.next();
      const response = await call("/crm/bulk/v8/read", createBody({ callback: { url: hook.url, method: "post" }, query: { module: { api_name: "Leads" } } }));
      const id = ((await response.json()) as { data: [{ details: { id: string } }] }).data[0].details.id;
      expect(await delivered).toEqual({ data: [expect.objectContaining({ id, state: "COMPLETED", result: expect.objectContaining({ count: 3, download_url: `/crm/bulk/v8/read/${id}/result` }) })] });
      await fake.callbacksDelivered();
      expect(fake.callbacks).toEqual([{ url: hook.url, jobId: id, state: "COMPLETED", status: 200 }]);
      expect((await call(`/crm/bulk/v8/read/${id}/result`)).status).toBe(200);
    } finally {
      await hook.close();
    }
  });

  it("posts callbacks only to loopback hosts; any other URL is recorded as refused and never connected to", async () => {
    const fake = await start();
    const call = api(fake, fake.issueToken());
    // fetch stands in for the network: the fake's own URL passes, every other attempt is
    // recorded and answered here, so nothing connects beyond the fake.
    const realFetch = globalThis.fetch;
    const attempted: string[] = [];
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(`${fake.url}/`)) return realFetch(input, init);
      attempted.push(url);
      return new Response(null, { status: 204 });
    });
    try {
      const loopback = ["http://127.0.0.1:9/cb", "http://127.3.4.5/cb", "http://localhost:8080/cb", "http://[::1]/cb", "http://0x7f.1/cb"];
      const elsewhere = ["http://192.0.2.10/cb", "https://crm.example.com/hooks/bulk", "http://[2001:db8::1]:8080/cb", "http://127.0.0.1.example.com/cb", "http://[::ffff:192.0.2.1]/cb"];
      const ids = new Map<string, string>();
      for (const url of [...loopback, ...elsewhere]) {
        const id = await createdJob(call, { module: { api_name: "Leads" } }, { url, method: "post" });
        await pollUntilSettled(call, id);
        ids.set(url, id);
      }
      await fake.callbacksDelivered();
      expect(attempted.map((url) => new URL(url).hostname)).toEqual(["127.0.0.1", "127.3.4.5", "localhost", "[::1]", "127.0.0.1"]);
      expect(fake.callbacks).toEqual([
        ...loopback.map((url) => ({ url, jobId: ids.get(url), state: "COMPLETED", status: 204 })),
        ...elsewhere.map((url) => ({ url, jobId: ids.get(url), state: "COMPLETED", refused: expect.stringMatching(/^not posted: .* is not a loopback host/) })),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it("posts the failure, with result.error_message, when a job fails", async () => {
    const hook = await receiver();
    try {
      const fake = await start({ faults: { failNextJob: { code: "LIMIT_REACHED", message: "No credits left." } } });
      const call = api(fake, fake.issueToken());
      const delivered = hook.next();
      await call("/crm/bulk/v8/read", createBody({ callback: { url: hook.url, method: "post" }, query: { module: { api_name: "Leads" } } }));
      expect(await delivered).toEqual({ data: [expect.objectContaining({ state: "FAILURE", result: { error_message: { status: "error", code: "LIMIT_REACHED", message: "No credits left.", details: {} } } })] });
    } finally {
      await hook.close();
    }
  });
});

describe("fake Zoho with the Zoho runner", () => {
  it("runs a whole job through createZohoRunner: token refresh, retries, polling and download", async () => {
    const fake = await start();
    const runner = createZohoRunner({ accountsUrl: fake.accountsUrl, apiDomain: fake.url, auth: { clientId: "id", clientSecret: "secret", refreshToken: "rt" }, retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    fake.faults.failNext(1, 500);
    const created = await runner.createJob(bulkRead(Leads).select("Last_Name").where(Leads.where("Amount").gt(10000)).toJSON());
    fake.faults.expireTokens();
    let details = await runner.getJob(created.id);
    while (details.state !== "COMPLETED") details = await runner.getJob(created.id);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await runner.downloadResult(created.id, details.result!.download_url)) chunks.push(chunk);
    const files = unzipSync(new Uint8Array(Buffer.concat(chunks)));
    expect(parseCsvSync(strFromU8(files[`${created.id}.csv`]!), { columns: true })).toEqual([
      { id: "1002", Last_Name: "Smith" },
      { id: "1003", Last_Name: "Jones" },
    ]);
    expect(fake.requests.filter((r) => r.path === "/oauth/v2/token")).toHaveLength(2);
    expect(fake.requests.some((r) => r.status === 500)).toBe(true);
    expect(fake.requests.some((r) => r.status === 401)).toBe(true);
  });
});

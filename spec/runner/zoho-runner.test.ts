import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RunnerError, ZohoApiError } from "../../src/runner/zoho-api-error.js";
import { createZohoRunner, type ZohoRunnerOptions } from "../../src/runner/zoho-runner.js";
import {
  collectBytes,
  createdBody,
  expectNoSecrets,
  jobBody,
  recordingSleep,
  rejectionOf,
  sendJson,
  serverPerTest,
  type TestServer,
} from "./helpers.js";

const ACCESS = "access-SECRET-1111";
const JOB_ID = "5725767000000859031";
const SECRETS = [ACCESS];

const serve = serverPerTest();

function runnerFor(server: TestServer, options: Partial<ZohoRunnerOptions> = {}) {
  const { sleep, delays } = recordingSleep();
  const runner = createZohoRunner({
    apiDomain: server.origin,
    auth: { accessToken: ACCESS },
    sleep,
    random: () => 0.5,
    retry: { limit: 2, baseDelayMs: 100, maxDelayMs: 1_000 },
    ...options,
  });
  return { runner, delays };
}

describe("createJob", () => {
  it("POSTs the body with the token and JSON content type, and returns data[0].details from the 201", async () => {
    const server = await serve((_request, res) => sendJson(res, 201, createdBody(JOB_ID)));
    const { runner } = runnerFor(server);
    const body = { query: { module: { api_name: "Leads" }, fields: ["Last_Name"] }, file_type: "csv" as const };

    const job = await runner.createJob(body);

    expect(job).toEqual({
      id: JOB_ID,
      operation: "read",
      state: "ADDED",
      created_by: { id: "5725767000000411001", name: "Patricia Boyle" },
      created_time: "2021-07-25T02:13:17-07:00",
    });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/crm/bulk/v8/read");
    expect(request?.headers.authorization).toBe(`Zoho-oauthtoken ${ACCESS}`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual(body);
  });

  it("uses the configured API version", async () => {
    const server = await serve((_request, res) => sendJson(res, 201, createdBody(JOB_ID)));
    const { runner } = runnerFor(server, { apiVersion: "v2.1" });
    await runner.createJob({ query: {} });
    expect(server.requests[0]?.path).toBe("/crm/bulk/v2.1/read");
  });

  it("turns an error entry inside a 2xx body into a ZohoApiError", async () => {
    const server = await serve((_request, res) =>
      sendJson(res, 201, { data: [{ status: "error", code: "INVALID_CRITERIA", message: "bad", details: {} }] }),
    );
    const { runner } = runnerFor(server);
    const error = await rejectionOf(runner.createJob({ query: {} }));
    expect(error).toBeInstanceOf(ZohoApiError);
    expect((error as ZohoApiError).code).toBe("INVALID_CRITERIA");
  });

  it("refuses a 201 that is not a created job", async () => {
    const server = await serve((_request, res) => sendJson(res, 201, { data: [{ status: "success", details: { id: 123, state: "ADDED" } }] }));
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.createJob({ query: {} }))) as ZohoApiError;
    expect(error.code).toBe("UNEXPECTED_RESPONSE");
    expect(error.status).toBe(201);
  });

  it("retries a create on 5xx (a duplicate job is possible and harmless)", async () => {
    const server = await serve((request, res) => {
      if (server.requests.length === 1) sendJson(res, 500, { code: "INTERNAL_ERROR", message: "oops", status: "error" });
      else sendJson(res, 201, createdBody(JOB_ID));
    });
    const { runner, delays } = runnerFor(server);
    const job = await runner.createJob({ query: {} });
    expect(job.id).toBe(JOB_ID);
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([50]);
  });

  it("retries a create whose connection broke before any response", async () => {
    const server = await serve((_request, res, req) => {
      if (server.requests.length === 1) req.socket.destroy();
      else sendJson(res, 201, createdBody(JOB_ID));
    });
    const { runner } = runnerFor(server);
    const job = await runner.createJob({ query: {} });
    expect(job.id).toBe(JOB_ID);
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a create whose response broke off (the job may exist)", async () => {
    const server = await serve((_request, res, req) => {
      res.writeHead(201, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"data":[', () => req.socket.destroy());
    });
    const { runner, delays } = runnerFor(server);
    const error = await rejectionOf(runner.createJob({ query: {} }));
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as RunnerError).code).toBe("NETWORK_ERROR");
    expect(error.message).toMatch(/not retried/);
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
    expectNoSecrets(error, SECRETS);
  });
});

describe("getJob", () => {
  it("GETs the job and returns data[0] with its result", async () => {
    const server = await serve((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = runnerFor(server);
    const job = await runner.getJob(JOB_ID);
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.path).toBe(`/crm/bulk/v8/read/${JOB_ID}`);
    expect(server.requests[0]?.headers.authorization).toBe(`Zoho-oauthtoken ${ACCESS}`);
    expect(job.state).toBe("COMPLETED");
    expect(job.file_type).toBe("csv");
    expect(job.result).toEqual({
      page: 1,
      per_page: 200000,
      count: 127,
      download_url: `/crm/bulk/v8/read/${JOB_ID}/result`,
      more_records: false,
    });
  });

  it("parses a FAILURE job's error_message", async () => {
    const body = jobBody(JOB_ID, "FAILURE");
    const entry = body.data[0] as Record<string, unknown>;
    entry["result"] = { error_message: { status: "error", code: "INTERNAL_SERVER_ERROR", message: "Internal server error occurred.", details: {} } };
    const server = await serve((_request, res) => sendJson(res, 200, body));
    const { runner } = runnerFor(server);
    const job = await runner.getJob(JOB_ID);
    expect(job.state).toBe("FAILURE");
    expect(job.result?.error_message?.code).toBe("INTERNAL_SERVER_ERROR");
  });

  it.each([
    ["a numeric id (precision already lost)", { data: [{ id: 5725767000000859031, state: "COMPLETED" }] }],
    ["an unknown state", { data: [{ id: JOB_ID, state: "FAILED" }] }],
    ["no data", {}],
    ["a null entry", { data: [null] }],
  ])("refuses a 200 with %s", async (_label, body) => {
    const server = await serve((_request, res) => sendJson(res, 200, body));
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.code).toBe("UNEXPECTED_RESPONSE");
    expect(error.status).toBe(200);
  });

  it("refuses a job id that is not an id, before any request", async () => {
    const server = await serve((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.getJob("../../crm/v8/Leads"))) as RunnerError;
    expect(error.code).toBe("INVALID_JOB_ID");
    expect(server.requests).toHaveLength(0);
  });
});

describe("error bodies", () => {
  it.each([
    [
      "wrapped in data[]",
      { data: [{ status: "error", code: "FIELD_COMPARATOR_IN_CRITERIA_NOT_SUPPORTED", message: "nope", details: { api_name: "Amount", supported: ["equal", "greater_than"] } }] },
      "FIELD_COMPARATOR_IN_CRITERIA_NOT_SUPPORTED",
      { api_name: "Amount", supported: ["equal", "greater_than"] },
    ],
    [
      "bare",
      { status: "error", code: "GROUP_OPERATOR_NOT_SUPPORTED", message: "bad op", details: { json_path: "$.query.criteria" } },
      "GROUP_OPERATOR_NOT_SUPPORTED",
      { json_path: "$.query.criteria" },
    ],
    ["code/message/status", { code: "PAGE_RANGE_EXCEEDED", message: "too far", status: "error" }, "PAGE_RANGE_EXCEEDED", undefined],
  ])("reads an error body %s into a ZohoApiError, without retrying a 400", async (_label, body, code, details) => {
    const server = await serve((_request, res) => sendJson(res, 400, body));
    const { runner, delays } = runnerFor(server);
    const error = (await rejectionOf(runner.createJob({ query: {} }))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(400);
    expect(error.details).toEqual(details);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(code);
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it.each([
    ["HTML", "text/html", "<html><body>Bad Gateway</body></html>"],
    ["null", "application/json", "null"],
    ["an array", "application/json", "[1,2]"],
    ["a string", "application/json", '"x"'],
    ["data that is not an array", "application/json", '{"data":"x"}'],
    ["a non-string code", "application/json", '{"code":{"a":1},"message":2}'],
    ["truncated JSON", "application/json", '{"data":[{"code":"INV'],
    ["an empty body", "application/json", ""],
  ])("turns %s into UNEXPECTED_RESPONSE with the HTTP status", async (_label, type, text) => {
    const server = await serve((_request, res) => {
      res.writeHead(418, { "content-type": type });
      res.end(text);
    });
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.code).toBe("UNEXPECTED_RESPONSE");
    expect(error.status).toBe(418);
    expect(server.requests).toHaveLength(1);
  });
});

describe("retries", () => {
  it("retries a 500 with backoff and then succeeds", async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length <= 2) sendJson(res, 500, { code: "INTERNAL_ERROR", message: "x", status: "error" });
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    const lines: string[] = [];
    const { runner, delays } = runnerFor(server, { log: (line) => lines.push(line) });
    const job = await runner.getJob(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(server.requests).toHaveLength(3);
    // Full jitter with random() = 0.5: half of min(max, base * 2^attempt).
    expect(delays).toEqual([50, 100]);
    expect(lines.filter((line) => line.includes("retry"))).toHaveLength(2);
  });

  it("caps each delay at maxDelayMs", async () => {
    const server = await serve((_request, res) => sendJson(res, 503, { code: "INTERNAL_ERROR", message: "x", status: "error" }));
    const { runner, delays } = runnerFor(server, { retry: { limit: 5, baseDelayMs: 100, maxDelayMs: 300 }, random: () => 0.999 });
    await rejectionOf(runner.getJob(JOB_ID));
    expect(delays).toEqual([99, 199, 299, 299, 299]);
  });

  it("gives up after the retry limit with a retryable ZohoApiError", async () => {
    const server = await serve((_request, res) => sendJson(res, 503, { code: "INTERNAL_ERROR", message: "busy", status: "error" }));
    const { runner, delays } = runnerFor(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("after 3 attempts");
    expect(server.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it("retries 429 TOO_MANY_REQUESTS on API calls", async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length === 1) sendJson(res, 429, { code: "TOO_MANY_REQUESTS", message: "slow down", status: "error" });
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    const { runner } = runnerFor(server);
    expect((await runner.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a GET whose response broke off", async () => {
    const server = await serve((_request, res, req) => {
      if (server.requests.length === 1) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"data":[', () => req.socket.destroy());
      } else sendJson(res, 200, jobBody(JOB_ID));
    });
    const { runner } = runnerFor(server);
    expect((await runner.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(server.requests).toHaveLength(2);
  });

  it("gives up on repeated connection resets with NETWORK_ERROR and no secret", async () => {
    const server = await serve((_request, _res, req) => req.socket.destroy());
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error).toBeInstanceOf(RunnerError);
    expect(error.code).toBe("NETWORK_ERROR");
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(3);
    expectNoSecrets(error, SECRETS);
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object)).not.toContain("options");
  });

  it("times out a request that gets no answer, retries, then throws TIMEOUT", async () => {
    const server = await serve(() => {
      // Never answer.
    });
    const { runner } = runnerFor(server, { timeoutMs: 50, retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error).toBeInstanceOf(RunnerError);
    expect(error.code).toBe("TIMEOUT");
    expect(server.requests).toHaveLength(2);
    expectNoSecrets(error, SECRETS);
  });

  it("stops at once when the signal aborts, with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const server = await serve(() => controller.abort(reason));
    const { runner } = runnerFor(server);
    const error = await rejectionOf(runner.getJob(JOB_ID, { signal: controller.signal }));
    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it("does not even start with an aborted signal", async () => {
    const server = await serve((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = runnerFor(server);
    const reason = new Error("already");
    const error = await rejectionOf(runner.getJob(JOB_ID, { signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});

describe("downloadResult", () => {
  const zipBytes = randomBytes(300_000);

  it("streams the body of the relative download_url from the API domain", async () => {
    const server = await serve((_request, res) => {
      res.writeHead(200, { "content-type": "application/x-download" });
      res.end(zipBytes);
    });
    const { runner } = runnerFor(server);
    const stream = await runner.downloadResult(JOB_ID, `/crm/bulk/v8/read/${JOB_ID}/result`);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(zipBytes)).toBe(true);
    expect(server.requests[0]?.path).toBe(`/crm/bulk/v8/read/${JOB_ID}/result`);
    expect(server.requests[0]?.headers.authorization).toBe(`Zoho-oauthtoken ${ACCESS}`);
  });

  it("builds the result path from the job id when no download_url is given", async () => {
    const server = await serve((_request, res) => res.end(zipBytes));
    const { runner } = runnerFor(server);
    expect((await collectBytes(await runner.downloadResult(JOB_ID))).equals(zipBytes)).toBe(true);
    expect(server.requests[0]?.path).toBe(`/crm/bulk/v8/read/${JOB_ID}/result`);
  });

  it("waits downloadThrottleWaitMs after a 429 and retries", async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length === 1) sendJson(res, 429, { code: "TOO_MANY_REQUESTS", message: "10 per minute", status: "error" });
      else res.end(zipBytes);
    });
    const { runner, delays } = runnerFor(server);
    const stream = await runner.downloadResult(JOB_ID);
    expect((await collectBytes(stream)).equals(zipBytes)).toBe(true);
    expect(delays).toEqual([60_000]);
    expect(server.requests).toHaveLength(2);
  });

  it("gives up after maxDownloadThrottleWaits", async () => {
    const server = await serve((_request, res) => sendJson(res, 429, { code: "TOO_MANY_REQUESTS", message: "10 per minute", status: "error" }));
    const { runner, delays } = runnerFor(server, { downloadThrottleWaitMs: 7, maxDownloadThrottleWaits: 2 });
    const error = (await rejectionOf(runner.downloadResult(JOB_ID))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.code).toBe("TOO_MANY_REQUESTS");
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(delays).toEqual([7, 7]);
    expect(server.requests).toHaveLength(3);
  });

  it("retries a download on 5xx", async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length === 1) sendJson(res, 502, { code: "INTERNAL_ERROR", message: "x", status: "error" });
      else res.end(zipBytes);
    });
    const { runner } = runnerFor(server);
    expect((await collectBytes(await runner.downloadResult(JOB_ID))).equals(zipBytes)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it("turns 204 into a clear NO_CONTENT error", async () => {
    const server = await serve((_request, res) => {
      res.writeHead(204);
      res.end();
    });
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.downloadResult(JOB_ID))) as ZohoApiError;
    expect(error.code).toBe("NO_CONTENT");
    expect(error.status).toBe(204);
    expect(error.message).toMatch(/COMPLETED/);
    expect(server.requests).toHaveLength(1);
  });

  it("turns 404 RESOURCE_NOT_FOUND into a ZohoApiError without retrying", async () => {
    const server = await serve((_request, res) =>
      sendJson(res, 404, { code: "RESOURCE_NOT_FOUND", message: "The requested resource doesn't exist.", status: "error", details: {} }),
    );
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.downloadResult(JOB_ID))) as ZohoApiError;
    expect(error.code).toBe("RESOURCE_NOT_FOUND");
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/one day/);
    expect(server.requests).toHaveLength(1);
  });

  it("explains a bare 404 too", async () => {
    const server = await serve((_request, res) => {
      res.writeHead(404);
      res.end();
    });
    const { runner } = runnerFor(server);
    const error = (await rejectionOf(runner.downloadResult(JOB_ID))) as ZohoApiError;
    expect(error.code).toBe("UNEXPECTED_RESPONSE");
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/one day/);
  });

  describe("refuses a download_url on another origin, before any request and without the token", () => {
    it.each([
      ["absolute", (evil: TestServer) => `${evil.origin}/crm/bulk/v8/read/${JOB_ID}/result`],
      ["protocol-relative", (evil: TestServer) => `//${new URL(evil.origin).host}/crm/bulk/v8/read/${JOB_ID}/result`],
      ["with credentials", (evil: TestServer) => `${evil.origin.replace("//", "//user:pw@")}/x`],
    ])("%s", async (_label, tamper) => {
      const server = await serve((_request, res) => res.end(zipBytes));
      const evil = await serve((_request, res) => res.end(zipBytes));
      const { runner } = runnerFor(server);
      const error = (await rejectionOf(runner.downloadResult(JOB_ID, tamper(evil)))) as RunnerError;
      expect(error).toBeInstanceOf(RunnerError);
      expect(error.code).toBe("DOWNLOAD_HOST_REFUSED");
      expect(error.message).toContain(server.origin);
      expect(evil.requests).toHaveLength(0);
      expect(server.requests).toHaveLength(0);
      expectNoSecrets(error, SECRETS);
    });

    it("also when the API domain comes from the token response", async () => {
      const evil = await serve((_request, res) => res.end(zipBytes));
      const api = await serve((_request, res) => res.end(zipBytes));
      const accounts = await serve((_request, res) =>
        sendJson(res, 200, { access_token: ACCESS, api_domain: api.origin, expires_in: 3600, token_type: "Bearer" }),
      );
      const { sleep } = recordingSleep();
      const runner = createZohoRunner({
        accountsUrl: accounts.origin,
        auth: { clientId: "client-id", clientSecret: "client-SECRET-2222", refreshToken: "refresh-SECRET-3333" },
        sleep,
      });
      const error = (await rejectionOf(runner.downloadResult(JOB_ID, `${evil.origin}/crm/bulk/v8/read/${JOB_ID}/result`))) as RunnerError;
      expect(error.code).toBe("DOWNLOAD_HOST_REFUSED");
      expect(evil.requests).toHaveLength(0);
      expect(api.requests).toHaveLength(0);
      expectNoSecrets(error, [ACCESS, "client-SECRET-2222", "refresh-SECRET-3333"]);
    });
  });

  describe("a reset mid-download surfaces from the iteration", () => {
    it.each([
      ["with a content-length", { "content-length": String(1_000_000) }],
      ["chunked", {}],
    ])("%s", async (_label, headers) => {
      let socketClosed!: Promise<void>;
      const server = await serve((_request, res, req) => {
        socketClosed = new Promise((resolve) => req.socket.once("close", () => resolve()));
        res.writeHead(200, { "content-type": "application/x-download", ...headers });
        res.write(zipBytes.subarray(0, 64 * 1024), () => req.socket.destroy());
      });
      const { runner } = runnerFor(server);
      const stream = await runner.downloadResult(JOB_ID);
      // Let the reset happen before the consumer starts: the error must wait for it, not crash.
      await socketClosed;
      let received = 0;
      const error = await rejectionOf(
        (async () => {
          for await (const chunk of stream) received += chunk.length;
        })(),
      );
      expect(error).toBeInstanceOf(RunnerError);
      expect((error as RunnerError).code).toBe("DOWNLOAD_INTERRUPTED");
      expect((error as RunnerError).retryable).toBe(true);
      expect(received).toBeLessThan(zipBytes.length);
      expect(server.requests).toHaveLength(1);
      expectNoSecrets(error, SECRETS);
    });
  });
});

describe("options", () => {
  it.each([
    [{ apiDomain: "https://www.zohoapis.com/crm" }],
    [{ apiDomain: "not a url" }],
    [{ apiVersion: "8" }],
    [{ timeoutMs: 0 }],
    [{ timeoutMs: Number.NaN }],
    [{ retry: { limit: 1.5 } }],
    [{ retry: { baseDelayMs: -1 } }],
    [{ downloadThrottleWaitMs: -1 }],
    [{ maxDownloadThrottleWaits: 0.5 }],
    [{ dataCenter: "uk" as never }],
    [{ auth: { accessToken: "" } }],
  ])("refuses %j with INVALID_OPTIONS", (options) => {
    expect(() => createZohoRunner({ auth: { accessToken: ACCESS }, ...options })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS" }) as Error,
    );
  });
});

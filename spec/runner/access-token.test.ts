import { describe, expect, it } from "vitest";
import { RunnerError, ZohoApiError } from "../../src/runner/zoho-api-error.js";
import { createZohoRunner, type ZohoRunnerOptions } from "../../src/runner/zoho-runner.js";
import {
  expectNoSecrets,
  jobBody,
  recordingSleep,
  rejectionOf,
  sendJson,
  serverPerTest,
  type Handler,
  type RecordedRequest,
  type TestServer,
} from "./helpers.js";

const CLIENT_ID = "1000.CLIENTID";
const CLIENT_SECRET = "client-SECRET-2222";
const REFRESH_TOKEN = "refresh-SECRET-3333";
const TOKENS = ["access-SECRET-A1", "access-SECRET-A2", "access-SECRET-A3", "access-SECRET-A4"];
const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN, ...TOKENS];
const JOB_ID = "4150868000004716016";

const serve = serverPerTest();

const isTokenRequest = (request: RecordedRequest): boolean => request.path === "/oauth/v2/token";

/**
 * One server playing both Zoho Accounts (/oauth/v2/token, issuing TOKENS in turn) and the API
 * (answered by `api`).
 */
async function zoho(api: (request: RecordedRequest, res: Parameters<Handler>[1]) => void, tokenAnswer?: Handler) {
  let issued = 0;
  const server = await serve((request, res, req) => {
    if (isTokenRequest(request)) {
      if (tokenAnswer !== undefined) return tokenAnswer(request, res, req);
      const token = TOKENS[issued++];
      return sendJson(res, 200, { access_token: token, api_domain: server.origin, expires_in: 3600, token_type: "Bearer" });
    }
    return api(request, res);
  });
  const tokenRequests = () => server.requests.filter(isTokenRequest);
  const apiRequests = () => server.requests.filter((request) => !isTokenRequest(request));
  return { server, tokenRequests, apiRequests };
}

function refreshRunner(server: TestServer, options: Partial<ZohoRunnerOptions> = {}) {
  const lines: string[] = [];
  const { sleep, delays } = recordingSleep();
  const runner = createZohoRunner({
    accountsUrl: server.origin,
    apiDomain: server.origin,
    auth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN },
    sleep,
    random: () => 0.5,
    retry: { limit: 2, baseDelayMs: 10, maxDelayMs: 100 },
    log: (line) => lines.push(line),
    ...options,
  });
  return { runner, lines, delays };
}

const invalidToken = { code: "INVALID_TOKEN", details: {}, message: "invalid oauth token", status: "error" };

describe("refresh-token auth", () => {
  it("refreshes with a form-encoded POST, then calls the API with the new token", async () => {
    const { server, tokenRequests, apiRequests } = await zoho((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = refreshRunner(server);
    await runner.getJob(JOB_ID);
    const [tokenRequest] = tokenRequests();
    expect(tokenRequest?.method).toBe("POST");
    expect(tokenRequest?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: "refresh_token",
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
    });
    expect(apiRequests()[0]?.headers.authorization).toBe(`Zoho-oauthtoken ${TOKENS[0]}`);
  });

  it("caches the token until shortly before it expires", async () => {
    let now = 1_000_000;
    const { server, tokenRequests } = await zoho((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = refreshRunner(server, { now: () => now });
    await runner.getJob(JOB_ID);
    now += 3_000_000; // 50 min later: still cached
    await runner.getJob(JOB_ID);
    expect(tokenRequests()).toHaveLength(1);
    now += 560_000; // 59m20s: within the margin before the hour is up
    await runner.getJob(JOB_ID);
    expect(tokenRequests()).toHaveLength(2);
  });

  it("single-flights concurrent refreshes", async () => {
    const { server, tokenRequests, apiRequests } = await zoho((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const { runner } = refreshRunner(server);
    await Promise.all(Array.from({ length: 5 }, () => runner.getJob(JOB_ID)));
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(5);
  });

  it("on 401 INVALID_TOKEN refreshes once and retries once", async () => {
    const { server, tokenRequests, apiRequests } = await zoho((request, res) => {
      if (request.headers.authorization === `Zoho-oauthtoken ${TOKENS[0]}`) sendJson(res, 401, invalidToken);
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    const { runner, lines } = refreshRunner(server);
    const job = await runner.getJob(JOB_ID);
    expect(job.id).toBe(JOB_ID);
    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests().map((request) => request.headers.authorization)).toEqual([
      `Zoho-oauthtoken ${TOKENS[0]}`,
      `Zoho-oauthtoken ${TOKENS[1]}`,
    ]);
    for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
  });

  it("a second 401 right after the refresh is an error, not a loop", async () => {
    const { server, tokenRequests, apiRequests } = await zoho((_request, res) => sendJson(res, 401, invalidToken));
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.createJob({ query: {} }))) as ZohoApiError;
    expect(error).toBeInstanceOf(ZohoApiError);
    expect(error.code).toBe("INVALID_TOKEN");
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/freshly refreshed/);
    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests()).toHaveLength(2);
    expectNoSecrets(error, SECRETS);
  });

  it("does not refresh on 401 OAUTH_SCOPE_MISMATCH", async () => {
    const { server, tokenRequests, apiRequests } = await zoho((_request, res) =>
      sendJson(res, 401, { code: "OAUTH_SCOPE_MISMATCH", message: "scope", status: "error", details: {} }),
    );
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error.code).toBe("OAUTH_SCOPE_MISMATCH");
    expect(error.message).toMatch(/scopes/);
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(1);
  });

  it.each([
    ["HTTP 200 invalid_code", 200, { error: "invalid_code" }],
    ["HTTP 400 invalid_client", 400, { error: "invalid_client" }],
  ])("a refused refresh (%s) is TOKEN_REFRESH_REFUSED, saying to re-authorise, with no secret", async (_label, status, body) => {
    const { server, tokenRequests, apiRequests } = await zoho(
      (_request, res) => sendJson(res, 200, jobBody(JOB_ID)),
      (_request, res) => sendJson(res, status, body),
    );
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error).toBeInstanceOf(RunnerError);
    expect(error.code).toBe("TOKEN_REFRESH_REFUSED");
    expect(error.message).toMatch(/re-authorise|check them/);
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(0);
    expectNoSecrets(error, SECRETS);
  });

  it("Zoho's 'Access Denied' throttle answer (HTTP 200) is TOKEN_REFRESH_THROTTLED", async () => {
    const { server } = await zoho(
      (_request, res) => sendJson(res, 200, jobBody(JOB_ID)),
      (_request, res) =>
        sendJson(res, 200, { error_description: "You have made too many requests continuously.", error: "Access Denied", status: "failure" }),
    );
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error.code).toBe("TOKEN_REFRESH_THROTTLED");
    expect(error.retryable).toBe(true);
  });

  it("retries the token endpoint on 5xx", async () => {
    let calls = 0;
    const { server, tokenRequests } = await zoho(
      (_request, res) => sendJson(res, 200, jobBody(JOB_ID)),
      (_request, res) => {
        calls++;
        if (calls === 1) sendJson(res, 503, { error: "unavailable" });
        else sendJson(res, 200, { access_token: TOKENS[0], expires_in: 3600 });
      },
    );
    const { runner, delays } = refreshRunner(server);
    expect((await runner.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(tokenRequests()).toHaveLength(2);
    expect(delays).toEqual([5]);
  });

  it("a network failure at the token endpoint leaks neither the client secret nor the refresh token", async () => {
    const { server, tokenRequests } = await zoho(
      (_request, res) => sendJson(res, 200, jobBody(JOB_ID)),
      (_request, _res, req) => req.socket.destroy(),
    );
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error).toBeInstanceOf(RunnerError);
    expect(error.code).toBe("TOKEN_REFRESH_FAILED");
    expect(tokenRequests()).toHaveLength(3);
    expectNoSecrets(error, SECRETS);
  });

  it("a garbage token response is TOKEN_REFRESH_FAILED, not a crash", async () => {
    const { server } = await zoho(
      (_request, res) => sendJson(res, 200, jobBody(JOB_ID)),
      (_request, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<html>maintenance</html>");
      },
    );
    const { runner } = refreshRunner(server);
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error.code).toBe("TOKEN_REFRESH_FAILED");
    expect(error.message).toContain("maintenance");
  });
});

describe("fixed and callback auth", () => {
  it("a fixed access token is not refreshed on 401", async () => {
    const server = await serve((_request, res) => sendJson(res, 401, invalidToken));
    const runner = createZohoRunner({ apiDomain: server.origin, auth: { accessToken: TOKENS[0] as string } });
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error.code).toBe("INVALID_TOKEN");
    expect(error.message).toMatch(/refresh-token auth/);
    expect(server.requests).toHaveLength(1);
    expectNoSecrets(error, SECRETS);
  });

  it("getAccessToken() is asked again once after a 401", async () => {
    const server = await serve((request, res) => {
      if (request.headers.authorization === `Zoho-oauthtoken ${TOKENS[0]}`) sendJson(res, 401, invalidToken);
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    let calls = 0;
    const runner = createZohoRunner({
      apiDomain: server.origin,
      auth: { getAccessToken: async () => TOKENS[calls++] as string },
    });
    expect((await runner.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(calls).toBe(2);
    expect(server.requests).toHaveLength(2);
  });
});

describe("callback auth after a 401: getAccessToken({ rejected })", () => {
  /** A caller-owned token cache: the same token until the runner says Zoho refused it. */
  function callerCache() {
    const contexts: unknown[] = [];
    let current = 0;
    const getAccessToken = async (context?: { rejected?: string }): Promise<string> => {
      contexts.push(context);
      if (context?.rejected !== undefined && context.rejected === TOKENS[current]) current++;
      return TOKENS[current] as string;
    };
    return { contexts, getAccessToken };
  }

  it("asks once with the refused token and retries with the fresh one", async () => {
    const server = await serve((request, res) => {
      if (request.headers.authorization === `Zoho-oauthtoken ${TOKENS[0]}`) sendJson(res, 401, invalidToken);
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    const cache = callerCache();
    const runner = createZohoRunner({ apiDomain: server.origin, auth: { getAccessToken: cache.getAccessToken } });
    expect((await runner.getJob(JOB_ID)).id).toBe(JOB_ID);
    expect(cache.contexts).toEqual([undefined, { rejected: TOKENS[0] }]);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Zoho-oauthtoken ${TOKENS[0]}`, `Zoho-oauthtoken ${TOKENS[1]}`]);
  });

  it("never refreshes in a loop: a 401 for the fresh token too is an error after one retry", async () => {
    const server = await serve((_request, res) => sendJson(res, 401, invalidToken));
    const cache = callerCache();
    const runner = createZohoRunner({ apiDomain: server.origin, auth: { getAccessToken: cache.getAccessToken } });
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as ZohoApiError;
    expect(error).toMatchObject({ name: "ZohoApiError", code: "INVALID_TOKEN" });
    expect(error.message).toMatch(/even with a freshly refreshed access token/);
    expect(cache.contexts.filter((c) => c !== undefined)).toEqual([{ rejected: TOKENS[0] }]);
    expect(server.requests).toHaveLength(2);
    expectNoSecrets(error, SECRETS);
  });

  it("concurrent requests refused with the same token ask for a fresh one once", async () => {
    const server = await serve((request, res) => {
      if (request.headers.authorization === `Zoho-oauthtoken ${TOKENS[0]}`) sendJson(res, 401, invalidToken);
      else sendJson(res, 200, jobBody(JOB_ID));
    });
    const cache = callerCache();
    const runner = createZohoRunner({ apiDomain: server.origin, auth: { getAccessToken: cache.getAccessToken } });
    const jobs = await Promise.all([runner.getJob(JOB_ID), runner.getJob(JOB_ID), runner.getJob(JOB_ID)]);
    expect(jobs.map((job) => job.id)).toEqual([JOB_ID, JOB_ID, JOB_ID]);
    expect(cache.contexts.filter((c) => c !== undefined)).toEqual([{ rejected: TOKENS[0] }]);
  });

  it("a getAccessToken that returns the refused token again is told to return a fresh one", async () => {
    const server = await serve((_request, res) => sendJson(res, 401, invalidToken));
    const runner = createZohoRunner({ apiDomain: server.origin, auth: { getAccessToken: async () => TOKENS[0] as string } });
    const error = (await rejectionOf(runner.getJob(JOB_ID))) as RunnerError;
    expect(error).toMatchObject({ name: "RunnerError", code: "TOKEN_REFRESH_FAILED" });
    expect(error.message).toMatch(/getAccessToken\(\{ rejected \}\) returned the token Zoho refused.*fresh/);
    expect(server.requests).toHaveLength(1);
    expectNoSecrets(error, SECRETS);
  });
});

describe("API domain precedence", () => {
  async function setup() {
    const explicit = await serve((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const returned = await serve((_request, res) => sendJson(res, 200, jobBody(JOB_ID)));
    const accounts = await serve((_request, res) =>
      sendJson(res, 200, { access_token: TOKENS[0], api_domain: returned.origin, expires_in: 3600, token_type: "Bearer" }),
    );
    const auth = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN };
    return { explicit, returned, accounts, auth };
  }

  it("an explicit apiDomain wins over the token response's api_domain", async () => {
    const { explicit, returned, accounts, auth } = await setup();
    await createZohoRunner({ apiDomain: explicit.origin, accountsUrl: accounts.origin, auth }).getJob(JOB_ID);
    expect(explicit.requests).toHaveLength(1);
    expect(returned.requests).toHaveLength(0);
  });

  it("without one, the token response's api_domain is used", async () => {
    const { explicit, returned, accounts, auth } = await setup();
    await createZohoRunner({ accountsUrl: accounts.origin, auth }).getJob(JOB_ID);
    expect(returned.requests).toHaveLength(1);
    expect(explicit.requests).toHaveLength(0);
  });

  it("an insecure api_domain in the token response is ignored (falls back to the DC table)", async () => {
    const accounts = await serve((_request, res) =>
      sendJson(res, 200, { access_token: TOKENS[0], api_domain: "http://zohoapis.example", expires_in: 3600 }),
    );
    const runner = createZohoRunner({
      accountsUrl: accounts.origin,
      dataCenter: "in",
      auth: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN },
    });
    const error = (await rejectionOf(runner.downloadResult(JOB_ID, "http://127.0.0.1:9/x"))) as RunnerError;
    expect(error.code).toBe("DOWNLOAD_HOST_REFUSED");
    expect(error.message).toContain("https://www.zohoapis.in");
  });

  it.each([
    ["eu", "production", "https://www.zohoapis.eu"],
    ["au", "sandbox", "https://sandbox.zohoapis.com.au"],
    ["ca", "developer", "https://developer.zohoapis.ca"],
  ] as const)("otherwise the DC table: %s/%s -> %s", async (dataCenter, environment, origin) => {
    const runner = createZohoRunner({ dataCenter, environment, auth: { accessToken: TOKENS[0] as string } });
    const error = (await rejectionOf(runner.downloadResult(JOB_ID, "http://127.0.0.1:9/x"))) as RunnerError;
    expect(error.code).toBe("DOWNLOAD_HOST_REFUSED");
    expect(error.message).toContain(origin);
  });
});

// Access tokens for Zoho's API.
//
// Three ways to authenticate: a fixed access token, a refresh token (the runner refreshes at
// `{accountsUrl}/oauth/v2/token`), or a callback owned by the caller. Refreshed tokens are cached
// until shortly before they expire, and concurrent refreshes share one request (single flight):
// Zoho allows only 10 access tokens per refresh token per 10 minutes and answers "Access Denied"
// beyond that, so parallel refreshes would burn the budget. The runner invalidates a token that
// the API rejected and refreshes once; it never refreshes in a loop (see zoho-runner.ts). With
// callback auth the caller refreshes: it is asked once with the refused token.

import type { Got } from "got";
import { redactSecrets, sanitizeCause } from "./redact.js";
import { backoffDelay, classifyTransportError, type RetryOptions, type Sleep } from "./retry-policy.js";
import { RunnerError } from "./zoho-api-error.js";
import { parseJsonSafely, snippet } from "./zoho-response.js";

/** What the runner tells `getAccessToken` (see ZohoAuth). */
export interface AccessTokenContext {
  /** Zoho refused this token (HTTP 401 INVALID_TOKEN): return a fresh one, not this one. */
  rejected?: string;
}

/**
 * How the Zoho runner authenticates:
 * - `{ accessToken }`: a fixed token. It is never refreshed; a 401 is an error.
 * - `{ clientId, clientSecret, refreshToken }`: the runner refreshes at the accounts server,
 *   caches the token until shortly before it expires, and shares one refresh between
 *   concurrent requests.
 * - `{ getAccessToken(context?) }`: the caller owns the token (its cache, its refreshes). The
 *   runner calls `getAccessToken()` before each request and expects the current token. When
 *   Zoho answers 401 INVALID_TOKEN, the runner calls it once with `{ rejected: <the refused
 *   token> }`, and the function must return a fresh token (refresh it; returning the refused
 *   one again is a `TOKEN_REFRESH_FAILED` error). The request is retried once with it; a second
 *   401 is an error, never a refresh loop. Concurrent requests refused with the same token
 *   share one such call.
 */
export type ZohoAuth =
  | { accessToken: string }
  | { clientId: string; clientSecret: string; refreshToken: string }
  | { getAccessToken(context?: AccessTokenContext): Promise<string> };

export interface AccessTokenSource {
  /** A valid-looking token: cached, or fetched (one request for all concurrent callers). */
  get(signal?: AbortSignal): Promise<string>;
  /** The API rejected `token`: forget it so the next `get` fetches a new one. */
  invalidate(token: string): void;
  /** False for a fixed access token: nothing can replace it. */
  readonly canRefresh: boolean;
  /** `api_domain` from the last token response, when it was a usable https origin. */
  readonly apiDomain: string | undefined;
  /** True when token responses may carry an `api_domain` (refresh-token auth). */
  readonly reportsApiDomain: boolean;
  /** Strings that must never appear in errors or logs. */
  secrets(): readonly string[];
}

export interface AccessTokenSourceOptions {
  accountsUrl: string;
  http: Got;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  log: (line: string) => void;
}

/** Zoho issues tokens for an hour; without `expires_in`, assume this much. */
const DEFAULT_LIFETIME_MS = 3_600_000;
/** Stop using a token this long before it expires, so it does not expire in flight. */
const EXPIRY_MARGIN_MS = 60_000;
/** Remember this many issued tokens for redaction. */
const REMEMBERED_TOKENS = 8;

export function createAccessTokenSource(auth: ZohoAuth, options: AccessTokenSourceOptions): AccessTokenSource {
  if ("accessToken" in auth) return fixedToken(auth.accessToken);
  if ("getAccessToken" in auth) return callbackToken(auth.getAccessToken.bind(auth));
  return refreshingToken(auth, options);
}

function fixedToken(accessToken: string): AccessTokenSource {
  return {
    get: async () => accessToken,
    invalidate: () => undefined,
    canRefresh: false,
    apiDomain: undefined,
    reportsApiDomain: false,
    secrets: () => [accessToken],
  };
}

function callbackToken(getAccessToken: (context?: AccessTokenContext) => Promise<string>): AccessTokenSource {
  // The caller owns caching and refreshing: we ask for the current token, or (once per refused
  // token) for a fresh one. We remember tokens only to redact them.
  const seen: string[] = [];
  /** Tokens already reported refused: a second 401 with one of them asks nothing new. */
  const refused: string[] = [];
  /** A refused token whose replacement the next `get` asks for. */
  let pending: string | undefined;
  /** The call asking for a replacement: concurrent requests wait on it. */
  let replacing: Promise<string> | undefined;

  async function ask(context?: AccessTokenContext): Promise<string> {
    const token = await (context === undefined ? getAccessToken() : getAccessToken(context));
    if (typeof token !== "string" || token.length === 0) {
      throw new RunnerError("INVALID_OPTIONS", "auth.getAccessToken() did not return a non-empty string: return the current Zoho access token.");
    }
    if (context?.rejected !== undefined && token === context.rejected) {
      throw new RunnerError(
        "TOKEN_REFRESH_FAILED",
        "auth.getAccessToken({ rejected }) returned the token Zoho refused (HTTP 401 INVALID_TOKEN): when `rejected` is set, refresh and return a fresh access token.",
      );
    }
    remember(seen, token);
    return token;
  }

  return {
    get(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (pending !== undefined) {
        const rejected = pending;
        pending = undefined;
        replacing = ask({ rejected }).finally(() => {
          replacing = undefined;
        });
      }
      return raceSignal(replacing ?? ask(), signal);
    },
    invalidate(token) {
      if (refused.includes(token)) return;
      remember(refused, token);
      pending = token;
    },
    canRefresh: true,
    apiDomain: undefined,
    reportsApiDomain: false,
    secrets: () => seen,
  };
}

function remember(list: string[], token: string): void {
  if (list.includes(token)) return;
  list.push(token);
  if (list.length > REMEMBERED_TOKENS) list.shift();
}

interface CachedToken {
  token: string;
  usableUntil: number;
}

function refreshingToken(
  auth: { clientId: string; clientSecret: string; refreshToken: string },
  options: AccessTokenSourceOptions,
): AccessTokenSource {
  const issued: string[] = [];
  let cached: CachedToken | undefined;
  let inFlight: Promise<string> | undefined;
  let apiDomain: string | undefined;
  const secrets = (): readonly string[] => [auth.clientSecret, auth.refreshToken, ...issued];

  async function refresh(): Promise<string> {
    const tokenUrl = new URL("/oauth/v2/token", options.accountsUrl).toString();
    options.log(`zoho-bulk-read: refreshing the access token at ${tokenUrl}`);
    const { status, body } = await postWithRetry(tokenUrl, auth, options, secrets);
    const parsed = parseJsonSafely(body);
    const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const accessToken = record["access_token"];
    if (status >= 200 && status < 300 && typeof accessToken === "string" && accessToken.length > 0) {
      remember(issued, accessToken);
      const lifetimeMs = lifetimeOf(record);
      cached = { token: accessToken, usableUntil: options.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10) };
      apiDomain = usableApiDomain(record["api_domain"], options.log) ?? apiDomain;
      return accessToken;
    }
    throw refreshError(status, record, body, options.accountsUrl, secrets());
  }

  return {
    get(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (cached !== undefined && options.now() < cached.usableUntil) return Promise.resolve(cached.token);
      // Single flight: every caller waits on the same request. A caller's signal only stops
      // that caller from waiting; it does not abort the refresh others are waiting for.
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return raceSignal(inFlight, signal);
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
    canRefresh: true,
    get apiDomain() {
      return apiDomain;
    },
    reportsApiDomain: true,
    secrets,
  };
}

/** Seconds in `expires_in` (older Zoho answers put milliseconds there and seconds in `expires_in_sec`). */
function lifetimeOf(record: Record<string, unknown>): number {
  const seconds = record["expires_in_sec"];
  if (typeof seconds === "number" && seconds > 0) return seconds * 1000;
  const expiresIn = record["expires_in"];
  if (typeof expiresIn === "number" && expiresIn > 0) return expiresIn > 86_400 ? expiresIn : expiresIn * 1000;
  return DEFAULT_LIFETIME_MS;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * `api_domain` from the token response, as an origin. Tokens will be sent there, so only an
 * https origin (or http on loopback, for local test servers) without credentials is accepted.
 */
function usableApiDomain(value: unknown, log: (line: string) => void): string | undefined {
  if (typeof value !== "string") return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    log("zoho-bulk-read: ignoring an api_domain in the token response that is not a URL");
    return undefined;
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || url.username !== "" || url.password !== "") {
    log(`zoho-bulk-read: ignoring api_domain ${url.origin} from the token response: not an https origin`);
    return undefined;
  }
  return url.origin;
}

function refreshError(
  status: number,
  record: Record<string, unknown>,
  body: string,
  accountsUrl: string,
  secrets: readonly string[],
): RunnerError {
  const error = typeof record["error"] === "string" ? redactSecrets(record["error"], secrets).slice(0, 100) : undefined;
  const description =
    typeof record["error_description"] === "string" ? ` (${redactSecrets(record["error_description"], secrets).slice(0, 300)})` : "";
  if (error !== undefined && /access denied/i.test(error)) {
    // Zoho's throttle answer, sometimes with HTTP 200: at most 10 tokens per refresh token per 10 min.
    return new RunnerError(
      "TOKEN_REFRESH_THROTTLED",
      `Zoho's accounts server refused to issue another access token (HTTP ${status}, Access Denied${description}): ` +
        "it allows about 10 per refresh token per 10 minutes. Wait up to 10 minutes, and share one runner (one token cache) instead of refreshing in parallel processes.",
      { retryable: true },
    );
  }
  if (error !== undefined) {
    const hint =
      error === "invalid_client"
        ? `the client id/secret are not known to ${accountsUrl}: check them and the data center (dataCenter/accountsUrl)`
        : `the refresh token is revoked, expired, or belongs to another client or data center than ${accountsUrl}: re-authorise to get a new refresh token (and check the data center)`;
    return new RunnerError("TOKEN_REFRESH_REFUSED", `Zoho refused to refresh the access token (HTTP ${status}, ${error}${description}): ${hint}.`);
  }
  return new RunnerError(
    "TOKEN_REFRESH_FAILED",
    `The token refresh at ${accountsUrl} got HTTP ${status} without an access token (body starts: ${JSON.stringify(snippet(body, secrets))}). ` +
      (status >= 500 ? "Retry later." : "Check accountsUrl / dataCenter."),
    { retryable: status >= 500 },
  );
}

async function postWithRetry(
  tokenUrl: string,
  auth: { clientId: string; clientSecret: string; refreshToken: string },
  options: AccessTokenSourceOptions,
  secrets: () => readonly string[],
): Promise<{ status: number; body: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await options.http.post(tokenUrl, {
        form: {
          grant_type: "refresh_token",
          client_id: auth.clientId,
          client_secret: auth.clientSecret,
          refresh_token: auth.refreshToken,
        },
        responseType: "text",
        throwHttpErrors: false,
        followRedirect: false,
        retry: { limit: 0 },
        timeout: { request: options.timeoutMs },
      });
      if (response.statusCode >= 500 && attempt < options.retry.limit) {
        await pause(attempt, `HTTP ${response.statusCode}`, options);
        continue;
      }
      return { status: response.statusCode, body: response.body };
    } catch (error) {
      // Never rethrow got's error: its `options` hold the form body with the client secret.
      const failure = classifyTransportError(error);
      if (failure !== undefined && attempt < options.retry.limit) {
        await pause(attempt, failure.code, options);
        continue;
      }
      throw new RunnerError(
        failure?.timeout ? "TIMEOUT" : "TOKEN_REFRESH_FAILED",
        `The token refresh at ${tokenUrl} failed after ${attempt + 1} attempt(s): ${redactSecrets(
          error instanceof Error ? error.message : String(error),
          secrets(),
        )}. Check the network and accountsUrl / dataCenter.`,
        { retryable: failure !== undefined, cause: sanitizeCause(error, secrets()) },
      );
    }
  }
}

async function pause(attempt: number, reason: string, options: AccessTokenSourceOptions): Promise<void> {
  const delay = backoffDelay(attempt, options.retry, options.random);
  options.log(`zoho-bulk-read: token refresh failed (${reason}); retry ${attempt + 1}/${options.retry.limit} in ${delay} ms`);
  await options.sleep(delay);
}

/** Waits for `promise`, but rejects with `signal.reason` as soon as the signal aborts. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

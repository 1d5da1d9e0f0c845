// The JobRunner for Zoho itself, over HTTPS with got.
//
// One request loop (`exchange`) holds the whole policy, so it can be read in one place:
// - transient failures (5xx, 429 on API calls, socket errors, timeouts) are retried with
//   exponential backoff and full jitter, bounded by `retry.limit`; got's own retry is off;
// - a 401 INVALID_TOKEN invalidates the token, refreshes once and retries once; a second 401
//   right after a refresh is an error (never a refresh loop);
// - a 429 on a download waits `downloadThrottleWaitMs` (Zoho blocks all downloads for a minute
//   after 10 in a minute and sends no Retry-After), bounded by `maxDownloadThrottleWaits`;
// - a 4xx that describes the request is thrown at once as a ZohoApiError.
// Errors never carry got's objects (which hold the Authorization header): see redact.ts.

import { Readable } from "node:stream";
import got, { type Got, type Request } from "got";
import { createAccessTokenSource, type AccessTokenSource, type ZohoAuth } from "./access-token.js";
import { DATA_CENTERS, type DataCenter, type ZohoEnvironment } from "./data-centers.js";
import type { BulkReadRequestBody, JobDetails, JobRunner } from "./job-runner.js";
import { numberOption } from "./number-options.js";
import { redactSecrets, sanitizeCause } from "./redact.js";
import {
  backoffDelay,
  classifyTransportError,
  DEFAULT_RETRY,
  sleep as realSleep,
  type RetryOptions,
  type Sleep,
  type TransportFailure,
} from "./retry-policy.js";
import { RunnerError, ZohoApiError } from "./zoho-api-error.js";
import { INVALID_TOKEN_CODES, parseCreateResponse, parseJobResponse, zohoErrorFromResponse } from "./zoho-response.js";

export interface ZohoRunnerOptions {
  /** Zoho data center (default "us"). Picks the API domain and the accounts server. */
  dataCenter?: DataCenter;
  /** Production, sandbox or developer org (default "production"). */
  environment?: ZohoEnvironment;
  /** API origin, e.g. "https://www.zohoapis.eu". Wins over the token response's `api_domain`. */
  apiDomain?: string;
  /** Accounts server origin, e.g. "https://accounts.zoho.eu". Defaults from `dataCenter`. */
  accountsUrl?: string;
  /** Bulk API version segment (default "v8"). */
  apiVersion?: string;
  auth: ZohoAuth;
  /** Per-request timeout (default 60 s). For downloads: time to headers and socket idle time. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Wait after a download 429 (default 60 s: Zoho blocks downloads for a minute). */
  downloadThrottleWaitMs?: number;
  /** Download 429 waits before giving up (default 3). */
  maxDownloadThrottleWaits?: number;
  /** Receives one line per retry, wait and refresh. Never receives tokens. */
  log?: (line: string) => void;
  /** Testing hook: how to wait (default: a timer honouring the signal). */
  sleep?: Sleep;
  /** Testing hook: the jitter source (default Math.random). */
  random?: () => number;
  /** Testing hook: the clock used for token expiry (default Date.now). */
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_THROTTLE_WAIT_MS = 60_000;
const DEFAULT_THROTTLE_WAITS = 3;
/** Error bodies are small JSON; read at most this much of one. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A Zoho API version path segment: v8, v2.1... */
export const API_VERSION = /^v\d+(\.\d+)?$/;

type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; body: string };

interface Exchange<T> {
  /** "GET /crm/bulk/v8/read/123": names the request in errors and logs. */
  operation: string;
  /** May a request be retried when it failed after a response had started? False for create. */
  retryAfterResponse: boolean;
  download: boolean;
  signal: AbortSignal | undefined;
  send(token: string, apiDomain: string): Promise<Outcome<T>>;
}

export function createZohoRunner(options: ZohoRunnerOptions): JobRunner {
  return new ZohoRunner(options);
}

class ZohoRunner implements JobRunner {
  readonly #http: Got;
  readonly #tokens: AccessTokenSource;
  readonly #explicitApiDomain: string | undefined;
  readonly #defaultApiDomain: string;
  readonly #version: string;
  readonly #timeoutMs: number;
  readonly #retry: Required<RetryOptions>;
  readonly #throttleWaitMs: number;
  readonly #maxThrottleWaits: number;
  readonly #log: (line: string) => void;
  readonly #sleep: Sleep;
  readonly #random: () => number;

  constructor(options: ZohoRunnerOptions) {
    const dataCenter = options.dataCenter ?? "us";
    const environment = options.environment ?? "production";
    if (!Object.hasOwn(DATA_CENTERS, dataCenter)) {
      throw new RunnerError("INVALID_OPTIONS", `Unknown dataCenter ${JSON.stringify(dataCenter)}: use one of ${Object.keys(DATA_CENTERS).join(", ")}.`);
    }
    const dc = DATA_CENTERS[dataCenter];
    if (!Object.hasOwn(dc.apiDomains, environment)) {
      throw new RunnerError("INVALID_OPTIONS", `Unknown environment ${JSON.stringify(environment)}: use production, sandbox or developer.`);
    }
    this.#version = options.apiVersion ?? "v8";
    if (!API_VERSION.test(this.#version)) {
      throw new RunnerError("INVALID_OPTIONS", `apiVersion ${JSON.stringify(this.#version)} is not a version segment like "v8" or "v2.1".`);
    }
    this.#explicitApiDomain = options.apiDomain === undefined ? undefined : originOf(options.apiDomain, "apiDomain");
    this.#defaultApiDomain = dc.apiDomains[environment];
    const accountsUrl = options.accountsUrl === undefined ? dc.accountsUrl : originOf(options.accountsUrl, "accountsUrl");
    this.#timeoutMs = numberOption(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs", "positive ms");
    this.#retry = {
      limit: numberOption(options.retry?.limit, DEFAULT_RETRY.limit, "retry.limit", "count"),
      baseDelayMs: numberOption(options.retry?.baseDelayMs, DEFAULT_RETRY.baseDelayMs, "retry.baseDelayMs", "ms"),
      maxDelayMs: numberOption(options.retry?.maxDelayMs, DEFAULT_RETRY.maxDelayMs, "retry.maxDelayMs", "ms"),
    };
    this.#throttleWaitMs = numberOption(options.downloadThrottleWaitMs, DEFAULT_THROTTLE_WAIT_MS, "downloadThrottleWaitMs", "ms");
    this.#maxThrottleWaits = numberOption(options.maxDownloadThrottleWaits, DEFAULT_THROTTLE_WAITS, "maxDownloadThrottleWaits", "count");
    this.#log = options.log ?? (() => undefined);
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    // got's retry is disabled everywhere: the loop below is the only retry policy.
    this.#http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, followRedirect: false });
    this.#tokens = createAccessTokenSource(checkAuth(options.auth), {
      accountsUrl,
      http: this.#http,
      timeoutMs: this.#timeoutMs,
      retry: this.#retry,
      sleep: this.#sleep,
      random: this.#random,
      now: options.now ?? Date.now,
      log: this.#log,
    });
  }

  /** The Bulk API version segment requests use ("v8"). */
  get apiVersion(): string {
    return this.#version;
  }

  /** Explicit option, else the token response's `api_domain`, else the data-center table. */
  #apiDomain(): string {
    return this.#explicitApiDomain ?? this.#tokens.apiDomain ?? this.#defaultApiDomain;
  }

  async createJob(body: BulkReadRequestBody, options: { signal?: AbortSignal } = {}): Promise<JobDetails> {
    // A create is retried on 5xx and on connection failures before any response. A retried
    // create may start a duplicate job (if the first one did reach Zoho): harmless for a read,
    // but it costs API credits. Once a response has started we do not retry.
    return this.#jobRequest("POST", `/crm/bulk/${this.#version}/read`, JSON.stringify(body), options.signal);
  }

  async getJob(id: string, options: { signal?: AbortSignal } = {}): Promise<JobDetails> {
    return this.#jobRequest("GET", `/crm/bulk/${this.#version}/read/${checkJobId(id)}`, undefined, options.signal);
  }

  /** POST .../read (a 2xx with the created job) or GET .../read/{id} (a 200 with the job). */
  #jobRequest(method: "POST" | "GET", path: string, payload: string | undefined, signal: AbortSignal | undefined): Promise<JobDetails> {
    const operation = `${method} ${path}`;
    const create = method === "POST";
    return this.#exchange<JobDetails>({
      operation,
      retryAfterResponse: !create,
      download: false,
      signal,
      send: async (token, apiDomain) => {
        const response = await this.#http(new URL(path, apiDomain), {
          method,
          headers: create ? { authorization: `Zoho-oauthtoken ${token}`, "content-type": "application/json" } : { authorization: `Zoho-oauthtoken ${token}` },
          ...(payload !== undefined && { body: payload }),
          responseType: "text",
          timeout: { request: this.#timeoutMs },
          signal,
        });
        const status = response.statusCode;
        if (create ? status >= 200 && status < 300 : status === 200) {
          const parse = create ? parseCreateResponse : parseJobResponse;
          return { ok: true, value: parse(operation, status, response.body, this.#tokens.secrets()) };
        }
        return { ok: false, status, body: response.body };
      },
    });
  }

  async downloadResult(
    id: string,
    downloadUrl?: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    const path = downloadUrl ?? `/crm/bulk/${this.#version}/read/${checkJobId(id)}/result`;
    const signal = options.signal;
    // Refuse a foreign host before any request at all when the API domain is already known;
    // otherwise (it may come with the first token) `send` checks before its own request.
    const domainKnown =
      this.#explicitApiDomain !== undefined || this.#tokens.apiDomain !== undefined || !this.#tokens.reportsApiDomain;
    if (domainKnown) this.#resolveDownloadUrl(path, this.#apiDomain());
    return this.#exchange<AsyncIterable<Uint8Array>>({
      operation: `GET ${safePathForMessages(path)}`,
      retryAfterResponse: true,
      download: true,
      signal,
      send: async (token, apiDomain) => {
        const url = this.#resolveDownloadUrl(path, apiDomain);
        const stream = this.#http.stream(url, {
          headers: { authorization: `Zoho-oauthtoken ${token}` },
          // No total timeout on a download (it may be hundreds of MB): a limit on the wait for the
          // headers and on socket inactivity instead.
          timeout: { connect: this.#timeoutMs, send: this.#timeoutMs, response: this.#timeoutMs, socket: this.#timeoutMs },
          // Follow a redirect only to https or to the API origin; got drops the Authorization
          // header when the host changes.
          followRedirect: (response) => {
            const location = response.headers.location;
            if (location === undefined) return false;
            const target = new URL(location, response.url);
            return target.protocol === "https:" || target.origin === new URL(apiDomain).origin;
          },
          maxRedirects: 3,
          signal,
        });
        // Keep a listener for the stream's whole life: an error before the consumer starts
        // iterating would otherwise be an uncaught 'error' event. The iteration still sees it.
        stream.on("error", () => undefined);
        const status = await responseStatus(stream);
        if (status === 200) return { ok: true, value: this.#iterateDownload(stream, url, signal) };
        const body = await readAtMost(stream, MAX_ERROR_BODY_BYTES);
        stream.destroy();
        if (status === 204 || status === 304) {
          throw new ZohoApiError({
            code: "NO_CONTENT",
            status,
            retryable: false,
            message: `GET ${safePathForMessages(path)} got HTTP ${status}: Zoho has no result file for this job. Download only COMPLETED jobs with a result.download_url; create the job again if the result expired (about one day).`,
          });
        }
        return { ok: false, status, body };
      },
    });
  }

  /** Resolves a (normally relative) download URL; refuses any origin but the API domain's. */
  #resolveDownloadUrl(downloadUrl: string, apiDomain: string): URL {
    const apiOrigin = new URL(apiDomain).origin;
    let url: URL;
    try {
      url = new URL(downloadUrl, apiOrigin);
    } catch {
      throw new RunnerError("DOWNLOAD_HOST_REFUSED", `The download URL is not a valid URL: pass the job's result.download_url (a path such as /crm/bulk/${this.#version}/read/<id>/result).`);
    }
    if (url.origin !== apiOrigin || url.username !== "" || url.password !== "") {
      throw new RunnerError(
        "DOWNLOAD_HOST_REFUSED",
        `Refused to download from ${url.protocol}//${url.host}: the access token is only sent to the API domain ${apiOrigin}. ` +
          "Pass the job's relative result.download_url, or set apiDomain to the right data center.",
      );
    }
    return url;
  }

  async *#iterateDownload(stream: Request, url: URL, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // Surface, never hide, a reset mid-download: the pipeline retries the download as a whole.
      const failure = classifyTransportError(error);
      const secrets = this.#tokens.secrets();
      throw new RunnerError(
        failure?.timeout ? "TIMEOUT" : "DOWNLOAD_INTERRUPTED",
        `The download of ${safePathForMessages(url.pathname)} broke off while streaming (${failure?.code ?? describe(error, secrets)}): download the result again.`,
        { retryable: true, cause: sanitizeCause(error, secrets) },
      );
    } finally {
      stream.destroy();
    }
  }

  async #exchange<T>(exchange: Exchange<T>): Promise<T> {
    const { signal } = exchange;
    let attempt = 0;
    let throttleWaits = 0;
    let refreshed = false;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const token = await this.#tokens.get(signal);
      let outcome: Outcome<T>;
      try {
        outcome = await exchange.send(token, this.#apiDomain());
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof ZohoApiError || error instanceof RunnerError) throw error;
        const failure = classifyTransportError(error);
        const retryable = failure !== undefined && (exchange.retryAfterResponse || !failure.afterResponse);
        if (retryable && attempt < this.#retry.limit) {
          await this.#backoff(exchange, attempt++, failure.code);
          continue;
        }
        throw this.#transportError(exchange, failure, error, attempt + 1);
      }
      if (outcome.ok) return outcome.value;

      const secrets = this.#tokens.secrets();
      const error = zohoErrorFromResponse(exchange.operation, outcome.status, outcome.body, secrets);
      if (outcome.status === 401 && INVALID_TOKEN_CODES.has(error.code)) {
        if (this.#tokens.canRefresh && !refreshed) {
          refreshed = true;
          this.#tokens.invalidate(token);
          this.#log(`zoho-bulk-read: ${exchange.operation} got 401 ${error.code}; refreshing the access token and retrying once`);
          continue;
        }
        if (refreshed) {
          throw amend(error, `${exchange.operation} was rejected (HTTP 401 ${error.code}) even with a freshly refreshed access token. Check that the token's data center matches the API domain (${this.#apiDomain()}) and that the client is authorised for this org.`);
        }
        throw error;
      }
      if (exchange.download && outcome.status === 429) {
        if (throttleWaits < this.#maxThrottleWaits) {
          throttleWaits++;
          this.#log(`zoho-bulk-read: ${exchange.operation} throttled (429); waiting ${this.#throttleWaitMs} ms (${throttleWaits}/${this.#maxThrottleWaits})`);
          await this.#sleep(this.#throttleWaitMs, signal);
          continue;
        }
        throw amend(error, `${exchange.operation} is still throttled (HTTP 429) after ${throttleWaits} wait(s) of ${this.#throttleWaitMs} ms: Zoho allows 10 downloads per minute and then blocks downloads for a minute. Download fewer results at once, then retry.`, "TOO_MANY_REQUESTS");
      }
      if (error.retryable && attempt < this.#retry.limit) {
        await this.#backoff(exchange, attempt++, `HTTP ${outcome.status}`);
        continue;
      }
      throw attempt === 0 ? error : amend(error, `${error.message} (after ${attempt + 1} attempts)`);
    }
  }

  async #backoff(exchange: Exchange<unknown>, attempt: number, reason: string): Promise<void> {
    const delay = backoffDelay(attempt, this.#retry, this.#random);
    this.#log(`zoho-bulk-read: ${exchange.operation} failed (${reason}); retry ${attempt + 1}/${this.#retry.limit} in ${delay} ms`);
    await this.#sleep(delay, exchange.signal);
  }

  #transportError(exchange: Exchange<unknown>, failure: TransportFailure | undefined, error: unknown, attempts: number): RunnerError {
    const secrets = this.#tokens.secrets();
    const what = failure === undefined ? describe(error, secrets) : failure.timeout ? `timed out after ${this.#timeoutMs} ms` : failure.code;
    const advice =
      failure === undefined
        ? "This is not a transient network failure; check the options (apiDomain, dataCenter)."
        : failure.afterResponse && !exchange.retryAfterResponse
          ? "The response broke off after the request reached Zoho, so it was not retried (a job may have been created; check before creating another)."
          : "Check the network and the API domain, then retry.";
    return new RunnerError(
      failure?.timeout ? "TIMEOUT" : "NETWORK_ERROR",
      `${exchange.operation} failed after ${attempts} attempt(s): ${what}. ${advice}`,
      { retryable: failure !== undefined, cause: sanitizeCause(error, secrets) },
    );
  }
}

/** Resolves with the HTTP status of a got stream, or rejects with its error. */
function responseStatus(stream: Request): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onResponse = (response: { statusCode: number }): void => {
      stream.off("error", onError);
      resolve(response.statusCode);
    };
    const onError = (error: Error): void => {
      stream.off("response", onResponse);
      reject(error);
    };
    stream.once("response", onResponse);
    stream.once("error", onError);
  });
}

/** Reads up to `limit` bytes of a (small, error) body as text. */
async function readAtMost(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // The status is what matters; a broken error body is reported as an unexpected response.
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

function amend(error: ZohoApiError, message: string, code = error.code): ZohoApiError {
  const init = { code, status: error.status, message, retryable: error.retryable };
  const withMessage = error.zohoMessage === undefined ? init : { ...init, zohoMessage: error.zohoMessage };
  return new ZohoApiError(error.details === undefined ? withMessage : { ...withMessage, details: error.details });
}

function describe(error: unknown, secrets: readonly string[]): string {
  if (!(error instanceof Error)) return "unknown error";
  const code = (error as { code?: unknown }).code;
  return redactSecrets(`${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}`, secrets).slice(0, 300);
}

/** A download URL without its query string (which a signed URL would use for credentials). */
function safePathForMessages(path: string): string {
  const cut = path.search(/[?#]/);
  return (cut === -1 ? path : path.slice(0, cut)).slice(0, 200);
}

function checkJobId(id: string): string {
  if (typeof id !== "string" || !JOB_ID.test(id)) {
    throw new RunnerError("INVALID_JOB_ID", `Job id ${JSON.stringify(String(id)).slice(0, 80)} is not a Zoho job id: pass the \`id\` string from createJob (digits).`);
  }
  return id;
}

function originOf(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RunnerError("INVALID_OPTIONS", `${name} ${JSON.stringify(value)} is not a URL: pass an origin such as "https://www.zohoapis.com".`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.pathname !== "/" || url.search !== "" || url.username !== "") {
    throw new RunnerError("INVALID_OPTIONS", `${name} must be an origin such as "https://www.zohoapis.com" (no path, query or credentials); got ${JSON.stringify(url.origin + url.pathname)}.`);
  }
  return url.origin;
}

function checkAuth(auth: ZohoAuth): ZohoAuth {
  const record = (typeof auth === "object" && auth !== null ? auth : {}) as Record<string, unknown>;
  const nonEmpty = (key: string): boolean => typeof record[key] === "string" && (record[key] as string).length > 0;
  if (typeof record["getAccessToken"] === "function") return auth;
  if (nonEmpty("accessToken")) return auth;
  if (nonEmpty("clientId") && nonEmpty("clientSecret") && nonEmpty("refreshToken")) return auth;
  throw new RunnerError(
    "INVALID_OPTIONS",
    "auth must be { accessToken }, { clientId, clientSecret, refreshToken } (all non-empty strings) or { getAccessToken(context?) }.",
  );
}

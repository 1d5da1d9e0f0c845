// A fake Zoho CRM on 127.0.0.1: a real node:http server speaking the Bulk Read API's shapes
// (docs: /work/shared/zoho/bulk-read-api.md §5), its accounts token endpoint and the fields
// metadata endpoint, backed by the local runner. Faults are injected through `fake.faults`.
//
// Error bodies: 400 and 404 on the bulk endpoints are wrapped, `{data:[{status:"error", code,
// message, details}]}`; 401, 415, 429 and 5xx are bare `{code, details, message, status}`.
// Both shapes occur at Zoho and the runner reads both.

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { match } from "ts-pattern";
import { CriteriaError } from "../errors/criteria-error.js";
import type { DataType } from "../schema/data-types.js";
import type { FieldInfo } from "../schema/module-schema.js";
import type { JobDetails, ZohoErrorBody } from "../runner/job-runner.js";
import { createLocalRunner, type LocalModuleData, type LocalRunner } from "../runner/local-runner.js";
import { ZohoApiError } from "../runner/zoho-api-error.js";
import type { ModuleSchema } from "../schema/module-schema.js";

export interface FakeZohoCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The grant code the authorization_code grant accepts (what Zoho's consent page would hand out). */
  grantCode?: string;
}

export interface FakeZohoFaultOptions {
  /** Start with jobs held in QUEUED. */
  holdJobs?: boolean;
  /** Fail the first CRM requests. */
  failNext?: { count: number; status?: number };
  /** Cut the first download after this many bytes of body. */
  resetNextDownload?: { afterBytes: number };
  /** The first job created ends in FAILURE with this error. */
  failNextJob?: Partial<ZohoErrorBody>;
}

export interface FakeZohoOptions {
  data: Readonly<Record<string, LocalModuleData>>;
  schemas?: readonly ModuleSchema[] | Readonly<Record<string, ModuleSchema>>;
  pageSize?: number;
  credentials?: FakeZohoCredentials;
  /** The API version served (default "v8"); other versions get 404 INVALID_URL_PATTERN. */
  apiVersion?: string;
  /** Zoho allows 10 downloads a minute. */
  limits?: { downloadsPerMinute?: number; windowMs?: number };
  faults?: FakeZohoFaultOptions;
  /** The time for token expiry, download windows and job creation (default: the system clock). */
  clock?: () => Date;
  /** Delay between the steps of a job with a callback URL, which completes on its own (default 5 ms). */
  callbackTickMs?: number;
  /** The user jobs are created by. */
  user?: { id: string; name?: string };
  /** The port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

export interface FakeZohoFaults {
  /** The next `n` CRM API requests (not the token endpoint) answer `status` (default 500). */
  failNext(n: number, status?: number): void;
  /** The next result download sends its headers and `afterBytes` bytes, then the socket is destroyed. */
  resetNextDownload(options: { afterBytes: number }): void;
  /** Every access token issued so far is expired: the next CRM request with one gets 401 INVALID_TOKEN. */
  expireTokens(): void;
  /** `expireTokens()` as soon as `n` more result downloads have been sent in full (n >= 1). */
  expireTokensAfterDownloads(n: number): void;
  /** A job (its id, or "next") ends in FAILURE with this `result.error_message`. */
  failJob(idOrNext: string, errorMessage?: Partial<ZohoErrorBody>): void;
  /** While true, jobs stay QUEUED. */
  holdJobs(hold: boolean): void;
}

export interface FakeZohoRequest {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  /** HTTP status sent (0 until the response starts). */
  status: number;
}

export interface CallbackDelivery {
  url: string;
  jobId: string;
  state: JobDetails["state"];
  /** HTTP status of the callback receiver, when it answered. */
  status?: number;
  /** Why the post failed (a network error, a timeout). */
  error?: string;
  /** Why the fake did not post it at all: it posts only to loopback hosts, never beyond the machine. */
  refused?: string;
}

export interface FakeZoho {
  /** The API domain, e.g. `http://127.0.0.1:50123`. */
  readonly url: string;
  /** The accounts server (the same server): `{accountsUrl}/oauth/v2/token`. */
  readonly accountsUrl: string;
  readonly faults: FakeZohoFaults;
  /** Every request received, in order (no tokens, no bodies). */
  readonly requests: FakeZohoRequest[];
  /** Every callback posted (or attempted, or refused). */
  readonly callbacks: CallbackDelivery[];
  /** Result downloads being answered now: one ends when its body is sent, cut, or abandoned by the client. */
  readonly activeDownloads: number;
  /** The local runner behind the server. */
  readonly runner: LocalRunner;
  /** An access token, as if obtained from the token endpoint. */
  issueToken(): string;
  /** Resolves when every callback started so far has been delivered (or has failed). */
  callbacksDelivered(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CREDENTIALS: FakeZohoCredentials = { clientId: "id", clientSecret: "secret", refreshToken: "rt", grantCode: "code" };
const TOKEN_TTL_SECONDS = 3600;
const MAX_BODY_BYTES = 1024 * 1024;

/** json_type per data_type, as Zoho's fields metadata shows it. */
const JSON_TYPE: Partial<Record<DataType, string>> = {
  integer: "integer",
  double: "double",
  currency: "double",
  percent: "double",
  boolean: "boolean",
  lookup: "jsonobject",
  ownerlookup: "jsonobject",
  userlookup: "jsonobject",
  consent_lookup: "jsonobject",
  multiselectpicklist: "jsonarray",
  multiselectlookup: "jsonarray",
  multiuserlookup: "jsonarray",
  fileupload: "jsonarray",
  imageupload: "jsonarray",
  subform: "jsonarray",
  territories: "jsonarray",
};

const LOOKUP_TYPES: ReadonlySet<DataType> = new Set(["lookup", "ownerlookup", "userlookup"]);

function error(code: string, message: string, details: Record<string, unknown> = {}): ZohoErrorBody {
  return { code, details, message, status: "error" };
}

/** Zoho's fields metadata for one field (the keys code generators read; see coql-search-fields.md §3). */
function fieldMetadata(info: FieldInfo, index: number): Record<string, unknown> {
  const label = info.path.replace(/_/g, " ");
  const lookupModule = info.lookupModule;
  return {
    api_name: info.path,
    field_label: label,
    display_label: label,
    data_type: info.type,
    json_type: JSON_TYPE[info.type] ?? "string",
    id: `41508680000${String(index + 1).padStart(8, "0")}`,
    custom_field: info.path.endsWith("__c"),
    visible: true,
    read_only: false,
    type: "used",
    pick_list_values: info.values.map((value, i) => ({ display_value: value, actual_value: value, reference_value: value, sequence_number: i + 1, type: "used" })),
    lookup: LOOKUP_TYPES.has(info.type) ? { module: { api_name: lookupModule ?? null } } : {},
    formula: info.type === "formula" ? { return_type: info.criteriaType } : {},
  };
}

/** Walks a JSON path such as `$.group[1].comparator` through a value. */
function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const [, key, index] of path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key ?? index!];
  }
  return current;
}

/** A CriteriaError (its path is relative to `query.criteria`) as Zoho's error object. */
function criteriaErrorBody(err: CriteriaError, criteria: unknown): ZohoErrorBody {
  const jsonPath = `$.query.criteria${err.path.slice(1)}`;
  const details: Record<string, unknown> = { json_path: jsonPath };
  if (err.field !== undefined) details["api_name"] = err.field;
  if (err.code === "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE") {
    const comparator = atPath(criteria, err.path);
    if (typeof comparator === "string") details["comparator"] = comparator;
    details["supported"] = [...(err.allowed ?? [])];
  } else if (err.allowed !== undefined && err.allowed.length > 0) {
    details["supported"] = [...err.allowed];
  }
  return { status: "error", code: err.code, message: err.message, details };
}

/**
 * Why the fake will not post a callback to `url`, or undefined when it will: the fake is for
 * tests, so it connects only to loopback hosts (127.0.0.0/8, ::1, localhost), never to a
 * server beyond the machine that a job body happens to name.
 */
function nonLoopback(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname; // normalised: "127.1" and "0x7f.1" read as 127.0.0.1, IPv6 in brackets
  } catch {
    return `not posted: ${JSON.stringify(url)} is not a URL`;
  }
  if (host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return undefined;
  return `not posted: ${host} is not a loopback host (the fake posts callbacks only to 127.0.0.0/8, ::1 and localhost)`;
}

/** Waits until `res` takes more data: true on "drain", false once the connection is gone. */
function drained(res: ServerResponse, gone: AbortSignal): Promise<boolean> {
  if (gone.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (open: boolean) => () => {
      res.off("drain", onDrain);
      gone.removeEventListener("abort", onGone);
      resolve(open);
    };
    const onDrain = settle(true);
    const onGone = settle(false);
    res.once("drain", onDrain);
    gone.addEventListener("abort", onGone, { once: true });
  });
}

/**
 * Starts the fake on 127.0.0.1 (a free port). `await fake.close()` when done.
 *
 * ```ts
 * const fake = await startFakeZoho({ data: { Leads: [...] }, schemas: [Leads] });
 * const token = await fetch(`${fake.accountsUrl}/oauth/v2/token`, { method: "POST", body: new URLSearchParams({...}) });
 * ```
 */
export async function startFakeZoho(options: FakeZohoOptions): Promise<FakeZoho> {
  const clock = options.clock ?? (() => new Date());
  const credentials = options.credentials ?? DEFAULT_CREDENTIALS;
  const version = options.apiVersion ?? "v8";
  const downloadsPerWindow = options.limits?.downloadsPerMinute ?? 10;
  const windowMs = options.limits?.windowMs ?? 60_000;
  const tickMs = options.callbackTickMs ?? 5;
  const runner = createLocalRunner({
    data: options.data,
    ...(options.schemas !== undefined && { schemas: options.schemas }),
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
    ...(options.user !== undefined && { user: options.user }),
    apiVersion: version,
    clock,
  });

  const tokens = new Map<string, number>(); // token -> expiry (ms)
  const requests: FakeZohoRequest[] = [];
  const callbacks: CallbackDelivery[] = [];
  const pendingCallbacks = new Set<Promise<void>>();
  const callbackUrls = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const downloads: number[] = []; // start times of accepted downloads
  const sending = new Set<Promise<void>>(); // result bodies being streamed
  let failNext = { count: options.faults?.failNext?.count ?? 0, status: options.faults?.failNext?.status ?? 500 };
  let resetDownload: { afterBytes: number } | undefined = options.faults?.resetNextDownload;
  let downloadsBeforeExpiry: number | undefined;
  let closed = false;

  if (options.faults?.holdJobs) runner.holdJobs(true);
  if (options.faults?.failNextJob) runner.failJob("next", options.faults.failNextJob);

  const issueToken = (): string => {
    const token = `1000.${randomBytes(16).toString("hex")}.${randomBytes(16).toString("hex")}`;
    tokens.set(token, clock().getTime() + TOKEN_TTL_SECONDS * 1000);
    return token;
  };

  // -- callbacks: posted when a job settles; jobs with a callback also advance on their own --

  runner.onSettled((job) => {
    const url = callbackUrls.get(job.id);
    if (url === undefined || closed) return;
    const delivery: CallbackDelivery = { url, jobId: job.id, state: job.state };
    callbacks.push(delivery);
    const refused = nonLoopback(url);
    if (refused !== undefined) {
      delivery.refused = refused;
      return;
    }
    const sending = fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ data: [job] }), signal: AbortSignal.timeout(10_000) })
      .then(async (response) => {
        delivery.status = response.status;
        await response.arrayBuffer();
      })
      .catch((err: unknown) => {
        delivery.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => pendingCallbacks.delete(sending));
    pendingCallbacks.add(sending);
  });

  const tick = (id: string) => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      const state = runner.peekJob(id)?.state;
      if (state === undefined || state === "COMPLETED" || state === "FAILURE") return;
      void runner.getJob(id).finally(() => tick(id));
    }, tickMs);
    timer.unref();
    timers.add(timer);
  };

  // -- faults --

  const expireTokens = () => {
    const now = clock().getTime();
    for (const token of tokens.keys()) tokens.set(token, now - 1);
  };

  const faults: FakeZohoFaults = {
    failNext(n, status = 500) {
      failNext = { count: n, status };
    },
    resetNextDownload(reset) {
      resetDownload = reset;
    },
    expireTokens,
    expireTokensAfterDownloads(n) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`expireTokensAfterDownloads takes a whole number from 1; got ${n}`);
      downloadsBeforeExpiry = n;
    },
    failJob(idOrNext, errorMessage) {
      runner.failJob(idOrNext, errorMessage);
    },
    holdJobs(hold) {
      runner.holdJobs(hold);
    },
  };

  // -- HTTP --

  const send = (entry: FakeZohoRequest, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    entry.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json;charset=UTF-8", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const sendError = (entry: FakeZohoRequest, res: ServerResponse, err: unknown, criteria?: unknown) => {
    if (err instanceof CriteriaError) return send(entry, res, 400, { data: [criteriaErrorBody(err, criteria)] });
    if (err instanceof ZohoApiError) {
      const body = err.toZohoErrorBody();
      body.details ??= {};
      return send(entry, res, err.status, err.status === 400 || err.status === 404 ? { data: [body] } : body);
    }
    return send(entry, res, 500, error("INTERNAL_ERROR", "Internal server error occurred."));
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new ZohoApiError({ code: "REQUEST_BODY_NOT_READABLE", message: "Unable to parse the request body.", status: 400 });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  };

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    const token = header?.startsWith("Zoho-oauthtoken ") ? header.slice("Zoho-oauthtoken ".length).trim() : undefined;
    const expiry = token === undefined ? undefined : tokens.get(token);
    return expiry !== undefined && expiry > clock().getTime();
  };

  const tokenEndpoint = async (req: IncomingMessage, url: URL, entry: FakeZohoRequest, res: ServerResponse) => {
    const params = new URLSearchParams(url.search);
    for (const [key, value] of new URLSearchParams(await readBody(req))) params.set(key, value);
    const result = match(params.get("grant_type"))
      .with("refresh_token", () => {
        if (params.get("client_id") !== credentials.clientId || params.get("client_secret") !== credentials.clientSecret) return { error: "invalid_client" };
        if (params.get("refresh_token") !== credentials.refreshToken) return { error: "invalid_code" };
        return { access_token: issueToken(), scope: "ZohoCRM.bulk.ALL ZohoCRM.modules.ALL ZohoCRM.settings.fields.READ", api_domain: base, token_type: "Bearer", expires_in: TOKEN_TTL_SECONDS };
      })
      .with("authorization_code", () => {
        if (params.get("client_id") !== credentials.clientId || params.get("client_secret") !== credentials.clientSecret) return { error: "invalid_client" };
        if (credentials.grantCode === undefined || params.get("code") !== credentials.grantCode) return { error: "invalid_code" };
        return {
          access_token: issueToken(),
          refresh_token: credentials.refreshToken,
          scope: "ZohoCRM.bulk.ALL ZohoCRM.modules.ALL ZohoCRM.settings.fields.READ",
          api_domain: base,
          token_type: "Bearer",
          expires_in: TOKEN_TTL_SECONDS,
        };
      })
      .otherwise(() => ({ error: "unsupported_grant_type" }));
    send(entry, res, 200, result);
  };

  const createJob = async (req: IncomingMessage, entry: FakeZohoRequest, res: ServerResponse) => {
    const contentType = req.headers["content-type"] ?? "";
    if (!/^application\/json\b/i.test(contentType)) {
      await readBody(req).catch(() => "");
      return send(entry, res, 415, error("MEDIA_TYPE_NOT_SUPPORTED", "Media type is not supported."));
    }
    const text = await readBody(req);
    if (text.trim() === "") return send(entry, res, 400, { data: [error("REQUEST_BODY_IS_EMPTY", "Request body is empty.")] });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(entry, res, 400, { data: [error("REQUEST_BODY_NOT_READABLE", "Unable to parse the request body.")] });
    }
    const criteria = atPath(body, "$.query.criteria");
    try {
      const details = await runner.createJob(body as never);
      const callback = atPath(body, "$.callback.url");
      if (typeof callback === "string") {
        callbackUrls.set(details.id, callback);
        tick(details.id);
      }
      send(entry, res, 201, { data: [{ status: "success", code: "ADDED_SUCCESSFULLY", message: "Added successfully.", details }], info: {} });
    } catch (err) {
      sendError(entry, res, err, criteria);
    }
  };

  const download = async (id: string, entry: FakeZohoRequest, req: IncomingMessage, res: ServerResponse) => {
    const streaming = streamResult(id, entry, req, res);
    sending.add(streaming);
    try {
      await streaming;
    } finally {
      sending.delete(streaming);
    }
  };

  const streamResult = async (id: string, entry: FakeZohoRequest, req: IncomingMessage, res: ServerResponse) => {
    const now = clock().getTime();
    while (downloads.length > 0 && downloads[0]! <= now - windowMs) downloads.shift();
    if (downloads.length >= downloadsPerWindow) {
      return send(entry, res, 429, error("TOO_MANY_REQUESTS", `Only ${downloadsPerWindow} requests for download are allowed for one-minute interval`));
    }
    // A client that goes away (or close()) stops the ZIP producer: its signal aborts, and
    // leaving the loop below returns its iterator.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once("close", onClose);
    try {
      let stream: AsyncIterable<Uint8Array>;
      try {
        stream = await runner.downloadResult(id, undefined, { signal: gone.signal });
      } catch (err) {
        if (gone.signal.aborted) return;
        return sendError(entry, res, err);
      }
      downloads.push(now);
      const reset = resetDownload;
      resetDownload = undefined;
      entry.status = 200;
      res.writeHead(200, { "content-type": "application/zip", "content-disposition": `attachment; filename=${id}.zip` });
      res.flushHeaders();
      let sent = 0;
      const cut = (part: Uint8Array) => {
        // Flush what was written, then close the connection in the middle of the chunked body.
        if (part.length > 0) res.write(part);
        (req.socket as Socket).destroySoon();
      };
      for await (const chunk of stream) {
        if (gone.signal.aborted) return;
        if (reset !== undefined && sent + chunk.length >= reset.afterBytes) return cut(chunk.subarray(0, Math.max(0, reset.afterBytes - sent)));
        sent += chunk.length;
        if (!res.write(chunk) && !(await drained(res, gone.signal))) return;
      }
      // A reset beyond the whole body still cuts before the chunked stream's end.
      if (reset !== undefined) return cut(new Uint8Array(0));
      res.end();
      if (downloadsBeforeExpiry !== undefined && --downloadsBeforeExpiry === 0) {
        downloadsBeforeExpiry = undefined;
        expireTokens();
      }
    } catch (err) {
      if (!gone.signal.aborted) throw err;
    } finally {
      res.off("close", onClose);
    }
  };

  const fields = async (url: URL, entry: FakeZohoRequest, res: ServerResponse) => {
    const module = url.searchParams.get("module");
    if (module === null || module === "") return send(entry, res, 400, error("REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", { param: "module" }));
    const described = await runner.describeModule(module);
    if (described === undefined) return send(entry, res, 400, error("INVALID_MODULE", "the module name given seems to be invalid", { param: "module" }));
    send(entry, res, 200, { fields: described.fields.map((info, i) => fieldMetadata(info, i)) });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL, entry: FakeZohoRequest) => {
    const method = req.method ?? "GET";
    const path = url.pathname;

    if (path === "/oauth/v2/token") {
      if (method !== "POST") return send(entry, res, 405, { error: "invalid_request_method" });
      return tokenEndpoint(req, url, entry, res);
    }
    if (!path.startsWith("/crm/")) return send(entry, res, 404, error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"));
    if (failNext.count > 0) {
      failNext.count--;
      await readBody(req).catch(() => "");
      const status = failNext.status;
      const body = status === 429 ? error("TOO_MANY_REQUESTS", "Many requests fired in concurrent than the allowed limit") : error("INTERNAL_ERROR", "Internal server error occurred.");
      return send(entry, res, status, body);
    }
    if (!authorized(req)) {
      await readBody(req).catch(() => "");
      return send(entry, res, 401, error("INVALID_TOKEN", "invalid oauth token"));
    }

    const v = version.replace(/\./g, "\\.");
    const read = new RegExp(`^/crm/bulk/${v}/read(?:/([^/]+)(/result)?)?/?$`).exec(path);
    if (read !== null) {
      const [, id, result] = read;
      if (id === undefined) {
        if (method !== "POST") return send(entry, res, 400, error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"));
        return createJob(req, entry, res);
      }
      if (method !== "GET") return send(entry, res, 400, error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"));
      if (result !== undefined) return download(id, entry, req, res);
      try {
        return send(entry, res, 200, { data: [await runner.getJob(id)] });
      } catch (err) {
        return sendError(entry, res, err);
      }
    }
    if (path === `/crm/${version}/settings/fields`) {
      if (method !== "GET") return send(entry, res, 400, error("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"));
      return fields(url, entry, res);
    }
    return send(entry, res, 404, error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const entry: FakeZohoRequest = { method: req.method ?? "GET", path: url.pathname, status: 0 };
    requests.push(entry);
    handle(req, res, url, entry).catch((err: unknown) => {
      if (!res.headersSent) sendError(entry, res, err);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    accountsUrl: base,
    faults,
    requests,
    callbacks,
    runner,
    get activeDownloads() {
      return sending.size;
    },
    issueToken,
    async callbacksDelivered() {
      while (pendingCallbacks.size > 0) await Promise.all([...pendingCallbacks]);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...pendingCallbacks]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Closing the connections ends every download; wait until their producers have stopped.
      await Promise.allSettled([...sending]);
    },
  };
}

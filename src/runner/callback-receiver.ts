// A small node:http receiver for Zoho's job callbacks.
//
// Zoho posts a job's details to `callback.url` when the job completes or fails. The payload
// is not signed (bulk-read-api.md §5.3), so the receiver treats it as a hint only:
// - each job gets its own URL carrying a random secret (`/zoho-bulk-read/callback/{secret}`);
// - a POST is accepted only on a registered secret and only for that job's id;
// - the posted state is ignored: the waiter re-reads the job with getJob.

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RunnerError } from "./zoho-api-error.js";

export interface CallbackListenOptions {
  /** Interface to listen on (default "127.0.0.1"). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
}

export interface CallbackReceiverOptions {
  listen?: CallbackListenOptions;
  /**
   * The URL Zoho can reach the receiver at (a reverse proxy or tunnel to `listen`), e.g.
   * "https://hooks.example.com/zoho". Default: the listening address itself.
   */
  publicUrl?: string;
}

export interface CallbackSlot {
  /** The URL to put in the job's `callback.url`. */
  readonly url: string;
  /** Ties the slot to the job created with its URL; callbacks for other job ids are refused. */
  bind(jobId: string): void;
  /** Resolves at the next accepted callback (at once when one arrived since the last wait). */
  wait(): Promise<void>;
  /** How many callbacks this slot accepted. */
  readonly received: number;
  /** Stops accepting callbacks on this slot's URL. */
  dispose(): void;
}

export interface CallbackReceiver {
  /** The base URL callbacks are addressed to. */
  readonly url: string;
  /** A fresh URL (with a new secret) for one job. */
  register(): CallbackSlot;
  /** Requests refused so far (wrong secret, unknown job, bad body). */
  readonly refused: number;
  close(): Promise<void>;
}

const PATH_PREFIX = "/zoho-bulk-read/callback/";
const MAX_BODY_BYTES = 256 * 1024;
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?$/i;

class Slot implements CallbackSlot {
  jobId: string | undefined;
  /** Job ids posted before `bind` (a callback can race the create response). */
  readonly early = new Set<string>();
  received = 0;
  #pending = false;
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly remove: () => void,
  ) {}

  bind(jobId: string): void {
    this.jobId = jobId;
    if (this.early.has(jobId)) this.notify();
    this.early.clear();
  }

  /** A callback for `jobId` arrived: true when it is accepted. */
  accept(jobId: string): boolean {
    if (this.jobId === undefined) {
      if (this.early.size >= 16) return false;
      this.early.add(jobId);
      return true;
    }
    if (jobId !== this.jobId) return false;
    this.notify();
    return true;
  }

  notify(): void {
    this.received++;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#promise = undefined;
    if (resolve === undefined) this.#pending = true;
    else resolve();
  }

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    this.#promise ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#promise;
  }

  dispose(): void {
    this.remove();
  }
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), connection: "close" });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The job id of a callback body `{data: [{id, ...}]}` (the state in it is not trusted). */
function postedJobId(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const data = (body as { data?: unknown } | null)?.data;
  const first = Array.isArray(data) ? (data[0] as { id?: unknown } | undefined) : undefined;
  const id = first?.id;
  return typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

/** Starts a callback receiver; `close()` it when done. */
export async function startCallbackReceiver(options: CallbackReceiverOptions = {}): Promise<CallbackReceiver> {
  const host = options.listen?.host ?? "127.0.0.1";
  const port = options.listen?.port ?? 0;
  if (options.publicUrl !== undefined && !HTTP_URL.test(options.publicUrl)) {
    throw new RunnerError("INVALID_OPTIONS", `callback.publicUrl ${JSON.stringify(options.publicUrl)} is not an absolute http(s) URL without a query: give the URL Zoho can reach the receiver at, e.g. "https://hooks.example.com/zoho".`);
  }
  const slots = new Map<string, Slot>();
  let refused = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const at = path.indexOf(PATH_PREFIX);
      const secret = at === -1 ? undefined : path.slice(at + PATH_PREFIX.length);
      const slot = secret === undefined ? undefined : slots.get(secret);
      if (req.method !== "POST") {
        refused++;
        req.resume();
        return reply(res, 405, { status: "error", code: "METHOD_NOT_ALLOWED" });
      }
      if (slot === undefined) {
        refused++;
        req.resume();
        return reply(res, 404, { status: "error", code: "UNKNOWN_CALLBACK" });
      }
      const text = await readBody(req);
      const jobId = text === undefined ? undefined : postedJobId(text);
      if (jobId === undefined) {
        refused++;
        return reply(res, 400, { status: "error", code: "INVALID_CALLBACK_BODY" });
      }
      if (!slot.accept(jobId)) {
        refused++;
        return reply(res, 404, { status: "error", code: "UNKNOWN_JOB" });
      }
      return reply(res, 200, { status: "success" });
    })().catch(() => {
      refused++;
      if (!res.headersSent) reply(res, 500, { status: "error", code: "RECEIVER_ERROR" });
      else res.destroy();
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new RunnerError("CALLBACK_RECEIVER_FAILED", `The callback receiver could not listen on ${host}:${port} (${error.message}): pick another callback.listen port or host.`, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const listening = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const base = (options.publicUrl ?? listening).replace(/\/+$/, "");

  return {
    url: base,
    get refused() {
      return refused;
    },
    register(): CallbackSlot {
      const secret = randomBytes(24).toString("base64url");
      const slot = new Slot(`${base}${PATH_PREFIX}${secret}`, () => slots.delete(secret));
      slots.set(secret, slot);
      return slot;
    },
    close: () =>
      new Promise<void>((resolve) => {
        slots.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// The retry policy, explicit and testable: exponential backoff with full jitter, bounded by a
// retry limit, and the classification of transport errors. got's own retry is disabled so that
// this is the only policy in force. Delays go through an injectable `sleep` so tests never wait.

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  limit?: number;
  /** Base of the exponential backoff (default 500 ms). */
  baseDelayMs?: number;
  /** Cap of a single delay (default 30 s). */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { limit: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

/** `sleep(ms, signal)`: resolves after `ms`, rejects with `signal.reason` when aborted. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Full jitter ("Exponential Backoff And Jitter", AWS): a uniform delay in
 * [0, min(maxDelay, base * 2^attempt)). Spreads concurrent clients apart after a shared failure.
 */
export function backoffDelay(attempt: number, retry: Required<RetryOptions>, random: () => number): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Socket-level failures worth retrying: the request may well succeed on a new connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_READING_RESPONSE_STREAM",
]);

export interface TransportFailure {
  /** e.g. ECONNRESET, ETIMEDOUT. */
  code: string;
  timeout: boolean;
  /** True when a response had started: a POST may then have reached Zoho. */
  afterResponse: boolean;
}

/** Classifies a got/socket error; undefined when it is not a transient transport failure. */
export function classifyTransportError(error: unknown): TransportFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const record = error as Error & { code?: unknown; response?: unknown };
  const code = typeof record.code === "string" ? record.code : "";
  const timeout = error.name === "TimeoutError" || code === "ETIMEDOUT";
  if (!timeout && !NETWORK_CODES.has(code)) return undefined;
  return { code: code || "ETIMEDOUT", timeout, afterResponse: record.response !== undefined && record.response !== null };
}

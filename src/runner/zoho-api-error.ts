// The two error classes of the runner layer.
//
// - ZohoApiError: Zoho answered, with an HTTP status and (usually) an error body. `code` mirrors
//   Zoho's code (`INVALID_CRITERIA`, `RESOURCE_NOT_FOUND`...), `details` is Zoho's `details`
//   object (e.g. `supported` comparators), so callers can branch on them.
// - RunnerError: a transport problem that is not a Zoho body: network failures, timeouts, a
//   refused download host, a refused refresh token, a broken archive.
//
// Neither ever holds a token, a client secret or got's option objects: `cause` is always a
// sanitized copy (see redact.ts).

import type { ZohoErrorBody } from "./job-runner.js";
import { sanitizeCause } from "./redact.js";

export interface ZohoApiErrorInit {
  code: string;
  /** What happened and what to do; composed by the runner around Zoho's own message. */
  message: string;
  /** HTTP status of the response. */
  status: number;
  /** Zoho's own message, verbatim (when the body had one). */
  zohoMessage?: string;
  details?: Record<string, unknown>;
  /** True when the same request may succeed later (5xx, throttling); false for a bad request. */
  retryable?: boolean;
  cause?: unknown;
}

export class ZohoApiError extends Error {
  override readonly name = "ZohoApiError";
  readonly code: string;
  readonly status: number;
  readonly zohoMessage: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;

  constructor(init: ZohoApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: sanitizeCause(init.cause) });
    this.code = init.code;
    this.status = init.status;
    this.zohoMessage = init.zohoMessage;
    this.details = init.details;
    this.retryable = init.retryable ?? (init.status >= 500 || init.status === 429);
  }

  /** Zoho's error object, in the shape of `ZohoErrorBody`. */
  toZohoErrorBody(): ZohoErrorBody {
    const body: ZohoErrorBody = { status: "error", code: this.code, message: this.zohoMessage ?? this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
      zohoMessage: this.zohoMessage,
      details: this.details,
      retryable: this.retryable,
    };
  }
}

/** Stable codes of RunnerError. Open-ended (a string), these are the ones this layer throws. */
export type RunnerErrorCode =
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "DOWNLOAD_HOST_REFUSED"
  | "DOWNLOAD_INTERRUPTED"
  | "INVALID_JOB_ID"
  | "INVALID_OPTIONS"
  | "TOKEN_REFRESH_REFUSED"
  | "TOKEN_REFRESH_THROTTLED"
  | "TOKEN_REFRESH_FAILED"
  | "ARCHIVE_CORRUPT"
  | "ARCHIVE_NO_DATA_ENTRY"
  | "ARCHIVE_MULTIPLE_DATA_ENTRIES"
  | "ARCHIVE_UNSAFE_ENTRY_NAME"
  | "ARCHIVE_WRONG_ENTRY_TYPE"
  | "ARCHIVE_ENTRY_TOO_LARGE"
  | "CSV_MALFORMED";

export interface RunnerErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

export class RunnerError extends Error {
  override readonly name = "RunnerError";
  readonly code: RunnerErrorCode | (string & {});
  readonly retryable: boolean;

  constructor(code: RunnerErrorCode | (string & {}), message: string, options: RunnerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

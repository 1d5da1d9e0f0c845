// The two error classes of the runner layer.
//
// - ZohoApiError: Zoho answered, with an HTTP status and (usually) an error body. `code` mirrors
//   Zoho's code (`INVALID_CRITERIA`, `RESOURCE_NOT_FOUND`...), `details` is Zoho's `details`
//   object (e.g. `supported` comparators), so callers can branch on them.
// - RunnerError: everything else, with a `code` from the closed RunnerErrorCode list: network
//   failures, timeouts, a refused download host, a refused refresh token, a broken archive,
//   the pipeline's own checks.
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

/** Every code a RunnerError carries: a closed list, so that a switch over it is checked. */
export type RunnerErrorCode =
  // options and calls
  | "INVALID_OPTIONS"
  | "INVALID_JOB_ID"
  // transport and authentication
  | "NETWORK_ERROR"
  | "TIMEOUT"
  | "UNEXPECTED_RESPONSE"
  | "DOWNLOAD_HOST_REFUSED"
  | "DOWNLOAD_INTERRUPTED"
  | "TOKEN_REFRESH_REFUSED"
  | "TOKEN_REFRESH_THROTTLED"
  | "TOKEN_REFRESH_FAILED"
  | "CALLBACK_RECEIVER_FAILED"
  // jobs and pages
  | "JOB_TIMEOUT"
  | "JOB_RESULT_MISSING"
  | "PAGE_COUNT_MISMATCH"
  | "PAGE_CHANGED"
  | "PAGE_TOKEN_MISSING"
  | "PAGE_TOKEN_REFUSED"
  | "PAGE_TOKEN_EXPIRED"
  // result files
  | "ARCHIVE_TRUNCATED"
  | "ARCHIVE_CORRUPT"
  | "ARCHIVE_NO_DATA_ENTRY"
  | "ARCHIVE_MULTIPLE_DATA_ENTRIES"
  | "ARCHIVE_UNSAFE_ENTRY_NAME"
  | "ARCHIVE_WRONG_ENTRY_TYPE"
  | "ARCHIVE_ENTRY_TOO_LARGE"
  | "CSV_MALFORMED"
  | "CSV_NO_ID_COLUMN"
  | "CSV_VALUE_INVALID"
  | "CSV_HEADER_CHANGED"
  | "ICS_MALFORMED"
  // exportToFile
  | "CHECKPOINT_INVALID"
  | "EXPORT_IN_PROGRESS"
  | "CHECKPOINT_MISMATCH";

export interface RunnerErrorOptions {
  retryable?: boolean;
  cause?: unknown;
}

export class RunnerError extends Error {
  override readonly name = "RunnerError";
  readonly code: RunnerErrorCode;
  readonly retryable: boolean;

  constructor(code: RunnerErrorCode, message: string, options: RunnerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

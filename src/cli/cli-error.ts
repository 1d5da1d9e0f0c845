// Errors the command line itself raises: a wrong command line (exit 2) or a failure the user
// can fix (exit 1). Library errors (CriteriaError, ZohoApiError, RunnerError) pass through as
// they are and are described by describe-error.ts.

import { EXIT, type ExitCode } from "./exit-codes.js";

export interface CliErrorOptions {
  /** Stable code shown after the message, e.g. NO_CREDENTIALS. */
  code?: string;
  /** JSON path into the input the problem is at, when there is one. */
  path?: string;
  /** True for a wrong command line (exit 2). */
  usage?: boolean;
  cause?: unknown;
}

export class CliError extends Error {
  override readonly name = "CliError";
  readonly code: string;
  readonly path: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? (options.usage ? "USAGE" : "FAILED");
    this.path = options.path;
    this.exitCode = options.usage ? EXIT.usage : EXIT.failure;
  }
}

/** A wrong command line: exit code 2. */
export function usageError(message: string, code = "USAGE"): CliError {
  return new CliError(message, { usage: true, code });
}

// Any error as one line for people (and one object for --json): the message, the stable code
// (Zoho's code where there is one) and the JSON path of the problem. Never a stack trace
// unless --verbose, never a token: library errors are already redacted, and messages are cut
// to one line.

import { CommanderError } from "commander";
import { CriteriaError } from "../errors/criteria-error.js";
import { RunnerError, ZohoApiError } from "../runner/zoho-api-error.js";
import { CliError } from "./cli-error.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

export interface ErrorReport {
  code: string;
  message: string;
  /** JSON path of the problem (criteria, schema or request body), when known. */
  path?: string;
  /** Zoho's field API name, when one is involved. */
  field?: string;
  /** What would have been accepted (comparators, picklist values), when short. */
  allowed?: readonly string[];
  /** HTTP status of Zoho's answer. */
  status?: number;
  exitCode: ExitCode;
}

const MAX_MESSAGE = 600;

function oneLine(text: string): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 1)}…` : flat;
}

/** CriteriaError puts "[CODE at $.path]" at the end of its message; the report keeps them apart. */
function withoutSuffix(message: string, code: string): string {
  const suffix = message.lastIndexOf(` [${code} at `);
  return suffix > 0 ? message.slice(0, suffix) : message;
}

function stringDetail(details: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = details?.[key];
  return typeof value === "string" ? value : undefined;
}

export function describeError(error: unknown): ErrorReport {
  if (error instanceof CriteriaError) {
    return {
      code: error.code,
      message: oneLine(withoutSuffix(error.message, error.code)),
      path: error.path,
      ...(error.field !== undefined && { field: error.field }),
      ...(error.allowed !== undefined && { allowed: error.allowed }),
      exitCode: EXIT.failure,
    };
  }
  if (error instanceof ZohoApiError) {
    const path = stringDetail(error.details, "json_path");
    const field = stringDetail(error.details, "api_name");
    const supported = error.details?.["supported"];
    return {
      code: error.code,
      message: oneLine(error.message),
      ...(path !== undefined && { path }),
      ...(field !== undefined && { field }),
      ...(Array.isArray(supported) && { allowed: supported.map(String) }),
      status: error.status,
      exitCode: EXIT.failure,
    };
  }
  if (error instanceof RunnerError) return { code: String(error.code), message: oneLine(error.message), exitCode: EXIT.failure };
  if (error instanceof CliError) {
    return { code: error.code, message: oneLine(error.message), ...(error.path !== undefined && { path: error.path }), exitCode: error.exitCode };
  }
  if (error instanceof CommanderError) {
    return { code: "USAGE", message: oneLine(error.message.replace(/^error:\s*/i, "")), exitCode: EXIT.usage };
  }
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "INTERNAL_ERROR";
  const message = error instanceof Error ? error.message : String(error);
  return { code, message: oneLine(message), exitCode: EXIT.failure };
}

/** `error: <message> [CODE at $.path]`: what a person reads. */
export function formatErrorLine(report: ErrorReport): string {
  const where = report.path !== undefined ? ` at ${report.path}` : "";
  const status = report.status !== undefined ? `, HTTP ${report.status}` : "";
  return `error: ${report.message} [${report.code}${status}${where}]`;
}

// Reading Zoho's response bodies, which are untrusted JSON: never crash on a weird body, never
// let a malformed one through as a JobDetails. Anything we cannot make sense of becomes a
// ZohoApiError with code UNEXPECTED_RESPONSE and the HTTP status.

import type { JobDetails, JobResult, JobState, ZohoErrorBody } from "./job-runner.js";
import { redactSecrets } from "./redact.js";
import { ZohoApiError } from "./zoho-api-error.js";

const JOB_STATES: ReadonlySet<string> = new Set<JobState>(["ADDED", "QUEUED", "IN PROGRESS", "COMPLETED", "FAILURE"]);

/** Codes meaning "this access token is no good": the runner refreshes once and retries. */
export const INVALID_TOKEN_CODES: ReadonlySet<string> = new Set(["INVALID_TOKEN", "INVALID_OAUTHTOKEN", "AUTHENTICATION_FAILURE"]);

const MAX_MESSAGE_CHARS = 1_000;
const SNIPPET_CHARS = 200;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJsonSafely(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Finds Zoho's error object in any of the shapes it uses:
 * `{data:[{status:"error",code,message,details}]}`, bare `{status:"error",code,...}` or
 * `{code, message, status}`.
 */
function findZohoErrorBody(body: unknown): ZohoErrorBody | undefined {
  if (!isObject(body)) return undefined;
  const data = body["data"];
  if (Array.isArray(data)) {
    const first: unknown = data[0];
    return isObject(first) ? toErrorBody(first) : undefined;
  }
  return toErrorBody(body);
}

function toErrorBody(candidate: JsonObject): ZohoErrorBody | undefined {
  const code = candidate["code"];
  if (typeof code !== "string" || code.length === 0 || code.length > 200) return undefined;
  const message = candidate["message"];
  const status = candidate["status"];
  const details = candidate["details"];
  const body: ZohoErrorBody = { code, message: typeof message === "string" ? message : "" };
  if (typeof status === "string") body.status = status;
  if (isObject(details)) body.details = details;
  return body;
}

/** A short, redacted, printable excerpt of a body, for errors about unexpected responses. */
export function snippet(text: string, secrets: readonly string[]): string {
  const flat = redactSecrets(text, secrets).replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}...` : flat;
}

function hintFor(code: string, status: number): string {
  switch (code) {
    case "INVALID_TOKEN":
    case "INVALID_OAUTHTOKEN":
    case "AUTHENTICATION_FAILURE":
      return "The access token is invalid or expired: supply a fresh one, or configure refresh-token auth so the runner can refresh it.";
    case "OAUTH_SCOPE_MISMATCH":
      return "Re-authorise with the scopes ZohoCRM.bulk.READ and ZohoCRM.modules.<module>.READ.";
    case "NO_PERMISSION":
    case "AUTHORIZATION_FAILED":
      return "The Zoho user's profile lacks permission on this module; a new token will not help.";
    case "RESOURCE_NOT_FOUND":
      return "Check the job id; results are kept about one day, after which the job must be created again.";
    case "TOO_MANY_REQUESTS":
      return "Zoho is throttling (too many concurrent jobs or downloads): wait and retry later.";
    case "MEDIA_TYPE_NOT_SUPPORTED":
      return "The request lacked `Content-Type: application/json`.";
    case "INTERNAL_ERROR":
    case "INTERNAL_SERVER_ERROR":
      return "Zoho had an internal error: retry later.";
    default:
      return status >= 500 ? "Zoho had a server error: retry later." : "Fix the request: `details` says what Zoho expected.";
  }
}

/** Builds the ZohoApiError for a non-success response. Never throws, whatever the body. */
export function zohoErrorFromResponse(
  operation: string,
  status: number,
  bodyText: string,
  secrets: readonly string[],
): ZohoApiError {
  const found = findZohoErrorBody(parseJsonSafely(bodyText));
  if (found === undefined) {
    const excerpt = snippet(bodyText, secrets);
    return new ZohoApiError({
      code: status === 204 ? "NO_CONTENT" : "UNEXPECTED_RESPONSE",
      status,
      message:
        `${operation} got HTTP ${status} without a Zoho error body` +
        (excerpt.length > 0 ? ` (body starts: ${JSON.stringify(excerpt)})` : " (empty body)") +
        `. ${
          status >= 500
            ? "Retry later."
            : status === 404
              ? "Check the job id and API version; results can be downloaded for about one day after the job completes."
              : "Check the API domain, version and job id."
        }`,
    });
  }
  const zohoMessage = redactSecrets(found.message, secrets).slice(0, MAX_MESSAGE_CHARS);
  const init = {
    code: found.code,
    status,
    zohoMessage,
    message: `${operation} was rejected by Zoho (HTTP ${status} ${found.code})${zohoMessage ? `: ${zohoMessage.replace(/\.$/, "")}` : ""}. ${hintFor(found.code, status)}`,
    retryable: status >= 500 || status === 429 || found.code === "TOO_MANY_REQUESTS",
  };
  return new ZohoApiError(found.details === undefined ? init : { ...init, details: found.details });
}

function unexpected(operation: string, status: number, what: string, bodyText: string, secrets: readonly string[]): ZohoApiError {
  return new ZohoApiError({
    code: "UNEXPECTED_RESPONSE",
    status,
    retryable: false,
    message: `${operation} got HTTP ${status} but ${what} (body starts: ${JSON.stringify(snippet(bodyText, secrets))}). Check the API domain and version; report it if it persists.`,
  });
}

/** `POST .../read` success: `{data:[{status:"success", details:{id, state...}}]}`. */
export function parseCreateResponse(operation: string, status: number, bodyText: string, secrets: readonly string[]): JobDetails {
  const body = parseJsonSafely(bodyText);
  const entry: unknown = isObject(body) && Array.isArray(body["data"]) ? body["data"][0] : undefined;
  if (isObject(entry) && entry["status"] === "error") return throwError(zohoErrorFromResponse(operation, status, bodyText, secrets));
  const job = isObject(entry) ? toJobDetails(entry["details"]) : undefined;
  if (job === undefined) throw unexpected(operation, status, "the body is not a created job (data[0].details with id and state)", bodyText, secrets);
  return job;
}

/** `GET .../read/{id}` success: `{data:[JobDetail]}`. */
export function parseJobResponse(operation: string, status: number, bodyText: string, secrets: readonly string[]): JobDetails {
  const body = parseJsonSafely(bodyText);
  const entry: unknown = isObject(body) && Array.isArray(body["data"]) ? body["data"][0] : undefined;
  if (isObject(entry) && entry["status"] === "error") return throwError(zohoErrorFromResponse(operation, status, bodyText, secrets));
  const job = toJobDetails(entry);
  if (job === undefined) throw unexpected(operation, status, "the body is not a job (data[0] with id and a known state)", bodyText, secrets);
  return job;
}

function throwError(error: Error): never {
  throw error;
}

/** Validates and copies a job object; undefined when it lacks a string id or a known state. */
function toJobDetails(value: unknown): JobDetails | undefined {
  if (!isObject(value)) return undefined;
  const { id, state } = value;
  // A numeric id would already have lost precision in JSON.parse (19 digits > 2^53): refuse it.
  if (typeof id !== "string" || id.length === 0 || typeof state !== "string" || !JOB_STATES.has(state)) return undefined;
  const job: JobDetails = { id, state: state as JobState };
  const { operation, result, query, created_by: createdBy, created_time: createdTime, file_type: fileType } = value;
  if (typeof operation === "string") job.operation = operation;
  if (isObject(result)) job.result = toJobResult(result);
  if (isObject(query)) job.query = query;
  if (isObject(createdBy) && typeof createdBy["id"] === "string") {
    const name = createdBy["name"];
    job.created_by = typeof name === "string" ? { id: createdBy["id"], name } : { id: createdBy["id"] };
  }
  if (typeof createdTime === "string") job.created_time = createdTime;
  if (fileType === "csv" || fileType === "ics") job.file_type = fileType;
  return job;
}

function toJobResult(value: JsonObject): JobResult {
  const result: JobResult = {};
  const { page, count, per_page: perPage, more_records: moreRecords, next_page_token: nextPageToken } = value;
  const { download_url: downloadUrl, error_message: errorMessage } = value;
  if (typeof page === "number") result.page = page;
  if (typeof count === "number") result.count = count;
  if (typeof perPage === "number") result.per_page = perPage;
  if (typeof moreRecords === "boolean") result.more_records = moreRecords;
  if (typeof nextPageToken === "string") result.next_page_token = nextPageToken;
  if (typeof downloadUrl === "string") result.download_url = downloadUrl;
  if (isObject(errorMessage)) {
    const body = toErrorBody(errorMessage);
    if (body !== undefined) result.error_message = body;
  }
  return result;
}

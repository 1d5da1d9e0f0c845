// Job and body checks: a create-job body read as Zoho reads it, refused with Zoho's codes.

import { match, P } from "ts-pattern";
import { parseCriteria } from "../../parse/parse-criteria.js";
import { compilePredicate, type RecordPredicate } from "../evaluate.js";
import { ZohoApiError } from "../zoho-api-error.js";
import type { ModuleData } from "./module-data.js";

/** A job's query, checked: what a page of its results is made from. */
export interface PagedQuery {
  readonly module: ModuleData;
  readonly fields: readonly string[] | undefined;
  readonly criteria: unknown;
  readonly predicate: RecordPredicate;
  readonly fileType: "csv" | "ics";
  readonly page: number;
  /**
   * Where the page starts in the module's records, when known: a query continued by
   * `page_token` starts where the last page stopped. Undefined for a page asked by number,
   * which is found from the start by passing over the pages before it.
   */
  readonly start: number | undefined;
}

/** What reading a body needs from the runner. */
export interface BodyContext {
  /** The query a `page_token` continues; undefined for a token this runner did not issue (or has forgotten). */
  savedQuery(token: string): PagedQuery | undefined;
  hasModule(name: string): boolean;
  load(name: string): Promise<ModuleData>;
  readonly timeZone: string | undefined;
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function badRequest(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ZohoApiError({ code, message, zohoMessage: message, status: 400, details, retryable: false });
}

const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i;

/** Checks a create-job body as Zoho would; CriteriaErrors from parseCriteria pass through as they are. */
export async function readRequestBody(body: unknown, context: BodyContext): Promise<PagedQuery> {
  if (!isObject(body)) badRequest("REQUEST_BODY_IS_EMPTY", "Request body is empty.");
  const query = body["query"];
  if (!isObject(query)) badRequest("MANDATORY_NOT_FOUND", "Required field not found: query.", { api_name: "query", json_path: "$.query" });
  const callback = body["callback"];
  if (callback !== undefined) {
    if (!isObject(callback) || typeof callback["url"] !== "string" || !HTTP_URL.test(callback["url"])) {
      const url = isObject(callback) ? callback["url"] : callback;
      badRequest("INVALID_CALLBACK_URL", `Invalid URL '${String(url)}' for callback.`, { json_path: "$.callback.url" });
    }
    if (callback["method"] !== "post") badRequest("INVALID_CALLBACK_METHOD", `Invalid request method ${String(callback["method"])} for callback.`, { json_path: "$.callback.method" });
  }
  const token = query["page_token"];
  if (token !== undefined) {
    const saved = typeof token === "string" ? context.savedQuery(token) : undefined;
    if (saved === undefined) badRequest("INVALID_REQUEST", "Invalid page_token: it was not issued by this runner.", { api_name: "page_token", json_path: "$.query.page_token" });
    if (query["page"] !== undefined) badRequest("PAGE_NOT_SUPPORTED", "A query takes page or page_token, not both.", { api_name: "page", json_path: "$.query.page" });
    return saved;
  }

  const moduleName = match(query["module"])
    .with(P.string, (m) => m)
    .with({ api_name: P.string }, (m) => m.api_name)
    .with(P.nullish, () => badRequest("MANDATORY_NOT_FOUND", "Required field not found: module.", { api_name: "module", json_path: "$.query.module" }))
    .otherwise(() => badRequest("INVALID_DATA", 'module must be {"api_name": "Module_Name"}.', { api_name: "module", json_path: "$.query.module" }));
  if (!context.hasModule(moduleName)) badRequest("MODULE_NOT_AVAILABLE", `Requested module '${moduleName}' is not available.`, { api_name: moduleName, json_path: "$.query.module" });
  const module = await context.load(moduleName);

  if (query["cvid"] !== undefined) badRequest("CVID_NOT_SUPPORTED", "The local runner has no custom views; send criteria instead of cvid.", { api_name: "cvid", json_path: "$.query.cvid" });

  const fileType = body["file_type"] ?? query["file_type"] ?? "csv";
  if (fileType !== "csv" && fileType !== "ics") badRequest("INVALID_DATA", `file_type must be "csv" or "ics"; got ${JSON.stringify(fileType)}.`, { api_name: "file_type", json_path: "$.file_type" });
  if (fileType === "ics" && moduleName !== "Events") badRequest("QUERY_NOT_SUPPORTED", `ICS export is only for the Events module, not ${moduleName}.`, { api_name: "file_type", json_path: "$.file_type" });

  let fields: readonly string[] | undefined;
  if (query["fields"] !== undefined) {
    const list = query["fields"];
    if (!Array.isArray(list) || !list.every((f) => typeof f === "string" && f.length > 0)) badRequest("INVALID_DATA", "fields must be an array of field API names.", { api_name: "fields", json_path: "$.query.fields" });
    if (fileType === "ics" && list.length > 0) badRequest("QUERY_NOT_SUPPORTED", "An ICS export takes no fields.", { api_name: "fields", json_path: "$.query.fields" });
    list.forEach((field: string, i) => {
      if (module.declared && field.toLowerCase() !== "id" && module.schema.field(field) === undefined) {
        badRequest("FIELD_NOT_SUPPORTED", `Invalid field for the module provided in fields. Field api name '${field}' is not supported for this module '${moduleName}'.`, { api_name: field, json_path: `$.query.fields[${i}]` });
      }
    });
    fields = list.length > 0 ? Object.freeze([...(list as string[])]) : undefined;
  }

  const page = query["page"] ?? 1;
  if (typeof page !== "number" || !Number.isInteger(page) || page < 1) badRequest("PAGE_NOT_SUPPORTED", `Invalid page number for query. Page ${JSON.stringify(page)} is not supported for the query.`, { api_name: "page", json_path: "$.query.page" });

  const criteria = query["criteria"];
  let predicate: RecordPredicate = () => true;
  if (criteria !== undefined && criteria !== null) {
    const parsed = parseCriteria(criteria, module.schema);
    predicate = compilePredicate(parsed.node, context.timeZone === undefined ? {} : { timeZone: context.timeZone });
  }
  return { module, fields, criteria: criteria ?? undefined, predicate, fileType, page, start: undefined };
}

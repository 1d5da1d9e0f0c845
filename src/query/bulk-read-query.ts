import type { Module } from "../builder/define-module.js";
import { isCriteria, join, type Criteria } from "../builder/criteria.js";
import { checkConditionLimit, compileBulkRead } from "../compile/bulk-read.js";
import { checkTimeZone } from "../compile/time-zone.js";
import type { BulkReadCriteria, BulkReadCriteriaV2, CriteriaVersion } from "../compile/wire.js";
import { CriteriaError } from "../errors/criteria-error.js";
import type { AnyFlatFields } from "../schema/module-schema.js";
import { LIMITS } from "../validate/limits.js";

export interface BulkReadOptions {
  /** The API version the body is for (default v8); "v2" writes the v2 shapes. */
  version?: CriteriaVersion;
  /** IANA time zone for writing `Date` values (default: UTC for datetimes, local date for dates). */
  timeZone?: string;
}

export type FileType = "csv" | "ics";

/** The create-job body, exactly as `POST /crm/bulk/{version}/read` takes it. */
export interface BulkReadRequest {
  callback?: { url: string; method: "post" };
  query: {
    module?: { api_name: string } | string;
    cvid?: string;
    fields?: string[];
    page?: number;
    page_token?: string;
    criteria?: BulkReadCriteria | BulkReadCriteriaV2;
  };
  file_type?: FileType;
}

interface State {
  readonly fields: readonly string[];
  readonly criteria: Criteria | undefined;
  readonly cvid: string | undefined;
  readonly page: number | undefined;
  readonly pageToken: string | undefined;
  readonly callback: string | undefined;
  readonly fileType: FileType | undefined;
}

/**
 * An immutable Bulk Read request under construction. `Sel` is the union of the selected
 * field paths, which the runner uses to type the records it returns.
 */
export interface BulkReadQuery<M extends string, F extends AnyFlatFields = AnyFlatFields, Sel extends string = never> {
  readonly module: Module<M, F>;
  /** The selected field paths, in order. */
  readonly fields: readonly Sel[];
  /** The criteria given to `where()`, if any. */
  readonly criteria: Criteria<M> | undefined;
  readonly options: Readonly<BulkReadOptions>;
  /** Adds fields to export (all fields when none is selected). */
  select<const P extends keyof F & string>(...fields: P[]): BulkReadQuery<M, F, Sel | P>;
  /** Filters the records; a second `where()` is joined to the first with `and`. */
  where(criteria: Criteria<M>): BulkReadQuery<M, F, Sel>;
  /** Exports a custom view (its criteria are joined with these). */
  cvid(id: string | bigint): BulkReadQuery<M, F, Sel>;
  /** Page to export (1-based; 200,000 records a page). */
  page(page: number): BulkReadQuery<M, F, Sel>;
  /** Continues a paged export (v7+): the body then holds only the token, as Zoho's sample does. */
  pageToken(token: string): BulkReadQuery<M, F, Sel>;
  /** URL Zoho posts the job's details to when it completes or fails. */
  callback(url: string | { url: string; method?: "post" }): BulkReadQuery<M, F, Sel>;
  /** "ics" exports the Events module as iCalendar. */
  fileType(type: FileType): BulkReadQuery<M, F, Sel>;
  /** The create-job body; `JSON.stringify(query)` gives the same. */
  toJSON(): BulkReadRequest;
}

const DIGITS = /^\d{1,19}$/;
const NO_OPTIONS: Readonly<BulkReadOptions> = Object.freeze({});
const EMPTY_STATE: State = Object.freeze({
  fields: Object.freeze([]),
  criteria: undefined,
  cvid: undefined,
  page: undefined,
  pageToken: undefined,
  callback: undefined,
  fileType: undefined,
});
/** An absolute http(s) URL with a host (the core has no URL class: it runs without DOM or Node types). */
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i;

function fail(code: ConstructorParameters<typeof CriteriaError>[0], message: string, path: string): never {
  throw new CriteriaError(code, message, { path });
}

class QueryImpl<M extends string, F extends AnyFlatFields, Sel extends string> implements BulkReadQuery<M, F, Sel> {
  constructor(
    readonly module: Module<M, F>,
    readonly options: Readonly<BulkReadOptions>,
    private readonly state: State,
  ) {}

  get fields(): readonly Sel[] {
    return this.state.fields as readonly Sel[];
  }

  get criteria(): Criteria<M> | undefined {
    return this.state.criteria as Criteria<M> | undefined;
  }

  // The state is private and never mutated, so a query is immutable without freezing it
  // (freezing on every call costs a measurable share of a request; see bench/compile.mjs).
  private with<K extends keyof State>(key: K, value: State[K]): QueryImpl<M, F, Sel> {
    // One fixed shape, written out: object spread is slow on this path.
    const s = this.state;
    const next: { -readonly [P in keyof State]: State[P] } = {
      fields: s.fields,
      criteria: s.criteria,
      cvid: s.cvid,
      page: s.page,
      pageToken: s.pageToken,
      callback: s.callback,
      fileType: s.fileType,
    };
    next[key] = value;
    return new QueryImpl(this.module, this.options, next);
  }

  select<const P extends keyof F & string>(...fields: P[]): BulkReadQuery<M, F, Sel | P> {
    const all = [...this.state.fields];
    for (const field of fields) {
      if (this.module.field(field) === undefined) {
        fail("FIELD_NOT_SUPPORTED", `${this.module.apiName} has no field ${JSON.stringify(field)} among its fields to select`, `$.query.fields[${all.length}]`);
      }
      if (!all.includes(field)) all.push(field);
    }
    if (all.length > LIMITS.fields) {
      fail("QUERY_NOT_SUPPORTED", `${all.length} fields selected; a Bulk Read job exports at most ${LIMITS.fields} (select none to export them all)`, "$.query.fields");
    }
    if (all.length > 0 && this.state.fileType === "ics") fail("QUERY_NOT_SUPPORTED", "An ICS export takes no fields; remove select() or use CSV", "$.query.fields");
    return this.with("fields", Object.freeze(all)) as unknown as BulkReadQuery<M, F, Sel | P>;
  }

  where(criteria: Criteria<M>): BulkReadQuery<M, F, Sel> {
    if (!isCriteria(criteria)) fail("INVALID_CRITERIA", "where() takes criteria built with where(), and(), or(), not() or parseCriteria()", "$.query.criteria");
    if (criteria.module !== undefined && criteria.module !== this.module.apiName) {
      fail("MODULE_MISMATCH", `This query reads ${this.module.apiName}; the criteria are on ${criteria.module}`, "$.query.criteria");
    }
    const joined = this.state.criteria === undefined ? criteria : join("and", [this.state.criteria, criteria]);
    checkConditionLimit(joined.node, "$.query.criteria");
    return this.with("criteria", joined);
  }

  cvid(id: string | bigint): BulkReadQuery<M, F, Sel> {
    const text = typeof id === "bigint" ? id.toString() : id;
    if (typeof text !== "string" || !DIGITS.test(text)) fail("CVID_NOT_SUPPORTED", `cvid must be a custom view id of at most 19 digits; got ${JSON.stringify(String(id))}`, "$.query.cvid");
    return this.with("cvid", text);
  }

  page(page: number): BulkReadQuery<M, F, Sel> {
    if (!Number.isInteger(page) || page < 1) fail("PAGE_NOT_SUPPORTED", `page must be a whole number from 1; got ${String(page)}`, "$.query.page");
    if (this.state.pageToken !== undefined) fail("PAGE_NOT_SUPPORTED", "A query takes page or pageToken, not both", "$.query.page");
    return this.with("page", page);
  }

  pageToken(token: string): BulkReadQuery<M, F, Sel> {
    if (typeof token !== "string" || token.length === 0) fail("PAGE_NOT_SUPPORTED", "pageToken needs the next_page_token of the previous job", "$.query.page_token");
    if (this.state.page !== undefined) fail("PAGE_NOT_SUPPORTED", "A query takes page or pageToken, not both", "$.query.page_token");
    return this.with("pageToken", token);
  }

  callback(callback: string | { url: string; method?: "post" }): BulkReadQuery<M, F, Sel> {
    const { url, method = "post" } = typeof callback === "string" ? { url: callback } : callback;
    if (method !== "post") fail("INVALID_CALLBACK_METHOD", `Zoho posts callbacks; method must be "post", got ${JSON.stringify(method)}`, "$.callback.method");
    if (typeof url !== "string" || !HTTP_URL.test(url)) {
      fail("INVALID_CALLBACK_URL", `Callback URL ${JSON.stringify(url)} is not an absolute http(s) URL`, "$.callback.url");
    }
    return this.with("callback", url);
  }

  fileType(type: FileType): BulkReadQuery<M, F, Sel> {
    if (type !== "csv" && type !== "ics") fail("QUERY_NOT_SUPPORTED", `file_type must be "csv" or "ics"; got ${JSON.stringify(type)}`, "$.file_type");
    if (type === "ics" && this.module.apiName !== "Events") fail("QUERY_NOT_SUPPORTED", `ICS export is only for the Events module, not ${this.module.apiName}`, "$.file_type");
    if (type === "ics" && this.state.fields.length > 0) fail("QUERY_NOT_SUPPORTED", "An ICS export takes no fields; remove select() or use CSV", "$.file_type");
    return this.with("fileType", type);
  }

  toJSON(): BulkReadRequest {
    const s = this.state;
    const v2 = this.options.version === "v2";
    const query: BulkReadRequest["query"] = {};
    if (s.pageToken !== undefined) {
      query.page_token = s.pageToken;
    } else {
      query.module = v2 ? this.module.apiName : { api_name: this.module.apiName };
      if (s.cvid !== undefined) query.cvid = s.cvid;
      if (s.fields.length > 0) query.fields = [...s.fields];
      if (s.page !== undefined) query.page = s.page;
      if (s.criteria?.node !== undefined) query.criteria = compileBulkRead(s.criteria.node, this.options);
    }
    const body: BulkReadRequest = s.callback === undefined ? { query } : { callback: { url: s.callback, method: "post" }, query };
    if (s.fileType !== undefined) body.file_type = s.fileType;
    return body;
  }
}

/** Starts a Bulk Read request for a module: `bulkRead(Leads).select(...).where(...).toJSON()`. */
export function bulkRead<M extends string, F extends AnyFlatFields>(module: Module<M, F>, options?: BulkReadOptions): BulkReadQuery<M, F> {
  if (options === undefined) return new QueryImpl<M, F, never>(module, NO_OPTIONS, EMPTY_STATE);
  checkTimeZone(options.timeZone);
  return new QueryImpl<M, F, never>(module, Object.freeze({ ...options }), EMPTY_STATE);
}

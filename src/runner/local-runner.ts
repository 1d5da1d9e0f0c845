// The embedded local runner: the Bulk Read job lifecycle over local data, with the same three
// calls as Zoho (JobRunner). Criteria are parsed with the core's parseCriteria against the
// module's schema and evaluated by evaluate.ts; results download as a real ZIP holding
// `{job_id}.csv` (or `.ics` for Events) written the way Zoho writes it. See docs/local-runner.md.
//
// Deterministic: no timers, no randomness. A job moves one state per getJob() call
// (ADDED -> QUEUED -> IN PROGRESS -> COMPLETED | FAILURE); holdJobs() and failJob() inject faults.
//
// The parts live in ./local/, one concept a file: infer-schema (types of a module given without
// a schema), read-csv (a CSV data file), module-data (records, ids, schema), request-body (the
// create-job checks), page (which records a page holds), job-store (the jobs remembered),
// cell-writer + csv-field + csv-text (the CSV), ics-text (the ICS), zip-entry (the ZIP).

import { createHash } from "node:crypto";
import { match } from "ts-pattern";
import type { DataType } from "../schema/data-types.js";
import type { FieldInfo, ModuleSchema } from "../schema/module-schema.js";
import { formatDateTime } from "../validate/dates.js";
import type { BulkReadRequestBody, JobDetails, JobRunner, JobState, ZohoErrorBody } from "./job-runner.js";
import { csvText } from "./local/csv-text.js";
import { icsText } from "./local/ics-text.js";
import { JobStore } from "./local/job-store.js";
import { readModuleData, type LocalModuleData, type ModuleData } from "./local/module-data.js";
import { findPage, pageRecords, type PageSlice } from "./local/page.js";
import { isObject, readRequestBody, type Json, type PagedQuery } from "./local/request-body.js";
import { zipEntry } from "./local/zip-entry.js";
import { RunnerError, ZohoApiError } from "./zoho-api-error.js";

export { cellText } from "./local/cell-writer.js";
export { csvField } from "./local/csv-field.js";
export type { LocalModuleData } from "./local/module-data.js";

export interface LocalRunnerOptions {
  /** Module API name -> its records (lookups as ids, datetimes as ISO strings or Dates, multi-selects as arrays) or a CSV file path. */
  data: Readonly<Record<string, LocalModuleData>>;
  /** Modules from `defineModule` (or any ModuleSchema). A module without one has its types inferred from its values. */
  schemas?: readonly ModuleSchema[] | Readonly<Record<string, ModuleSchema>>;
  /** Records per page (Zoho: 200,000). */
  pageSize?: number;
  /** The time jobs are created at (default: the system clock). */
  clock?: () => Date;
  /** The user jobs are created by. */
  user?: { id: string; name?: string };
  /** The version written in `download_url` (default "v8"). */
  apiVersion?: string;
  /** IANA time zone whose calendar date a `Date` has in a date field (default: where the code runs). */
  timeZone?: string;
  /**
   * Jobs remembered (default 100), least recently used first forgotten, with their results and
   * page tokens: a forgotten job is RESOURCE_NOT_FOUND, its token INVALID_REQUEST. (Zoho keeps
   * jobs about a day.)
   */
  maxJobs?: number;
}

export interface LocalRunner extends JobRunner {
  /** While true, jobs that reach QUEUED stay there. */
  holdJobs(hold: boolean): void;
  /** Makes a job (its id, or "next" for the next one created) end in FAILURE with this error. */
  failJob(idOrNext: string, error?: Partial<ZohoErrorBody>): void;
  /** Called when a job reaches COMPLETED or FAILURE. Returns a function that unsubscribes. */
  onSettled(listener: (job: JobDetails) => void): () => void;
  /** A job's details without moving it on; undefined for an unknown id. */
  peekJob(id: string): JobDetails | undefined;
  /** A module's schema (declared, or inferred from its records) and its top-level fields; undefined for an unknown module. */
  describeModule(module: string): Promise<{ schema: ModuleSchema; fields: readonly FieldInfo[] } | undefined>;
}

const ZOHO_PAGE_SIZE = 200_000;
const ICS_PAGE_SIZE = 20_000;
const DEFAULT_MAX_JOBS = 100;
const DEFAULT_USER = { id: "4150868000000225013", name: "Local Runner" };

interface Job {
  details: JobDetails;
  readonly query: PagedQuery;
  failure: ZohoErrorBody | undefined;
  /** Once COMPLETED: where its page is in the module's records (never the records themselves) and the time its file is stamped with. */
  result?: { readonly page: PageSlice; readonly stamp: Date };
  /** The next_page_token it issued, forgotten with it. */
  token?: string;
}

function notFound(id: string, why: string): never {
  const message = "The requested resource doesn't exist.";
  throw new ZohoApiError({ code: "RESOURCE_NOT_FOUND", message: `${message} (${why})`, zohoMessage: message, status: 404, details: { id }, retryable: false });
}

class LocalRunnerImpl implements LocalRunner {
  private readonly schemas = new Map<string, ModuleSchema>();
  private readonly loaded = new Map<string, Promise<ModuleData>>();
  private readonly jobs: JobStore<Job>;
  /** next_page_token -> the query of the page it continues to; each token is dropped with the job that issued it. */
  private readonly tokens = new Map<string, PagedQuery>();
  private readonly listeners = new Set<(job: JobDetails) => void>();
  private readonly pageSize: number;
  private readonly clock: () => Date;
  private readonly user: { id: string; name?: string };
  /** The version written in `download_url`; the pipeline pages by it (page_token from v7). */
  readonly apiVersion: string;
  private held = false;
  private nextFailure: ZohoErrorBody | undefined;
  private jobCount = 0;

  constructor(private readonly options: LocalRunnerOptions) {
    const list = options.schemas === undefined ? [] : Array.isArray(options.schemas) ? options.schemas : Object.values(options.schemas);
    for (const schema of list as readonly ModuleSchema[]) this.schemas.set(schema.apiName, schema);
    this.pageSize = options.pageSize ?? ZOHO_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new RunnerError("INVALID_OPTIONS", `pageSize must be a whole number from 1; got ${String(options.pageSize)}`);
    const maxJobs = options.maxJobs ?? DEFAULT_MAX_JOBS;
    if (!Number.isInteger(maxJobs) || maxJobs < 1) throw new RunnerError("INVALID_OPTIONS", `maxJobs must be a whole number from 1; got ${String(options.maxJobs)}`);
    this.jobs = new JobStore<Job>(maxJobs, (_id, job) => {
      if (job.token !== undefined) this.tokens.delete(job.token);
    });
    this.clock = options.clock ?? (() => new Date());
    this.user = options.user ?? DEFAULT_USER;
    this.apiVersion = options.apiVersion ?? "v8";
  }

  // -- data --

  private hasModule(name: string): boolean {
    return Object.hasOwn(this.options.data, name) || this.schemas.has(name);
  }

  private load(name: string): Promise<ModuleData> {
    let loaded = this.loaded.get(name);
    if (loaded === undefined) {
      loaded = readModuleData(name, Object.hasOwn(this.options.data, name) ? this.options.data[name]! : [], this.schemas.get(name));
      this.loaded.set(name, loaded);
      loaded.catch(() => this.loaded.delete(name));
    }
    return loaded;
  }

  async describeModule(module: string): Promise<{ schema: ModuleSchema; fields: readonly FieldInfo[] } | undefined> {
    if (!this.hasModule(module)) return undefined;
    const data = await this.load(module);
    const fields = data.defaultFields.filter((p) => !p.includes(".")).map((p) => data.schema.field(p)!);
    return { schema: data.schema, fields };
  }

  // -- faults --

  holdJobs(hold: boolean): void {
    this.held = hold;
  }

  failJob(idOrNext: string, error: Partial<ZohoErrorBody> = {}): void {
    const body: ZohoErrorBody = {
      status: "error",
      code: error.code ?? "INTERNAL_SERVER_ERROR",
      message: error.message ?? "Internal server error occurred.",
      details: error.details ?? {},
    };
    if (idOrNext === "next") {
      this.nextFailure = body;
      return;
    }
    const job = this.jobs.peek(idOrNext);
    if (job === undefined) throw new RunnerError("INVALID_JOB_ID", `failJob: no job ${JSON.stringify(idOrNext)}`);
    if (job.details.state === "COMPLETED" || job.details.state === "FAILURE") throw new RunnerError("INVALID_JOB_ID", `failJob: job ${idOrNext} has already ended (${job.details.state})`);
    job.failure = body;
  }

  onSettled(listener: (job: JobDetails) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  peekJob(id: string): JobDetails | undefined {
    const job = this.jobs.peek(id);
    return job === undefined ? undefined : structuredClone(job.details);
  }

  // -- JobRunner --

  async createJob(body: BulkReadRequestBody, options: { signal?: AbortSignal } = {}): Promise<JobDetails> {
    options.signal?.throwIfAborted();
    const query = await readRequestBody(body, {
      savedQuery: (token) => this.tokens.get(token),
      hasModule: (name) => this.hasModule(name),
      load: (name) => this.load(name),
      timeZone: this.options.timeZone,
    });
    options.signal?.throwIfAborted();
    const id = `4150868${String(++this.jobCount).padStart(12, "0")}`;
    const echo: Json = { module: { api_name: query.module.name }, page: query.page };
    if (query.fields !== undefined) echo["fields"] = [...query.fields];
    if (query.criteria !== undefined) echo["criteria"] = structuredClone(query.criteria);
    if (isObject(body.query) && typeof body.query["page_token"] === "string") echo["page_token"] = body.query["page_token"];
    const details: JobDetails = {
      id,
      operation: "read",
      state: "ADDED",
      query: echo,
      created_by: { ...this.user },
      created_time: formatDateTime(this.clock(), "UTC"),
      file_type: query.fileType,
    };
    this.jobs.set(id, { details, query, failure: this.nextFailure });
    this.nextFailure = undefined;
    const { query: _query, file_type: _fileType, ...added } = structuredClone(details);
    return added;
  }

  async getJob(id: string, options: { signal?: AbortSignal } = {}): Promise<JobDetails> {
    options.signal?.throwIfAborted();
    const job = this.jobs.get(id);
    if (job === undefined) notFound(id, `no bulk read job ${JSON.stringify(id)}`);
    this.advance(job);
    return structuredClone(job.details);
  }

  /** The page is generated again from its position on every call: the same bytes each time (the file is stamped with the job's completion time). */
  async downloadResult(id: string, downloadUrl?: string, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<Uint8Array>> {
    options.signal?.throwIfAborted();
    const job = this.jobs.get(id);
    if (job === undefined) notFound(id, `no bulk read job ${JSON.stringify(id)}`);
    if (job.details.state !== "COMPLETED" || job.result === undefined) notFound(id, `job ${id} is ${job.details.state}, not COMPLETED`);
    const expected = job.details.result!.download_url!;
    if (downloadUrl !== undefined && downloadUrl !== expected && !downloadUrl.endsWith(expected)) {
      throw new ZohoApiError({ code: "INVALID_URL_PATTERN", message: `Download URL ${JSON.stringify(downloadUrl)} is not job ${id}'s (${expected})`, zohoMessage: "Please check if the URL trying to access is a correct one", status: 404, retryable: false });
    }
    const { module, fields, fileType, predicate } = job.query;
    const { page, stamp } = job.result;
    const records = pageRecords(module.records, predicate, page);
    if (fileType === "ics") return zipEntry(`${id}.ics`, icsText(records, stamp), stamp, options.signal);
    const columns = ["id", ...(fields ?? module.defaultFields).filter((f) => f.toLowerCase() !== "id")];
    const typeOf = (path: string): DataType => (path === "id" ? "bigint" : (module.schema.field(path)?.criteriaType ?? "text"));
    return zipEntry(`${id}.csv`, csvText(records, columns, typeOf, this.options.timeZone), stamp, options.signal);
  }

  // -- internals --

  private advance(job: Job): void {
    const next: JobState = match(job.details.state)
      .with("ADDED", () => "QUEUED" as const)
      .with("QUEUED", () => (this.held ? ("QUEUED" as const) : ("IN PROGRESS" as const)))
      .with("IN PROGRESS", () => (job.failure === undefined ? ("COMPLETED" as const) : ("FAILURE" as const)))
      .with("COMPLETED", "FAILURE", (state) => state)
      .exhaustive();
    if (next === job.details.state) return;
    job.details.state = next;
    if (next === "COMPLETED") this.complete(job);
    if (next === "FAILURE") job.details.result = { error_message: job.failure! };
    if (next === "COMPLETED" || next === "FAILURE") {
      const snapshot = structuredClone(job.details);
      for (const listener of this.listeners) listener(snapshot);
    }
  }

  /**
   * Finds the job's page in one scan that stops at the first match past it (enough to know
   * more_records), and keeps its position only. A page_token carries where the next page
   * starts, so paging through a query scans the records once, not once per page.
   */
  private complete(job: Job): void {
    const { module, predicate, page: number, fileType, start } = job.query;
    const perPage = fileType === "ics" ? Math.min(this.pageSize, ICS_PAGE_SIZE) : this.pageSize;
    const page = start === undefined ? findPage(module.records, predicate, 0, (number - 1) * perPage, perPage) : findPage(module.records, predicate, start, 0, perPage);
    job.result = { page, stamp: this.clock() };
    const more = page.next !== undefined;
    job.details.result = { page: number, count: page.count, per_page: perPage, more_records: more };
    if (more) {
      const token = createHash("sha256").update(`${job.details.id}:${number + 1}`).digest("hex").slice(0, 40);
      this.tokens.set(token, { ...job.query, page: number + 1, start: page.next });
      job.token = token;
      job.details.result.next_page_token = token;
    }
    job.details.result.download_url = `/crm/bulk/${this.apiVersion}/read/${job.details.id}/result`;
  }
}

/**
 * A JobRunner over local data: `createLocalRunner({ data: { Leads: [...] }, schemas: [Leads] })`.
 * Validation errors are the core's CriteriaError (criteria) or a ZohoApiError with Zoho's code
 * and status (everything else), exactly what the Zoho runner would surface.
 */
export function createLocalRunner(options: LocalRunnerOptions): LocalRunner {
  if (!isObject(options) || !isObject(options.data)) throw new RunnerError("INVALID_OPTIONS", "createLocalRunner needs { data: { ModuleName: records | csvPath } }");
  return new LocalRunnerImpl(options);
}

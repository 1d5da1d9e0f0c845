// The embedded local runner: the Bulk Read job lifecycle over local data, with the same three
// calls as Zoho (JobRunner). Criteria are parsed with the core's parseCriteria against the
// module's schema and evaluated by evaluate.ts; results download as a real ZIP holding
// `{job_id}.csv` (or `.ics` for Events) written the way Zoho writes it. See docs/local-runner.md.
//
// Deterministic: no timers, no randomness. A job moves one state per getJob() call
// (ADDED -> QUEUED -> IN PROGRESS -> COMPLETED | FAILURE); holdJobs() and failJob() inject faults.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { parse as parseCsv } from "csv-parse";
import * as zlib from "node:zlib";
import { Zip, type ZipInputFile } from "fflate";
import ICAL from "ical.js";
import { match, P } from "ts-pattern";
import { parseCriteria } from "../parse/parse-criteria.js";
import { VALUE_KIND_BY_TYPE, type DataType } from "../schema/data-types.js";
import { fieldInfo, type FieldInfo, type ModuleSchema } from "../schema/module-schema.js";
import { canonicalDateTime, formatDateTime, isDateOnly } from "../validate/dates.js";
import { calendarDate, compilePredicate, instantMs, isEmptyValue, lookupId, readPath, type LocalRecord, type RecordPredicate } from "./evaluate.js";
import type { BulkReadRequestBody, JobDetails, JobRunner, JobState, ZohoErrorBody } from "./job-runner.js";
import { RunnerError, ZohoApiError } from "./zoho-api-error.js";
import { crc32 } from "./zip/crc32.js";

/** Records of one module: plain objects keyed by field API name, or the path of a CSV file. */
export type LocalModuleData = readonly Readonly<Record<string, unknown>>[] | string;

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
const DEFAULT_USER = { id: "4150868000000225013", name: "Local Runner" };
/** Characters of CSV text pushed into the deflater at a time. */
const CHUNK_CHARS = 64 * 1024;

// ---- schemas -------------------------------------------------------------------------------

const NUMERIC = /^-?\d+(\.\d+)?$/;
const LONG_INTEGER = /^-?\d{16,19}$/;
const BOOLEAN_TEXT = /^(true|false)$/i;

function isDateTimeString(value: unknown): boolean {
  return typeof value === "string" && canonicalDateTime(value) !== undefined;
}

/** The data type a column's values suggest. CSV cells are strings, so `fromText` reads numbers and booleans out of them. */
function inferType(values: readonly unknown[], fromText: boolean): DataType {
  const present = values.filter((v) => !isEmptyValue(v));
  const all = (test: (v: unknown) => boolean) => present.length > 0 && present.every(test);
  if (all((v) => typeof v === "boolean" || (fromText && typeof v === "string" && BOOLEAN_TEXT.test(v)))) return "boolean";
  if (all((v) => typeof v === "bigint" || (fromText && typeof v === "string" && LONG_INTEGER.test(v)))) return "bigint";
  if (all((v) => typeof v === "number" || (fromText && typeof v === "string" && NUMERIC.test(v)))) {
    return all((v) => Number.isInteger(Number(v))) ? "integer" : "double";
  }
  if (all((v) => v instanceof Date || isDateTimeString(v))) return "datetime";
  if (all((v) => typeof v === "string" && isDateOnly(v))) return "date";
  if (all(Array.isArray)) return "multiselectpicklist";
  if (all((v) => typeof v === "object" && v !== null && "id" in v)) return "lookup";
  return "text";
}

/**
 * A schema read off the records: every key a field (its sub-fields too, for lookup objects),
 * and any other path a text field. `paths` lists the records' own keys, in first-seen order.
 */
function inferSchema(apiName: string, records: readonly LocalRecord[], fromText: boolean): ModuleSchema {
  const keys = new Set<string>();
  const values = new Map<string, unknown[]>();
  const add = (path: string, value: unknown) => {
    let list = values.get(path);
    if (list === undefined) values.set(path, (list = []));
    list.push(value);
  };
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (key === "id") continue;
      keys.add(key);
      add(key, value);
      if (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
        for (const [sub, subValue] of Object.entries(value)) if (sub !== "id") add(`${key}.${sub}`, subValue);
      }
    }
  }
  const byPath = new Map<string, FieldInfo>([["id", fieldInfo("id", "bigint")]]);
  for (const [path, list] of values) byPath.set(path, fieldInfo(path, inferType(list, fromText)));
  return Object.freeze({ apiName, paths: Object.freeze([...keys]), field: (path: string) => byPath.get(path) ?? fieldInfo(path, "text") });
}

// ---- data ----------------------------------------------------------------------------------

interface ModuleData {
  readonly name: string;
  readonly schema: ModuleSchema;
  readonly declared: boolean;
  readonly records: readonly LocalRecord[];
  /** The columns exported when a query names no fields (top-level fields). */
  readonly defaultFields: readonly string[];
}

/** FNV-1a, for a stable id prefix per module. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A deterministic 19-digit id: 7 digits from the module name, 12 from the record's position. */
function recordId(module: string, index: number): string {
  return `${1_000_000 + (hash32(module) % 9_000_000)}${String(index + 1).padStart(12, "0")}`;
}

async function readCsvFile(path: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  try {
    const input = createReadStream(path);
    const parser = input.pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true }));
    input.once("error", (error) => parser.destroy(error));
    for await (const row of parser) rows.push(row as Record<string, string>);
  } catch (error) {
    throw new RunnerError("INVALID_OPTIONS", `Local runner: cannot read CSV data file ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
  }
  return rows;
}

/** A CSV cell as a value of its field's kind; an empty cell is no value. */
function fromCell(text: string, type: DataType): unknown {
  return match(VALUE_KIND_BY_TYPE[type])
    .with("boolean", () => (BOOLEAN_TEXT.test(text) ? text.toLowerCase() === "true" : text))
    .with("integer", "number", () => (NUMERIC.test(text) ? Number(text) : text))
    .with("multiselect", () => text.split(";"))
    .otherwise(() => text);
}

function csvRecords(rows: readonly Record<string, string>[], typeOf: (column: string) => DataType): LocalRecord[] {
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [column, text] of Object.entries(row)) {
      if (text === "") continue;
      if (column.toLowerCase() === "id") record["id"] = text;
      else record[column] = fromCell(text, typeOf(column));
    }
    return record;
  });
}

function withIds(module: string, records: readonly LocalRecord[]): LocalRecord[] {
  return records.map((record, i) => {
    const id = record["id"];
    return Object.freeze(isEmptyValue(id) ? { ...record, id: recordId(module, i) } : typeof id === "string" ? record : { ...record, id: String(id) });
  });
}

// ---- writing results -----------------------------------------------------------------------

/** RFC 4180: quote a field holding a comma, a quote, CR or LF, doubling its quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function plainText(value: unknown): string {
  if (value instanceof Date) return formatDateTime(value, "UTC");
  if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    return String(object["id"] ?? object["name"] ?? JSON.stringify(value));
  }
  return String(value);
}

/**
 * `yyyy-MM-ddTHH:mm:ss+00:00` for an instant. A Zoho datetime has no milliseconds. The
 * date-fns path (formatDateTime) asks Intl for the zone's offset on every call, which costs
 * more than the rest of a row; UTC has no offset to ask for, so years 0-9999 use the
 * engine's own UTC formatter (whose fixed layout `yyyy-MM-ddTHH:mm:ss.sssZ` is replaced only in
 * its constant suffix).
 */
function utcDateTime(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return formatDateTime(date, "UTC");
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

type CellWriter = (value: unknown) => string;

/** How the values of one column are written: chosen once per column, not once per cell. */
function cellWriter(type: DataType, timeZone?: string): CellWriter {
  const write: CellWriter = match(VALUE_KIND_BY_TYPE[type])
    .with("lookup", (): CellWriter => (value) => lookupId(value) ?? "")
    .with("datetime", (): CellWriter => (value) => {
      const ms = value instanceof Date ? value.getTime() : instantMs(value);
      return ms === undefined || Number.isNaN(ms) ? plainText(value) : utcDateTime(ms);
    })
    .with("date", (): CellWriter => (value) => calendarDate(value, timeZone) ?? plainText(value))
    .with("boolean", (): CellWriter => (value) => (typeof value === "boolean" ? String(value) : plainText(value)))
    .with(P._, (): CellWriter => (value) => (Array.isArray(value) ? value.filter((v) => !isEmptyValue(v)).map(plainText).join(";") : plainText(value)))
    .exhaustive();
  return (value) => (isEmptyValue(value) ? "" : write(value));
}

/**
 * A value as Zoho writes it in the CSV: ids as strings, booleans true/false, datetimes
 * `yyyy-MM-ddTHH:mm:ss+00:00`, dates `yyyy-MM-dd`, multi-selects `;`-joined, a lookup as its id,
 * no value as an empty cell.
 */
export function cellText(value: unknown, type: DataType, timeZone?: string): string {
  return cellWriter(type, timeZone)(value);
}

/**
 * Streams text into a one-entry ZIP: fflate's streaming `Zip` writes the container, native
 * zlib deflates (in libuv's thread pool, so the text of the next chunk is generated while the
 * last one compresses). Like any streaming ZIP writer, the entry's sizes and CRC follow its
 * data in a data descriptor.
 */
async function* zipEntry(name: string, text: Iterable<string>, mtime: Date, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else out.push(chunk);
    notify();
  });
  // A ZipInputFile of our own: fflate takes the compressed chunks as they are, and reads crc
  // and size when the final chunk arrives.
  const entry = { filename: name, mtime, compression: 8, flag: 0, crc: 0, size: 0, ondata: undefined as unknown as (error: Error | null, data: Uint8Array, final: boolean) => void };
  zip.add(entry as unknown as ZipInputFile);
  const deflater = zlib.createDeflateRaw({ level: 6 });
  let ended = false;
  deflater.on("data", (chunk: Buffer) => entry.ondata(null, chunk, false));
  deflater.on("end", () => {
    ended = true;
    entry.ondata(null, new Uint8Array(0), true);
    zip.end();
    notify();
  });
  deflater.on("error", (error) => {
    failure = error;
    notify();
  });
  deflater.on("drain", notify);
  const changed = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const encoder = new TextEncoder();
  let buffer = "";
  const write = async (final: boolean) => {
    signal?.throwIfAborted();
    const bytes = encoder.encode(buffer);
    buffer = "";
    entry.crc = crc32(bytes, entry.crc);
    entry.size += bytes.length;
    const more = final ? (deflater.end(bytes), true) : deflater.write(bytes);
    if (!more) while (deflater.writableNeedDrain && failure === null) await changed();
  };
  try {
    for (const piece of text) {
      buffer += piece;
      if (buffer.length >= CHUNK_CHARS) {
        await write(false);
        if (failure) throw failure;
        if (out.length > 0) yield* out.splice(0);
      }
    }
    await write(true);
    while (!ended && failure === null) {
      if (out.length > 0) yield* out.splice(0);
      else await changed();
    }
    if (failure) throw failure;
    yield* out.splice(0);
  } finally {
    if (!ended) deflater.destroy();
  }
}

function* csvText(records: readonly LocalRecord[], columns: readonly string[], typeOf: (path: string) => DataType, timeZone: string | undefined): Generator<string> {
  const writers = columns.map((column) => cellWriter(typeOf(column), timeZone));
  const count = columns.length;
  yield `${columns.map(csvField).join(",")}\r\n`;
  // Rows are joined into pieces of about a hundred, so the generator is resumed per piece, not per row.
  let piece = "";
  let rows = 0;
  for (const record of records) {
    let line = "";
    for (let i = 0; i < count; i++) {
      const column = columns[i]!;
      const value = column === "id" ? record["id"] : readPath(record, column);
      line += (i === 0 ? "" : ",") + csvField(writers[i]!(value));
    }
    piece += `${line}\r\n`;
    if (++rows === 100) {
      yield piece;
      piece = "";
      rows = 0;
    }
  }
  if (piece !== "") yield piece;
}

function icsTime(value: unknown, allDay: boolean): ICAL.Time | undefined {
  if (allDay) {
    const date = calendarDate(value);
    return date === undefined ? undefined : ICAL.Time.fromDateString(date);
  }
  const ms = instantMs(value);
  return ms === undefined ? undefined : ICAL.Time.fromJSDate(new Date(ms), true);
}

/** Events as iCalendar: each record a VEVENT built with ical.js, streamed between the calendar's lines. */
function* icsText(records: readonly LocalRecord[], stamp: Date): Generator<string> {
  yield "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//zoho-bulk-read//local runner//EN\r\n";
  const dtstamp = ICAL.Time.fromJSDate(stamp, true);
  for (const record of records) {
    const component = new ICAL.Component("vevent");
    const event = new ICAL.Event(component);
    event.uid = String(record["id"]);
    component.addPropertyWithValue("dtstamp", dtstamp);
    const allDay = record["All_day"] === true;
    const start = icsTime(record["Start_DateTime"], allDay);
    const end = icsTime(record["End_DateTime"], allDay);
    if (start !== undefined) event.startDate = start;
    if (end !== undefined) event.endDate = end;
    if (!isEmptyValue(record["Event_Title"])) event.summary = String(record["Event_Title"]);
    if (!isEmptyValue(record["Venue"])) event.location = String(record["Venue"]);
    if (!isEmptyValue(record["Description"])) event.description = String(record["Description"]);
    yield `${component.toString()}\r\n`;
  }
  yield "END:VCALENDAR\r\n";
}

// ---- jobs ----------------------------------------------------------------------------------

interface PagedQuery {
  readonly module: ModuleData;
  readonly fields: readonly string[] | undefined;
  readonly criteria: unknown;
  readonly predicate: RecordPredicate;
  readonly fileType: "csv" | "ics";
  readonly page: number;
}

interface Job {
  details: JobDetails;
  readonly query: PagedQuery;
  failure: ZohoErrorBody | undefined;
  records: readonly LocalRecord[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function badRequest(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new ZohoApiError({ code, message, zohoMessage: message, status: 400, details, retryable: false });
}

function notFound(id: string, why: string): never {
  const message = "The requested resource doesn't exist.";
  throw new ZohoApiError({ code: "RESOURCE_NOT_FOUND", message: `${message} (${why})`, zohoMessage: message, status: 404, details: { id }, retryable: false });
}

const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/i;

class LocalRunnerImpl implements LocalRunner {
  private readonly schemas = new Map<string, ModuleSchema>();
  private readonly loaded = new Map<string, Promise<ModuleData>>();
  private readonly jobs = new Map<string, Job>();
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
      loaded = this.read(name);
      this.loaded.set(name, loaded);
      loaded.catch(() => this.loaded.delete(name));
    }
    return loaded;
  }

  private async read(name: string): Promise<ModuleData> {
    const declared = this.schemas.get(name);
    const source = Object.hasOwn(this.options.data, name) ? this.options.data[name]! : [];
    let raw: readonly LocalRecord[];
    let inferred: ModuleSchema | undefined;
    if (typeof source === "string") {
      const rows = await readCsvFile(source);
      const textSchema = inferSchema(name, rows, true);
      const typeOf = (column: string) => declared?.field(column)?.criteriaType ?? textSchema.field(column)!.criteriaType;
      raw = csvRecords(rows, typeOf);
      inferred = declared === undefined ? inferSchema(name, raw, false) : undefined;
    } else {
      raw = source;
      inferred = declared === undefined ? inferSchema(name, raw, false) : undefined;
    }
    const schema = declared ?? inferred!;
    return Object.freeze({
      name,
      schema,
      declared: declared !== undefined,
      records: withIds(name, raw),
      // declared: the top-level fields; inferred: the records' own keys (a CSV's `Owner.last_name` column too)
      defaultFields: Object.freeze(declared === undefined ? schema.paths : schema.paths.filter((p) => !p.includes("."))),
    });
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
    const job = this.jobs.get(idOrNext);
    if (job === undefined) throw new RunnerError("INVALID_JOB_ID", `failJob: no job ${JSON.stringify(idOrNext)}`);
    if (job.details.state === "COMPLETED" || job.details.state === "FAILURE") throw new RunnerError("INVALID_JOB_ID", `failJob: job ${idOrNext} has already ended (${job.details.state})`);
    job.failure = body;
  }

  onSettled(listener: (job: JobDetails) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  peekJob(id: string): JobDetails | undefined {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : structuredClone(job.details);
  }

  // -- JobRunner --

  async createJob(body: BulkReadRequestBody, options: { signal?: AbortSignal } = {}): Promise<JobDetails> {
    options.signal?.throwIfAborted();
    const query = await this.readBody(body);
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
    this.jobs.set(id, { details, query, failure: this.nextFailure, records: [] });
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

  async downloadResult(id: string, downloadUrl?: string, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<Uint8Array>> {
    options.signal?.throwIfAborted();
    const job = this.jobs.get(id);
    if (job === undefined) notFound(id, `no bulk read job ${JSON.stringify(id)}`);
    if (job.details.state !== "COMPLETED") notFound(id, `job ${id} is ${job.details.state}, not COMPLETED`);
    const expected = job.details.result!.download_url!;
    if (downloadUrl !== undefined && downloadUrl !== expected && !downloadUrl.endsWith(expected)) {
      throw new ZohoApiError({ code: "INVALID_URL_PATTERN", message: `Download URL ${JSON.stringify(downloadUrl)} is not job ${id}'s (${expected})`, zohoMessage: "Please check if the URL trying to access is a correct one", status: 404, retryable: false });
    }
    const { module, fields, fileType } = job.query;
    const stamp = this.clock();
    if (fileType === "ics") return zipEntry(`${id}.ics`, icsText(job.records, stamp), stamp, options.signal);
    const columns = ["id", ...(fields ?? module.defaultFields).filter((f) => f.toLowerCase() !== "id")];
    const typeOf = (path: string): DataType => (path === "id" ? "bigint" : (module.schema.field(path)?.criteriaType ?? "text"));
    return zipEntry(`${id}.csv`, csvText(job.records, columns, typeOf, this.options.timeZone), stamp, options.signal);
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

  private complete(job: Job): void {
    const { module, predicate, page, fileType } = job.query;
    const perPage = fileType === "ics" ? Math.min(this.pageSize, ICS_PAGE_SIZE) : this.pageSize;
    const skip = (page - 1) * perPage;
    const records: LocalRecord[] = [];
    let total = 0;
    for (const record of module.records) {
      if (!predicate(record)) continue;
      if (total >= skip && records.length < perPage) records.push(record);
      total++;
    }
    job.records = records;
    const more = total > page * perPage;
    job.details.result = { page, count: records.length, per_page: perPage, more_records: more };
    if (more) {
      const token = createHash("sha256").update(`${job.details.id}:${page + 1}`).digest("hex").slice(0, 40);
      this.tokens.set(token, { ...job.query, page: page + 1 });
      job.details.result.next_page_token = token;
    }
    job.details.result.download_url = `/crm/bulk/${this.apiVersion}/read/${job.details.id}/result`;
  }

  /** Checks a create-job body as Zoho would; CriteriaErrors from parseCriteria pass through as they are. */
  private async readBody(body: unknown): Promise<PagedQuery> {
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
      const saved = typeof token === "string" ? this.tokens.get(token) : undefined;
      if (saved === undefined) badRequest("INVALID_REQUEST", "Invalid page_token: it was not issued by this runner.", { api_name: "page_token", json_path: "$.query.page_token" });
      if (query["page"] !== undefined) badRequest("PAGE_NOT_SUPPORTED", "A query takes page or page_token, not both.", { api_name: "page", json_path: "$.query.page" });
      return saved;
    }

    const moduleName = match(query["module"])
      .with(P.string, (m) => m)
      .with({ api_name: P.string }, (m) => m.api_name)
      .with(P.nullish, () => badRequest("MANDATORY_NOT_FOUND", "Required field not found: module.", { api_name: "module", json_path: "$.query.module" }))
      .otherwise(() => badRequest("INVALID_DATA", 'module must be {"api_name": "Module_Name"}.', { api_name: "module", json_path: "$.query.module" }));
    if (!this.hasModule(moduleName)) badRequest("MODULE_NOT_AVAILABLE", `Requested module '${moduleName}' is not available.`, { api_name: moduleName, json_path: "$.query.module" });
    const module = await this.load(moduleName);

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
      predicate = compilePredicate(parsed.node, this.options.timeZone === undefined ? {} : { timeZone: this.options.timeZone });
    }
    return { module, fields, criteria: criteria ?? undefined, predicate, fileType, page };
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


// exportToFile: a query's records streamed to a CSV or JSONL file, resumable.
//
// After each finished page the output is fsync'ed and a checkpoint `{path}.checkpoint.json` is
// written atomically (temp file + rename): pages done, records written, the output's byte
// length at that point, and what the next page needs (its page number and job body: a
// page_token on v7+, `page` before). Running the same export to the same path again truncates
// the output to the checkpointed length (dropping a half-written page) and continues with the
// next page, so no record is lost or written twice. The checkpoint is deleted on success.
//
// A failed run (an error, an abort) cuts the output back to the last checkpoint before it
// throws: the file never holds the records of an unfinished page, among them those of a page
// whose result turned out corrupt after some of its records were written.

import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm, stat, truncate, type FileHandle } from "node:fs/promises";
import type { BulkReadQuery } from "../query/bulk-read-query.js";
import type { AnyFlatFields } from "../schema/module-schema.js";
import type { IcsEvent } from "./ics.js";
import type { BulkReadRequestBody, JobRunner } from "./job-runner.js";
import { engineSettings, pageConverter, planRun, runPages, type PageCursor, type RunBulkReadOptions } from "./run-bulk-read.js";
import { RunnerError } from "./zoho-api-error.js";
import { csvField } from "./local/csv-field.js";
import { lockExport } from "./export-lock.js";

export type ExportFormat = "csv" | "jsonl";

export interface ExportToFileOptions extends RunBulkReadOptions {
  /** Output format (default: from the file extension, `.csv` or `.jsonl`/`.ndjson`). */
  format?: ExportFormat;
  /** Continue an interrupted export of the same query to the same path (default true). */
  resume?: boolean;
}

export interface ExportResult {
  /** Records in the file (those of earlier, resumed runs included). */
  records: number;
  /** Pages exported (those of earlier, resumed runs included). */
  pages: number;
  path: string;
  /** True when this run continued an interrupted export. */
  resumed: boolean;
}

/** The checkpoint file's content. */
export interface ExportCheckpoint {
  version: 1;
  format: ExportFormat;
  apiVersion: string;
  /** The query's create-job body (without a callback): a resumed run must send the same. */
  query: BulkReadRequestBody;
  pagesDone: number;
  records: number;
  /** The output's length in bytes when the last page was finished. */
  bytes: number;
  /** CSV: the header row written. */
  header?: string[];
  /** The next page: its number and job body (page_token or page); null when none is left. */
  next: PageCursor | null;
  /** When the next page's token was issued (page tokens last 24 hours). */
  nextIssuedAt?: string;
  updatedAt: string;
}

const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const ICS_COLUMNS = ["id", "uid", "summary", "description", "location", "start", "end", "allDay", "recurrenceId", "rrule"] as const;

/** The output format: the one asked for, else the file's extension (.csv, .jsonl or .ndjson). */
export function exportFormatOf(path: string, format?: ExportFormat): ExportFormat {
  if (format !== undefined) {
    if (format !== "csv" && format !== "jsonl") throw new RunnerError("INVALID_OPTIONS", `format must be "csv" or "jsonl"; got ${JSON.stringify(format)}.`);
    return format;
  }
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  throw new RunnerError("INVALID_OPTIONS", `Cannot tell the format of ${JSON.stringify(path)} from its extension: pass format "csv" or "jsonl".`);
}

/** RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return csvField(value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(";") : String(value));
}

function csvLine(values: readonly unknown[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) line += (i === 0 ? "" : ",") + csvCell(values[i]);
  return `${line}\r\n`;
}

async function writeAll(handle: FileHandle, text: string): Promise<number> {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
  return buffer.length;
}

/** Writes `path` atomically: a temp file in the same folder, fsync'ed, renamed over it. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "w");
  try {
    await writeAll(handle, text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The checkpoint file of an export to `path`. */
function checkpointPathOf(path: string): string {
  return `${path}.checkpoint.json`;
}

/**
 * The checkpoint an interrupted export to `path` (the output file, as given to exportToFile)
 * left in `{path}.checkpoint.json`; undefined when there is none. A checkpoint that is not one
 * exportToFile wrote (edited, truncated, from another version) is a RunnerError
 * `CHECKPOINT_INVALID` naming the JSON path of the first bad field and saying to delete the
 * file or run with `resume: false`.
 */
export async function readCheckpoint(path: string): Promise<ExportCheckpoint | undefined> {
  const file = checkpointPathOf(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunnerError("CHECKPOINT_INVALID", `The checkpoint ${file} is not valid JSON: delete it, or run with resume: false to start the export over.`);
  }
  const problem = checkpointProblem(value);
  if (problem !== undefined) {
    throw new RunnerError(
      "CHECKPOINT_INVALID",
      `The checkpoint ${file} is not one exportToFile wrote (edited, or from another version?): ${problem[0]} ${problem[1]}. Resuming from it could lose or repeat records: delete it, or run with resume: false to start the export over.`,
    );
  }
  const checkpoint = value as ExportCheckpoint;
  // Only the known fields: a checkpoint of an older version may hold more (jobIds).
  return {
    version: 1,
    format: checkpoint.format,
    apiVersion: checkpoint.apiVersion,
    query: checkpoint.query,
    pagesDone: checkpoint.pagesDone,
    records: checkpoint.records,
    bytes: checkpoint.bytes,
    ...(checkpoint.header !== undefined && { header: checkpoint.header }),
    next: checkpoint.next,
    ...(checkpoint.nextIssuedAt !== undefined && { nextIssuedAt: checkpoint.nextIssuedAt }),
    updatedAt: checkpoint.updatedAt,
  };
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const isWholeFrom = (value: unknown, min: number): boolean => typeof value === "number" && Number.isInteger(value) && value >= min;
const isDate = (value: unknown): boolean => typeof value === "string" && !Number.isNaN(Date.parse(value));

/** The first field of a checkpoint that is not what exportToFile writes: [JSON path, what is wrong]. */
function checkpointProblem(value: unknown): [string, string] | undefined {
  if (!isObject(value)) return ["$", "is not an object"];
  if (value["version"] !== 1) return ["$.version", "is not 1"];
  if (value["format"] !== "csv" && value["format"] !== "jsonl") return ["$.format", 'is not "csv" or "jsonl"'];
  const apiVersion = value["apiVersion"];
  if (typeof apiVersion !== "string" || !/^v\d+/.test(apiVersion)) return ["$.apiVersion", 'is not an API version such as "v8"'];
  const query = jobBodyProblem(value["query"], "$.query");
  if (query !== undefined) return query;
  for (const key of ["pagesDone", "records", "bytes"]) {
    if (!isWholeFrom(value[key], 0)) return [`$.${key}`, "is not a whole number from 0"];
  }
  const header = value["header"];
  if (header !== undefined) {
    if (!Array.isArray(header)) return ["$.header", "is not a list of column names"];
    const bad = header.findIndex((name) => typeof name !== "string");
    if (bad !== -1) return [`$.header[${bad}]`, "is not a column name (a string)"];
  }
  const next = value["next"];
  if (next !== null) {
    if (!isObject(next)) return ["$.next", "is neither null nor the next page"];
    if (!isWholeFrom(next["page"], 1)) return ["$.next.page", "is not a page number from 1"];
    const body = jobBodyProblem(next["body"], "$.next.body");
    if (body !== undefined) return body;
    const nextQuery = (next["body"] as { query: JsonObject }).query;
    const token = nextQuery["page_token"];
    if (token !== undefined && (typeof token !== "string" || token === "")) return ["$.next.body.query.page_token", "is not a page token (a non-empty string)"];
    if (nextQuery["page"] !== undefined && !isWholeFrom(nextQuery["page"], 1)) return ["$.next.body.query.page", "is not a page number from 1"];
  }
  if (value["nextIssuedAt"] !== undefined && !isDate(value["nextIssuedAt"])) return ["$.nextIssuedAt", "is not a date"];
  if (!isDate(value["updatedAt"])) return ["$.updatedAt", "is not a date"];
  return undefined;
}

function jobBodyProblem(value: unknown, path: string): [string, string] | undefined {
  if (!isObject(value)) return [path, "is not a job body (an object)"];
  if (!isObject(value["query"])) return [`${path}.query`, "is not a job's query (an object)"];
  if (value["file_type"] !== undefined && value["file_type"] !== "csv" && value["file_type"] !== "ics") return [`${path}.file_type`, 'is not "csv" or "ics"'];
  return undefined;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Exports a query's records to a file, resumably (see the top of this file). Resolves with
 * the records and pages in the file once the export is complete.
 */
export async function exportToFile<M extends string, F extends AnyFlatFields, Sel extends string>(
  runner: JobRunner,
  query: BulkReadQuery<M, F, Sel>,
  path: string,
  options: ExportToFileOptions = {},
): Promise<ExportResult> {
  const format = exportFormatOf(path, options.format);
  engineSettings(options); // bad options are refused before any file is touched
  options.signal?.throwIfAborted();
  const release = await lockExport(path);
  try {
    return await exportLocked(runner, query, path, format, options);
  } finally {
    await release();
  }
}

async function exportLocked<M extends string, F extends AnyFlatFields, Sel extends string>(
  runner: JobRunner,
  query: BulkReadQuery<M, F, Sel>,
  path: string,
  format: ExportFormat,
  options: ExportToFileOptions,
): Promise<ExportResult> {
  const resume = options.resume ?? true;
  const plan = planRun(runner, query, options);
  const checkpointPath = checkpointPathOf(path);
  const queryText = JSON.stringify(plan.body);

  const previous = resume ? await readCheckpoint(path) : undefined;
  if (!resume) await rm(checkpointPath, { force: true });
  if (previous !== undefined) {
    if (previous.format !== format || JSON.stringify(previous.query) !== queryText || previous.apiVersion !== plan.apiVersion) {
      throw new RunnerError(
        "CHECKPOINT_MISMATCH",
        `${checkpointPath} belongs to another export (${previous.format !== format ? `format ${previous.format}` : previous.apiVersion !== plan.apiVersion ? `API version ${previous.apiVersion}` : "a different query"}): resuming would mix two exports in one file. Run with resume: false to start this one over, or export to another path.`,
      );
    }
    const size = await fileSize(path);
    if (size === undefined || size < previous.bytes) {
      throw new RunnerError("CHECKPOINT_INVALID", `${path} is shorter (${size ?? "missing"}) than its checkpoint says (${previous.bytes} bytes): it was changed since. Run with resume: false to start the export over.`);
    }
    const token = previous.next?.body.query["page_token"];
    if (typeof token === "string" && previous.nextIssuedAt !== undefined && Date.now() - Date.parse(previous.nextIssuedAt) > TOKEN_LIFETIME_MS) {
      throw new RunnerError(
        "PAGE_TOKEN_EXPIRED",
        `The export to ${path} stopped after page ${previous.pagesDone}, more than 24 hours ago: Zoho's page token for page ${previous.next!.page} has expired. Run exportToFile with resume: false to start the export over.`,
      );
    }
  }

  const state: ExportCheckpoint = previous ?? {
    version: 1,
    format,
    apiVersion: plan.apiVersion,
    query: plan.body,
    pagesDone: 0,
    records: 0,
    bytes: 0,
    next: plan.start,
    updatedAt: new Date().toISOString(),
  };
  const resumed = previous !== undefined;
  /** The output's length the checkpoint on disk records: a failed run cuts the file back to it. */
  let savedBytes = state.bytes;
  const save = async (): Promise<void> => {
    await writeAtomically(checkpointPath, `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`);
    savedBytes = state.bytes;
  };

  let handle: FileHandle;
  if (resumed) {
    await truncate(path, state.bytes);
    handle = await open(path, "a");
  } else {
    handle = await open(path, "w");
    await save();
  }

  try {
    if (state.next !== null) {
      const convert = pageConverter(query.module);
      let header = state.header;
      let checkedPage = -1;
      /** Pages finished by this run: before the first, a resumed run uses the checkpoint's token. */
      let pagesThisRun = 0;
      try {
        for await (const item of runPages(runner, plan, state.next, options, state.records)) {
          if (item.kind === "page-done") {
            await handle.sync();
            state.pagesDone++;
            pagesThisRun++;
            state.records += item.records;
            state.next = item.next ?? null;
            if (item.next !== undefined) state.nextIssuedAt = new Date(item.finishedAt).toISOString();
            else delete state.nextIssuedAt;
            await save();
            continue;
          }
          let text = "";
          if (item.kind === "events") {
            if (format === "jsonl") for (const event of item.events) text += `${JSON.stringify(event)}\n`;
            else {
              if (header === undefined) {
                header = [...ICS_COLUMNS];
                state.header = header;
                text += csvLine(header);
              }
              for (const event of item.events) text += csvLine(ICS_COLUMNS.map((column) => (event as IcsEvent)[column]));
            }
          } else if (format === "jsonl") {
            for (const record of convert(item.rows, `job ${item.jobId} (page ${item.page})`)) text += `${JSON.stringify(record)}\n`;
          } else {
            // CSV: Zoho's cells as they came, re-quoted; the header of the first page.
            if (item.rows.length === 0) continue;
            if (checkedPage !== item.page) {
              const columns = Object.keys(item.rows[0]!);
              if (header === undefined) {
                header = columns;
                state.header = header;
                text += csvLine(header);
              } else if (columns.join("\u0000") !== header.join("\u0000")) {
                throw new RunnerError("CSV_HEADER_CHANGED", `Page ${item.page} has the columns ${columns.join(", ")}, not those of the file (${header.join(", ")}): run with resume: false to export again.`);
              }
              checkedPage = item.page;
            }
            const columns = header!;
            for (const row of item.rows) text += csvLine(columns.map((column) => row[column]));
          }
          state.bytes += await writeAll(handle, text);
        }
      } catch (error) {
        // Drop what this run wrote after the last checkpoint (a page that did not finish, or
        // one whose result turned out corrupt): the file and its checkpoint agree again.
        await handle.truncate(savedBytes).catch(() => undefined);
        // The checkpoint's own page token (from an earlier run) has most likely expired.
        if (error instanceof RunnerError && error.code === "PAGE_TOKEN_REFUSED" && resumed && pagesThisRun === 0) {
          throw new RunnerError("PAGE_TOKEN_EXPIRED", `${error.message} Run exportToFile with resume: false to start the export to ${path} over.`, { cause: error.cause });
        }
        throw error;
      }
      if (header === undefined && format === "csv" && query.fields.length > 0) {
        state.bytes += await writeAll(handle, csvLine(["id", ...query.fields]));
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rm(checkpointPath, { force: true });
  return { records: state.records, pages: state.pagesDone, path, resumed };
}

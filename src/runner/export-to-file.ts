// exportToFile: a query's records streamed to a CSV or JSONL file, resumable.
//
// After each finished page the output is fsync'ed and a checkpoint `{path}.checkpoint.json` is
// written atomically (temp file + rename): pages done, records written, the output's byte
// length at that point, and what the next page needs (its page number and job body: a
// page_token on v7+, `page` before). Running the same export to the same path again truncates
// the output to the checkpointed length (dropping a half-written page) and continues with the
// next page, so no record is lost or written twice. The checkpoint is deleted on success.

import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm, stat, truncate, type FileHandle } from "node:fs/promises";
import type { BulkReadQuery } from "../query/bulk-read-query.js";
import type { AnyFlatFields } from "../schema/module-schema.js";
import type { IcsEvent } from "./ics.js";
import type { BulkReadRequestBody, JobRunner } from "./job-runner.js";
import { pageConverter, planRun, runPages, type PageCursor, type RunBulkReadOptions } from "./run-bulk-read.js";
import { RunnerError } from "./zoho-api-error.js";

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
  jobIds: string[];
  updatedAt: string;
}

const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const ICS_COLUMNS = ["id", "uid", "summary", "description", "location", "start", "end", "allDay", "recurrenceId", "rrule"] as const;

function formatOf(path: string, format: ExportFormat | undefined): ExportFormat {
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
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(";") : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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

async function readCheckpoint(path: string): Promise<ExportCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let checkpoint: ExportCheckpoint;
  try {
    checkpoint = JSON.parse(text) as ExportCheckpoint;
  } catch {
    throw new RunnerError("CHECKPOINT_INVALID", `The checkpoint ${path} is not valid JSON: delete it, or run with resume: false to start the export over.`);
  }
  const valid =
    checkpoint !== null &&
    checkpoint.version === 1 &&
    Number.isInteger(checkpoint.bytes) &&
    Number.isInteger(checkpoint.records) &&
    Number.isInteger(checkpoint.pagesDone) &&
    typeof checkpoint.query === "object" &&
    (checkpoint.next === null || (typeof checkpoint.next === "object" && typeof checkpoint.next.body === "object"));
  if (!valid) throw new RunnerError("CHECKPOINT_INVALID", `The checkpoint ${path} is not one exportToFile wrote (or is from another version): delete it, or run with resume: false.`);
  return checkpoint;
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
  const format = formatOf(path, options.format);
  const resume = options.resume ?? true;
  const plan = planRun(runner, query, options);
  const checkpointPath = `${path}.checkpoint.json`;
  const queryText = JSON.stringify(plan.body);
  options.signal?.throwIfAborted();

  let previous = resume ? await readCheckpoint(checkpointPath) : undefined;
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
    jobIds: [],
    updatedAt: new Date().toISOString(),
  };
  const resumed = previous !== undefined;
  const save = (): Promise<void> => writeAtomically(checkpointPath, `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`);

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
      try {
        for await (const item of runPages(runner, plan, state.next, options, state.records)) {
          if (item.kind === "page-done") {
            await handle.sync();
            state.pagesDone++;
            state.records += item.records;
            state.jobIds.push(item.jobId);
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
        if (error instanceof RunnerError && error.code === "PAGE_TOKEN_REFUSED" && resumed) {
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

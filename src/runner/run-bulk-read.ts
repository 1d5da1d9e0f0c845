// The pipeline, written once for every JobRunner:
//   create job -> wait (poll with backoff, or callback) -> download -> unzip -> parse CSV
//   -> convert -> yield batches -> next page while `more_records`.
//
// Correctness rules:
// - never lose or duplicate a record: a download that breaks mid-page is downloaded again and
//   the rows already yielded are skipped (a finished job's file does not change); a page whose
//   row count differs from `result.count` is an error, never a short result;
// - never poll forever (a deadline per job) and never trust `result` before COMPLETED;
// - memory is bounded by the batch size and the stream buffers, not by the number of records:
//   one promise per batch between the layers, never one per record.
//
// Paging: on v7+ the next job's body is `{ query: { page_token } }` (Zoho's sample), before
// v7 the same query with `page + 1`. The callback, if any, is added to every job's body.

import type { BulkReadQuery } from "../query/bulk-read-query.js";
import type { AnyFlatFields, FieldInfo } from "../schema/module-schema.js";
import { startCallbackReceiver, type CallbackReceiver, type CallbackReceiverOptions, type CallbackSlot } from "./callback-receiver.js";
import { parseIcsEvents, type IcsEvent } from "./ics.js";
import type { BulkReadRequestBody, JobDetails, JobResult, JobRunner, JobState } from "./job-runner.js";
import { readArchiveEntry, readCsvRecords } from "./read-archive.js";
import { rowConverter, type BulkReadRecord, type RowConverter } from "./records.js";
import { sleep } from "./retry-policy.js";
import { waitForJob } from "./wait-for-job.js";
import { RunnerError, ZohoApiError } from "./zoho-api-error.js";

/** "records" follows every batch of records read, so a progress bar can move within a page. */
export type BulkReadPhase = "created" | "polling" | "downloading" | "records" | "page-done" | "done";

/** A progress event. `page` counts from the query's first page; `recordsSoFar` includes this page's records yielded so far. */
export interface BulkReadProgress {
  phase: BulkReadPhase;
  jobId: string;
  state: JobState;
  page: number;
  recordsSoFar: number;
  /** Records in this page according to Zoho (`result.count`), once the job has completed. */
  pageCount?: number;
  /** On "downloading": 1 for the first download of the page, 2+ for a retry after a broken download. */
  attempt?: number;
}

export interface CallbackModeOptions extends CallbackReceiverOptions {
  /** Poll anyway when no callback arrived this long after the job was created (default 60 s). */
  fallbackAfterMs?: number;
}

export interface RunBulkReadOptions {
  signal?: AbortSignal;
  onProgress?: (event: BulkReadProgress) => void;
  /** First delay between status polls (default 1 s); doubles, with jitter, up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  /** Longest delay between polls (default 30 s). */
  maxPollIntervalMs?: number;
  /** How long each job may take to finish once created (default 1 hour); then a JOB_TIMEOUT error. */
  timeoutMs?: number;
  /** Receive Zoho's callbacks on a small HTTP server instead of polling (polling stays the fallback). */
  callback?: CallbackModeOptions;
  /** The API version that decides how to page (default: the runner's, else the query's, else "v8"). */
  apiVersion?: string;
  /** Records per batch (default 1,000). */
  batchSize?: number;
  /** Downloads of one page after the first one broke off (default 3). */
  downloadRetries?: number;
  /** Delay before downloading a broken page again (default 1 s, doubled per retry, with jitter). */
  retryDelayMs?: number;
  /** Refuse a result whose file inflates to more than this (default 4 GiB). */
  maxEntryBytes?: number;
}

// ---- internal engine (shared with exportToFile) ------------------------------------------------

/** Where a run starts or continues: the page number and the job body (without the callback). */
export interface PageCursor {
  page: number;
  body: BulkReadRequestBody;
}

export type PageItem =
  | { kind: "rows"; page: number; jobId: string; rows: Record<string, string>[] }
  | { kind: "events"; page: number; jobId: string; events: IcsEvent[] }
  | { kind: "page-done"; page: number; jobId: string; records: number; recordsSoFar: number; next: PageCursor | undefined; finishedAt: number };

export interface RunPlan {
  /** The query's body without a callback. */
  body: BulkReadRequestBody;
  start: PageCursor;
  apiVersion: string;
  usePageToken: boolean;
  fileType: "csv" | "ics";
  userCallback: BulkReadRequestBody["callback"];
}

const DEFAULT_BATCH_SIZE = 1_000;
const DEFAULT_DOWNLOAD_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_CALLBACK_FALLBACK_MS = 60_000;

/** True when `version` pages with page_token (v7 and later). */
export function pagesWithToken(version: string): boolean {
  const major = /^v(\d+)/i.exec(version)?.[1];
  return major !== undefined && Number(major) >= 7;
}

export function planRun<M extends string, F extends AnyFlatFields, Sel extends string>(
  runner: JobRunner,
  query: BulkReadQuery<M, F, Sel>,
  options: Pick<RunBulkReadOptions, "apiVersion" | "callback">,
): RunPlan {
  const json = query.toJSON();
  const { callback: userCallback, ...body } = json;
  if (userCallback !== undefined && options.callback !== undefined) {
    throw new RunnerError("INVALID_OPTIONS", "The query already has a callback URL (query.callback()) and options.callback asks for a receiver too: use one of them.");
  }
  const apiVersion = options.apiVersion ?? runner.apiVersion ?? query.options.version ?? "v8";
  const page = typeof body.query.page === "number" ? body.query.page : 1;
  return {
    body: body as BulkReadRequestBody,
    start: { page, body: body as BulkReadRequestBody },
    apiVersion,
    usePageToken: pagesWithToken(apiVersion),
    fileType: json.file_type === "ics" ? "ics" : "csv",
    userCallback,
  };
}

function checkCount(value: number | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RunnerError("INVALID_OPTIONS", `${name} must be a whole number from ${min}; got ${String(value)}.`);
  return value;
}

function isRetryableDownloadError(error: unknown): boolean {
  if (error instanceof ZohoApiError) return error.retryable;
  if (error instanceof RunnerError) return error.retryable || error.code === "ARCHIVE_CORRUPT" || error.code === "CSV_MALFORMED" || error.code === "ICS_MALFORMED";
  return false;
}

/** Did Zoho refuse the request because of its page token (expired after 24 h, or another user's)? */
function isPageTokenRefusal(error: unknown, body: BulkReadRequestBody): error is ZohoApiError {
  if (!(error instanceof ZohoApiError) || error.status >= 500 || error.status === 429 || error.status === 401) return false;
  if (typeof body.query["page_token"] !== "string") return false;
  const details = error.details ?? {};
  const text = `${String(details["api_name"] ?? "")} ${String(details["json_path"] ?? "")} ${error.zohoMessage ?? ""} ${error.message}`;
  return /page_?token|token/i.test(text) || error.code === "INVALID_REQUEST" || error.code === "INVALID_DATA";
}

function nextCursor(result: JobResult, cursor: PageCursor, plan: RunPlan, jobId: string): PageCursor | undefined {
  if (result.more_records !== true) return undefined;
  const page = cursor.page + 1;
  if (plan.usePageToken) {
    const token = result.next_page_token;
    if (typeof token !== "string" || token === "") {
      throw new RunnerError(
        "PAGE_TOKEN_MISSING",
        `Bulk Read job ${jobId} (page ${cursor.page}) has more records but no next_page_token. Zoho issues page tokens from API v7; set apiVersion to the version the runner talks (e.g. "v6") so that the next page is requested with page ${page}.`,
      );
    }
    return { page, body: { query: { page_token: token } } };
  }
  return { page, body: { ...cursor.body, query: { ...cursor.body.query, page } } };
}

/**
 * The engine: runs the pages from `start` and yields raw CSV rows (or parsed ICS events) in
 * batches, then a "page-done" item per page carrying the cursor of the next one.
 */
export async function* runPages(runner: JobRunner, plan: RunPlan, start: PageCursor, options: RunBulkReadOptions, recordsBefore = 0): AsyncGenerator<PageItem, void, undefined> {
  const { signal, onProgress } = options;
  const batchSize = checkCount(options.batchSize, DEFAULT_BATCH_SIZE, "batchSize", 1);
  const retries = checkCount(options.downloadRetries, DEFAULT_DOWNLOAD_RETRIES, "downloadRetries");
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const fallbackAfterMs = options.callback?.fallbackAfterMs ?? DEFAULT_CALLBACK_FALLBACK_MS;
  let recordsSoFar = recordsBefore;
  let cursor: PageCursor | undefined = start;
  let lastJob: JobDetails | undefined;
  let lastPage = start.page;
  let receiver: CallbackReceiver | undefined;

  const progress = (phase: BulkReadPhase, job: JobDetails, page: number, extra: Partial<BulkReadProgress> = {}): void => {
    onProgress?.({ phase, jobId: job.id, state: job.state, page, recordsSoFar, ...extra });
  };

  try {
    if (options.callback !== undefined) receiver = await startCallbackReceiver(options.callback);
    while (cursor !== undefined) {
      signal?.throwIfAborted();
      const page = cursor.page;
      const slot: CallbackSlot | undefined = receiver?.register();
      const callback = slot !== undefined ? { url: slot.url, method: "post" as const } : plan.userCallback;
      const body: BulkReadRequestBody = callback === undefined ? cursor.body : { callback, ...cursor.body };

      let created: JobDetails;
      try {
        created = await runner.createJob(body, { signal });
      } catch (error) {
        slot?.dispose();
        if (signal?.aborted) throw signal.reason;
        if (isPageTokenRefusal(error, body)) {
          throw new RunnerError(
            "PAGE_TOKEN_REFUSED",
            `Zoho refused the page token for page ${page} (${error.code}: ${error.zohoMessage ?? error.message}). A page token lasts 24 hours and belongs to the user who started the export: start the export over.`,
            { cause: error },
          );
        }
        throw error;
      }
      slot?.bind(created.id);
      progress("created", created, page);

      let job: JobDetails;
      try {
        job = await waitForJob(runner, created.id, {
          ...(signal !== undefined && { signal }),
          ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
          ...(options.maxPollIntervalMs !== undefined && { maxPollIntervalMs: options.maxPollIntervalMs }),
          ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
          ...(slot !== undefined && { firstPollAfterMs: fallbackAfterMs, wake: () => slot.wait() }),
          label: `page ${page}`,
          onPoll: (polled) => progress("polling", polled, page),
        });
      } finally {
        slot?.dispose();
      }
      lastJob = job;
      lastPage = page;
      const result = job.result ?? {};
      if (typeof result.download_url !== "string" || result.download_url === "") {
        throw new RunnerError("JOB_RESULT_MISSING", `Bulk Read job ${job.id} (page ${page}) is COMPLETED but has no result.download_url: the runner returned an incomplete job; check its getJob.`);
      }
      const expected = typeof result.count === "number" ? result.count : undefined;
      const where = `job ${job.id} (page ${page})`;

      let records = 0;
      if (plan.fileType === "ics") {
        const events = await downloadIcs(runner, job, result.download_url, { ...options, retries, retryDelayMs, where, page, progress: (attempt) => progress("downloading", job, page, { pageCount: expected, attempt }) });
        records = events.length;
        recordsSoFar += records;
        if (events.length > 0) yield { kind: "events", page, jobId: job.id, events };
      } else {
        let skip = 0;
        for (let attempt = 1; ; attempt++) {
          progress("downloading", job, page, { ...(expected !== undefined && { pageCount: expected }), attempt });
          skip = records;
          try {
            const stream = await runner.downloadResult(job.id, result.download_url, { signal });
            for await (const batch of readCsvRecords(stream, { batchSize, ...(options.maxEntryBytes !== undefined && { maxEntryBytes: options.maxEntryBytes }) })) {
              let rows = batch;
              if (skip > 0) {
                if (batch.length <= skip) {
                  skip -= batch.length;
                  continue;
                }
                rows = batch.slice(skip);
                skip = 0;
              }
              records += rows.length;
              recordsSoFar += rows.length;
              progress("records", job, page, expected === undefined ? {} : { pageCount: expected });
              yield { kind: "rows", page, jobId: job.id, rows };
            }
            if (skip > 0) {
              throw new RunnerError("PAGE_CHANGED", `The result of ${where} held fewer records when downloaded again than were already read (${records - skip} < ${records}): a finished job's file must not change. Start the export over.`);
            }
            break;
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            if (!isRetryableDownloadError(error) || attempt > retries) throw error;
            await sleep(Math.round(retryDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)), signal);
          }
        }
        if (expected !== undefined && records !== expected) {
          throw new RunnerError(
            "PAGE_COUNT_MISMATCH",
            `The result of ${where} holds ${records} records but Zoho's job says ${expected}: refusing a short or padded page. Run the export again; report it if it persists.`,
          );
        }
      }
      const next = nextCursor(result, cursor, plan, job.id);
      progress("page-done", job, page, { pageCount: expected ?? records });
      yield { kind: "page-done", page, jobId: job.id, records, recordsSoFar, next, finishedAt: Date.now() };
      cursor = next;
    }
    if (lastJob !== undefined) onProgress?.({ phase: "done", jobId: lastJob.id, state: lastJob.state, page: lastPage, recordsSoFar });
  } finally {
    await receiver?.close();
  }
}

interface IcsDownload extends RunBulkReadOptions {
  retries: number;
  retryDelayMs: number;
  where: string;
  page: number;
  progress: (attempt: number) => void;
}

/** An ICS page: the .ics entry read whole (Zoho caps ICS pages at 20,000 events) and parsed. */
async function downloadIcs(runner: JobRunner, job: JobDetails, downloadUrl: string, options: IcsDownload): Promise<IcsEvent[]> {
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    options.progress(attempt);
    try {
      const stream = await runner.downloadResult(job.id, downloadUrl, { signal });
      const decoder = new TextDecoder("utf-8");
      let text = "";
      for await (const chunk of readArchiveEntry(stream, { extensions: [".ics"], ...(options.maxEntryBytes !== undefined && { maxEntryBytes: options.maxEntryBytes }) })) {
        text += decoder.decode(chunk, { stream: true });
      }
      text += decoder.decode();
      return parseIcsEvents(text, options.where);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!isRetryableDownloadError(error) || attempt > options.retries) throw error;
      await sleep(Math.round(options.retryDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)), signal);
    }
  }
}

/** Converts the raw rows of each page with one converter per CSV header. */
export function pageConverter(schema: { field: (path: string) => FieldInfo | undefined }): (rows: Record<string, string>[], where: string) => Record<string, unknown>[] {
  let key: string | undefined;
  let convert: RowConverter | undefined;
  return (rows, where) => {
    if (rows.length === 0) return rows;
    const header = Object.keys(rows[0]!);
    const headerKey = header.join("\u0000");
    if (convert === undefined || headerKey !== key) {
      convert = rowConverter(header, schema, where);
      key = headerKey;
    }
    return convert(rows);
  };
}

// ---- public API -----------------------------------------------------------------------------------

/**
 * Runs a query and yields its records in batches (arrays), typed from the selected fields.
 * The cheapest way to consume a large export: one promise per batch.
 */
export async function* runBulkReadBatches<M extends string, F extends AnyFlatFields, Sel extends string>(
  runner: JobRunner,
  query: BulkReadQuery<M, F, Sel>,
  options: RunBulkReadOptions = {},
): AsyncGenerator<BulkReadRecord<F, Sel>[], void, undefined> {
  const plan = planRun(runner, query, options);
  const convert = pageConverter(query.module);
  for await (const item of runPages(runner, plan, plan.start, options)) {
    if (item.kind === "rows") yield convert(item.rows, `job ${item.jobId} (page ${item.page})`) as BulkReadRecord<F, Sel>[];
    else if (item.kind === "events") yield item.events as unknown as BulkReadRecord<F, Sel>[];
  }
}

/**
 * Runs a query through a JobRunner and yields its records one by one, typed from the selected
 * fields: `for await (const lead of runBulkRead(runner, query)) { ... }`. A flattening over
 * runBulkReadBatches. For an ICS query (`fileType("ics")`) the records are `IcsEvent`s.
 */
export function runBulkRead<M extends string, F extends AnyFlatFields, Sel extends string>(
  runner: JobRunner,
  query: BulkReadQuery<M, F, Sel>,
  options: RunBulkReadOptions = {},
): AsyncIterableIterator<BulkReadRecord<F, Sel>> {
  return new Flatten(runBulkReadBatches(runner, query, options));
}

/** Flattens an async iterable of arrays without an async generator's per-item machinery. */
class Flatten<T> implements AsyncIterableIterator<T> {
  #batch: readonly T[] = [];
  #index = 0;
  #done = false;

  constructor(private readonly source: AsyncGenerator<T[], void, undefined>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#index < this.#batch.length) return Promise.resolve({ value: this.#batch[this.#index++]!, done: false });
    return this.#pull();
  }

  async #pull(): Promise<IteratorResult<T>> {
    this.#batch = [];
    this.#index = 0;
    while (!this.#done) {
      const result = await this.source.next();
      if (result.done === true) {
        this.#done = true;
        break;
      }
      if (result.value.length > 0) {
        this.#batch = result.value;
        this.#index = 1;
        return { value: result.value[0]!, done: false };
      }
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<T>> {
    this.#batch = [];
    this.#done = true;
    await this.source.return(undefined);
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.#batch = [];
    this.#done = true;
    await this.source.throw(error);
    return { value: undefined, done: true };
  }
}

// The pipeline, written once for every JobRunner:
//   create job -> wait (poll with backoff, or callback) -> download -> unzip -> parse CSV
//   -> convert -> yield batches -> next page while `more_records`.
//
// Correctness rules:
// - never lose or duplicate a record: a download that breaks mid-page is downloaded again and
//   the rows already yielded are skipped (a finished job's file does not change); a page whose
//   row count differs from `result.count` is an error, never a short result;
// - never pass on a corrupt page silently: content that fails its checks (CRC-32, sizes, CSV)
//   after some of the page's records went out fails the page; it is not patched up by skipping
//   those records in a second download (see downloadPage);
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
import { numberOption } from "./number-options.js";
import { readArchiveEntry, readCsvRecords } from "./read-archive.js";
import { rowConverter, type BulkReadRecord, type RowConverter } from "./records.js";
import { sleep } from "./retry-policy.js";
import { waitForJob, waitSettings } from "./wait-for-job.js";
import { RunnerError, ZohoApiError, type RunnerErrorCode } from "./zoho-api-error.js";

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

/**
 * Content errors: the bytes of the file are wrong, not merely cut short. Downloading the page
 * again is sound only while none of its records has been yielded (there is nothing to skip).
 */
const CONTENT_ERRORS: ReadonlySet<RunnerErrorCode> = new Set(["ARCHIVE_CORRUPT", "CSV_MALFORMED", "ICS_MALFORMED"]);

/** True when `version` pages with page_token (v7 and later). */
function pagesWithToken(version: string): boolean {
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

/** The engine's numeric options, checked (INVALID_OPTIONS) before any job is created. */
interface EngineSettings {
  batchSize: number;
  retries: number;
  retryDelayMs: number;
  fallbackAfterMs: number;
  maxEntryBytes: number | undefined;
}

export function engineSettings(options: RunBulkReadOptions): EngineSettings {
  waitSettings(options); // the polling options: refused here, not after the first job exists
  return {
    batchSize: numberOption(options.batchSize, DEFAULT_BATCH_SIZE, "batchSize", "positive count"),
    retries: numberOption(options.downloadRetries, DEFAULT_DOWNLOAD_RETRIES, "downloadRetries", "count"),
    retryDelayMs: numberOption(options.retryDelayMs, DEFAULT_RETRY_DELAY_MS, "retryDelayMs", "ms"),
    fallbackAfterMs: numberOption(options.callback?.fallbackAfterMs, DEFAULT_CALLBACK_FALLBACK_MS, "callback.fallbackAfterMs", "ms"),
    maxEntryBytes: options.maxEntryBytes === undefined ? undefined : numberOption(options.maxEntryBytes, 0, "maxEntryBytes", "positive count"),
  };
}

/** Does Zoho's `details` name the page token (`api_name: "page_token"`, `json_path: "$.query.page_token"`)? */
function namesPageToken(name: string): boolean {
  return /(^|\.)page_token$/i.test(name);
}

/**
 * Did Zoho refuse the request because of its page token (expired after 24 h, or another
 * user's)? Only for a request that sent one, only for a 4xx that is not about the access token
 * or throttling, and only when Zoho's answer points at the token: its `details` name
 * `page_token`, or (naming nothing else) its code is INVALID_REQUEST, or a code about the page
 * token. Anything else (a 403 NO_PERMISSION, a field error) surfaces as it is.
 */
function isPageTokenRefusal(error: unknown, body: BulkReadRequestBody): error is ZohoApiError {
  if (!(error instanceof ZohoApiError) || typeof body.query["page_token"] !== "string") return false;
  if (error.status < 400 || error.status >= 500 || error.status === 401 || error.status === 429) return false;
  if (/PAGE_TOKEN/i.test(error.code)) return true;
  const named = [error.details?.["api_name"], error.details?.["json_path"]].filter((name): name is string => typeof name === "string" && name !== "");
  if (named.length > 0) return named.some(namesPageToken);
  return error.code === "INVALID_REQUEST";
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
    // Zoho's next-page body is `{ query: { page_token } }` alone, and file_type sits at the top
    // level, outside the query the token stands for: say it again, or an ICS export's next page
    // could come back as CSV.
    const body: BulkReadRequestBody = { query: { page_token: token } };
    if (plan.body.file_type !== undefined) body.file_type = plan.body.file_type;
    return { page, body };
  }
  return { page, body: { ...cursor.body, query: { ...cursor.body.query, page } } };
}

/**
 * The engine: runs the pages from `start` and yields raw CSV rows (or parsed ICS events) in
 * batches, then a "page-done" item per page carrying the cursor of the next one.
 */
export async function* runPages(runner: JobRunner, plan: RunPlan, start: PageCursor, options: RunBulkReadOptions, recordsBefore = 0): AsyncGenerator<PageItem, void, undefined> {
  const { signal, onProgress } = options;
  const settings = engineSettings(options);
  const maxEntryBytes = settings.maxEntryBytes === undefined ? {} : { maxEntryBytes: settings.maxEntryBytes };
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
          ...(slot !== undefined && { firstPollAfterMs: settings.fallbackAfterMs, wake: () => slot.wait() }),
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
      const pageCount = expected === undefined ? {} : { pageCount: expected };
      const download: PageDownload = {
        runner,
        jobId: job.id,
        downloadUrl: result.download_url,
        page,
        where: `job ${job.id} (page ${page})`,
        signal,
        retries: settings.retries,
        retryDelayMs: settings.retryDelayMs,
        onAttempt: (attempt) => progress("downloading", job, page, { ...pageCount, attempt }),
      };

      let records = 0;
      if (plan.fileType === "ics") {
        for await (const events of downloadPage(download, (bytes) => readIcsEvents(bytes, maxEntryBytes, download.where))) {
          records += events.length;
          recordsSoFar += events.length;
          progress("records", job, page, pageCount);
          yield { kind: "events", page, jobId: job.id, events };
        }
        // No count check for ICS: Zoho squashes a recurring series into one VEVENT (with an
        // RRULE), so an ICS page holds fewer VEVENTs than the records `result.count` counts.
      } else {
        for await (const rows of downloadPage(download, (bytes) => readCsvRecords(bytes, { batchSize: settings.batchSize, ...maxEntryBytes }))) {
          records += rows.length;
          recordsSoFar += rows.length;
          progress("records", job, page, pageCount);
          yield { kind: "rows", page, jobId: job.id, rows };
        }
        if (expected !== undefined && records !== expected) {
          throw new RunnerError(
            "PAGE_COUNT_MISMATCH",
            `The result of ${download.where} holds ${records} records but Zoho's job says ${expected}: refusing a short or padded page. Run the export again; report it if it persists.`,
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

/** An ICS page: the .ics entry read whole (Zoho caps ICS pages at 20,000 events) and parsed, as one batch. */
async function* readIcsEvents(bytes: AsyncIterable<Uint8Array>, options: { maxEntryBytes?: number }, where: string): AsyncGenerator<IcsEvent[], void, undefined> {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  for await (const chunk of readArchiveEntry(bytes, { extensions: [".ics"], ...options })) text += decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  const events = parseIcsEvents(text, where);
  if (events.length > 0) yield events;
}

interface PageDownload {
  runner: JobRunner;
  jobId: string;
  downloadUrl: string;
  page: number;
  /** "job 123 (page 2)", for errors. */
  where: string;
  signal: AbortSignal | undefined;
  retries: number;
  retryDelayMs: number;
  onAttempt: (attempt: number) => void;
}

/**
 * Downloads a page's result and yields what `read` makes of it, batch by batch, downloading it
 * again (at most `retries` times, after a growing delay) when that is sound:
 * - a broken transfer (a retryable transport error, ARCHIVE_TRUNCATED): the bytes read were a
 *   true prefix of the file, which does not change once the job has finished, so the next
 *   download skips the records already yielded;
 * - wrong content (ARCHIVE_CORRUPT, CSV_MALFORMED, ICS_MALFORMED) only while none of the page's
 *   records has been yielded. After that, records already yielded may be wrong too, and no
 *   re-download can take them back: the page fails, saying so.
 */
async function* downloadPage<T>(download: PageDownload, read: (bytes: AsyncIterable<Uint8Array>) => AsyncIterable<T[]>): AsyncGenerator<T[], void, undefined> {
  const { runner, jobId, downloadUrl, signal } = download;
  let yielded = 0;
  for (let attempt = 1; ; attempt++) {
    download.onAttempt(attempt);
    let skip = yielded;
    try {
      for await (const batch of read(await runner.downloadResult(jobId, downloadUrl, { signal }))) {
        let items = batch;
        if (skip > 0) {
          if (batch.length <= skip) {
            skip -= batch.length;
            continue;
          }
          items = batch.slice(skip);
          skip = 0;
        }
        yielded += items.length;
        yield items;
      }
      if (skip > 0) {
        throw new RunnerError("PAGE_CHANGED", `The result of ${download.where} held fewer records when downloaded again than were already read (${yielded - skip} < ${yielded}): a finished job's file must not change. Start the export over.`);
      }
      return;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const content = error instanceof RunnerError && CONTENT_ERRORS.has(error.code);
      if (content && yielded > 0) throw pageCorrupt(error, download, yielded);
      const again = content || ((error instanceof RunnerError || error instanceof ZohoApiError) && error.retryable);
      if (!again || attempt > download.retries) throw error;
      await sleep(retryDelay(download.retryDelayMs, attempt), signal);
    }
  }
}

/** The delay before download attempt `attempt + 1`: doubling per attempt, with equal jitter. */
function retryDelay(baseMs: number, attempt: number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}

/** A content error found after some of the page's records went out: the page fails as a whole. */
function pageCorrupt(error: RunnerError, download: PageDownload, yielded: number): RunnerError {
  const detail = error.message.replace(/\.? Download (?:it|the result) again.*$/s, "");
  return new RunnerError(
    error.code,
    `The result of ${download.where} is corrupt: ${detail}. ${yielded} records of this page were already yielded before this was found, and may be wrong: discard the records of page ${download.page} and run the export again (exportToFile does so by itself: it keeps only finished pages, so running it again redoes this page). Report it if it persists.`,
    { cause: error },
  );
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

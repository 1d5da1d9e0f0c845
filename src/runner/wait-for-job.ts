// Waiting for a Bulk Read job: poll getJob with exponential backoff and jitter until the job
// is COMPLETED or FAILURE, under a deadline. Never polls forever; `result` is read only once
// the job is COMPLETED (Zoho's samples show a `result` in every state). A callback (or any
// other event) can wake the wait early through `wake`.

import type { JobDetails, JobRunner, ZohoErrorBody } from "./job-runner.js";
import { numberOption } from "./number-options.js";
import { RunnerError, ZohoApiError } from "./zoho-api-error.js";

export interface WaitForJobOptions {
  signal?: AbortSignal;
  /** First delay between polls (default 1,000 ms); it doubles up to `maxPollIntervalMs`. */
  pollIntervalMs?: number;
  /** Longest delay between polls (default 30,000 ms). */
  maxPollIntervalMs?: number;
  /** How long a job may take to finish, from the start of the wait (default 1 hour). */
  timeoutMs?: number;
  /** Wait this long before the first poll (default: pollIntervalMs). Callback mode waits longer. */
  firstPollAfterMs?: number;
  /** Resolves when the job may have changed (a callback arrived): the next poll happens at once. */
  wake?: () => Promise<void>;
  /** Called with each job status read. */
  onPoll?: (job: JobDetails) => void;
  /** Consecutive transient poll failures tolerated before giving up (default 5). */
  maxPollErrors?: number;
  /** Names the job in errors, e.g. "page 2". */
  label?: string;
  /** The jitter source (default Math.random). */
  random?: () => number;
}

const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_MAX_POLL_INTERVAL_MS = 30_000;
const DEFAULT_JOB_TIMEOUT_MS = 60 * 60 * 1_000;
const DEFAULT_MAX_POLL_ERRORS = 5;
/** The least time a status request gets, even right at the deadline. */
const STATUS_REQUEST_GRACE_MS = 5_000;

/** A Bulk Read job that ended in FAILURE: carries Zoho's `result.error_message`. */
export class JobFailedError extends Error {
  override readonly name = "JobFailedError";
  /** Zoho's code from `result.error_message` (e.g. INTERNAL_SERVER_ERROR). */
  readonly code: string;
  readonly jobId: string;
  /** Zoho's own message, verbatim. */
  readonly zohoMessage: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable = false;

  constructor(jobId: string, error: ZohoErrorBody | undefined, label?: string) {
    const code = typeof error?.code === "string" && error.code !== "" ? error.code : "JOB_FAILED";
    const zohoMessage = typeof error?.message === "string" ? error.message : "no error_message given";
    const advice =
      code === "INTERNAL_SERVER_ERROR" || code === "INTERNAL_ERROR"
        ? "Zoho failed on its side: run the export again (a resumable exportToFile continues from its last finished page)."
        : "Fix what the message says, then run the export again.";
    super(`Bulk Read job ${jobId}${label === undefined ? "" : ` (${label})`} ended in FAILURE: ${code}: ${zohoMessage.replace(/\.+$/, "")}. ${advice}`);
    this.code = code;
    this.jobId = jobId;
    this.zohoMessage = zohoMessage;
    this.details = error?.details;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, jobId: this.jobId, message: this.message, zohoMessage: this.zohoMessage, details: this.details };
  }
}

/** The numbers of a wait, checked (INVALID_OPTIONS naming the option) and defaulted. */
export interface WaitSettings {
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  timeoutMs: number;
  firstPollAfterMs: number;
  maxPollErrors: number;
}

/** Checks the numeric options of a wait; the pipeline calls it before creating any job. */
export function waitSettings(options: WaitForJobOptions): WaitSettings {
  const pollIntervalMs = numberOption(options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, "pollIntervalMs", "ms");
  return {
    pollIntervalMs,
    maxPollIntervalMs: Math.max(pollIntervalMs, numberOption(options.maxPollIntervalMs, DEFAULT_MAX_POLL_INTERVAL_MS, "maxPollIntervalMs", "ms")),
    timeoutMs: numberOption(options.timeoutMs, DEFAULT_JOB_TIMEOUT_MS, "timeoutMs", "positive ms"),
    firstPollAfterMs: numberOption(options.firstPollAfterMs, pollIntervalMs, "firstPollAfterMs", "ms"),
    maxPollErrors: numberOption(options.maxPollErrors, DEFAULT_MAX_POLL_ERRORS, "maxPollErrors", "count"),
  };
}

function isTransient(error: unknown): boolean {
  return (error instanceof RunnerError || error instanceof ZohoApiError) && error.retryable;
}

/**
 * Waits until `wake` fires, `ms` pass or `signal` aborts (rejecting with its reason). Cleans up
 * its timer and listeners either way.
 */
function pause(ms: number, signal: AbortSignal | undefined, wake: (() => Promise<void>) | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(signal?.reason ?? new Error("aborted"));
    const timer = setTimeout(() => finish(), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    wake?.().then(
      () => finish(),
      () => undefined,
    );
  });
}

/**
 * Polls `runner.getJob(id)` until the job is COMPLETED (resolves with its details) or FAILURE
 * (rejects with JobFailedError). Rejects with a RunnerError `JOB_TIMEOUT` naming the job and its
 * last state once `timeoutMs` has passed, and with `signal.reason` when aborted.
 */
export async function waitForJob(runner: JobRunner, jobId: string, options: WaitForJobOptions = {}): Promise<JobDetails> {
  const { signal, wake, onPoll, label } = options;
  const { pollIntervalMs: first, maxPollIntervalMs: max, timeoutMs, firstPollAfterMs, maxPollErrors: maxErrors } = waitSettings(options);
  const random = options.random ?? Math.random;
  const deadline = Date.now() + timeoutMs;
  const name = `Bulk Read job ${jobId}${label === undefined ? "" : ` (${label})`}`;

  let interval = first;
  let delay = firstPollAfterMs;
  let lastState = "ADDED";
  let errors = 0;
  let lastError: unknown;

  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const why = lastError === undefined ? "" : ` The last status request failed: ${(lastError as Error).message.replace(/\.+$/, "")}.`;
      throw new RunnerError(
        "JOB_TIMEOUT",
        `${name} did not finish within ${timeoutMs} ms; its last state was ${lastState}.${why} Raise timeoutMs (Zoho can queue jobs for a long time on a busy org), or look the job up later with getJob("${jobId}").`,
      );
    }
    if (delay > 0) await pause(Math.min(delay, remaining), signal, wake);

    // Bound a status request by the deadline too (with a few seconds' grace for the last one),
    // so that a runner that hangs cannot stall the wait.
    const left = Math.max(Math.min(STATUS_REQUEST_GRACE_MS, timeoutMs), deadline - Date.now());
    const deadlineSignal = AbortSignal.timeout(left);
    const requestSignal = signal === undefined ? deadlineSignal : AbortSignal.any([signal, deadlineSignal]);
    let job: JobDetails;
    try {
      job = await runner.getJob(jobId, { signal: requestSignal });
      errors = 0;
      lastError = undefined;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadlineSignal.aborted) {
        lastError = new Error(`a status request was still unanswered after ${left} ms`);
        delay = 0;
        continue;
      }
      if (!isTransient(error) || ++errors > maxErrors) throw error;
      lastError = error;
      delay = jittered(interval, random);
      interval = Math.min(max, interval * 2);
      continue;
    }
    lastState = job.state;
    onPoll?.(job);
    if (job.state === "COMPLETED") return job;
    if (job.state === "FAILURE") throw new JobFailedError(jobId, job.result?.error_message, label);
    delay = jittered(interval, random);
    interval = Math.min(max, interval * 2);
  }
}

/** "Equal jitter": between half and all of the delay, so clients spread out but still back off. */
function jittered(ms: number, random: () => number): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

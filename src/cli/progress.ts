// Progress of a Bulk Read run, from the pipeline's onProgress events.
//
// - On a terminal: a bar (cli-progress, on stderr) showing records, page and the job's current
//   state, and above it one line per finished page with the states its job went through.
// - Otherwise: one plain line per event on stderr, written as it happens, so logs (and tests)
//   can follow the run line by line.
// - With --json: each event as a JSON line on stderr.

import cliProgress from "cli-progress";
import type { BulkReadProgress } from "../runner/run-bulk-read.js";
import { count, type Output } from "./output.js";

export interface ProgressReporter {
  /** Pass as the pipeline's `onProgress`. */
  onProgress(event: BulkReadProgress): void;
  /** A line of its own (above the bar on a terminal). */
  log(line: string): void;
  /** Draws the bar one last time and releases the terminal (call before printing a summary). */
  stop(): void;
}

export interface ProgressOptions {
  /** Records expected in all, when known in advance: the bar then shows a percentage. */
  total?: number;
  /** Records already written by an earlier, interrupted run. */
  startAt?: number;
}

interface BarPayload {
  done: string;
  all: string;
  page: number;
  state: string;
}

export function createProgressReporter(out: Output, options: ProgressOptions = {}): ProgressReporter {
  const stderr = out.io.stderr;
  const history = new Map<string, string[]>();
  let page = 0;
  let state = "starting";
  let records = options.startAt ?? 0;
  let total = options.total;

  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  if (out.interactive) {
    multi = new cliProgress.MultiBar(
      {
        stream: stderr,
        format:
          total !== undefined
            ? "  {bar} {percentage}% | {done}/{all} records | page {page} | {state} | {duration_formatted}"
            : "  {done} records | page {page} | {state} | {duration_formatted}",
        barCompleteChar: "\u2588",
        barIncompleteChar: "\u2591",
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        fps: 12,
      },
      cliProgress.Presets.shades_classic,
    );
    bar = multi.create(Math.max(total ?? 1, 1), records, payload());
  }

  function payload(): BarPayload {
    return { done: count(records), all: total === undefined ? "?" : count(total), page, state };
  }

  function log(line: string): void {
    if (out.json) return;
    if (multi !== undefined) multi.log(`${line}\n`);
    else stderr.write(`${line}\n`);
  }

  /** A state a job went through, remembered for its page's line; true when it is new. */
  function passed(jobId: string, jobState: string): boolean {
    const states = history.get(jobId) ?? [];
    if (states.at(-1) === jobState) return false;
    states.push(jobState);
    history.set(jobId, states);
    return true;
  }

  return {
    onProgress(event) {
      if (out.json) {
        stderr.write(`${JSON.stringify({ event: "progress", ...event })}\n`);
        return;
      }
      page = event.page;
      state = event.state;
      records = Math.max(records, event.recordsSoFar);
      const job = `page ${event.page}: job ${event.jobId}`;
      const plain = multi === undefined;
      switch (event.phase) {
        case "created":
          if (passed(event.jobId, event.state) && plain) log(`${job} created (${event.state})`);
          break;
        case "polling":
          if (passed(event.jobId, event.state) && plain) log(`${job} ${event.state}`);
          break;
        case "downloading":
          state = "downloading";
          if ((event.attempt ?? 1) > 1) log(`${job} download broke off; downloading again (attempt ${event.attempt})`);
          else if (plain) log(`${job} downloading ${event.pageCount === undefined ? "" : `${count(event.pageCount)} records`}`.trimEnd());
          break;
        case "page-done":
          state = "page done";
          if (plain) log(`${job} done: ${count(event.pageCount ?? 0)} records (${count(event.recordsSoFar)} so far)`);
          else log(`  page ${event.page}  job ${event.jobId}  ${(history.get(event.jobId) ?? []).join(" → ")}  ${count(event.pageCount ?? 0)} records (${count(event.recordsSoFar)} so far)`);
          break;
        case "done":
          state = "done";
          break;
      }
      if (bar !== undefined) {
        if (total === undefined || records > total) bar.setTotal(Math.max(records, 1));
        bar.update(records, payload());
      }
    },
    log,
    stop() {
      if (multi === undefined) return;
      if (total === undefined) total = records;
      bar?.setTotal(Math.max(total, 1));
      bar?.update(records, payload());
      // Flush the lines logged since the last redraw, then draw the bar a last time.
      multi.update();
      multi.stop();
      multi = undefined;
      bar = undefined;
    },
  };
}

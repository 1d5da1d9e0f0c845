// Where a command writes. People get lines on stdout (results) and stderr (progress, notes);
// with --json, stdout holds only JSON (one object per line) so that it always parses.

import type { Writable } from "node:stream";

export interface Io {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** How the user runs this command, for "try next" hints: "zoho-bulk-read" or "node dist/cli/main.js". */
  command: string;
}

export interface GlobalFlags {
  json: boolean;
  verbose: boolean;
}

export class Output {
  constructor(
    readonly io: Io,
    readonly flags: GlobalFlags,
  ) {}

  get json(): boolean {
    return this.flags.json;
  }

  get verbose(): boolean {
    return this.flags.verbose;
  }

  /** A line of the human-readable result (stdout); nothing in --json mode. */
  line(text = ""): void {
    if (!this.flags.json) this.io.stdout.write(`${text}\n`);
  }

  /** The machine-readable result: one JSON object on one line of stdout (only with --json). */
  result(value: unknown): void {
    if (this.flags.json) this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A note for people on stderr (progress, hints); nothing in --json mode. */
  note(text: string): void {
    if (!this.flags.json) this.io.stderr.write(`${text}\n`);
  }

  /** Detail for --verbose only (stderr). */
  debug(text: string): void {
    if (this.flags.verbose) this.io.stderr.write(`${text}\n`);
  }

  /** True when people watch stderr on a terminal (progress bar) and no --json was asked for. */
  get interactive(): boolean {
    return !this.flags.json && this.io.stderr.isTTY === true;
  }
}

const NUMBER = new Intl.NumberFormat("en-US");

/** 50000 -> "50,000". */
export function count(n: number): string {
  return NUMBER.format(n);
}

/** Milliseconds as "850 ms" or "4.2 s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// Running the BUILT command line (`node dist/cli/main.js`) as a subprocess, as users do.
// `npm test` builds first; run `npm run build` before `npx vitest run spec/cli`.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = join(ROOT, "dist/cli/main.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Fails fast, with what to do, when dist/ is missing or older than src/cli. */
export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does)`);
  if (newestMtime(join(ROOT, "src/cli")) > statSync(BIN).mtimeMs + 1) {
    throw new Error(`dist/cli is older than src/cli: run "npm run build" first (npm test does)`);
  }
}

/** A clean environment: no Zoho credentials or config from the machine running the tests. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1" };
  if (process.env["SYSTEMROOT"] !== undefined) env["SYSTEMROOT"] = process.env["SYSTEMROOT"];
  return { ...env, ...extra };
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "zbr-cli-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Text for stdin (stdin is closed after it); without it stdin is closed at once. */
  input?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `zoho-bulk-read` process whose output can be awaited line by line. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<RunResult>;
  private waiters: { stream: "stdout" | "stderr"; pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];

  constructor(args: readonly string[], options: RunOptions) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdin!.end(options.input ?? "");
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
      this.check();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      this.check();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        for (const waiter of this.waiters.splice(0)) {
          waiter.reject(new Error(`the process exited (${code ?? signal}) before printing ${waiter.pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        }
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  private check(): void {
    this.waiters = this.waiters.filter((waiter) => {
      const match = this[waiter.stream].match(waiter.pattern);
      if (match === null) return true;
      waiter.resolve(match);
      return false;
    });
  }

  /** Resolves when the output so far matches `pattern` (an event, not a timer). */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ stream, pattern, resolve, reject });
      this.check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function startCli(args: readonly string[], options: RunOptions): CliProcess {
  return new CliProcess(args, options);
}

export function runCli(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new CliProcess(args, options).exited;
}

/** The lines of a stream's text, without the empty last one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line, i, all) => line !== "" || i < all.length - 1);
}

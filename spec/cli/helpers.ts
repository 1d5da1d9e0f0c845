// Running the BUILT command line (`node dist/cli/main.js`) as a subprocess, as users do.
// `npm test` builds first; run `npm run build` before `npx vitest run spec/cli` (assertBuilt
// refuses a dist/ older than any file under src/).

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";

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

/**
 * Why the built command under `root` cannot be tested, or undefined when it can: dist/ is
 * missing, or a file under src/ (the CLI and everything it bundles: core, runner, testing) is
 * newer than it.
 */
export function staleBuild(root: string): string | undefined {
  const bin = join(root, "dist/cli/main.js");
  if (!existsSync(bin)) return `${bin} is missing: run "npm run build" first (npm test does)`;
  if (newestMtime(join(root, "src")) > statSync(bin).mtimeMs + 1) {
    return `dist/ is older than src/: run "npm run build" first (npm test does)`;
  }
  return undefined;
}

/** Fails fast, with what to do, when dist/ is missing or older than src/. */
export function assertBuilt(): void {
  const problem = staleBuild(ROOT);
  if (problem !== undefined) throw new Error(problem);
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

/** A test file's scratch directory: the working directory and HOME of the commands it runs. */
export interface Workspace {
  readonly path: string;
  /** For runCli/startCli: the directory as cwd, and a clean environment with HOME in it. */
  readonly options: RunOptions;
}

/**
 * Registers the beforeAll/afterAll every CLI test file needs: check the build, make a temp
 * directory, remove it after the file's tests. Call it first, at the top level of the file,
 * so that its afterAll runs last (vitest runs after-hooks in reverse order).
 */
export function useWorkspace(): Workspace {
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });
  const path = (): string => {
    if (dir === undefined) throw new Error("useWorkspace(): the directory exists only while the file's tests run");
    return dir.path;
  };
  return {
    get path() {
      return path();
    },
    get options() {
      return { cwd: path(), env: cleanEnv(path()) };
    },
  };
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

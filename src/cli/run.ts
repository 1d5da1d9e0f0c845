// Runs the command line once and returns the exit code: 0 ok, 1 failure, 2 usage. Every
// error becomes one line on stderr (or one JSON object on stdout with --json); a stack trace
// only with --verbose.

import { CommanderError } from "commander";
import { CliError } from "./cli-error.js";
import { createContext } from "./command-context.js";
import { describeError, formatErrorLine } from "./describe-error.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { watchInterrupts } from "./interrupts.js";
import type { Io } from "./output.js";
import { createProgram, type ProgramState } from "./program.js";

/** Global flags read straight from argv, so that even a usage error honours --json. */
function flagsOf(argv: readonly string[]): { json: boolean; verbose: boolean } {
  const end = argv.indexOf("--");
  const args = end === -1 ? argv : argv.slice(0, end);
  return { json: args.includes("--json"), verbose: args.includes("--verbose") };
}

function stackOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.stack ?? `${error.name}: ${error.message}`;
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    text += `\nCaused by: ${cause.stack ?? cause.message}`;
    cause = cause.cause;
  }
  return text;
}

export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const flags = flagsOf(argv);
  const interrupts = watchInterrupts();
  const state: ProgramState = { failedCommand: undefined };
  const program = createProgram(createContext(io, interrupts), state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      // `help <command>` exits 0; no command at all: commander has printed the help on stderr.
      if (error.code === "commander.help" && error.exitCode === 0) return EXIT.ok;
      if (error.code === "commander.help") {
        if (flags.json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: "USAGE", message: "a command is required" } })}\n`);
        return EXIT.usage;
      }
    }
    const report = describeError(error);
    if (flags.json) {
      const { exitCode: _exitCode, ...body } = report;
      io.stdout.write(`${JSON.stringify({ ok: false, error: body })}\n`);
    } else {
      const hint = report.exitCode === EXIT.usage ? ` (see: ${state.failedCommand ?? "zoho-bulk-read"} --help)` : "";
      io.stderr.write(`${formatErrorLine(report)}${hint}\n`);
    }
    if (flags.verbose && !(error instanceof CliError && error.exitCode === EXIT.usage) && !(error instanceof CommanderError)) {
      io.stderr.write(`${stackOf(error)}\n`);
    }
    return report.exitCode;
  } finally {
    interrupts.dispose();
  }
}

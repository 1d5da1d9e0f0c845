// What every command's action gets: the process's streams and the global flags.

import type { Command } from "commander";
import type { Interrupts } from "./interrupts.js";
import { Output, type GlobalFlags, type Io } from "./output.js";

export interface CommandContext {
  readonly io: Io;
  /** The Output for a command, reading --json / --verbose wherever they were written. */
  output(command: Command): Output;
  /** Aborted on Ctrl-C / SIGTERM; a command that asks for it promises to stop cleanly. */
  interruptSignal(): AbortSignal;
  /** For long-running commands (serve): resolves with the signal's name on Ctrl-C / SIGTERM. */
  untilInterrupted(): Promise<string>;
}

export function createContext(io: Io, interrupts: Interrupts): CommandContext {
  return {
    io,
    interruptSignal: () => interrupts.signal(),
    untilInterrupted: () => interrupts.until(),
    output(command) {
      const flags = command.optsWithGlobals<Partial<GlobalFlags>>();
      return new Output(io, { json: flags.json === true, verbose: flags.verbose === true });
    },
  };
}

/** `--help` text: a titled block of examples, one command per line. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => (line.startsWith("#") ? `\n  ${line}` : `  $ ${line}`)).join("\n")}\n`;
}

// Ctrl-C and SIGTERM. A command that can stop cleanly (serve closes its server, export keeps
// its checkpoint) asks for the signal; any other command is simply ended. A second Ctrl-C
// always ends the process at once.

import { CliError } from "./cli-error.js";
import { EXIT } from "./exit-codes.js";

export interface Interrupts {
  /** Aborted on the first Ctrl-C / SIGTERM; asking for it means "I stop cleanly". */
  signal(): AbortSignal;
  /** Resolves with the signal's name on the first Ctrl-C / SIGTERM. */
  until(): Promise<string>;
  dispose(): void;
}

export function watchInterrupts(proc: NodeJS.Process = process): Interrupts {
  const controller = new AbortController();
  let handled = false;
  let name = "";
  const waiters: ((name: string) => void)[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!handled || controller.signal.aborted) proc.exit(EXIT.failure);
    name = signal;
    controller.abort(new CliError(`Interrupted (${signal})`, { code: "INTERRUPTED" }));
    for (const wake of waiters.splice(0)) wake(signal);
  };
  proc.on("SIGINT", onSignal);
  proc.on("SIGTERM", onSignal);
  return {
    signal() {
      handled = true;
      return controller.signal;
    },
    until() {
      handled = true;
      if (controller.signal.aborted) return Promise.resolve(name);
      return new Promise((resolve) => waiters.push(resolve));
    },
    dispose() {
      proc.off("SIGINT", onSignal);
      proc.off("SIGTERM", onSignal);
    },
  };
}

// The command tree: global flags, the five commands, and commander configured to report
// instead of exiting, so run.ts owns every exit code and every error line.

import { readFileSync } from "node:fs";
import { Command } from "commander";
import { examples, type CommandContext } from "./command-context.js";
import { authCommand } from "./commands/auth.js";
import { compileCommand } from "./commands/compile.js";
import { demoCommand } from "./commands/demo.js";
import { exportCommand } from "./commands/export.js";
import { serveCommand } from "./commands/serve.js";

export interface ProgramState {
  /** The command whose usage error was reported last ("export"), for the help hint. */
  failedCommand: string | undefined;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export function createProgram(ctx: CommandContext, state: ProgramState): Command {
  const configure = (command: Command, path: string): Command =>
    command
      .exitOverride()
      .showSuggestionAfterError(true)
      .configureOutput({
        writeOut: (text) => ctx.io.stdout.write(text),
        writeErr: (text) => ctx.io.stderr.write(text),
        // run.ts prints the one error line; remember which command's --help to point at.
        outputError: () => {
          state.failedCommand = path;
        },
      });

  const program = configure(new Command("zoho-bulk-read"), "zoho-bulk-read")
    .description(
      "Zoho CRM Bulk Read from the command line: run exports (resumable, to CSV or JSON Lines), " +
      "validate criteria JSON, and run a fake Zoho server for tests.\n\n`zoho-bulk-read demo` shows it " +
      "all without an account.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--json", "machine-readable output: one JSON object per line on stdout (progress as JSON lines on stderr)")
    .option("--verbose", "log requests, retries and token refreshes, and print stack traces of errors")
    .helpOption("-h, --help", "show help (also: zoho-bulk-read <command> --help)")
    .addHelpCommand("help [command]", "show help for a command")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 failure, 2 usage error. Errors are one line: the message, then [CODE at JSON path].\n" +
        "Credentials: ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN (or ZOHO_ACCESS_TOKEN), or `auth`.\n" +
        examples([
          "zoho-bulk-read demo",
          "zoho-bulk-read export Leads --dc eu --fields Last_Name,Email,Owner --where criteria.json --out leads.csv",
          "zoho-bulk-read compile --module Leads --schema Leads.fields.json criteria.json",
          "zoho-bulk-read serve --page-size 1000",
          "zoho-bulk-read auth --dc eu --code 1000.abc...def --client-id 1000.XXXX --client-secret s3cret",
        ]),
    );

  for (const make of [demoCommand, exportCommand, compileCommand, serveCommand, authCommand]) {
    const command = make(ctx);
    configure(command, `zoho-bulk-read ${command.name()}`);
    command.helpOption("-h, --help", "show this help");
    program.addCommand(command);
  }
  program.hook("preAction", (_root, action) => {
    state.failedCommand = action === program ? "zoho-bulk-read" : `zoho-bulk-read ${action.name()}`;
  });
  return program;
}

// The command line's surface: --help of every command is complete, usage errors exit 2 with
// one line, --json always prints JSON, --version works.

import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { createContext } from "../../src/cli/command-context.js";
import { createProgram } from "../../src/cli/program.js";
import { cleanEnv, lines, runCli, useWorkspace } from "./helpers.js";

const dir = useWorkspace();


/** The command tree, built in-process only to list what --help must mention. */
function commandTree(): Command {
  const never = { signal: () => new AbortController().signal, until: () => new Promise<string>(() => undefined), dispose: () => undefined };
  return createProgram(createContext({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {}, cwd: ".", command: "zoho-bulk-read" }, never), { failedCommand: undefined });
}

const COMMANDS = ["demo", "export", "compile", "serve", "auth"] as const;

describe("--help", () => {
  it("lists every command, the global flags, exit codes and examples", async () => {
    const result = await runCli(["--help"], dir.options);
    expect(result.code).toBe(0);
    for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
    for (const flag of ["--json", "--verbose", "--version", "--help"]) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain("Exit codes: 0 ok, 1 failure, 2 usage error");
    expect(result.stdout).toContain("Examples:");
    expect(result.stderr).toBe("");
  });

  it.each(COMMANDS)("%s --help documents every option and argument, with examples", async (name) => {
    const command = commandTree().commands.find((c) => c.name() === name)!;
    const result = await runCli([name, "--help"], dir.options);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: zoho-bulk-read ${name}`);
    for (const option of command.options) {
      // Hidden options are test hooks (serve --expire-tokens-after-downloads): described, never shown.
      if (option.hidden) expect(result.stdout).not.toContain(option.long!);
      else expect(result.stdout).toContain(option.long!);
      expect(option.description.length).toBeGreaterThan(5);
    }
    for (const argument of command.registeredArguments) expect(result.stdout).toContain(argument.name());
    const examples = result.stdout.slice(result.stdout.indexOf("Examples:"));
    expect(examples).toMatch(new RegExp(`\\$ zoho-bulk-read ${name}\\b`));
  });

  it("help <command> is the same as <command> --help", async () => {
    const viaHelp = await runCli(["help", "export"], dir.options);
    const viaFlag = await runCli(["export", "--help"], dir.options);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it("--version prints the package version", async () => {
    const result = await runCli(["--version"], dir.options);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("usage errors exit 2 with one line", () => {
  it.each([
    [["bogus"], /unknown command 'bogus'/],
    [["compile", "-m", "Leads", "-s", "f.json", "--nope"], /unknown option '--nope'/],
    [["compile", "x.json"], /required option '-m, --module <name>' not specified/],
    [["export"], /missing required argument 'Module'/],
    [["export", "Leads", "--dc", "mars"], /argument 'mars' is invalid. Allowed choices are us, eu, in, au, jp, cn, ca, sa/],
    [["export", "Leads", "--out", "leads.xlsx"], /--out must end in \.csv or \.jsonl/],
    [["export", "Leads", "--local", "a.csv", "--dc", "eu"], /--local reads a CSV file/],
    [["export", "Leads", "--api-version", "8"], /--api-version must look like v8 or v2\.1; got "8"/],
    [["serve", "--api-version", "latest"], /--api-version must look like v8 or v2\.1; got "latest"/],
    [["demo", "--records", "many"], /--records must be a whole number from 1/],
    [["serve", "--data", "Leads"], /--data takes <Module>=<file>/],
    [["serve", "--port", "65536"], /--port must be a whole number from 0 to 65535; got "65536"/],
    [["serve", "--port", "-1"], /--port must be a whole number from 0 to 65535; got "-1"/],
    [["auth", "--code", "x"], /auth needs the OAuth client id/],
  ])("%j", async (args, message) => {
    const result = await runCli(args, dir.options);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/\[USAGE\] \(see: zoho-bulk-read( \w+)? --help\)$/m);
  });

  it("no command prints the help on stderr and exits 2", async () => {
    const result = await runCli([], dir.options);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: zoho-bulk-read");
    expect(result.stdout).toBe("");
  });

  it("with --json the error is one JSON object on stdout", async () => {
    const result = await runCli(["--json", "export", "Leads", "--dc", "mars"], dir.options);
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(body).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(body.error.message).toContain("mars");
  });
});

describe("failures exit 1 with one line, a stack trace only with --verbose", () => {
  it("explains missing credentials without a trace", async () => {
    const result = await runCli(["export", "Leads", "--out", "leads.csv"], dir.options);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: No Zoho credentials: set ZOHO_CLIENT_ID, .* \[NO_CREDENTIALS\]$/)]);
  });

  it("says which variables are missing", async () => {
    const result = await runCli(["export", "Leads"], { ...dir.options, env: cleanEnv(dir.path, { ZOHO_CLIENT_ID: "1000.X" }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ZOHO_CLIENT_ID set but ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN missing");
  });

  it("--verbose adds the stack trace", async () => {
    const result = await runCli(["--verbose", "export", "Leads"], dir.options);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: No Zoho credentials/);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe("the docs' shell examples", () => {
  it("name only commands and options that exist, in README.md, docs/ and --help examples", async () => {
    const { readFile, readdir } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { ROOT } = await import("./helpers.js");
    const files = ["README.md", ...(await readdir(join(ROOT, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
    const doc = (await Promise.all(files.map((f) => readFile(join(ROOT, f), "utf8")))).join("\n");
    const tree = commandTree();
    const global = new Set(tree.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => f !== undefined));
    const known = new Map(tree.commands.map((c) => [c.name(), new Set([...global, ...c.options.flatMap((o) => [o.long, o.short, o.negate ? o.long : undefined])].filter((f): f is string => f !== undefined))]));
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const helpTexts = await Promise.all(COMMANDS.map(async (name) => (await runCli([name, "--help"], dir.options)).stdout.split("Examples:")[1] ?? ""));
    const commandLines = [...blocks, ...helpTexts].flatMap((block) => block.split("\n")).map((line) => line.replace(/(^|\s)#.*$/, "")).flatMap((line) => [...line.matchAll(/zoho-bulk-read((?: [^|#]*)?)/g)].map((m) => m[1]!.trim()));
    expect(commandLines.length).toBeGreaterThan(20);
    let checked = 0;
    for (const line of commandLines) {
      const words = line.split(/\s+/).filter((w) => w !== "");
      const name = words.find((w) => !w.startsWith("-"));
      if (name === undefined || !known.has(name)) {
        expect(name === undefined || name === "help" || global.has(name), `unknown command in: zoho-bulk-read ${line}`).toBe(true);
        continue;
      }
      for (const flag of words.filter((w) => /^--?[a-zA-Z]/.test(w)).map((w) => w.split("=")[0]!)) {
        expect(known.get(name)!.has(flag), `zoho-bulk-read ${line}: ${name} has no ${flag}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});

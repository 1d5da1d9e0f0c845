// `zoho-bulk-read export <Module>`: a Bulk Read export to a CSV or JSON Lines file, against
// Zoho (--dc), any Zoho-shaped server (--api-domain / --accounts-url, e.g. `serve`), or a
// local CSV (--local). The module's schema comes from the server's fields metadata (or
// --schema); --where criteria are validated against it before any job is created. Running
// the same export again resumes it from its last finished page (--no-resume starts over).

import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, Option } from "commander";
import { bulkRead, CRITERIA_VERSIONS, parseCriteria, type CriteriaVersion, type Module } from "../../index.js";
import { moduleFromSchema } from "../../builder/define-module.js";
import { exportFormatOf, exportToFile, readCheckpoint, type ExportCheckpoint, type ExportFormat } from "../../runner/export-to-file.js";
import type { JobRunner } from "../../runner/job-runner.js";
import { createLocalRunner } from "../../runner/local-runner.js";
import { RunnerError } from "../../runner/zoho-api-error.js";
import { CliError, usageError } from "../cli-error.js";
import { examples, type CommandContext } from "../command-context.js";
import { defaultConfigPath, readConfig } from "../config-file.js";
import { resolveAuth } from "../credentials.js";
import { criteriaFieldNames, moduleFromSchemaFile, moduleFromServer } from "../module-schema-source.js";
import { count, duration } from "../output.js";
import { displayPath } from "../paths.js";
import { createProgressReporter } from "../progress.js";
import { readTextInput } from "../read-input.js";
import { apiVersionFlag, connectToZoho, DATA_CENTER_NAMES, ENVIRONMENTS } from "../zoho-connection.js";
import { positiveInteger } from "./numbers.js";

interface ExportFlags {
  fields?: string;
  where?: string;
  out?: string;
  resume: boolean;
  schema?: string;
  local?: string;
  dc?: string;
  environment?: string;
  apiVersion?: string;
  apiDomain?: string;
  accountsUrl?: string;
  config?: string;
  timeZone?: string;
  pollInterval?: number;
  maxPollInterval?: number;
}

/**
 * The API versions the core writes criteria for. The core exports CriteriaVersion only as a
 * type; `satisfies` makes a version added to (or dropped from) it a compile error here.
 */
function isCriteriaVersion(version: string): version is CriteriaVersion {
  return (CRITERIA_VERSIONS as readonly string[]).includes(version);
}

const MODULE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function formatFromPath(path: string): ExportFormat {
  try {
    return exportFormatOf(path);
  } catch {
    throw usageError(`--out must end in .csv or .jsonl (the format follows the extension); got ${JSON.stringify(path)}`);
  }
}

/** What to do, by the library's error code, when an interrupted export cannot be resumed (`out`: the output file as shown). */
const CANNOT_RESUME: Readonly<Record<string, (out: string) => string>> = {
  CHECKPOINT_MISMATCH: (out) =>
    `${out}.checkpoint.json belongs to another export (another module, fields, criteria, format or API version): resuming would mix two exports in one file. Re-run with --no-resume to start this export over, or write it to another --out.`,
  CHECKPOINT_INVALID: (out) =>
    `${out}.checkpoint.json is damaged, or ${out} was changed after it was written: the interrupted export cannot be resumed. Re-run with --no-resume to start it over.`,
  PAGE_TOKEN_EXPIRED: (out) =>
    `The interrupted export to ${out} stopped more than 24 hours ago and Zoho's page token for its next page has expired. Re-run with --no-resume to start it over.`,
};

/** A library error that means "cannot resume" as the command line's advice (the original kept as the cause, for --verbose). */
function cannotResume(error: unknown, out: string): CliError | undefined {
  if (!(error instanceof RunnerError)) return undefined;
  const code = String(error.code);
  const advice = Object.hasOwn(CANNOT_RESUME, code) ? CANNOT_RESUME[code] : undefined;
  return advice === undefined ? undefined : new CliError(advice(out), { code, cause: error });
}

/** What an interrupted run left, to say where a resumed run starts; a damaged checkpoint fails here, before any request. */
async function previousCheckpoint(outPath: string, shown: string): Promise<ExportCheckpoint | undefined> {
  try {
    return await readCheckpoint(outPath);
  } catch (error) {
    throw cannotResume(error, shown) ?? error;
  }
}

export function exportCommand(ctx: CommandContext): Command {
  return new Command("export")
    .summary("export a module's records to a CSV or JSON Lines file (resumable)")
    .description(
      "Runs a Bulk Read export of <Module> and writes its records to --out (.csv or .jsonl).\n\nWhere: " +
      "Zoho (--dc, --environment), any Zoho-shaped server (--api-domain and --accounts-url, e.g. the " +
      "fake server `zoho-bulk-read serve` starts), or a local CSV file (--local, no credentials " +
      "needed).\n\nCredentials: ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (or " +
      "ZOHO_ACCESS_TOKEN), else the config file `zoho-bulk-read auth` writes. Nothing secret is " +
      "printed.\n\nCriteria (--where) are Bulk Read criteria JSON, validated against the module's " +
      "fields metadata (fetched from GET /crm/{version}/settings/fields?module=<Module>, or --schema) " +
      "before any job runs.\n\nAfter each page the file is flushed and <out>.checkpoint.json saved: if " +
      "the export stops (Ctrl-C, a crash, a network failure), run the same command again and it " +
      "continues from the next page.",
    )
    .argument("<Module>", "module API name, e.g. Leads, Contacts, Deals")
    .option("-f, --fields <a,b,c>", "fields to export, comma-separated (default: all); sub-fields as Owner.last_name")
    .option("-w, --where <file.json|->", 'criteria JSON file, or "-" for stdin')
    .option("-o, --out <file>", "output file; .csv or .jsonl picks the format (default: <module>.csv)")
    .option("--no-resume", "start over even if an earlier run of this export was interrupted")
    .option("-s, --schema <fields.json>", "the module's fields metadata, instead of fetching it from the server")
    .option("--local <file.csv>", "export from a local CSV file through the local runner (no server, no credentials)")
    .addOption(new Option("--dc <dc>", "Zoho data center (default: us, or the one `auth` saved)").choices(DATA_CENTER_NAMES))
    .addOption(new Option("--environment <env>", "org environment").choices(ENVIRONMENTS).default(undefined, "production"))
    .addOption(new Option("--api-version <v>", "Zoho API version").default(undefined, "v8"))
    .option("--api-domain <url>", "API origin, e.g. https://www.zohoapis.eu or the URL `serve` prints")
    .option("--accounts-url <url>", "accounts (OAuth) server origin, e.g. https://accounts.zoho.eu")
    .option("--config <path>", "config file with credentials (default: $XDG_CONFIG_HOME/zoho-bulk-read/config.json)")
    .option("--time-zone <iana>", "IANA time zone for date values in --where, e.g. Europe/Berlin")
    .option("--poll-interval <ms>", "first delay between job status checks (default 1000, doubling)", positiveInteger("--poll-interval"))
    .option("--max-poll-interval <ms>", "longest delay between job status checks (default 30000)", positiveInteger("--max-poll-interval"))
    .addHelpText(
      "after",
      examples([
        "# Zoho, credentials from the environment (or from `zoho-bulk-read auth`):",
        "export ZOHO_CLIENT_ID=1000.XXXX ZOHO_CLIENT_SECRET=s3cret ZOHO_REFRESH_TOKEN=1000.abc...",
        "zoho-bulk-read export Leads --dc eu --out leads.csv",
        "zoho-bulk-read export Leads --dc eu --fields Last_Name,Email,Owner.last_name --where criteria.json --out leads.jsonl",
        "cat criteria.json | zoho-bulk-read export Deals --dc in --where - --out deals.csv",
        "# against the fake server of `zoho-bulk-read serve` (it prints the URL and credentials):",
        "zoho-bulk-read export Leads --api-domain http://127.0.0.1:41234 --accounts-url http://127.0.0.1:41234 --out leads.csv",
        "# a local CSV, no server:",
        "zoho-bulk-read export Leads --local leads-backup.csv --where criteria.json --out subset.csv",
        "# interrupted? run the same command again to resume; or start over:",
        "zoho-bulk-read export Leads --dc eu --out leads.csv --no-resume",
      ]),
    )
    .action(async (moduleName: string, flags: ExportFlags, command: Command) => {
      const out = ctx.output(command);
      if (!MODULE_NAME.test(moduleName)) throw usageError(`<Module> must be a module API name such as Leads; got ${JSON.stringify(moduleName)}`);
      const outFlag = flags.out ?? `${moduleName.toLowerCase()}.csv`;
      const format = formatFromPath(outFlag);
      const outPath = resolve(ctx.io.cwd, outFlag);
      const shown = displayPath(outPath, ctx.io.cwd);
      const fields = (flags.fields ?? "")
        .split(",")
        .map((f) => f.trim())
        .filter((f) => f !== "");
      if (flags.local !== undefined && (flags.dc ?? flags.apiDomain ?? flags.accountsUrl ?? flags.environment) !== undefined) {
        throw usageError("--local reads a CSV file: it takes no --dc, --environment, --api-domain or --accounts-url");
      }
      const apiVersion = apiVersionFlag(flags.apiVersion);
      const previous = flags.resume ? await previousCheckpoint(outPath, shown) : undefined;

      // Criteria first: a bad file fails before any request.
      const criteriaText = flags.where === undefined ? undefined : await readTextInput(flags.where, ctx.io, "the --where criteria");
      let criteriaJson: unknown;
      try {
        criteriaJson = criteriaText === undefined ? undefined : JSON.parse(criteriaText);
      } catch {
        criteriaJson = undefined; // parseCriteria reports it, with its path
      }
      const paths = [...fields, ...criteriaFieldNames(criteriaJson)];
      // The runner's one-liners (token refresh, retries, throttling waits): --verbose only until
      // the export runs, then above the progress bar, so that a failed start is one line.
      let logLine = (line: string): void => out.debug(line);

      let runner: JobRunner;
      let module: Module;
      let where: string;
      if (flags.local !== undefined) {
        const local = createLocalRunner({ data: { [moduleName]: flags.local } });
        if (flags.schema !== undefined) {
          module = await moduleFromSchemaFile(moduleName, flags.schema, ctx.io);
          runner = createLocalRunner({ data: { [moduleName]: flags.local }, schemas: [module] });
        } else {
          const described = await local.describeModule(moduleName);
          if (described === undefined) throw new CliError(`The local runner has no module ${moduleName}`, { code: "MODULE_NOT_AVAILABLE" });
          module = moduleFromSchema(described.schema);
          runner = local;
        }
        where = flags.local;
      } else {
        const configPath = flags.config ?? defaultConfigPath(ctx.io.env);
        const config = await readConfig(configPath, (line) => out.note(line));
        if (config === undefined && flags.config !== undefined) throw new CliError(`No config file at ${configPath}; run zoho-bulk-read auth --config ${configPath} first`, { code: "CONFIG_NOT_FOUND" });
        const { auth, source } = resolveAuth(ctx.io.env, config, configPath);
        out.debug(`zoho-bulk-read: credentials from ${source}`);
        const connection = await connectToZoho({
          flags: {
            ...(flags.dc !== undefined && { dc: flags.dc }),
            ...(flags.environment !== undefined && { environment: flags.environment }),
            apiVersion,
            ...(flags.apiDomain !== undefined && { apiDomain: flags.apiDomain }),
            ...(flags.accountsUrl !== undefined && { accountsUrl: flags.accountsUrl }),
          },
          auth,
          ...(source === configPath && config !== undefined && { saved: config }),
          log: (line) => logLine(line),
        });
        runner = connection.runner;
        module = flags.schema !== undefined ? await moduleFromSchemaFile(moduleName, flags.schema, ctx.io) : await moduleFromServer(moduleName, connection, paths);
        where = `${connection.apiDomain} (${connection.apiVersion})`;
      }

      let query = bulkRead(module, {
        ...(isCriteriaVersion(apiVersion) && { version: apiVersion }),
        ...(flags.timeZone !== undefined && { timeZone: flags.timeZone }),
      }).select(...fields);
      if (criteriaText !== undefined) query = query.where(parseCriteria(criteriaText, module));

      const signal = ctx.interruptSignal();
      out.note(
        `Exporting ${moduleName} from ${where} to ${shown}` +
          (previous !== undefined && previous.pagesDone > 0 ? ` (resuming after page ${previous.pagesDone}: ${count(previous.records)} records already written)` : ""),
      );
      const progress = createProgressReporter(out, previous?.records !== undefined ? { startAt: previous.records } : {});
      logLine = (line) => progress.log(line);
      const started = performance.now();
      const local = flags.local !== undefined;
      let result;
      try {
        result = await exportToFile(runner, query, outPath, {
          format,
          resume: flags.resume,
          signal,
          // The local runner moves a job on at every status read: no need to wait between them.
          pollIntervalMs: flags.pollInterval ?? (local ? 5 : 1_000),
          maxPollIntervalMs: Math.max(flags.maxPollInterval ?? (local ? 20 : 30_000), flags.pollInterval ?? 0),
          onProgress: (event) => progress.onProgress(event),
        });
      } catch (error) {
        if (signal.aborted) {
          throw new CliError(`Interrupted: the pages finished so far are kept in ${shown}; run the same command again to resume`, { code: "INTERRUPTED" });
        }
        throw cannotResume(error, shown) ?? error;
      } finally {
        progress.stop();
      }
      const elapsed = performance.now() - started;
      out.line(
        `Exported ${count(result.records)} ${moduleName} records in ${result.pages} ${result.pages === 1 ? "page" : "pages"} to ${shown} (${format.toUpperCase()}, ${duration(elapsed)})` +
          (result.resumed ? `; resumed an interrupted export` : ""),
      );
      out.result({ ok: true, module: moduleName, records: result.records, pages: result.pages, out: outPath, format, resumed: result.resumed, elapsedMs: Math.round(elapsed) });
    });
}

// `zoho-bulk-read serve`: the fake Zoho server for people's own integration tests, on
// 127.0.0.1, with the demo's sample CRM or their own CSV files. Prints its URLs and the
// credentials it accepts, then runs until Ctrl-C.

import { access } from "node:fs/promises";
import { Command, Option } from "commander";
import { defineModuleFromFields, type ModuleSchema } from "../../index.js";
import type { LocalModuleData } from "../../runner/local-runner.js";
import { startFakeZoho, type FakeZohoCredentials, type FakeZohoOptions } from "../../testing/fake-zoho.js";
import { CliError, usageError } from "../cli-error.js";
import { examples, type CommandContext } from "../command-context.js";
import { count, type Output } from "../output.js";
import { readJsonInput } from "../read-input.js";
import { DEFAULT_LEADS, DEFAULT_SEED, generateSampleCrm } from "../sample-crm.js";
import { SAMPLE_MODULES } from "../sample-modules.js";
import { apiVersionFlag } from "../zoho-connection.js";
import { positiveInteger } from "./numbers.js";

/** The credentials `serve` and `demo` accept unless told otherwise, with the grant code `auth` can exchange. Fake: they open nothing real. */
export const FAKE_CREDENTIALS = {
  clientId: "1000.FAKECLIENT0000000000000000000",
  clientSecret: "fake-client-secret-0000000000000000000000",
  refreshToken: "1000.fake0000000000000000000000000000.refresh0000000000000000000000000000",
  grantCode: "1000.fakegrantcode0000000000000000.0000000000000000000000000000000",
} as const satisfies Required<FakeZohoCredentials>;

interface ServeFlags {
  data?: string[];
  schema?: string[];
  records: number;
  seed: string;
  port: number;
  pageSize: number;
  apiVersion?: string;
  downloadsPerMinute: number;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Hidden, for tests of token refresh: every access token expires after this many downloads. */
  expireTokensAfterDownloads?: number;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function splitPair(value: string, flag: string): [string, string] {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) throw usageError(`${flag} takes <Module>=<file>, e.g. ${flag} Leads=leads.csv; got ${JSON.stringify(value)}`);
  return [value.slice(0, at), value.slice(at + 1)];
}

interface ServedModule {
  name: string;
  records: number | undefined;
  source: string;
}

function printBanner(out: Output, info: { url: string; accountsUrl: string; apiVersion: string; pageSize: number; downloadsPerMinute: number; modules: ServedModule[]; credentials: Required<FakeZohoCredentials>; command: string }): void {
  const { url, accountsUrl, apiVersion, credentials } = info;
  const first = info.modules[0]?.name ?? "Leads";
  out.line(`Fake Zoho CRM listening on ${url} (Ctrl-C to stop)`);
  out.line("");
  out.line(`  API domain    ${url}`);
  out.line(`  Accounts URL  ${accountsUrl}   (POST /oauth/v2/token)`);
  out.line(`  Bulk Read     ${url}/crm/bulk/${apiVersion}/read`);
  out.line(`  Fields        ${url}/crm/${apiVersion}/settings/fields?module=${first}`);
  out.line(`  Modules       ${info.modules.map((m) => (m.records === undefined ? `${m.name} (${m.source})` : `${m.name} (${count(m.records)} records)`)).join(", ")}`);
  out.line(`  Page size     ${count(info.pageSize)} records per job; ${count(info.downloadsPerMinute)} downloads a minute`);
  out.line("");
  out.line("Credentials it accepts (grant_type=refresh_token):");
  out.line(`  ZOHO_CLIENT_ID=${credentials.clientId}`);
  out.line(`  ZOHO_CLIENT_SECRET=${credentials.clientSecret}`);
  out.line(`  ZOHO_REFRESH_TOKEN=${credentials.refreshToken}`);
  out.line(`  grant code for \`zoho-bulk-read auth --code\` (grant_type=authorization_code): ${credentials.grantCode}`);
  out.line("");
  out.line("Try, in another terminal:");
  out.line(`  export ZOHO_CLIENT_ID=${credentials.clientId} ZOHO_CLIENT_SECRET=${credentials.clientSecret} ZOHO_REFRESH_TOKEN=${credentials.refreshToken}`);
  out.line(`  ${info.command} export ${first} --api-domain ${url} --accounts-url ${accountsUrl} --poll-interval 50 --out ${first.toLowerCase()}.csv`);
  out.line("  (this server moves a job on at every status check, so polling every 50 ms is enough)");
}

export function serveCommand(ctx: CommandContext): Command {
  return new Command("serve")
    .summary("run a fake Zoho CRM on 127.0.0.1 for your own integration tests")
    .description(
      "Starts the library's fake Zoho server on 127.0.0.1: the Bulk Read API (create job, status, " +
      "download), the accounts token endpoint (refresh-token grant) and the fields metadata endpoint, " +
      "backed by the local runner.\n\nServes the demo's sample CRM (Leads, Accounts, users) by " +
      "default, or your CSV files (--data, repeatable; types are inferred from the values unless " +
      "--schema gives the fields metadata).\n\nPrints its URLs and the credentials it accepts, and " +
      "runs until Ctrl-C (or SIGTERM).",
    )
    .option("--data <Module=file.csv>", "serve a module from a CSV file (header row of field API names); repeatable", collect)
    .option("--schema <Module=fields.json>", "fields metadata of a --data module (otherwise inferred); repeatable", collect)
    .option("--records <n>", "leads in the sample CRM (without --data)", positiveInteger("--records"), DEFAULT_LEADS)
    .option("--seed <text>", "seed of the sample CRM", DEFAULT_SEED)
    .option("--port <n>", "TCP port on 127.0.0.1, up to 65535 (0 picks a free one)", positiveInteger("--port", 0, 65_535), 0)
    .option("--page-size <n>", "records per Bulk Read job (Zoho: 200,000); small values exercise paging", positiveInteger("--page-size"), 200_000)
    .addOption(new Option("--api-version <v>", "API version served").default("v8"))
    .option("--downloads-per-minute <n>", "result downloads allowed per minute before HTTP 429 (Zoho: 10)", positiveInteger("--downloads-per-minute"), 10)
    .option("--client-id <id>", "client id to accept", FAKE_CREDENTIALS.clientId)
    .option("--client-secret <secret>", "client secret to accept", FAKE_CREDENTIALS.clientSecret)
    .option("--refresh-token <token>", "refresh token to accept", FAKE_CREDENTIALS.refreshToken)
    // For tests of clients' token refresh (ours: spec/cli): the access tokens expire mid-export.
    .addOption(
      new Option("--expire-tokens-after-downloads <n>", "expire every access token issued so far once n result downloads were sent")
        .argParser(positiveInteger("--expire-tokens-after-downloads"))
        .hideHelp(),
    )
    .addHelpText(
      "after",
      examples([
        "zoho-bulk-read serve",
        "zoho-bulk-read serve --records 5000 --page-size 1000",
        "zoho-bulk-read serve --data Leads=leads.csv --data Contacts=contacts.csv --schema Leads=Leads.fields.json",
        "zoho-bulk-read serve --json   # one line: {\"apiDomain\":...,\"accountsUrl\":...,\"credentials\":{...}}",
        "# then, in another terminal, with the credentials it prints:",
        "zoho-bulk-read export Leads --api-domain http://127.0.0.1:41234 --accounts-url http://127.0.0.1:41234 --out leads.csv",
      ]),
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const out = ctx.output(command);
      const apiVersion = apiVersionFlag(flags.apiVersion);
      const credentials: Required<FakeZohoCredentials> = {
        clientId: flags.clientId ?? FAKE_CREDENTIALS.clientId,
        clientSecret: flags.clientSecret ?? FAKE_CREDENTIALS.clientSecret,
        refreshToken: flags.refreshToken ?? FAKE_CREDENTIALS.refreshToken,
        grantCode: FAKE_CREDENTIALS.grantCode,
      };
      const dataFlags = flags.data ?? [];
      const schemaFlags = flags.schema ?? [];
      const data: Record<string, LocalModuleData> = {};
      const schemas: ModuleSchema[] = [];
      const modules: ServedModule[] = [];
      if (dataFlags.length > 0) {
        for (const pair of dataFlags) {
          const [name, file] = splitPair(pair, "--data");
          if (Object.hasOwn(data, name)) throw usageError(`--data names ${name} twice`);
          await access(file).catch(() => {
            throw new CliError(`Cannot read ${file} (--data ${name}): no such file`, { code: "FILE_NOT_READABLE" });
          });
          data[name] = file;
          modules.push({ name, records: undefined, source: file });
        }
        for (const pair of schemaFlags) {
          const [name, file] = splitPair(pair, "--schema");
          if (!Object.hasOwn(data, name)) throw usageError(`--schema ${name}=... names a module no --data serves`);
          schemas.push(defineModuleFromFields(name, await readJsonInput(file, ctx.io, "the schema file"), { unknownTypes: "skip" }));
        }
      } else {
        if (schemaFlags.length > 0) throw usageError("--schema describes a --data module; the sample CRM has its own schema");
        const crm = generateSampleCrm({ leads: flags.records, seed: flags.seed });
        data["Leads"] = crm.leads;
        data["Accounts"] = crm.accounts;
        data["users"] = crm.users;
        schemas.push(...SAMPLE_MODULES);
        modules.push({ name: "Leads", records: crm.leads.length, source: "sample" }, { name: "Accounts", records: crm.accounts.length, source: "sample" }, { name: "users", records: crm.users.length, source: "sample" });
      }

      const options: FakeZohoOptions = {
        data,
        schemas,
        pageSize: flags.pageSize,
        credentials,
        apiVersion,
        limits: { downloadsPerMinute: flags.downloadsPerMinute },
        ...(flags.port !== 0 && { port: flags.port }) };
      const fake = await startFakeZoho(options);
      try {
        if (flags.expireTokensAfterDownloads !== undefined) fake.faults.expireTokensAfterDownloads(flags.expireTokensAfterDownloads);
        // Read every CSV now, so a broken file fails at start, not on the first request.
        for (const module of modules) await fake.runner.describeModule(module.name);
        printBanner(out, { url: fake.url, accountsUrl: fake.accountsUrl, apiVersion, pageSize: flags.pageSize, downloadsPerMinute: flags.downloadsPerMinute, modules, credentials, command: ctx.io.command });
        out.result({
          ok: true,
          event: "listening",
          apiDomain: fake.url,
          accountsUrl: fake.accountsUrl,
          apiVersion,
          pageSize: flags.pageSize,
          modules: modules.map((m) => ({ name: m.name, ...(m.records !== undefined && { records: m.records }), source: m.source })),
          credentials,
        });
        const signal = await ctx.untilInterrupted();
        out.note(`\n${signal}: stopping the fake Zoho server`);
      } finally {
        await fake.close();
      }
      out.result({ ok: true, event: "stopped" });
    });
}

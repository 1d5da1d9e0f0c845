// `zoho-bulk-read demo`: the main job. Generates the sample CRM, starts the fake Zoho server
// on 127.0.0.1, and runs a real compound query through the Zoho runner (refresh-token auth
// against the fake accounts server) end to end: job states, pages, a CSV, and a summary that
// cross-checks the count against the local evaluator. No network, no account.

import { createReadStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Command } from "commander";
import { parse as parseCsv } from "csv-parse";
import { formatCriteria } from "../../index.js";
import { compilePredicate } from "../../runner/evaluate.js";
import { exportToFile } from "../../runner/export-to-file.js";
import { createZohoRunner } from "../../runner/zoho-runner.js";
import { startFakeZoho } from "../../testing/fake-zoho.js";
import { CliError, usageError } from "../cli-error.js";
import { examples, type CommandContext } from "../command-context.js";
import { DEMO_QUERY_SOURCE, demoQuery } from "../demo-query.js";
import { compactJson } from "../compact-json.js";
import { count, duration } from "../output.js";
import { displayPath } from "../paths.js";
import { createProgressReporter } from "../progress.js";
import { DEFAULT_LEADS, DEFAULT_SEED, generateSampleCrm } from "../sample-crm.js";
import { SAMPLE_MODULES } from "../sample-modules.js";
import { positiveInteger } from "./numbers.js";
import { FAKE_CREDENTIALS } from "./serve.js";

interface DemoFlags {
  records: number;
  pageSize: number;
  seed: string;
  out: string;
}

const DEFAULT_OUT = "demo-output/leads.csv";

function indent(text: string, by = "   "): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : by + line))
    .join("\n");
}

/** Wraps text at spaces: the first line after `first`, the others after `rest`. */
function wrap(text: string, width: number, first: string, rest: string): string {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    if (line.trim() !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += line.trim() === "" ? word : ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\n");
}

/** Rows and distinct ids of the CSV written, read back independently of the export. */
async function readBack(path: string): Promise<{ rows: number; distinctIds: number }> {
  const ids = new Set<string>();
  let rows = 0;
  const parser = createReadStream(path).pipe(parseCsv({ columns: true, bom: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    ids.add(row["id"] ?? "");
  }
  return { rows, distinctIds: ids.size };
}

export function demoCommand(ctx: CommandContext): Command {
  return new Command("demo")
    .summary("run a Bulk Read export end to end against a fake Zoho CRM (no account needed)")
    .description(
      "Generates a deterministic sample CRM (50,000 leads across every common field type, 2,000 " +
      "accounts, 24 users), starts the fake Zoho server on 127.0.0.1, and runs a compound query " +
      "through the real Zoho runner (refresh-token auth, job polling, paging, ZIP download, CSV " +
      "parsing).\n\nPrints the query as builder code and as the JSON sent to Zoho, the job states and " +
      "pages, writes the result to a CSV, and checks the count against the local evaluator.\n\nAlso " +
      "writes Leads.fields.json and criteria.json next to the CSV, to try `zoho-bulk-read compile` on. " +
      "No network, no account.",
    )
    .option("--records <n>", "leads to generate", positiveInteger("--records"), DEFAULT_LEADS)
    .option("--page-size <n>", "records per Bulk Read job on the fake server (Zoho: 200,000)", positiveInteger("--page-size"), 5_000)
    .option("--seed <text>", "seed of the sample CRM (same seed, same data)", DEFAULT_SEED)
    .option("-o, --out <file.csv>", "where to write the result", DEFAULT_OUT)
    .addHelpText(
      "after",
      examples([
        "zoho-bulk-read demo",
        "zoho-bulk-read demo --records 5000 --page-size 1000 --out /tmp/leads.csv",
        "zoho-bulk-read demo --json   # one line of JSON: records, pages, time, the cross-check",
      ]),
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const out = ctx.output(command);
      if (!flags.out.toLowerCase().endsWith(".csv")) throw usageError(`--out must name a .csv file; got ${JSON.stringify(flags.out)}`);
      const signal = ctx.interruptSignal();
      const outPath = resolve(ctx.io.cwd, flags.out);
      const shown = displayPath(outPath, ctx.io.cwd);
      const outDir = dirname(outPath);
      const started = performance.now();

      out.line("zoho-bulk-read demo: a Bulk Read export end to end, against a fake Zoho CRM on 127.0.0.1");
      out.line("(no network, no Zoho account)");
      out.line("");

      const crm = generateSampleCrm({ leads: flags.records, seed: flags.seed });
      const generatedMs = performance.now() - started;
      out.line(`1. Sample CRM   ${count(crm.leads.length)} leads, ${count(crm.accounts.length)} accounts, ${count(crm.users.length)} users (seed "${crm.seed}", ${duration(generatedMs)})`);

      const fake = await startFakeZoho({
        data: { Leads: crm.leads, Accounts: crm.accounts, users: crm.users },
        schemas: SAMPLE_MODULES,
        pageSize: flags.pageSize,
        credentials: FAKE_CREDENTIALS,
        // The demo shows paging, not Zoho's 10-downloads-a-minute throttle.
        limits: { downloadsPerMinute: 10_000 },
      });
      try {
        out.line(`2. Fake Zoho    ${fake.url}  (Bulk Read API v8, ${count(flags.pageSize)} records per page)`);

        await mkdir(outDir, { recursive: true });
        const query = demoQuery();
        const body = query.toJSON();
        // Extras for trying `compile`: the module's fields metadata as the server serves it, and the criteria.
        const fieldsResponse = await fetch(`${fake.url}/crm/v8/settings/fields?module=Leads`, { headers: { authorization: `Zoho-oauthtoken ${fake.issueToken()}` } });
        if (!fieldsResponse.ok) throw new CliError(`The fake server's fields endpoint answered HTTP ${fieldsResponse.status}`, { code: "DEMO_FAILED" });
        const fieldsJson: unknown = await fieldsResponse.json();
        await writeFile(join(outDir, "Leads.fields.json"), `${JSON.stringify(fieldsJson, null, 2)}\n`);
        await writeFile(join(outDir, "criteria.json"), `${JSON.stringify(body.query.criteria, null, 2)}\n`);
        out.line(`3. Leads schema ${(fieldsJson as { fields: unknown[] }).fields.length} fields (GET /crm/v8/settings/fields?module=Leads)`);
        out.line("");
        out.line("4. The query, as builder code:");
        out.line("");
        out.line(indent(DEMO_QUERY_SOURCE));
        out.line("");
        out.line("   compiled to the create-job body (POST /crm/bulk/v8/read):");
        out.line("");
        out.line(indent(compactJson(body, 96)));
        out.line("");
        out.line(wrap(`in words: ${formatCriteria(query.criteria!)}`, 96, "   ", "             "));
        out.line("");

        // What should come back: the same criteria, evaluated locally over the generated leads.
        const matches = compilePredicate(query.criteria!.node);
        const expected = crm.leads.reduce((n, lead) => (matches(lead) ? n + 1 : n), 0);

        out.line(`5. Running the job (refresh-token auth at ${fake.accountsUrl}/oauth/v2/token):`);
        out.line("");
        const progress = createProgressReporter(out, { total: expected });
        const runner = createZohoRunner({
          apiDomain: fake.url,
          accountsUrl: fake.accountsUrl,
          auth: { clientId: FAKE_CREDENTIALS.clientId, clientSecret: FAKE_CREDENTIALS.clientSecret, refreshToken: FAKE_CREDENTIALS.refreshToken },
          log: (line) => progress.log(`  ${line.replace(/^zoho-bulk-read: /, "")}`),
        });
        const exportStarted = performance.now();
        let result;
        try {
          result = await exportToFile(runner, query, outPath, {
            format: "csv",
            resume: false,
            signal,
            // The fake server moves a job on at every status read: poll fast.
            pollIntervalMs: 25,
            maxPollIntervalMs: 100,
            onProgress: (event) => progress.onProgress(event),
          });
        } finally {
          progress.stop();
        }
        const exportMs = performance.now() - exportStarted;
        const written = await readBack(outPath);
        const totalMs = performance.now() - started;
        const ok = result.records === expected && written.rows === expected && written.distinctIds === expected;

        out.line("");
        out.line("Summary");
        out.line(`  Records      ${count(result.records)} leads matched and written to ${shown}`);
        out.line(`  Pages        ${result.pages} ${result.pages === 1 ? "page" : "pages"} of up to ${count(flags.pageSize)} records, one Bulk Read job each`);
        out.line(`  Time         ${duration(totalMs)} in all: ${duration(generatedMs)} generating, ${duration(exportMs)} exporting`);
        out.line(
          `  Cross-check  ${ok ? "OK" : "MISMATCH"}: the local evaluator matches ${count(expected)} of ${count(crm.leads.length)} leads; ` +
            `the CSV holds ${count(written.rows)} rows, ${count(written.distinctIds)} distinct ids`,
        );
        out.line(`  Try next     ${ctx.io.command} compile --module Leads --schema ${join(dirname(shown), "Leads.fields.json")} ${join(dirname(shown), "criteria.json")}`);
        out.result({
          ok,
          records: result.records,
          pages: result.pages,
          pageSize: flags.pageSize,
          leads: crm.leads.length,
          expected,
          csvRows: written.rows,
          distinctIds: written.distinctIds,
          out: outPath,
          elapsedMs: Math.round(totalMs),
          exportMs: Math.round(exportMs),
          apiDomain: fake.url,
          query: body,
        });
        if (!ok) {
          throw new CliError(`Cross-check failed: exported ${result.records} records, the CSV holds ${written.rows} rows (${written.distinctIds} distinct ids), the local evaluator expects ${expected}`, { code: "CROSS_CHECK_FAILED" });
        }
      } finally {
        await fake.close();
      }
    });
}

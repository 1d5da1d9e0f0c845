// `demo`: the main job, run as a user runs it, on a smaller sample for speed.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { compactJson } from "../../src/cli/compact-json.js";
import { DEMO_QUERY_SOURCE, demoQuery } from "../../src/cli/demo-query.js";
import { generateSampleCrm } from "../../src/cli/sample-crm.js";
import { compilePredicate } from "../../src/runner/evaluate.js";
import { lines, runCli, useWorkspace } from "./helpers.js";

const RECORDS = 5000;
const dir = useWorkspace();

function expectedMatches(): { count: number; ids: string[] } {
  const matches = compilePredicate(demoQuery().criteria!.node);
  const ids = generateSampleCrm({ leads: RECORDS }).leads.filter(matches).map((lead) => String(lead["id"]));
  return { count: ids.length, ids };
}

describe("demo", () => {
  it("runs end to end: prints the query as code and JSON, the job states and pages, writes the CSV, ends with a summary", async () => {
    const result = await runCli(["demo", "--records", String(RECORDS), "--page-size", "500"], dir.options);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const out = result.stdout;
    // the query, as builder code and as the JSON sent to Zoho
    for (const line of DEMO_QUERY_SOURCE.split("\n")) expect(out).toContain(line);
    const body = compactJson(demoQuery().toJSON(), 96).split("\n").map((line) => `   ${line}`).join("\n");
    expect(out).toContain(body);
    // the job's states and pages (progress lines on stderr when not on a terminal)
    const { count, ids } = expectedMatches();
    const pages = Math.ceil(count / 500);
    for (const state of ["created (ADDED)", "QUEUED", "IN PROGRESS", "COMPLETED"]) expect(result.stderr).toMatch(new RegExp(`page ${pages}: job \\d+ ${state.replace(/[()]/g, "\\$&")}`));
    expect(result.stderr).toContain(`(${count.toLocaleString("en-US")} so far)`);
    // the summary, with the cross-check against the local evaluator
    expect(out).toMatch(new RegExp(`Records +${count.toLocaleString("en-US")} leads matched and written to demo-output/leads\\.csv`));
    expect(out).toMatch(new RegExp(`Pages +${pages} pages of up to 500 records`));
    expect(out).toMatch(/Time +[\d.]+ m?s in all/);
    expect(out).toContain(`Cross-check  OK: the local evaluator matches ${count.toLocaleString("en-US")} of 5,000 leads`);
    // the CSV: every matching lead once
    const rows = parseCsv(await readFile(join(dir.path, "demo-output/leads.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row["id"]).sort()).toEqual([...ids].sort());
    expect(Object.keys(rows[0]!)).toEqual(["id", ...demoQuery().fields]);
    // the files to try `compile` on
    const fields = JSON.parse(await readFile(join(dir.path, "demo-output/Leads.fields.json"), "utf8")) as { fields: unknown[] };
    expect(fields.fields.length).toBe(29);
    expect(JSON.parse(await readFile(join(dir.path, "demo-output/criteria.json"), "utf8"))).toEqual(demoQuery().toJSON().query.criteria);
  });

  it("is deterministic: the same CSV on every run", async () => {
    await runCli(["demo", "--records", "1000", "--out", "a.csv"], dir.options);
    await runCli(["demo", "--records", "1000", "--out", "b.csv"], dir.options);
    expect(await readFile(join(dir.path, "a.csv"), "utf8")).toBe(await readFile(join(dir.path, "b.csv"), "utf8"));
  });

  it("--json prints one summary object", async () => {
    const result = await runCli(["--json", "demo", "--records", String(RECORDS), "--out", "json/leads.csv"], dir.options);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    const { count } = expectedMatches();
    expect(summary).toMatchObject({ ok: true, records: count, expected: count, csvRows: count, distinctIds: count, leads: RECORDS, out: join(dir.path, "json/leads.csv") });
    expect(summary["query"]).toEqual(demoQuery().toJSON());
    // progress as JSON lines on stderr
    for (const line of lines(result.stderr)) expect(JSON.parse(line)).toMatchObject({ event: "progress" });
  });
});

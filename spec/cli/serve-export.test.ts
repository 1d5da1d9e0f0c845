// `serve` and `export` in two processes, as an operator would run them: the schema is fetched
// from the server, every record is written once, and an export killed half-way (SIGKILL after
// its first page is checkpointed) and run again loses nothing and duplicates nothing.

import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSampleCrm } from "../../src/cli/sample-crm.js";
import { Leads } from "../../src/cli/sample-modules.js";
import { parseCriteria } from "../../src/index.js";
import { compilePredicate } from "../../src/runner/evaluate.js";
import { cleanEnv, lines, runCli, startCli, useWorkspace, type CliProcess, type RunOptions } from "./helpers.js";

const RECORDS = 3000;
const PAGE_SIZE = 400;

interface Listening {
  apiDomain: string;
  accountsUrl: string;
  credentials: { clientId: string; clientSecret: string; refreshToken: string };
}

const dir = useWorkspace();
let serve: CliProcess | undefined;
let server: Listening;
let env: NodeJS.ProcessEnv;
let options: RunOptions;
const allIds = generateSampleCrm({ leads: RECORDS }).leads.map((lead) => String(lead["id"]));

beforeAll(async () => {
  // Port 0: the server picks a free port and prints its URL, which is read back here.
  serve = startCli(["--json", "serve", "--records", String(RECORDS), "--page-size", String(PAGE_SIZE), "--downloads-per-minute", "1000", "--port", "0"], dir.options);
  const [line] = await serve.waitFor("stdout", /^\{.*"event":"listening".*\}$/m);
  server = JSON.parse(line) as Listening;
  env = cleanEnv(dir.path, {
    ZOHO_CLIENT_ID: server.credentials.clientId,
    ZOHO_CLIENT_SECRET: server.credentials.clientSecret,
    ZOHO_REFRESH_TOKEN: server.credentials.refreshToken,
  });
  options = { cwd: dir.path, env };
});

afterAll(async () => {
  if (serve !== undefined && serve.child.exitCode === null) {
    serve.kill("SIGINT");
    await serve.exited;
  }
});

const at = (): string[] => ["--api-domain", server.apiDomain, "--accounts-url", server.accountsUrl, "--poll-interval", "5", "--max-poll-interval", "20"];

async function csvIds(file: string): Promise<string[]> {
  const rows = parseCsv(await readFile(join(dir.path, file), "utf8"), { columns: true }) as Record<string, string>[];
  return rows.map((row) => row["id"]!);
}

describe("serve + export", () => {
  it("serve prints its URLs and the credentials it accepts", () => {
    expect(server.apiDomain).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.accountsUrl).toBe(server.apiDomain);
    expect(server.credentials.clientId).not.toBe("");
  });

  it("exports every record exactly once, the schema fetched from the server", async () => {
    const result = await runCli(["export", "Leads", ...at(), "--out", "all.csv"], options);
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    const ids = await csvIds("all.csv");
    expect(ids).toHaveLength(RECORDS);
    expect(new Set(ids).size).toBe(RECORDS);
    expect([...ids].sort()).toEqual([...allIds].sort());
    expect(result.stdout).toContain(`Exported 3,000 Leads records in ${Math.ceil(RECORDS / PAGE_SIZE)} pages to all.csv`);
    expect(existsSync(join(dir.path, "all.csv.checkpoint.json"))).toBe(false);
  });

  it("killed half-way (SIGKILL after the first page is checkpointed) and run again: no loss, no duplicate", async () => {
    const args = ["export", "Leads", ...at(), "--out", "resumed.csv"];
    // Slower polling in the run to be killed leaves a wide margin between page 2 and the end.
    const first = startCli([...args, "--poll-interval", "50", "--max-poll-interval", "50"], options);
    // Page 2's download starts only after page 1 was written, fsync'ed and checkpointed.
    await first.waitFor("stderr", /^page 2: job \d+ downloading/m);
    first.kill("SIGKILL");
    const killed = await first.exited;
    expect(killed.signal).toBe("SIGKILL");
    const checkpoint = JSON.parse(await readFile(join(dir.path, "resumed.csv.checkpoint.json"), "utf8")) as { pagesDone: number; records: number };
    expect(checkpoint.pagesDone).toBeGreaterThanOrEqual(1);
    expect(checkpoint.pagesDone).toBeLessThan(Math.ceil(RECORDS / PAGE_SIZE));

    const second = await runCli(args, options);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`(resuming after page ${checkpoint.pagesDone}: ${checkpoint.records.toLocaleString("en-US")} records already written)`);
    expect(second.stdout).toContain("resumed an interrupted export");
    const ids = await csvIds("resumed.csv");
    expect(ids).toHaveLength(RECORDS);
    expect(new Set(ids).size).toBe(RECORDS);
    expect([...ids].sort()).toEqual([...allIds].sort());
    expect(existsSync(join(dir.path, "resumed.csv.checkpoint.json"))).toBe(false);
  });

  it("--no-resume starts over", async () => {
    const args = ["export", "Leads", ...at(), "--out", "restart.csv"];
    const first = startCli([...args, "--poll-interval", "50", "--max-poll-interval", "50"], options);
    await first.waitFor("stderr", /^page 2: job \d+ downloading/m);
    first.kill("SIGKILL");
    await first.exited;
    const second = await runCli([...args, "--no-resume"], options);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("resumed");
    expect(await csvIds("restart.csv")).toHaveLength(RECORDS);
  });

  it("a checkpoint that cannot be resumed: the CLI's advice (--no-resume), not the library's (resume: false)", async () => {
    // One of another export (another query), and one that is not JSON at all.
    const other = { version: 1, format: "csv", apiVersion: "v8", query: { query: { module: { api_name: "Accounts" } } }, pagesDone: 1, records: 400, bytes: 0, next: null, jobIds: [], updatedAt: new Date().toISOString() };
    await writeFile(join(dir.path, "mismatch.csv.checkpoint.json"), JSON.stringify(other));
    await writeFile(join(dir.path, "broken.csv.checkpoint.json"), "{");
    const mismatch = await runCli(["export", "Leads", ...at(), "--out", "mismatch.csv"], options);
    const broken = await runCli(["export", "Leads", ...at(), "--out", "broken.csv"], options);
    for (const result of [mismatch, broken]) {
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(/resume: false|exportToFile/);
    }
    expect(lines(mismatch.stderr).at(-1)).toBe(
      "error: mismatch.csv.checkpoint.json belongs to another export (another module, fields, criteria, format or API version): resuming would mix two exports in one file. Re-run with --no-resume to start this export over, or write it to another --out. [CHECKPOINT_MISMATCH]",
    );
    expect(lines(broken.stderr).at(-1)).toBe(
      "error: broken.csv.checkpoint.json is damaged, or broken.csv was changed after it was written: the interrupted export cannot be resumed. Re-run with --no-resume to start it over. [CHECKPOINT_INVALID]",
    );
    const restarted = await runCli(["export", "Leads", ...at(), "--out", "broken.csv", "--no-resume"], options);
    expect(restarted.code).toBe(0);
  });

  it("--fields and --where (sub-fields too) against the server's schema, to JSON Lines; the count matches the local evaluator", async () => {
    const criteria = {
      group_operator: "or",
      group: [
        { field: { api_name: "Owner.last_name" }, comparator: "in", value: ["Brown", "Miller"] },
        { field: { api_name: "Annual_Revenue" }, comparator: "greater_than", value: 5_000_000 },
      ],
    };
    await writeFile(join(dir.path, "criteria.json"), JSON.stringify(criteria));
    const result = await runCli(["--json", "export", "Leads", ...at(), "--fields", "Last_Name,Email,Owner.last_name", "--where", "criteria.json", "--out", "subset.jsonl"], options);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { ok: boolean; records: number; format: string };
    const matches = compilePredicate(parseCriteria(criteria, Leads).node);
    const expected = generateSampleCrm({ leads: RECORDS }).leads.filter(matches);
    expect(summary).toMatchObject({ ok: true, records: expected.length, format: "jsonl" });
    const records = (await readFile(join(dir.path, "subset.jsonl"), "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r["id"]).sort()).toEqual(expected.map((lead) => String(lead["id"])).sort());
    expect(Object.keys(records[0]!)).toEqual(["id", "Last_Name", "Email", "Owner.last_name"]);
  });

  it("criteria from stdin", async () => {
    const criteria = { field: { api_name: "Lead_Status" }, comparator: "equal", value: "Junk Lead" };
    const result = await runCli(["export", "Leads", ...at(), "--where", "-", "--out", "junk.csv"], { ...options, input: JSON.stringify(criteria) });
    expect(result.code).toBe(0);
    const expected = generateSampleCrm({ leads: RECORDS }).leads.filter((lead) => lead["Lead_Status"] === "Junk Lead");
    expect(await csvIds("junk.csv")).toHaveLength(expected.length);
  });

  it("a malformed --where prints one line naming the JSON path and the problem; nothing is written", async () => {
    const criteria = { group_operator: "and", group: [{ field: { api_name: "Lead_Status" }, comparator: "equal", value: "New" }, { field: { api_name: "No_of_Employees" }, comparator: "starts_with", value: "1" }] };
    await writeFile(join(dir.path, "bad.json"), JSON.stringify(criteria));
    const result = await runCli(["export", "Leads", ...at(), "--where", "bad.json", "--out", "bad.csv"], options);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^error: No_of_Employees \(integer\) does not support starts_with; allowed: .* \[FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE at \$\.group\[1\]\.comparator\]$/),
    ]);
    expect(existsSync(join(dir.path, "bad.csv"))).toBe(false);
  });

  it("an unknown field in --fields names its path", async () => {
    const result = await runCli(["export", "Leads", ...at(), "--fields", "Last_Name,Emial", "--out", "x.csv"], options);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/"Emial".*\[FIELD_NOT_SUPPORTED at \$\.query\.fields\[1\]\]$/)]);
  });

  it("wrong credentials: Zoho's code in one line, and no secret anywhere in the output", async () => {
    const secret = "not-the-right-secret-1234567890";
    const result = await runCli(["--verbose", "export", "Leads", ...at(), "--out", "x.csv"], { ...options, env: { ...env, ZOHO_CLIENT_SECRET: secret } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Zoho refused to refresh the access token \(HTTP 200, invalid_client\).* \[TOKEN_REFRESH_REFUSED\]$/m);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(server.credentials.refreshToken);
    }
  });

  it("never prints the secrets or tokens, even with --verbose", async () => {
    const result = await runCli(["--verbose", "export", "Leads", ...at(), "--fields", "Last_Name", "--out", "quiet.csv"], options);
    expect(result.code).toBe(0);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(server.credentials.clientSecret);
      expect(text).not.toContain(server.credentials.refreshToken);
      expect(text).not.toMatch(/1000\.[0-9a-f]{32}\.[0-9a-f]{32}/); // the fake's access tokens
    }
  });

  it("export --local reads a CSV through the local runner (no server, no credentials)", async () => {
    const result = await runCli(["export", "Leads", "--local", "all.csv", "--where", "-", "--out", "local.csv"], {
      cwd: dir.path,
      env: cleanEnv(dir.path),
      input: JSON.stringify({ field: { api_name: "Lead_Status" }, comparator: "equal", value: "Junk Lead" }),
    });
    expect(result.code).toBe(0);
    expect(await csvIds("local.csv")).toEqual(await csvIds("junk.csv"));
  });

  it("serve stops cleanly on Ctrl-C (SIGINT)", async () => {
    serve!.kill("SIGINT");
    const result = await serve!.exited;
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((line) => JSON.parse(line) as { event: string }).map((e) => e.event)).toEqual(["listening", "stopped"]);
  });
});

describe("serve + export: the access token expires mid-export", () => {
  it("refreshes it once (the runner hands back the refused token) and exports every record once", async () => {
    const records = 1200;
    // The fake expires every access token once the second page's download was sent.
    const fake = startCli(["--json", "serve", "--records", String(records), "--page-size", "400", "--downloads-per-minute", "1000", "--expire-tokens-after-downloads", "2"], dir.options);
    try {
      const [line] = await fake.waitFor("stdout", /^\{.*"event":"listening".*\}$/m);
      const listening = JSON.parse(line) as Listening;
      const result = await runCli(
        ["--verbose", "export", "Leads", "--api-domain", listening.apiDomain, "--accounts-url", listening.accountsUrl, "--poll-interval", "5", "--max-poll-interval", "20", "--out", "expiring.csv"],
        {
          cwd: dir.path,
          env: cleanEnv(dir.path, {
            ZOHO_CLIENT_ID: listening.credentials.clientId,
            ZOHO_CLIENT_SECRET: listening.credentials.clientSecret,
            ZOHO_REFRESH_TOKEN: listening.credentials.refreshToken,
          }),
        },
      );
      expect(result.stderr).not.toMatch(/^error/m);
      expect(result.code).toBe(0);
      // The expiry happened, and was answered by exactly one more refresh.
      expect(result.stderr).toMatch(/got 401 INVALID_TOKEN/);
      expect(result.stderr.match(/refreshing the access token at /g)).toHaveLength(2);
      const ids = await csvIds("expiring.csv");
      expect(ids).toHaveLength(records);
      expect(new Set(ids).size).toBe(records);
      expect([...ids].sort()).toEqual(generateSampleCrm({ leads: records }).leads.map((lead) => String(lead["id"])).sort());
    } finally {
      fake.kill("SIGTERM");
      expect((await fake.exited).code).toBe(0);
    }
  });
});

describe("serve --data: your own CSV", () => {
  it("serves it with types inferred, and export validates criteria against the inferred schema", async () => {
    const csv = 'id,Last_Name,Email,Amount,Stage\r\n1,Boyle,b@x.example,100,Won\r\n2,Smith,s@x.example,2500.5,Lost\r\n3,"O\'Brien, Jr",o@x.example,,Won\r\n';
    await writeFile(join(dir.path, "contacts.csv"), csv);
    const own = startCli(["--json", "serve", "--data", "Contacts=contacts.csv"], { cwd: dir.path, env: cleanEnv(dir.path) });
    try {
      const [line] = await own.waitFor("stdout", /^\{.*"event":"listening".*\}$/m);
      const listening = JSON.parse(line) as Listening & { modules: { name: string }[] };
      expect(listening.modules).toEqual([{ name: "Contacts", source: "contacts.csv" }]);
      const run = (criteria: unknown) =>
        runCli(["export", "Contacts", "--api-domain", listening.apiDomain, "--accounts-url", listening.accountsUrl, "--poll-interval", "5", "--where", "-", "--out", "contacts.jsonl"], {
          ...options,
          input: JSON.stringify(criteria),
        });
      const ok = await run({ field: { api_name: "Amount" }, comparator: "greater_than", value: 50 });
      expect(ok.code).toBe(0);
      const records = (await readFile(join(dir.path, "contacts.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toEqual([
        { id: "1", Last_Name: "Boyle", Email: "b@x.example", Amount: 100, Stage: "Won" },
        { id: "2", Last_Name: "Smith", Email: "s@x.example", Amount: 2500.5, Stage: "Lost" },
      ]);
      const bad = await run({ field: { api_name: "Amount" }, comparator: "contains", value: "5" });
      expect(bad.code).toBe(1);
      expect(lines(bad.stderr)).toEqual([expect.stringMatching(/Amount \(double\) does not support contains.*\[FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE at \$\.comparator\]$/)]);
    } finally {
      own.kill("SIGTERM");
      expect((await own.exited).code).toBe(0);
    }
  });

  it("a missing --data file fails at start, in one line", async () => {
    const result = await runCli(["serve", "--data", "Leads=missing.csv"], { cwd: dir.path, env: cleanEnv(dir.path) });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(["error: Cannot read missing.csv (--data Leads): no such file [FILE_NOT_READABLE]"]);
  });
});

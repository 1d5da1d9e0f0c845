import { runInNewContext } from "node:vm";
import { build, type Rolldown } from "vite";
import { beforeAll, expect, it } from "vitest";

// The core is embedded in other libraries and in documentation playgrounds that run in a
// browser. Bundle it as a browser build would (no Node built-ins resolvable), then run the
// bundle in a fresh JavaScript realm that has only the language's own globals: no process,
// no require, no Buffer, no fetch.
let code = "";

beforeAll(async () => {
  const output = (await build({
    logLevel: "silent",
    configFile: false,
    build: {
      write: false,
      minify: true,
      lib: { entry: "src/index.ts", formats: ["iife"], name: "ZohoBulkRead", fileName: "core" },
    },
  })) as Rolldown.RolldownOutput[];
  const chunk = output[0]!.output.find((o) => o.type === "chunk");
  code = (chunk as { code: string }).code;
}, 60_000);

it("bundles for the browser into a small file", () => {
  expect(code.length).toBeGreaterThan(1000);
  // 43 KiB minified (ts-pattern, date-fns parseISO/formatISO, @date-fns/tz): a regression
  // past 50 KiB is worth a look before it ships to every playground.
  expect(code.length).toBeLessThan(50 * 1024);
  expect(code).not.toMatch(/\brequire\(|node:/);
});

it("builds, compiles and parses criteria in a realm without Node", () => {
  const sandbox: Record<string, unknown> = {};
  runInNewContext(
    `${code}
    const { defineModule, picklist, bulkRead, parseCriteria, formatCriteria, CriteriaError } = ZohoBulkRead;
    const Leads = defineModule("Leads", { Last_Name: "text", Amount: "currency", Created_Time: "datetime", Stage: picklist(["New", "Won"]) });
    const c = Leads.where("Amount").between(10, 20).and(Leads.where("Stage").eq("Won"), Leads.where("Created_Time").gte(new Date(Date.UTC(2024, 0, 1))));
    result.body = JSON.stringify(bulkRead(Leads, { timeZone: "Asia/Kolkata" }).select("Last_Name").where(c));
    result.text = formatCriteria(parseCriteria(JSON.parse(JSON.stringify(c)), Leads));
    try { Leads.where("Stage").eq("Lost"); } catch (e) { result.error = e instanceof CriteriaError ? e.code : String(e); }
    result.noNode = typeof process === "undefined" && typeof require === "undefined" && typeof Buffer === "undefined";`,
    { result: sandbox },
  );
  expect(sandbox.noNode).toBe(true);
  expect(JSON.parse(sandbox.body as string)).toEqual({
    query: {
      module: { api_name: "Leads" },
      fields: ["Last_Name"],
      criteria: {
        group_operator: "and",
        group: [
          { field: { api_name: "Amount" }, comparator: "greater_equal", value: 10 },
          { field: { api_name: "Amount" }, comparator: "less_equal", value: 20 },
          { field: { api_name: "Stage" }, comparator: "equal", value: "Won" },
          { field: { api_name: "Created_Time" }, comparator: "greater_equal", value: "2024-01-01T05:30:00+05:30" },
        ],
      },
    },
  });
  expect(sandbox.text).toBe('Amount >= 10 and Amount <= 20 and Stage = "Won" and Created_Time >= "2024-01-01T00:00:00+00:00"');
  expect(sandbox.error).toBe("VALUE_IN_CRITERIA_NOT_SUPPORTED");
});

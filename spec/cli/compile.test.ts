// `compile`: criteria JSON in, validated and normalised JSON out; a problem is one line with
// the code and the JSON path, exit 1.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lines, runCli, useWorkspace } from "./helpers.js";

/** Zoho's fields metadata of a small Leads module, as GET /crm/v8/settings/fields returns it (trimmed). */
const FIELDS = {
  fields: [
    { api_name: "Last_Name", data_type: "text", json_type: "string", lookup: {}, pick_list_values: [] },
    { api_name: "Email", data_type: "email", json_type: "string", lookup: {}, pick_list_values: [] },
    { api_name: "Annual_Revenue", data_type: "currency", json_type: "double", lookup: {}, pick_list_values: [] },
    { api_name: "Created_Time", data_type: "datetime", json_type: "string", lookup: {}, pick_list_values: [] },
    { api_name: "Email_Opt_Out", data_type: "boolean", json_type: "boolean", lookup: {}, pick_list_values: [] },
    {
      api_name: "Lead_Status",
      data_type: "picklist",
      json_type: "string",
      lookup: {},
      pick_list_values: [
        { display_value: "New", actual_value: "New" },
        { display_value: "Contacted", actual_value: "Contacted" },
      ],
    },
    { api_name: "Owner", data_type: "ownerlookup", json_type: "jsonobject", lookup: { module: { api_name: "users" } }, pick_list_values: [] },
    { api_name: "Photo", data_type: "imageupload", json_type: "jsonarray", lookup: {}, pick_list_values: [] },
  ],
};

const GOOD = {
  group_operator: "and",
  group: [
    { field: { api_name: "Lead_Status" }, comparator: "in", value: ["New", "Contacted"] },
    { field: { api_name: "Annual_Revenue" }, comparator: "greater_equal", value: 10000 },
    { api_name: "Created_Time", comparator: "between", value: ["2024-01-01T00:00:00Z", "2024-06-30T23:59:59+05:30"] },
  ],
};

const NORMALISED = {
  group_operator: "and",
  group: [
    { field: { api_name: "Lead_Status" }, comparator: "in", value: ["New", "Contacted"] },
    { field: { api_name: "Annual_Revenue" }, comparator: "greater_equal", value: 10000 },
    { field: { api_name: "Created_Time" }, comparator: "between", value: ["2024-01-01T00:00:00+00:00", "2024-06-30T23:59:59+05:30"] },
  ],
};

const dir = useWorkspace();
const schema = (): string => join(dir.path, "Leads.fields.json");

beforeAll(async () => {
  await writeFile(schema(), JSON.stringify(FIELDS));
  await writeFile(join(dir.path, "good.json"), JSON.stringify(GOOD));
});

const compile = (args: string[], input?: string) => runCli(["compile", "--module", "Leads", "--schema", schema(), ...args], input === undefined ? dir.options : { ...dir.options, input });

describe("compile", () => {
  it("prints the validated, normalised criteria (v2 api_name read, Z written +00:00)", async () => {
    const result = await compile(["good.json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(NORMALISED);
  });

  it("reads stdin when no file is given", async () => {
    const result = await compile([], JSON.stringify(GOOD));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(NORMALISED);
  });

  it("--v2 writes the flat api_name shape", async () => {
    const result = await compile(["--v2", "-"], JSON.stringify({ field: { api_name: "Email" }, comparator: "ends_with", value: "@zylker.com" }));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ api_name: "Email", comparator: "ends_with", value: "@zylker.com" });
  });

  it("--json prints one object: the criteria and their one-line form", async () => {
    const result = await runCli(["--json", "compile", "-m", "Leads", "-s", schema(), "good.json"], dir.options);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(1);
    const body = JSON.parse(result.stdout) as { ok: boolean; criteria: unknown; text: string };
    expect(body.ok).toBe(true);
    expect(body.criteria).toEqual(NORMALISED);
    expect(body.text).toContain('Lead_Status in ["New", "Contacted"] and Annual_Revenue >= 10000');
  });
});

describe("compile: malformed criteria print ONE line naming the JSON path and the problem (exit 1)", () => {
  const cases: [string, unknown, RegExp][] = [
    [
      "a comparator the field's type does not allow",
      { group_operator: "and", group: [GOOD.group[0], { field: { api_name: "Annual_Revenue" }, comparator: "contains", value: "1" }] },
      /^error: Annual_Revenue \(currency\) does not support contains; allowed: equal, .* \[FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE at \$\.group\[1\]\.comparator\]$/,
    ],
    ["an unknown field, with a suggestion", { field: { api_name: "Lead_Stat" }, comparator: "equal", value: "New" }, /did you mean "Lead_Status"\?.*\[FIELD_IN_CRITERIA_NOT_AVAILABLE at \$\.field\.api_name\]$/],
    ["a value not in the picklist", { field: { api_name: "Lead_Status" }, comparator: "equal", value: "Won" }, /"Won".*\[VALUE_IN_CRITERIA_NOT_SUPPORTED at \$\.value\]$/],
    ["a group operator in capitals", { group_operator: "AND", group: [GOOD.group[0], GOOD.group[1]] }, /write it in lower case, "and".*\[GROUP_OPERATOR_NOT_SUPPORTED at \$\.group_operator\]$/],
    ["a field criteria cannot use", { field: { api_name: "Photo" }, comparator: "equal", value: "x" }, /Photo \(imageupload\) cannot be used in criteria.*\[FIELD_IN_CRITERIA_NOT_SUPPORTED at \$\.field\.api_name\]$/],
    ["a datetime without an offset", { field: { api_name: "Created_Time" }, comparator: "greater_than", value: "2024-01-01T00:00:00" }, /\[VALUE_IN_CRITERIA_NOT_SUPPORTED at \$\.value\]$/],
  ];

  it.each(cases)("%s", async (_name, criteria, message) => {
    const result = await compile([], JSON.stringify(criteria));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("text that is not JSON", async () => {
    const result = await compile([], '{"field": {"api_name": "Email"');
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: Criteria are not valid JSON: .* \[INVALID_CRITERIA at \$\]$/)]);
  });

  it("with --json: the code, the path and the allowed comparators", async () => {
    const criteria = { field: { api_name: "Email_Opt_Out" }, comparator: "not_equal", value: true };
    const result = await runCli(["--json", "compile", "-m", "Leads", "-s", schema()], { ...dir.options, input: JSON.stringify(criteria) });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: {
        code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
        message: expect.stringContaining("Email_Opt_Out (boolean) does not support not_equal"),
        path: "$.comparator",
        field: "Email_Opt_Out",
        allowed: ["equal"],
      },
    });
  });

  it("a schema file that is not fields metadata names its path", async () => {
    await writeFile(join(dir.path, "bad-schema.json"), JSON.stringify({ fields: [{ api_name: "X" }] }));
    const result = await runCli(["compile", "-m", "Leads", "-s", "bad-schema.json", "good.json"], dir.options);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/\[INVALID_SCHEMA at \$\.fields\[0\]\]$/)]);
  });

  it("a missing file is one line too", async () => {
    const result = await compile(["nope.json"]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(['error: Cannot read the criteria "nope.json": no such file [FILE_NOT_READABLE]']);
  });
});

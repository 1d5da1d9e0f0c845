import { describe, expect, it } from "vitest";
import { CriteriaError, parseCriteria, toBulkReadCriteria } from "../../src/index.js";
import { Leads } from "../fixtures/leads.js";

const leaf = (name: string, comparator: string, value: unknown) => ({ field: { api_name: name }, comparator, value });
const parse = (json: unknown) => parseCriteria(json, Leads);
const fails = (json: unknown, code: string, path: string) => {
  let error: unknown;
  try {
    parse(json);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CriteriaError);
  expect(error).toMatchObject({ code, path });
  return error as CriteriaError;
};

describe("parseCriteria accepts", () => {
  it("the v2.1+ shape and the v2 shape, to the same criteria", () => {
    const v8 = { group_operator: "or", group: [leaf("Last_Name", "equal", "A"), leaf("Owner.last_name", "starts_with", "B")] };
    const v2 = { group_operator: "or", group: [{ api_name: "Last_Name", comparator: "equal", value: "A" }, { api_name: "Owner.last_name", comparator: "starts_with", value: "B" }] };
    expect(parse(v8).toJSON()).toEqual(v8);
    expect(parse(v2).toJSON()).toEqual(v8);
    expect(toBulkReadCriteria(parse(v8), { version: "v2" })).toEqual(v2);
  });

  it("a JSON string", () => {
    expect(parse(JSON.stringify(leaf("Email", "contains", "@x"))).toJSON()).toEqual(leaf("Email", "contains", "@x"));
  });

  it("Zoho's job-details echo (field ids and the SDK's type key)", () => {
    const echo = { group_operator: "and", group: [{ type: "value", field: { id: "4150868000000002595", api_name: "Last_Name" }, comparator: "equal", value: "Patricia" }, leaf("Email_Opt_Out", "equal", false)] };
    expect(parse(echo).toJSON()).toEqual({ group_operator: "and", group: [leaf("Last_Name", "equal", "Patricia"), leaf("Email_Opt_Out", "equal", false)] });
  });

  it("a group of one, normalised to its member", () => {
    expect(parse({ group_operator: "and", group: [leaf("Last_Name", "equal", "A")] }).toJSON()).toEqual(leaf("Last_Name", "equal", "A"));
  });

  it("nested groups with the same operator, flattened", () => {
    const json = { group_operator: "and", group: [leaf("Last_Name", "equal", "A"), { group_operator: "and", group: [leaf("Company", "equal", "B"), leaf("Email", "equal", "c")] }] };
    expect(parse(json).toJSON()).toEqual({ group_operator: "and", group: [leaf("Last_Name", "equal", "A"), leaf("Company", "equal", "B"), leaf("Email", "equal", "c")] });
  });

  it("numbers sent as numeric strings, as Zoho's own examples do", () => {
    expect(parse(leaf("Annual_Revenue", "greater_than", "40000")).toJSON()).toEqual(leaf("Annual_Revenue", "greater_than", 40000));
  });

  it("${EMPTY} with equal and not_equal", () => {
    expect(parse(leaf("Email", "equal", "${EMPTY}")).toString()).toBe("Email is empty");
    expect(parse(leaf("Owner", "not_equal", "${EMPTY}")).toString()).toBe("Owner is not empty");
  });
});

describe("parseCriteria refuses, with the JSON path", () => {
  it("an unknown field, suggesting the closest", () => {
    const e = fails({ group_operator: "and", group: [leaf("Last_Name", "equal", "A"), leaf("Emial", "equal", "x")] }, "FIELD_IN_CRITERIA_NOT_AVAILABLE", "$.group[1].field.api_name");
    expect(e.message).toContain('did you mean "Email"');
    fails({ api_name: "Owner.nope", comparator: "equal", value: "x" }, "FIELD_IN_CRITERIA_NOT_AVAILABLE", "$.api_name");
  });

  it("a comparator the field's type does not allow, listing the allowed ones", () => {
    const e = fails(leaf("Email_Opt_Out", "greater_than", true), "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", "$.comparator");
    expect(e.allowed).toEqual(["equal"]);
    fails(leaf("Annual_Revenue", "between", [1, 2]), "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", "$.comparator");
  });

  it("an unknown comparator", () => {
    fails(leaf("Email", "like", "x"), "INVALID_CRITERIA", "$.comparator");
    fails({ field: { api_name: "Email" }, value: "x" }, "INVALID_CRITERIA", "$.comparator");
  });

  it("a field criteria cannot use", () => {
    fails(leaf("Photo", "equal", "x"), "FIELD_IN_CRITERIA_NOT_SUPPORTED", "$.field.api_name");
  });

  it("values of the wrong type", () => {
    fails(leaf("Annual_Revenue", "equal", "lots"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Email_Opt_Out", "equal", "true"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Owner", "in", "123"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Owner", "in", []), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Created_Time", "between", ["2024-01-01T00:00:00Z"]), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Created_Time", "equal", ["2024-01-01T00:00:00Z"]), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Owner", "in", ["1", { id: "2" }]), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value[1]");
    fails(leaf("Owner", "equal", 4876876000000225013), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Lead_Status", "equal", "Lost"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Email", "contains", "${EMPTY}"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails(leaf("Email_Opt_Out", "equal", "${EMPTY}"), "VALUE_IN_CRITERIA_NOT_SUPPORTED", "$.value");
    fails({ field: { api_name: "Email" }, comparator: "equal" }, "INVALID_CRITERIA", "$.value");
  });

  it("object-valued lists, as the official Node SDK sends them", () => {
    const e = fails(leaf("Owner", "in", { 0: "1", 1: "2" }), "INVALID_CRITERIA", "$.value");
    expect(e.message).toContain("JSON array");
    fails({ group_operator: "and", group: { 0: leaf("Email", "equal", "a"), 1: leaf("Email", "equal", "b") } }, "INVALID_CRITERIA", "$.group");
  });

  it("both group and condition keys in one object", () => {
    fails({ group_operator: "and", group: [leaf("Email", "equal", "a")], field: { api_name: "Email" } }, "AMBIGUOUS_CRITERIA", "$");
  });

  it("group operators other than and / or, with a hint for upper case", () => {
    const e = fails({ group_operator: "AND", group: [leaf("Email", "equal", "a"), leaf("Email", "equal", "b")] }, "GROUP_OPERATOR_NOT_SUPPORTED", "$.group_operator");
    expect(e.message).toContain('"and"');
    fails({ group_operator: "xor", group: [leaf("Email", "equal", "a")] }, "GROUP_OPERATOR_NOT_SUPPORTED", "$.group_operator");
    fails({ group: [leaf("Email", "equal", "a")] }, "INVALID_CRITERIA", "$.group_operator");
  });

  it("malformed structure", () => {
    fails(null, "INVALID_CRITERIA", "$");
    fails([], "INVALID_CRITERIA", "$");
    fails(42, "INVALID_CRITERIA", "$");
    fails({}, "INVALID_CRITERIA", "$");
    fails("{not json", "INVALID_CRITERIA", "$");
    fails({ group_operator: "and", group: [] }, "INVALID_CRITERIA", "$.group");
    fails({ group_operator: "and", group: [leaf("Email", "equal", "a"), "x"] }, "INVALID_CRITERIA", "$.group[1]");
    fails({ field: "Email", comparator: "equal", value: "a" }, "INVALID_CRITERIA", "$.field");
    fails({ field: { api_name: "Email" }, api_name: "Email", comparator: "equal", value: "a" }, "INVALID_CRITERIA", "$");
    fails({ field: { api_name: "Email" }, comparater: "equal", value: "a" }, "INVALID_CRITERIA", "$.comparater");
  });

  it("more than 25 conditions, without walking the rest", () => {
    const group = Array.from({ length: 100_000 }, () => leaf("Email", "equal", "a"));
    fails({ group_operator: "or", group }, "CRITERIA_LIMIT_EXCEEDED", "$.group[25]");
  });

  it("nesting deeper than any valid criteria", () => {
    let deep: unknown = leaf("Email", "equal", "a");
    for (let i = 0; i < 10_000; i++) deep = { group_operator: i % 2 ? "and" : "or", group: [deep] };
    fails(deep, "INVALID_CRITERIA", `$${".group[0]".repeat(24)}`);
  });

  it("accepts the deepest valid criteria (24 nested groups)", () => {
    let deep: unknown = leaf("Email", "equal", "a");
    for (let i = 0; i < 24; i++) deep = { group_operator: i % 2 ? "and" : "or", group: [leaf("Email", "equal", `x${i}`), deep] };
    expect(parse(deep).node).toBeDefined();
  });

  it("never crashes on hostile input", () => {
    const hostile = [
      { __proto__: { field: { api_name: "Email" } } },
      { field: { api_name: { toString: 1 } }, comparator: "equal", value: "a" },
      { field: { api_name: "constructor" }, comparator: "equal", value: "a" },
      { field: { api_name: "__proto__" }, comparator: "equal", value: "a" },
      { field: { api_name: "Email" }, comparator: "toString", value: "a" },
      { group_operator: "and", group: [null, undefined] },
      { field: { api_name: "Created_Time" }, comparator: "equal", value: { getTime: 1 } },
    ];
    for (const input of hostile) expect(() => parse(input)).toThrow(CriteriaError);
  });
});

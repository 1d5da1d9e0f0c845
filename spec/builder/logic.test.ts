import { describe, expect, it } from "vitest";
import { and, not, or, toBulkReadCriteria, bulkRead, type Criteria } from "../../src/index.js";
import { Contacts, Leads } from "../fixtures/leads.js";

const { where } = Leads;
const a = where("Last_Name").eq("A");
const b = where("Company").eq("B");
const c = where("Email").eq("c@x.io");
const cond = (name: string, comparator: string, value: unknown) => ({ field: { api_name: name }, comparator, value });

describe("and / or", () => {
  it("flattens groups with the same operator", () => {
    expect(a.and(b).and(c).toJSON()).toEqual({ group_operator: "and", group: [cond("Last_Name", "equal", "A"), cond("Company", "equal", "B"), cond("Email", "equal", "c@x.io")] });
    expect(and(a, and(b, c)).toJSON()).toEqual(a.and(b, c).toJSON());
  });

  it("keeps groups with another operator nested", () => {
    expect(a.and(b).or(c).toJSON()).toEqual({
      group_operator: "or",
      group: [{ group_operator: "and", group: [cond("Last_Name", "equal", "A"), cond("Company", "equal", "B")] }, cond("Email", "equal", "c@x.io")],
    });
  });

  it("writes a group of one as its only condition", () => {
    expect(and(a).toJSON()).toEqual(cond("Last_Name", "equal", "A"));
    expect(or(undefined, a, false).toJSON()).toEqual(cond("Last_Name", "equal", "A"));
  });

  it("drops undefined, null and false (dynamic filters)", () => {
    const name: string | undefined = undefined;
    const filter = and(name && where("Last_Name").eq(name), null, false, b);
    expect(filter.toJSON()).toEqual(cond("Company", "equal", "B"));
    expect(a.and(undefined, null, false).toJSON()).toEqual(a.toJSON());
  });

  it("gives the empty criteria when nothing is left", () => {
    const empty = and(undefined, null, false);
    expect(empty.node).toBeUndefined();
    expect(toBulkReadCriteria(empty)).toBeUndefined();
    expect(JSON.stringify({ criteria: empty })).toBe("{}");
    expect(bulkRead(Leads).where(empty).toJSON()).toEqual({ query: { module: { api_name: "Leads" } } });
    expect(empty.and(a).toJSON()).toEqual(a.toJSON());
    expect(String(empty)).toBe("(no criteria: every record)");
  });

  it("shares sub-criteria safely: every call returns new criteria", () => {
    const base = a.and(b);
    const one = base.and(c);
    const two = base.or(c);
    expect(base.toJSON()).toEqual({ group_operator: "and", group: [cond("Last_Name", "equal", "A"), cond("Company", "equal", "B")] });
    expect(one).not.toBe(two);
    expect(Object.isFrozen(base.node)).toBe(true);
    expect(base.node?.kind === "group" && Object.isFrozen(base.node.children)).toBe(true);
  });

  it("refuses criteria of another module at run time", () => {
    const other = Contacts.where("Last_Name").eq("x") as unknown as Criteria<"Leads">;
    expect(() => a.and(other)).toThrow(expect.objectContaining({ code: "MODULE_MISMATCH" }));
    expect(() => bulkRead(Leads).where(other)).toThrow(expect.objectContaining({ code: "MODULE_MISMATCH" }));
  });

  it("refuses things that are not criteria", () => {
    expect(() => and({} as never)).toThrow(expect.objectContaining({ code: "INVALID_CRITERIA" }));
  });
});

describe("not", () => {
  it.each([
    [where("Last_Name").eq("A"), cond("Last_Name", "not_equal", "A")],
    [where("Last_Name").in(["A", "B"]), cond("Last_Name", "not_in", ["A", "B"])],
    [where("Annual_Revenue").gt(5), cond("Annual_Revenue", "less_equal", 5)],
    [where("Annual_Revenue").gte(5), cond("Annual_Revenue", "less_than", 5)],
    [where("Annual_Revenue").lt(5), cond("Annual_Revenue", "greater_equal", 5)],
    [where("Annual_Revenue").lte(5), cond("Annual_Revenue", "greater_than", 5)],
    [where("Follow_Up_Date").between("2024-01-01", "2024-01-31"), cond("Follow_Up_Date", "not_between", ["2024-01-01", "2024-01-31"])],
    [where("Follow_Up_Date").notBetween("2024-01-01", "2024-01-31"), cond("Follow_Up_Date", "between", ["2024-01-01", "2024-01-31"])],
    [where("Last_Name").contains("A"), cond("Last_Name", "not_contains", "A")],
    [where("Last_Name").notContains("A"), cond("Last_Name", "contains", "A")],
    [where("Email").isEmpty(), cond("Email", "not_equal", "${EMPTY}")],
    [where("Email").isNotEmpty(), cond("Email", "equal", "${EMPTY}")],
    [where("Email_Opt_Out").eq(true), cond("Email_Opt_Out", "equal", false)],
    [where("Email_Opt_Out").eq(false), cond("Email_Opt_Out", "equal", true)],
  ])("negates %s", (criteria, expected) => {
    expect(not(criteria).toJSON()).toEqual(expected);
    expect(not(not(criteria)).toJSON()).toEqual(criteria.toJSON());
  });

  it("turns a number between into its complement", () => {
    expect(not(where("Annual_Revenue").between(1, 5)).toJSON()).toEqual(where("Annual_Revenue").notBetween(1, 5).toJSON());
    expect(where("Annual_Revenue").notBetween(1, 5).toJSON()).toEqual({
      group_operator: "or",
      group: [cond("Annual_Revenue", "less_than", 1), cond("Annual_Revenue", "greater_than", 5)],
    });
  });

  it("applies De Morgan to groups", () => {
    expect(not(a.and(b.or(c))).toJSON()).toEqual({
      group_operator: "or",
      group: [cond("Last_Name", "not_equal", "A"), { group_operator: "and", group: [cond("Company", "not_equal", "B"), cond("Email", "not_equal", "c@x.io")] }],
    });
  });

  it.each([
    ["startsWith", where("Last_Name").startsWith("A")],
    ["endsWith", where("Last_Name").endsWith("A")],
  ])("refuses %s, which Zoho cannot negate", (_name, criteria) => {
    expect(() => not(criteria)).toThrow(expect.objectContaining({ code: "NEGATION_NOT_SUPPORTED", field: "Last_Name", path: "$.comparator" }));
  });

  it("names the path of the condition it cannot negate", () => {
    expect(() => not(a.and(where("Last_Name").startsWith("x")))).toThrow(expect.objectContaining({ path: "$.group[1].comparator" }));
  });

  it("refuses the empty criteria", () => {
    expect(() => not(and())).toThrow(expect.objectContaining({ code: "INVALID_CRITERIA" }));
  });
});

describe("limits", () => {
  const many = (n: number) => and(...Array.from({ length: n }, (_, i) => where("No_of_Employees").eq(i)));

  it("accepts 25 conditions and refuses 26 before anything is sent", () => {
    expect(() => toBulkReadCriteria(many(25))).not.toThrow();
    expect(() => toBulkReadCriteria(many(26))).toThrow(expect.objectContaining({ code: "CRITERIA_LIMIT_EXCEEDED", path: "$" }));
    expect(() => bulkRead(Leads).where(many(26))).toThrow(expect.objectContaining({ code: "CRITERIA_LIMIT_EXCEEDED", path: "$.query.criteria" }));
  });

  it("counts conditions after desugaring (a number between is two)", () => {
    const withBetween = and(many(24), where("Annual_Revenue").between(1, 2));
    expect(() => toBulkReadCriteria(withBetween)).toThrow(expect.objectContaining({ code: "CRITERIA_LIMIT_EXCEEDED" }));
  });

  it("counts conditions joined by two where() calls", () => {
    expect(() => bulkRead(Leads).where(many(13)).where(many(13))).toThrow(expect.objectContaining({ code: "CRITERIA_LIMIT_EXCEEDED" }));
  });
});

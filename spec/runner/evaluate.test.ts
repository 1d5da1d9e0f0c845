import { describe, expect, it } from "vitest";
import {
  COMPARATORS_BY_TYPE,
  DATA_TYPES,
  EMPTY,
  VALUE_KIND_BY_TYPE,
  defineModule,
  multiselectpicklist,
  ownerlookup,
  parseCriteria,
  picklist,
  type Comparator,
  type ConditionNode,
  type DataType,
  type ValueKind,
} from "../../src/index.js";
import { compilePredicate, readPath } from "../../src/runner/evaluate.js";
import { isNumericText } from "../../src/runner/local/numeric-text.js";

// ---- the matrix: every data type x every comparator its row of COMPARATORS_BY_TYPE allows ----

/** Three wire values a < b < c of a kind, and how a record holds a wire value of it. */
interface Samples {
  a: unknown;
  b: unknown;
  c: unknown;
  /** The record's value for a wire value (another spelling of it, to test normalisation). */
  record: (wire: unknown) => unknown;
  /** For the text comparators: a fragment of b, at its start and at its end. */
  text?: { inside: string; start: string; end: string };
}

const TEXT: Samples = { a: "Alpha", b: "Bravo", c: "Charlie", record: (v) => String(v).toUpperCase(), text: { inside: "rav", start: "BR", end: "VO" } };

const SAMPLES: Record<Exclude<ValueKind, "none">, Samples> = {
  text: TEXT,
  picklist: TEXT,
  // a multi-select's record value is a selection holding the value among others
  multiselect: { ...TEXT, record: (v) => ["Zulu", String(v).toLowerCase()] },
  integer: { a: 1, b: 2, c: 3, record: (v) => v },
  number: { a: 1.5, b: 2.5, c: 3.5, record: (v) => String(v) },
  // 2^53 and 2^53 + 1 are the same JavaScript number: a bigint must not lose the last digit
  bigint: { a: "9007199254740992", b: "9007199254740993", c: "9007199254740994", record: (v) => BigInt(String(v)) },
  date: { a: "2024-01-30", b: "2024-01-31", c: "2024-02-01", record: (v) => v },
  // the same instants written in another offset
  datetime: {
    a: "2024-01-31T10:00:00+00:00",
    b: "2024-01-31T10:00:01+00:00",
    c: "2024-01-31T10:00:02+00:00",
    record: (v) => String(v).replace(/T10:(\d\d:\d\d)\+00:00$/, "T15:$1+05:00"),
  },
  boolean: { a: false, b: true, c: false, record: (v) => v },
  lookup: { a: "5545974000000393001", b: "5545974000000393002", c: "5545974000000393003", record: (v) => ({ id: v, name: "Someone" }) },
};

interface Case {
  value: unknown;
  matches: unknown[];
  misses: unknown[];
}

/** What each comparator should match, from the three samples. */
function casesFor(comparator: Comparator, s: Samples, kind: ValueKind): Case[] {
  const r = s.record;
  const t = s.text ?? { inside: "", start: "", end: "" };
  const table: Record<Comparator, Case[]> = {
    equal: kind === "boolean" ? [{ value: true, matches: [true], misses: [false, "true", null] }] : [{ value: s.b, matches: [r(s.b)], misses: [r(s.a), null] }],
    not_equal: [{ value: s.b, matches: [r(s.a), null], misses: [r(s.b)] }],
    in: [{ value: [s.a, s.c], matches: [r(s.a), r(s.c)], misses: [r(s.b), null] }],
    not_in: [{ value: [s.a, s.c], matches: [r(s.b), null], misses: [r(s.a), r(s.c)] }],
    less_than: [{ value: s.b, matches: [r(s.a)], misses: [r(s.b), r(s.c), null] }],
    less_equal: [{ value: s.b, matches: [r(s.a), r(s.b)], misses: [r(s.c), null] }],
    greater_than: [{ value: s.b, matches: [r(s.c)], misses: [r(s.a), r(s.b), null] }],
    greater_equal: [{ value: s.b, matches: [r(s.b), r(s.c)], misses: [r(s.a), null] }],
    // inclusive on both ends
    between: [{ value: [s.a, s.b], matches: [r(s.a), r(s.b)], misses: [r(s.c), null] }],
    not_between: [{ value: [s.a, s.b], matches: [r(s.c), null], misses: [r(s.a), r(s.b)] }],
    contains: [{ value: t.inside, matches: [r(s.b)], misses: [r(s.a), null] }],
    not_contains: [{ value: t.inside, matches: [r(s.a), null], misses: [r(s.b)] }],
    starts_with: [{ value: t.start, matches: [r(s.b)], misses: [r(s.a), null] }],
    ends_with: [{ value: t.end, matches: [r(s.b)], misses: [r(s.a), null] }],
  };
  const cases = table[comparator];
  // ${EMPTY} on every type whose row offers it (all but Boolean)
  if (comparator === "equal" && kind !== "boolean") cases.push({ value: EMPTY, matches: [null, undefined, "", []], misses: [r(s.a)] });
  if (comparator === "not_equal") cases.push({ value: EMPTY, matches: [r(s.a)], misses: [null, undefined, "", []] });
  return cases;
}

const fieldInputs = Object.fromEntries(
  DATA_TYPES.filter((type) => COMPARATORS_BY_TYPE[type].length > 0).map((type) => [
    type,
    type === "picklist" ? picklist(["Alpha", "Bravo", "Charlie"]) : type === "multiselectpicklist" ? multiselectpicklist(["Alpha", "Bravo", "Charlie"]) : type,
  ]),
);
const Everything = defineModule("Everything", fieldInputs as Record<string, DataType>);

const show = (v: unknown) => (typeof v === "bigint" ? `${v}n` : JSON.stringify(v));

const matrix = DATA_TYPES.flatMap((type) =>
  (COMPARATORS_BY_TYPE[type] as readonly Comparator[]).map((comparator) => ({ type, comparator, kind: VALUE_KIND_BY_TYPE[type] })),
);

describe("evaluator matrix (generated from COMPARATORS_BY_TYPE)", () => {
  it("covers every allowed (data type, comparator) pair", () => {
    const expected = Object.values(COMPARATORS_BY_TYPE).reduce((n, row) => n + row.length, 0);
    expect(matrix).toHaveLength(expected);
    expect(new Set(matrix.map((m) => m.type)).size).toBe(DATA_TYPES.filter((t) => COMPARATORS_BY_TYPE[t].length > 0).length);
  });

  it.each(matrix)("$type $comparator", ({ type, comparator, kind }) => {
    const cases = casesFor(comparator, SAMPLES[kind as Exclude<ValueKind, "none">], kind);
    for (const { value, matches, misses } of cases) {
      const node = parseCriteria({ field: { api_name: type }, comparator, value }, Everything).node;
      const predicate = compilePredicate(node);
      for (const recordValue of matches) expect(predicate({ [type]: recordValue }), `${show(value)} should match ${show(recordValue)}`).toBe(true);
      for (const recordValue of misses) expect(predicate({ [type]: recordValue }), `${show(value)} should not match ${show(recordValue)}`).toBe(false);
      // a missing key is like null
      expect(predicate({})).toBe(matches.includes(null));
    }
  });

  it("refuses a comparator the table does not allow for the type", () => {
    const node: ConditionNode = { kind: "condition", field: "Amount", type: "currency", comparator: "contains", value: "1" };
    expect(() => compilePredicate(node)).toThrow(/does not support contains/);
    const none: ConditionNode = { kind: "condition", field: "File", type: "fileupload", comparator: "equal", value: "x" };
    expect(() => compilePredicate(none)).toThrow(expect.objectContaining({ code: "FIELD_IN_CRITERIA_NOT_SUPPORTED" }));
  });

  it("refuses it with the core's checkComparator error, at the condition's JSON path", () => {
    const ok: ConditionNode = { kind: "condition", field: "Name", type: "text", comparator: "equal", value: "x" };
    const bad: ConditionNode = { kind: "condition", field: "Amount", type: "currency", comparator: "contains", value: "1" };
    const error = (() => {
      try {
        compilePredicate({ kind: "group", operator: "or", children: [ok, bad], size: 2 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", path: "$.group[1].comparator", field: "Amount", allowed: COMPARATORS_BY_TYPE.currency });
  });
});

// ---- semantics the matrix does not spell out ----

const Leads = defineModule("Leads", {
  Last_Name: "text",
  Amount: "currency",
  Owner: ownerlookup({ last_name: "text" }),
  Tags: multiselectpicklist(["Hot", "Cold", "Warm Lead"]),
  Created_Time: "datetime",
  Birthday: "date",
});
const where = (json: unknown) => compilePredicate(parseCriteria(json, Leads).node);
const cond = (field: string, comparator: Comparator, value: unknown) => ({ field: { api_name: field }, comparator, value });

describe("evaluator semantics", () => {
  it("compares text case-insensitively", () => {
    const p = where(cond("Last_Name", "equal", "boyle"));
    expect(p({ Last_Name: "BOYLE" })).toBe(true);
    expect(p({ Last_Name: "Boyles" })).toBe(false);
    expect(where(cond("Last_Name", "in", ["x", "BoYlE"]))({ Last_Name: "boyle" })).toBe(true);
  });

  it("reads Lookup.sub from the lookup object, else from a flattened key", () => {
    const p = where(cond("Owner.last_name", "starts_with", "pat"));
    expect(p({ Owner: { id: "1", last_name: "Patricia" } })).toBe(true);
    expect(p({ Owner: "1", "Owner.last_name": "Patricia" })).toBe(true);
    expect(p({ Owner: { id: "1", last_name: "Boyle" }, "Owner.last_name": "Patricia" })).toBe(false);
    expect(readPath({ Owner: { id: "1" } }, "Owner")).toEqual({ id: "1" });
  });

  it("compares lookups by id, as a string or an object", () => {
    const p = where(cond("Owner", "equal", "5545974000000393001"));
    expect(p({ Owner: "5545974000000393001" })).toBe(true);
    expect(p({ Owner: { id: "5545974000000393001", name: "P" } })).toBe(true);
    expect(p({ Owner: { id: "5545974000000393002" } })).toBe(false);
    expect(where(cond("Owner", "equal", EMPTY))({ Owner: { name: "no id" } })).toBe(true);
  });

  it("reads a multi-select given as a ;-joined string", () => {
    expect(where(cond("Tags", "equal", "Hot"))({ Tags: "Cold;Hot" })).toBe(true);
    expect(where(cond("Tags", "not_in", ["Hot", "Cold"]))({ Tags: "Warm Lead" })).toBe(true);
    expect(where(cond("Tags", "not_in", ["Hot", "Cold"]))({ Tags: "Warm Lead;Cold" })).toBe(false);
    expect(where(cond("Tags", "ends_with", "lead"))({ Tags: ["Hot", "Warm Lead"] })).toBe(true);
    expect(where(cond("Tags", "not_contains", "o"))({ Tags: ["Hot", "Warm Lead"] })).toBe(false);
  });

  it("compares datetimes as instants, to the second, across offsets and Dates", () => {
    const p = where(cond("Created_Time", "equal", "2024-03-01T10:00:00+05:30"));
    expect(p({ Created_Time: "2024-03-01T04:30:00Z" })).toBe(true);
    expect(p({ Created_Time: new Date("2024-03-01T04:30:00.900Z") })).toBe(true);
    expect(p({ Created_Time: "2024-03-01T04:30:01+00:00" })).toBe(false);
    // a string without an offset is read as UTC
    expect(p({ Created_Time: "2024-03-01T04:30:00" })).toBe(true);
  });

  it("compares dates as calendar dates; a datetime string is its date in its own offset", () => {
    const p = where(cond("Birthday", "between", ["2024-01-01", "2024-01-31"]));
    expect(p({ Birthday: "2024-01-31T23:30:00-05:00" })).toBe(true);
    expect(p({ Birthday: "2024-02-01T01:00:00+02:00" })).toBe(false);
    const utc = compilePredicate(parseCriteria(cond("Birthday", "equal", "2024-01-31"), Leads).node, { timeZone: "UTC" });
    expect(utc({ Birthday: new Date("2024-01-31T23:59:59Z") })).toBe(true);
    const tokyo = compilePredicate(parseCriteria(cond("Birthday", "equal", "2024-01-31"), Leads).node, { timeZone: "Asia/Tokyo" });
    expect(tokyo({ Birthday: new Date("2024-01-31T23:59:59Z") })).toBe(false);
  });

  it("compares a bigint held as a string without losing digits", () => {
    const Big = defineModule("Big", { Serial: "bigint" });
    const p = compilePredicate(parseCriteria(cond("Serial", "greater_than", "9007199254740992"), Big).node);
    expect(p({ Serial: "9007199254740993" })).toBe(true);
    expect(p({ Serial: 9007199254740992 })).toBe(false);
  });

  it("compares numbers numerically and reads numeric strings; unreadable values match nothing positive", () => {
    expect(where(cond("Amount", "greater_than", 9))({ Amount: "10" })).toBe(true);
    expect(where(cond("Amount", "greater_than", 9))({ Amount: "ten" })).toBe(false);
    expect(where(cond("Amount", "less_than", 9))({ Amount: "ten" })).toBe(false);
    expect(where(cond("Amount", "equal", EMPTY))({ Amount: "ten" })).toBe(false);
  });

  it("reads numeric strings by the runner's one definition of decimal text", () => {
    const gt = where(cond("Amount", "greater_than", 9));
    for (const text of ["10", " 10 ", "+10", "1e1", "1.0E1", "10.", "99.5"]) expect(gt({ Amount: text }), text).toBe(true);
    for (const text of ["0x10", "Infinity", "1,000", "10abc", "", "--10"]) expect(gt({ Amount: text }), text).toBe(false);
    expect(where(cond("Amount", "less_than", 1))({ Amount: ".5" })).toBe(true);
    for (const text of ["12", "-1.5", "+3", ".5", "1.0E7", " 7 "]) expect(isNumericText(text), text).toBe(true);
    for (const text of ["", ".", "1e", "e5", "0x10", "NaN", "1 000"]) expect(isNumericText(text), text).toBe(false);
  });

  it("never finds an unreadable record value among unreadable criteria values", () => {
    // both sides read as UNREADABLE (NaN), which equals nothing, itself included
    const node: ConditionNode = { kind: "condition", field: "Amount", type: "double", comparator: "in", value: ["ten"] };
    expect(compilePredicate(node)({ Amount: "ten" })).toBe(false);
    expect(compilePredicate({ ...node, comparator: "not_in" })({ Amount: "ten" })).toBe(true);
    expect(compilePredicate({ ...node, comparator: "equal", value: "ten" })({ Amount: "ten" })).toBe(false);
  });

  it("evaluates and / or groups and no criteria at all", () => {
    const p = where({ group_operator: "or", group: [cond("Amount", "greater_than", 100), { group_operator: "and", group: [cond("Last_Name", "equal", "a"), cond("Tags", "equal", "Hot")] }] });
    expect(p({ Amount: 101 })).toBe(true);
    expect(p({ Amount: 5, Last_Name: "A", Tags: ["Hot"] })).toBe(true);
    expect(p({ Amount: 5, Last_Name: "A", Tags: ["Cold"] })).toBe(false);
    expect(compilePredicate(undefined)({})).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { bulkRead, toBulkReadCriteria } from "../../src/index.js";
import { Leads } from "../fixtures/leads.js";

const { where } = Leads;
const valueOf = (criteria: { toJSON(): unknown }, options?: Parameters<typeof toBulkReadCriteria>[1]) =>
  (toBulkReadCriteria(criteria as never, options) as { value: unknown }).value;
const rejected = (fn: () => unknown, path = "$.value") =>
  expect(fn).toThrow(expect.objectContaining({ code: "VALUE_IN_CRITERIA_NOT_SUPPORTED", path }));

describe("datetime values", () => {
  it("keeps a string's own offset and drops milliseconds", () => {
    expect(valueOf(where("Created_Time").gt("2023-04-15T17:58:47+05:30"))).toBe("2023-04-15T17:58:47+05:30");
    expect(valueOf(where("Created_Time").gt("2023-04-15T17:58:47.123-07:00"))).toBe("2023-04-15T17:58:47-07:00");
    expect(valueOf(where("Created_Time").gt("2023-04-15T17:58:47+0530"))).toBe("2023-04-15T17:58:47+05:30");
    expect(valueOf(where("Created_Time").gt("2023-04-15T17:58+05:30"))).toBe("2023-04-15T17:58:00+05:30");
  });

  it("reads Z as +00:00", () => {
    expect(valueOf(where("Created_Time").gt("2023-04-15T17:58:47.999Z"))).toBe("2023-04-15T17:58:47+00:00");
  });

  it("writes a Date in UTC, without milliseconds", () => {
    expect(valueOf(where("Created_Time").gt(new Date("2024-06-30T18:29:59.999Z")))).toBe("2024-06-30T18:29:59+00:00");
  });

  it("writes a Date in the time zone asked for", () => {
    const c = where("Created_Time").gt(new Date("2024-06-30T18:30:00Z"));
    expect(valueOf(c, { timeZone: "Asia/Kolkata" })).toBe("2024-07-01T00:00:00+05:30");
    expect(valueOf(c, { timeZone: "America/New_York" })).toBe("2024-06-30T14:30:00-04:00");
    const body = bulkRead(Leads, { timeZone: "Asia/Kolkata" }).where(c).toJSON();
    expect((body.query.criteria as { value: unknown }).value).toBe("2024-07-01T00:00:00+05:30");
  });

  it("refuses a string without an offset, an impossible date and an invalid Date", () => {
    rejected(() => where("Created_Time").gt("2023-04-15T17:58:47"));
    rejected(() => where("Created_Time").gt("2023-02-29T10:00:00+00:00"));
    rejected(() => where("Created_Time").gt("2023-04-15T25:00:00+00:00"));
    rejected(() => where("Created_Time").gt(new Date("nope")));
    rejected(() => where("Created_Time").gt("yesterday"));
  });

  it("refuses a misspelt time zone", () => {
    expect(() => toBulkReadCriteria(where("Created_Time").gt(new Date()), { timeZone: "Asia/Kolkatta" })).toThrow(
      expect.objectContaining({ code: "VALUE_IN_CRITERIA_NOT_SUPPORTED", path: "$.timeZone" }),
    );
    expect(() => bulkRead(Leads, { timeZone: "Mars/Olympus" })).toThrow(expect.objectContaining({ path: "$.timeZone" }));
  });

  it("refuses bounds in the wrong order, comparing instants across offsets", () => {
    rejected(() => where("Created_Time").between("2024-01-02T00:00:00+00:00", "2024-01-01T00:00:00+00:00"));
    expect(() => where("Created_Time").between("2024-01-01T05:00:00+05:30", "2024-01-01T00:00:00+00:00")).not.toThrow();
  });
});

describe("date values", () => {
  it("takes yyyy-MM-dd and checks the calendar", () => {
    expect(valueOf(where("Follow_Up_Date").eq("2024-02-29"))).toBe("2024-02-29");
    rejected(() => where("Follow_Up_Date").eq("2023-02-29"));
    rejected(() => where("Follow_Up_Date").eq("2023-13-01"));
    rejected(() => where("Follow_Up_Date").eq("2023-00-10"));
    rejected(() => where("Follow_Up_Date").eq("2024-04-31"));
    rejected(() => where("Follow_Up_Date").eq("2024-02-30"));
    rejected(() => where("Follow_Up_Date").eq("2024-01-00"));
    for (const day of ["2024-04-30", "2024-01-31", "2024-12-31", "2023-02-28"]) expect(valueOf(where("Follow_Up_Date").eq(day))).toBe(day);
    rejected(() => where("Created_Time").gt("2024-04-31T10:00:00+00:00"));
    expect(valueOf(where("Created_Time").gt("2024-04-30T10:00:00+00:00"))).toBe("2024-04-30T10:00:00+00:00");
    rejected(() => where("Follow_Up_Date").eq("01-01-2025"));
    rejected(() => where("Follow_Up_Date").eq("2024-01-01T00:00:00+00:00"));
  });

  it("writes a Date as its local calendar date, or in the given zone", () => {
    const local = new Date(2024, 0, 15, 0, 30); // local midnight: the day-early bug of the official SDK
    expect(valueOf(where("Follow_Up_Date").eq(local))).toBe("2024-01-15");
    const instant = new Date("2024-01-15T20:00:00Z");
    expect(valueOf(where("Follow_Up_Date").eq(instant), { timeZone: "Asia/Tokyo" })).toBe("2024-01-16");
    expect(valueOf(where("Follow_Up_Date").eq(instant), { timeZone: "America/Los_Angeles" })).toBe("2024-01-15");
  });
});

describe("text, picklist and number values", () => {
  it("limits text to 255 characters", () => {
    expect(() => where("Last_Name").eq("x".repeat(255))).not.toThrow();
    rejected(() => where("Last_Name").eq("x".repeat(256)));
  });

  it("takes only declared picklist values for exact comparisons, any text for contains", () => {
    rejected(() => (where("Lead_Status").eq as (v: string) => unknown)("Lost"));
    expect(() => where("Lead_Status").contains("Lo")).not.toThrow();
    const error = (() => {
      try {
        (where("Lead_Status").in as (v: string[]) => unknown)(["New", "Lost"]);
      } catch (e) {
        return e as { path: string; allowed: string[]; message: string };
      }
    })();
    expect(error?.path).toBe("$.value[1]");
    expect(error?.allowed).toEqual(["New", "Contacted", "Qualified"]);
    expect(error?.message).toContain("Lead_Status");
  });

  it("takes integers on integer fields and finite numbers on the others", () => {
    rejected(() => where("No_of_Employees").eq(1.5));
    rejected(() => where("Annual_Revenue").eq(Number.POSITIVE_INFINITY));
    rejected(() => where("Annual_Revenue").eq(Number.NaN));
    expect(valueOf(where("Annual_Revenue").eq(1.5))).toBe(1.5);
  });

  it("sends big integers and record ids as strings of at most 19 digits", () => {
    expect(valueOf(where("Big_Number").eq(9223372036854775807n))).toBe("9223372036854775807");
    expect(valueOf(where("Big_Number").eq("-42"))).toBe("-42");
    rejected(() => where("Big_Number").eq("12345678901234567890"));
    expect(valueOf(where("Owner").eq(4876876000000225013n))).toBe("4876876000000225013");
    rejected(() => where("Owner").eq("48768760000002250130"));
    rejected(() => where("Owner").eq("-1"));
    rejected(() => (where("Owner").eq as (v: unknown) => unknown)(4876876000000225013));
  });

  it("needs at least one value in in() and notIn()", () => {
    const none: string[] = [];
    rejected(() => where("Owner").in(none));
    rejected(() => where("Last_Name").notIn(none));
  });

  it("copies lists, so changing the caller's array changes nothing", () => {
    const ids = ["1", "2"];
    const c = where("Owner").in(ids);
    ids.push("3");
    expect(valueOf(c)).toEqual(["1", "2"]);
  });

  it("refuses a numeric between with its bounds reversed", () => {
    rejected(() => where("Annual_Revenue").between(5, 1));
  });

  it("writes empty checks with ${EMPTY}", () => {
    expect(toBulkReadCriteria(where("Annual_Revenue").isEmpty())).toEqual({ field: { api_name: "Annual_Revenue" }, comparator: "equal", value: "${EMPTY}" });
    expect(toBulkReadCriteria(where("Owner").isNotEmpty())).toEqual({ field: { api_name: "Owner" }, comparator: "not_equal", value: "${EMPTY}" });
  });
});

describe("error messages", () => {
  it("name the field, what was wrong and what is allowed", () => {
    expect(() => where("No_of_Employees").eq(1.5)).toThrow(/No_of_Employees \(integer\) takes an integer; got 1\.5/);
    expect(() => (where as (f: string) => unknown)("Emial")).toThrow(/Leads has no field "Emial" among its fields; did you mean "Email"\?/);
    expect(() => (where("Annual_Revenue") as unknown as { contains(v: string): unknown }).contains("1")).toThrow(
      expect.objectContaining({ code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", message: expect.stringContaining("allowed: eq, ne") }),
    );
    expect(() => (where("Photo") as unknown as { eq(v: string): unknown }).eq("x")).toThrow(expect.objectContaining({ code: "FIELD_IN_CRITERIA_NOT_SUPPORTED" }));
  });
});

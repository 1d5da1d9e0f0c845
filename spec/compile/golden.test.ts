import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMPARATORS_BY_TYPE, DATA_TYPES, parseCriteria, toBulkReadCriteria } from "../../src/index.js";
import { EveryType, kindOf, SAMPLES } from "../fixtures/samples.js";

/**
 * Golden wire JSON for every (data type, comparator) pair the table allows, in both shapes
 * (v2.1+ and v2). The cases are generated from COMPARATORS_BY_TYPE; the expected output is
 * the committed file, reviewed by hand when it changes (UPDATE_GOLDEN=1 rewrites it).
 */
const GOLDEN = new URL("../golden/bulk-read.json", import.meta.url);

function cases() {
  const out: Record<string, { input: unknown; v8: unknown; v2: unknown }> = {};
  for (const type of DATA_TYPES) {
    for (const comparator of COMPARATORS_BY_TYPE[type]) {
      const { wire } = SAMPLES[kindOf(type)];
      const pair = comparator === "in" || comparator === "not_in" || comparator === "between" || comparator === "not_between";
      const text = comparator.includes("contains") || comparator.endsWith("_with");
      const input = { field: { api_name: `f_${type}` }, comparator, value: pair ? [wire[0], wire[1]] : text ? "Zyl" : wire[0] };
      const criteria = parseCriteria(input, EveryType);
      out[`${type} ${comparator}`] = { input, v8: toBulkReadCriteria(criteria), v2: toBulkReadCriteria(criteria, { version: "v2" }) };
    }
  }
  return out;
}

describe("golden Bulk Read JSON", () => {
  const actual = cases();
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
  const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as typeof actual;

  it("covers exactly the pairs of the table", () => {
    expect(Object.keys(golden).sort()).toEqual(Object.keys(actual).sort());
  });

  it.each(Object.keys(actual))("%s", (key) => {
    expect(actual[key]).toEqual(golden[key]);
  });
});

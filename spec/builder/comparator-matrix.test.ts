import { describe, expect, it } from "vitest";
import { COMPARATORS_BY_TYPE, DATA_TYPES, METHODS, methodsFor, parseCriteria, ZOHO_COMPARATORS, type MethodName } from "../../src/index.js";
import { EveryType, kindOf, SAMPLES } from "../fixtures/samples.js";

// Generated from the one table: every data type against every builder method and every wire comparator.
const where = EveryType.where as unknown as (path: string) => Record<MethodName, (...args: unknown[]) => { toJSON(): unknown }>;

function expectedWire(type: (typeof DATA_TYPES)[number], method: MethodName): unknown {
  const { wire } = SAMPLES[kindOf(type)];
  const field = { api_name: `f_${type}` };
  const one = (comparator: string, value: unknown) => ({ field, comparator, value });
  const row: readonly string[] = COMPARATORS_BY_TYPE[type];
  switch (method) {
    case "in":
    case "notIn":
      return one(METHODS[method].needs[0], [wire[0], wire[1]]);
    case "between":
    case "notBetween": {
      const wireName = method === "between" ? "between" : "not_between";
      if (row.includes(wireName)) return one(wireName, [wire[0], wire[1]]);
      const [low, high] = METHODS[method].needs;
      return { group_operator: method === "between" ? "and" : "or", group: [one(low, wire[0]), one(high, wire[1])] };
    }
    case "contains":
    case "notContains":
    case "startsWith":
    case "endsWith":
      return one(METHODS[method].needs[0], "free text");
    case "isEmpty":
    case "isNotEmpty":
      return one(METHODS[method].needs[0], "${EMPTY}");
    default:
      return one(METHODS[method].needs[0], wire[0]);
  }
}

function call(type: (typeof DATA_TYPES)[number], method: MethodName) {
  const { good } = SAMPLES[kindOf(type)];
  const ops = where(`f_${type}`);
  if (method === "in" || method === "notIn") return ops[method]([good[0], good[1]]);
  if (method === "between" || method === "notBetween") return ops[method](good[0], good[1]);
  if (method === "contains" || method === "notContains" || method === "startsWith" || method === "endsWith") return ops[method]("free text");
  if (method === "isEmpty" || method === "isNotEmpty") return ops[method]();
  return ops[method](good[0]);
}

describe.each(DATA_TYPES)("data type %s", (type) => {
  const allowed = methodsFor(type);

  it.each(Object.keys(METHODS) as MethodName[])("method %s is offered exactly when the table allows it", (method) => {
    if (allowed.includes(method)) {
      expect(JSON.parse(JSON.stringify(call(type, method)))).toEqual(expectedWire(type, method));
    } else {
      const code = COMPARATORS_BY_TYPE[type].length === 0 ? "FIELD_IN_CRITERIA_NOT_SUPPORTED" : "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE";
      expect(() => call(type, method)).toThrow(expect.objectContaining({ code, field: `f_${type}` }));
    }
  });

  it.each([...ZOHO_COMPARATORS])("wire comparator %s parses exactly when the table allows it", (comparator) => {
    const { wire } = SAMPLES[kindOf(type)];
    const list = comparator === "in" || comparator === "not_in" || comparator === "between" || comparator === "not_between";
    const value = list ? [wire[0], wire[1]] : comparator.includes("contains") || comparator.endsWith("_with") ? "free text" : wire[0];
    const json = { field: { api_name: `f_${type}` }, comparator, value };
    const row: readonly string[] = COMPARATORS_BY_TYPE[type];
    if (row.includes(comparator)) {
      expect(JSON.parse(JSON.stringify(parseCriteria(json, EveryType)))).toEqual(json);
    } else {
      const code = row.length === 0 ? "FIELD_IN_CRITERIA_NOT_SUPPORTED" : "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE";
      expect(() => parseCriteria(json, EveryType)).toThrow(expect.objectContaining({ code }));
    }
  });

});

const COMPARABLE = DATA_TYPES.filter((type) => methodsFor(type).length > 0);

it.each(COMPARABLE)("%s rejects a value of the wrong kind", (type) => {
  const allowed = methodsFor(type);
  const method = allowed.includes("eq") ? "eq" : allowed[0]!;
  expect(() => where(`f_${type}`)[method](SAMPLES[kindOf(type)].bad)).toThrow(
    expect.objectContaining({ code: "VALUE_IN_CRITERIA_NOT_SUPPORTED", path: "$.value" }),
  );
});

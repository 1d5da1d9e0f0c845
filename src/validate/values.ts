import { EMPTY, type Scalar, type Value } from "../ast/nodes.js";
import { CriteriaError } from "../errors/criteria-error.js";
import type { Comparator } from "../schema/comparators.js";
import { acceptsEmpty, type ValueKind } from "../schema/data-types.js";
import type { FieldInfo } from "../schema/module-schema.js";
import { canonicalDateTime, instantOf, isDateOnly } from "./dates.js";
import { LIMITS } from "./limits.js";

/** How many values a comparator takes on the wire. */
const ARITY: Record<Comparator, "one" | "list" | "pair"> = {
  equal: "one",
  not_equal: "one",
  less_than: "one",
  less_equal: "one",
  greater_than: "one",
  greater_equal: "one",
  contains: "one",
  not_contains: "one",
  starts_with: "one",
  ends_with: "one",
  in: "list",
  not_in: "list",
  between: "pair",
  not_between: "pair",
};

/** Comparators that match a picklist value exactly, so the value must be a declared one. */
const EXACT = new Set<Comparator>(["equal", "not_equal", "in", "not_in"]);

const DIGITS = /^\d{1,19}$/;
const SIGNED_DIGITS = /^-?\d{1,19}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** What each kind takes, said in the words an error message needs. */
const EXPECTED: Record<ValueKind, string> = {
  text: `a string of at most ${LIMITS.textLength} characters`,
  picklist: "one of the declared picklist values",
  multiselect: "one of the declared picklist values",
  integer: "an integer",
  number: "a finite number",
  bigint: `an integer of at most ${LIMITS.bigintDigits} digits, as a string or a bigint`,
  date: "a Date or a yyyy-MM-dd string",
  datetime: "a Date or an ISO-8601 string with an offset, e.g. 2024-01-01T09:00:00+05:30",
  boolean: "true or false",
  lookup: `a record id: a string of at most ${LIMITS.bigintDigits} digits or a bigint`,
  none: "nothing: this field cannot be used in criteria",
};

function show(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return JSON.stringify(value) ?? String(value);
}

/** Error paths are built only when there is an error: values are checked on every request. */
function at(path: string, index: number | undefined): string {
  return index === undefined ? path : `${path}[${index}]`;
}

function reject(field: FieldInfo, value: unknown, path: string, why?: string): never {
  throw new CriteriaError(
    "VALUE_IN_CRITERIA_NOT_SUPPORTED",
    `${field.path} (${field.criteriaType}) takes ${EXPECTED[field.kind]}; got ${show(value)}${why ? `: ${why}` : ""}`,
    { path, field: field.path, ...(field.valueSet && { allowed: field.values }) },
  );
}

function idText(field: FieldInfo, value: unknown, path: string, index: number | undefined, pattern: RegExp): string {
  if (typeof value === "bigint") value = value.toString();
  // JSON has no bigint: a safe integer is exact and is kept; a larger number already lost digits.
  else if (typeof value === "number" && Number.isSafeInteger(value)) value = String(value);
  if (typeof value === "string" && pattern.test(value)) return value;
  return reject(field, value, at(path, index), typeof value === "number" ? "numbers this large lose digits in JavaScript; pass a string" : undefined);
}

function scalar(field: FieldInfo, comparator: Comparator, value: unknown, path: string, index?: number): Scalar {
  const fail = (why?: string): never => reject(field, value, at(path, index), why);
  switch (field.kind) {
    case "text":
    case "picklist":
    case "multiselect":
      if (typeof value !== "string") return fail();
      if (value.length > LIMITS.textLength) return fail(`${value.length} characters`);
      if (field.valueSet !== undefined && EXACT.has(comparator) && !field.valueSet.has(value)) {
        return fail(`allowed: ${field.values.map((v) => JSON.stringify(v)).join(", ")}`);
      }
      return value;
    case "integer":
    case "number": {
      const n = typeof value === "string" && DECIMAL.test(value) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) return fail();
      if (field.kind === "integer" && !Number.isInteger(n)) return fail();
      return n;
    }
    case "bigint":
      return idText(field, value, path, index, SIGNED_DIGITS);
    case "lookup":
      return idText(field, value, path, index, DIGITS);
    case "boolean":
      return typeof value === "boolean" ? value : fail();
    case "date":
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail() : value;
      return typeof value === "string" && isDateOnly(value) ? value : fail();
    case "datetime": {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail() : value;
      const text = typeof value === "string" ? canonicalDateTime(value) : undefined;
      return text ?? fail();
    }
    case "none":
      return fail();
  }
}

function listOf(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function checkOrder(field: FieldInfo, pair: readonly Scalar[], path: string): void {
  const [from, to] = pair as [Scalar, Scalar];
  // Validated dates, and datetimes written with the same offset, order as strings.
  const sameForm = typeof from === "string" && typeof to === "string" && (from.length === 10 || from.endsWith(to.slice(-6)));
  const after = typeof from === "number" ? from > (to as number) : sameForm ? from > to : instantOf(from as string | Date) > instantOf(to as string | Date);
  if (after) reject(field, pair, path, "the first bound is after the second, so nothing could match");
}

/**
 * Checks a value against its field and comparator and returns it in the AST's normal form.
 * The one place value rules live: the builder, the parser and the query builder all call it.
 */
export function normalizeValue(field: FieldInfo, comparator: Comparator, value: unknown, path: string): Value {
  if (value === EMPTY) {
    if ((comparator === "equal" || comparator === "not_equal") && acceptsEmpty(field.kind)) return EMPTY;
    return reject(field, value, path, `\${EMPTY} goes only with equal / not_equal${acceptsEmpty(field.kind) ? "" : ` and never on ${field.criteriaType}`}`);
  }
  const arity = ARITY[comparator];
  if (arity === "one") return scalar(field, comparator, value, path);
  const list = listOf(value);
  if (list === undefined) return reject(field, value, path, `${comparator} takes ${arity === "pair" ? "[from, to]" : "a list"}`);
  if (arity === "pair" && list.length !== 2) return reject(field, value, path, `${comparator} takes exactly two values, [from, to]`);
  if (arity === "list" && list.length === 0) return reject(field, value, path, `${comparator} takes at least one value`);
  const out: Scalar[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = scalar(field, comparator, list[i], path, i);
  if (arity === "pair") checkOrder(field, out, path);
  return Object.freeze(out);
}

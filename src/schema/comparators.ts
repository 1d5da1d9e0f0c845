import type { DataType } from "./data-types.js";

/** Zoho's fourteen criteria comparators, as they appear on the wire. */
export const ZOHO_COMPARATORS = [
  "equal",
  "not_equal",
  "in",
  "not_in",
  "less_than",
  "less_equal",
  "greater_than",
  "greater_equal",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "between",
  "not_between",
] as const;

export type Comparator = (typeof ZOHO_COMPARATORS)[number];

const NUMBER = ["equal", "not_equal", "in", "not_in", "less_than", "less_equal", "greater_than", "greater_equal"] as const;
const TEXT = ["equal", "not_equal", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with"] as const;
const DATE = [
  "equal",
  "not_equal",
  "in",
  "not_in",
  "between",
  "not_between",
  "greater_than",
  "greater_equal",
  "less_than",
  "less_equal",
] as const;
const BOOLEAN = ["equal"] as const;
const LOOKUP = ["equal", "not_equal", "in", "not_in"] as const;
const NONE = [] as const;

/**
 * THE table: which comparators Zoho's Bulk Read API allows for each field data type.
 *
 * Transcribed once from the "Allowed Comparators" table of the Bulk Read create-job page
 * (v7, assumed identical for v8). Its rows are Number, Text, Date/DateTime, Boolean and
 * Lookup; every data type is mapped onto one of them. Types criteria cannot use map to an
 * empty list. The builder's method sets, runtime validation, the parser, the local runner's
 * evaluator, the docs table and the test matrix are all derived from this object.
 *
 * UNCONFIRMED (see docs/limits.md): textarea and autonumber are assumed to follow the Text
 * row; a formula follows its return type (see `formula()`).
 */
export const COMPARATORS_BY_TYPE = {
  text: TEXT,
  textarea: TEXT,
  email: TEXT,
  phone: TEXT,
  website: TEXT,
  autonumber: TEXT,
  picklist: TEXT,
  multiselectpicklist: TEXT,
  integer: NUMBER,
  bigint: NUMBER,
  double: NUMBER,
  currency: NUMBER,
  percent: NUMBER,
  date: DATE,
  datetime: DATE,
  boolean: BOOLEAN,
  lookup: LOOKUP,
  ownerlookup: LOOKUP,
  userlookup: LOOKUP,
  formula: NONE,
  fileupload: NONE,
  imageupload: NONE,
  profileimage: NONE,
  subform: NONE,
  multiselectlookup: NONE,
  multiuserlookup: NONE,
  territories: NONE,
  richtext: NONE,
  consent_lookup: NONE,
  event_reminder: NONE,
  RRULE: NONE,
  ALARM: NONE,
  layout: NONE,
  rollup_summary: NONE,
} as const satisfies Record<DataType, readonly Comparator[]>;

export type ComparatorsOf<T extends DataType> = (typeof COMPARATORS_BY_TYPE)[T][number];

const ALLOWED: Record<string, ReadonlySet<Comparator>> = Object.fromEntries(
  Object.entries(COMPARATORS_BY_TYPE).map(([type, list]) => [type, new Set<Comparator>(list)]),
);

export function allowsComparator(type: DataType, comparator: Comparator): boolean {
  return ALLOWED[type]!.has(comparator);
}

export function isComparator(value: unknown): value is Comparator {
  return typeof value === "string" && (ZOHO_COMPARATORS as readonly string[]).includes(value);
}

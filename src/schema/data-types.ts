/**
 * Zoho `data_type` values and the kind of value each one holds in criteria.
 *
 * This table says what a value *is* (text, a number, a date...). Which comparators a data
 * type allows is said once, in `comparators.ts`; nothing here repeats it.
 */
export const VALUE_KIND_BY_TYPE = {
  text: "text",
  textarea: "text",
  email: "text",
  phone: "text",
  website: "text",
  autonumber: "text",
  picklist: "picklist",
  multiselectpicklist: "multiselect",
  integer: "integer",
  bigint: "bigint",
  double: "number",
  currency: "number",
  percent: "number",
  date: "date",
  datetime: "datetime",
  boolean: "boolean",
  lookup: "lookup",
  ownerlookup: "lookup",
  userlookup: "lookup",
  // A formula is typed by its return type; see `formula()` in field-spec.ts.
  formula: "none",
  // Types that can be selected (exported) but that criteria cannot use.
  fileupload: "none",
  imageupload: "none",
  profileimage: "none",
  subform: "none",
  multiselectlookup: "none",
  multiuserlookup: "none",
  territories: "none",
  richtext: "none",
  consent_lookup: "none",
  event_reminder: "none",
  RRULE: "none",
  ALARM: "none",
  layout: "none",
  // Typed by its return type at run time, like a formula (see defineModuleFromFields).
  rollup_summary: "none",
} as const satisfies Record<string, ValueKind>;

/** What a criteria value of a field is, independent of which comparators apply. */
export type ValueKind =
  | "text"
  | "picklist"
  | "multiselect"
  | "integer"
  | "number"
  | "bigint"
  | "date"
  | "datetime"
  | "boolean"
  | "lookup"
  | "none";

export type DataType = keyof typeof VALUE_KIND_BY_TYPE;

/** Kinds a formula (or rollup summary) can return: plain values, not ids or picklists. */
const RETURNABLE_KINDS = ["text", "integer", "number", "bigint", "date", "datetime", "boolean"] as const satisfies readonly ValueKind[];

/** Data types a formula may return, e.g. "double" or "datetime". */
export type FormulaReturnType = {
  [T in DataType]: (typeof VALUE_KIND_BY_TYPE)[T] extends (typeof RETURNABLE_KINDS)[number] ? T : never;
}[DataType];

export const DATA_TYPES = Object.keys(VALUE_KIND_BY_TYPE) as DataType[];

const RETURNABLE = new Set<ValueKind>(RETURNABLE_KINDS);

/** True for a data type a formula may return, e.g. "double" or "datetime". */
export function isFormulaReturnType(value: unknown): value is FormulaReturnType {
  return isDataType(value) && RETURNABLE.has(VALUE_KIND_BY_TYPE[value]);
}

export function isDataType(value: unknown): value is DataType {
  return typeof value === "string" && Object.hasOwn(VALUE_KIND_BY_TYPE, value);
}

/**
 * Kinds whose empty value is written `${EMPTY}`. Zoho's table offers `${EMPTY}` on every row
 * but Boolean ("True or false").
 */
export function acceptsEmpty(kind: ValueKind): boolean {
  return kind !== "boolean" && kind !== "none";
}

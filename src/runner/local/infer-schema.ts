// Type inference: the schema of a module given without one, read off its values.

import type { DataType } from "../../schema/data-types.js";
import { fieldInfo, type FieldInfo, type ModuleSchema } from "../../schema/module-schema.js";
import { canonicalDateTime, isDateOnly } from "../../validate/dates.js";
import { isEmptyValue, type LocalRecord } from "../evaluate.js";
import { isNumericText } from "./numeric-text.js";

/** `true` / `false` in any case: a boolean CSV cell. */
export const BOOLEAN_TEXT = /^(true|false)$/i;
/** 16-19 digits: an id-sized integer, kept exact as a bigint. */
const LONG_INTEGER = /^-?\d{16,19}$/;

function isDateTimeString(value: unknown): boolean {
  return typeof value === "string" && canonicalDateTime(value) !== undefined;
}

/** The data type a column's values suggest. CSV cells are strings, so `fromText` reads numbers and booleans out of them. */
export function inferType(values: readonly unknown[], fromText: boolean): DataType {
  const present = values.filter((v) => !isEmptyValue(v));
  const all = (test: (v: unknown) => boolean) => present.length > 0 && present.every(test);
  if (all((v) => typeof v === "boolean" || (fromText && typeof v === "string" && BOOLEAN_TEXT.test(v)))) return "boolean";
  if (all((v) => typeof v === "bigint" || (fromText && typeof v === "string" && LONG_INTEGER.test(v)))) return "bigint";
  if (all((v) => typeof v === "number" || (fromText && typeof v === "string" && isNumericText(v)))) {
    return all((v) => Number.isInteger(Number(v))) ? "integer" : "double";
  }
  if (all((v) => v instanceof Date || isDateTimeString(v))) return "datetime";
  if (all((v) => typeof v === "string" && isDateOnly(v))) return "date";
  if (all(Array.isArray)) return "multiselectpicklist";
  if (all((v) => typeof v === "object" && v !== null && "id" in v)) return "lookup";
  return "text";
}

/**
 * A schema read off the records: every key a field (its sub-fields too, for lookup objects),
 * and any other path a text field. `paths` lists the records' own keys, in first-seen order.
 */
export function inferSchema(apiName: string, records: readonly LocalRecord[], fromText: boolean): ModuleSchema {
  const keys = new Set<string>();
  const values = new Map<string, unknown[]>();
  const add = (path: string, value: unknown) => {
    let list = values.get(path);
    if (list === undefined) values.set(path, (list = []));
    list.push(value);
  };
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (key === "id") continue;
      keys.add(key);
      add(key, value);
      if (typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
        for (const [sub, subValue] of Object.entries(value)) if (sub !== "id") add(`${key}.${sub}`, subValue);
      }
    }
  }
  const byPath = new Map<string, FieldInfo>([["id", fieldInfo("id", "bigint")]]);
  for (const [path, list] of values) byPath.set(path, fieldInfo(path, inferType(list, fromText)));
  return Object.freeze({ apiName, paths: Object.freeze([...keys]), field: (path: string) => byPath.get(path) ?? fieldInfo(path, "text") });
}

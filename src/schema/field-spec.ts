import { CriteriaError } from "../errors/criteria-error.js";
import { isFormulaReturnType, type DataType, type FormulaReturnType } from "./data-types.js";

/** A field as `defineModule` takes it: a Zoho data_type string, or a constructor's result. */
export type FieldInput = DataType | FieldSpec<DataType, string, FieldInputs>;
export type FieldInputs = { readonly [apiName: string]: FieldInput };

/**
 * A declared field.
 *
 * - `type` is the field's Zoho `data_type`;
 * - `criteriaType` is the data type whose row of COMPARATORS_BY_TYPE applies (a formula's
 *   return type, otherwise `type` itself);
 * - `values` are a picklist's declared values (empty for every other type);
 * - `fields` are a lookup's declared sub-fields, addressed as `Lookup.Sub_Field`.
 */
export interface FieldSpec<T extends DataType = DataType, V extends string = string, Sub extends FieldInputs = {}> {
  readonly type: DataType;
  readonly criteriaType: T;
  readonly values: readonly V[];
  readonly fields: Sub;
  /** The module a lookup points at, when declared. */
  readonly lookupModule?: string;
}

/** The spec a bare data_type string stands for. */
export type SpecOfType<T extends DataType> = FieldSpec<T, string, {}>;

const NO_VALUES: readonly never[] = Object.freeze([]);
const NO_FIELDS = Object.freeze({});

export function fieldSpec<T extends DataType>(type: T): SpecOfType<T> {
  return Object.freeze({ type, criteriaType: type, values: NO_VALUES, fields: NO_FIELDS });
}

export function picklist<const V extends string>(values: readonly [V, ...V[]]): FieldSpec<"picklist", V> {
  return Object.freeze({ type: "picklist", criteriaType: "picklist", values: Object.freeze([...values]), fields: NO_FIELDS });
}

export function multiselectpicklist<const V extends string>(
  values: readonly [V, ...V[]],
): FieldSpec<"multiselectpicklist", V> {
  return Object.freeze({
    type: "multiselectpicklist",
    criteriaType: "multiselectpicklist",
    values: Object.freeze([...values]),
    fields: NO_FIELDS,
  });
}

function lookupOf<T extends "lookup" | "ownerlookup" | "userlookup", const Sub extends FieldInputs>(
  type: T,
  fields: Sub,
  lookupModule?: string,
): FieldSpec<T, string, Sub> {
  const spec = { type, criteriaType: type, values: NO_VALUES, fields: Object.freeze({ ...fields }) };
  return Object.freeze(lookupModule === undefined ? spec : { ...spec, lookupModule });
}

// Each lookup constructor has a no-sub-fields overload: with a single generic signature, a call
// without `fields` inside defineModule({...}) would infer `Sub` from the contextual type
// (FieldInputs), and every `Owner.<anything>` path would then type-check.

/** A lookup to another module; `fields` declares the sub-fields criteria and `select` may use. */
export function lookup(module: string): FieldSpec<"lookup", string, {}>;
export function lookup<const Sub extends FieldInputs>(module: string, fields: Sub): FieldSpec<"lookup", string, Sub>;
export function lookup(module: string, fields: FieldInputs = {}): FieldSpec<"lookup", string, FieldInputs> {
  return lookupOf("lookup", fields, module);
}

/** The record owner (a user lookup); sub-fields such as `last_name` are reached as `Owner.last_name`. */
export function ownerlookup(): FieldSpec<"ownerlookup", string, {}>;
export function ownerlookup<const Sub extends FieldInputs>(fields: Sub): FieldSpec<"ownerlookup", string, Sub>;
export function ownerlookup(fields: FieldInputs = {}): FieldSpec<"ownerlookup", string, FieldInputs> {
  return lookupOf("ownerlookup", fields, "users");
}

/** A user lookup such as Created_By or Modified_By. */
export function userlookup(): FieldSpec<"userlookup", string, {}>;
export function userlookup<const Sub extends FieldInputs>(fields: Sub): FieldSpec<"userlookup", string, Sub>;
export function userlookup(fields: FieldInputs = {}): FieldSpec<"userlookup", string, FieldInputs> {
  return lookupOf("userlookup", fields, "users");
}

/** A formula field, compared like its return type: `formula("double")` offers the number comparators. */
export function formula<R extends FormulaReturnType>(returnType: R): FieldSpec<R> {
  if (!isFormulaReturnType(returnType)) {
    throw new CriteriaError("INVALID_SCHEMA", `formula(): "${String(returnType)}" is not a formula return type; use text, integer, double, currency, percent, date, datetime or boolean`);
  }
  return Object.freeze({ type: "formula", criteriaType: returnType, values: NO_VALUES, fields: NO_FIELDS });
}

import type { DataType } from "../schema/data-types.js";
import type { FieldInputs, FieldSpec } from "../schema/field-spec.js";
import { buildModuleSchema, type AnyFlatFields, type FlatFields, type ModuleSchema, type SubPath, type SubSpec, type ToSpec } from "../schema/module-schema.js";
import { whereOf } from "./field-ops.js";
import type { AllOps, OpsByType } from "./ops-types.js";

/** The ops object of one field spec: an indexed access into OpsByType, no conditional. */
type OpsOfSpec<M extends string, X extends FieldSpec<DataType, string, FieldInputs>> = OpsByType<M, X["values"][number]>[X["criteriaType"]];

/**
 * Each path's ops object, computed once per path from the declaration, so that `where(path)`
 * is a single indexed access: type-checking cost stays flat however many conditions a
 * query has (bench/type-cost.mjs).
 */
export type OpsMap<M extends string, S extends FieldInputs, L extends Record<DataType, unknown> = OpsByType<M, string>> = {
  // L is OpsByType<M, string> passed in, so a field declared by a data_type string costs a
  // plain indexed access; only constructor specs (picklist(), lookup()...) go further.
  [K in keyof S]: S[K] extends DataType ? L[S[K]] : OpsOfSpec<M, ToSpec<S[K]>>;
} & {
  [P in SubPath<S>]: OpsOfSpec<M, SubSpec<S, P>>;
};

/** The ops of a module whose fields are known only at run time: every method, values checked at run time. */
export type AnyOpsMap<M extends string> = { readonly [path: string]: Partial<AllOps<M, unknown>> };

/** `where(path)`: the ops of the field at `path`, typed by its data type. */
export type Where<O> = <P extends keyof O & string>(path: P) => O[P];

/**
 * A declared CRM module. `M` is its API name, the tag every criteria and query of it carries;
 * `F` maps each field path (`Email`, `Owner.last_name`) to its spec.
 */
export interface Module<M extends string = string, F extends AnyFlatFields = AnyFlatFields, O = AnyOpsMap<M>> extends ModuleSchema<M> {
  /** Starts a condition on a field: `Leads.where("Amount").gt(100)`. Safe to destructure. */
  readonly where: Where<O>;
  /** Type-level only: each path's field spec, for select() and typed records. */
  readonly "~fields"?: F;
}

/**
 * Declares a module once: its API name and its fields, each a Zoho `data_type` string or a
 * constructor's result (`picklist([...])`, `lookup("Accounts", {...})`, `formula("double")`...).
 */
export function defineModule<const M extends string, const S extends FieldInputs>(apiName: M, fields: S): Module<M, FlatFields<S>, OpsMap<M, S>> {
  const schema = buildModuleSchema(apiName, fields);
  const where = whereOf(schema) as unknown as Where<OpsMap<M, S>>;
  return Object.freeze({ ...schema, where });
}

/** A module built at run time (e.g. from Zoho's fields metadata) whose fields the compiler does not know. */
export function moduleFromSchema<M extends string>(schema: ModuleSchema<M>): Module<M> {
  const where = whereOf(schema) as unknown as Where<AnyOpsMap<M>>;
  return Object.freeze({ ...schema, where });
}

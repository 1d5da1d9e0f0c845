import type { DataType } from "../schema/data-types.js";
import type { FieldInputs, FieldSpec } from "../schema/field-spec.js";
import { buildModuleSchema, type AnyFlatFields, type FlatFields, type ModuleSchema, type SubPath, type SubSpec } from "../schema/module-schema.js";
import { whereOf } from "./field-ops.js";
import type { AllOps, OpsByType } from "./ops-types.js";

/** The ops object of one field spec: an indexed access into OpsByType, no conditional. */
type OpsOfSpec<M extends string, X extends FieldSpec<DataType, string, FieldInputs>> = OpsByType<M, X["values"][number]>[X["criteriaType"]];

/**
 * The ops object of a declared field: a data_type string, or a constructor's spec. An alias
 * of (module, field input), so TypeScript resolves it once per distinct input - every "text"
 * field of a module shares one - rather than once per field.
 */
export type OpsOf<M extends string, X> = X extends DataType
  ? OpsByType<M, string>[X]
  : X extends FieldSpec<infer T, infer V, FieldInputs>
    ? OpsByType<M, V>[T]
    : never;

/** The ops of lookup sub-fields (`Owner.last_name`), by path. */
export type SubOpsMap<M extends string, S extends FieldInputs> = { [P in SubPath<S>]: OpsOfSpec<M, SubSpec<S, P>> };

/**
 * `where(path)`: the ops of the field at `path`, typed by its data type. For a top-level field
 * the sub-field side is `never`, and the other way round, so the union is one of them; there
 * is no per-field mapped type to resolve, which keeps the type-checking cost of a condition
 * small and flat (bench/type-cost.mjs).
 */
export type Where<M extends string, S extends FieldInputs, R = SubOpsMap<M, S>> = <P extends (keyof S & string) | (keyof R & string)>(
  path: P,
) => OpsOf<M, S[P & keyof S]> | R[P & keyof R];

/** `where(path)` of a module whose fields are known only at run time: every method, values checked at run time. */
export type AnyWhere<M extends string> = (path: string) => Partial<AllOps<M, unknown>>;

/**
 * A declared CRM module. `M` is its API name, the tag every criteria and query of it carries;
 * `F` maps each field path (`Email`, `Owner.last_name`) to its spec; `W` is its `where`.
 */
export interface Module<M extends string = string, F extends AnyFlatFields = AnyFlatFields, W = unknown> extends ModuleSchema<M> {
  /** Starts a condition on a field: `Leads.where("Amount").gt(100)`. Safe to destructure. */
  readonly where: W;
  /** Type-level only: each path's field spec, for select() and typed records. */
  readonly "~fields"?: F;
}

/**
 * Declares a module once: its API name and its fields, each a Zoho `data_type` string or a
 * constructor's result (`picklist([...])`, `lookup("Accounts", {...})`, `formula("double")`...).
 */
export function defineModule<const M extends string, const S extends FieldInputs>(apiName: M, fields: S): Module<M, FlatFields<S>, Where<M, S>> {
  const schema = buildModuleSchema(apiName, fields);
  const where = whereOf(schema) as unknown as Where<M, S>;
  return Object.freeze({ ...schema, where });
}

/** A module built at run time (e.g. from Zoho's fields metadata) whose fields the compiler does not know. */
export function moduleFromSchema<M extends string>(schema: ModuleSchema<M>): Module<M, AnyFlatFields, AnyWhere<M>> {
  const where = whereOf(schema) as unknown as AnyWhere<M>;
  return Object.freeze({ ...schema, where });
}

import type { FieldInputs } from "../schema/field-spec.js";
import { buildModuleSchema, type AnyFlatFields, type FlatFields, type ModuleSchema } from "../schema/module-schema.js";
import { fieldOps } from "./field-ops.js";
import type { OpsByType } from "./ops-types.js";

/** `where(path)`: the ops of the field at `path`, typed by its data type. */
export type Where<M extends string, F extends AnyFlatFields> = <P extends keyof F & string>(
  path: P,
) => OpsByType<M, F[P]["values"][number]>[F[P]["criteriaType"]];

/**
 * A declared CRM module. `M` is its API name, the tag every criteria and query of it carries;
 * `F` maps each field path (`Email`, `Owner.last_name`) to its spec.
 */
export interface Module<M extends string = string, F extends AnyFlatFields = AnyFlatFields> extends ModuleSchema<M> {
  /** Starts a condition on a field: `Leads.where("Amount").gt(100)`. Safe to destructure. */
  readonly where: Where<M, F>;
}

/**
 * Declares a module once: its API name and its fields, each a Zoho `data_type` string or a
 * constructor's result (`picklist([...])`, `lookup("Accounts", {...})`, `formula("double")`...).
 */
export function defineModule<const M extends string, const S extends FieldInputs>(apiName: M, fields: S): Module<M, FlatFields<S>> {
  const schema = buildModuleSchema(apiName, fields);
  const where = ((path: string) => fieldOps(schema, path)) as unknown as Where<M, FlatFields<S>>;
  return Object.freeze({ ...schema, where });
}

/** A module built at run time (e.g. from Zoho's fields metadata) whose fields the compiler does not know. */
export function moduleFromSchema<M extends string>(schema: ModuleSchema<M>): Module<M, AnyFlatFields> {
  const where = ((path: string) => fieldOps(schema, path)) as unknown as Where<M, AnyFlatFields>;
  return Object.freeze({ ...schema, where });
}

import { match, P } from "ts-pattern";
import { CriteriaError } from "../errors/criteria-error.js";
import { isDataType, isFormulaReturnType, type DataType } from "../schema/data-types.js";
import type { FieldInput, FieldInputs, FieldSpec } from "../schema/field-spec.js";
import { buildModuleSchema, type AnyFlatFields } from "../schema/module-schema.js";
import { moduleFromSchema, type AnyWhere, type Module } from "./define-module.js";

export interface FromFieldsOptions {
  /**
   * What to do with a field whose data_type this library does not know (Zoho adds types
   * now and then): "error" (the default) refuses the metadata, "skip" leaves the field out.
   */
  unknownTypes?: "error" | "skip";
  /**
   * Fields metadata of lookup targets, keyed by module API name, so that sub-field paths
   * such as `Account_Name.Phone` can be used. Zoho's fields response for a module does not
   * describe its lookups' fields.
   */
  related?: Record<string, unknown>;
}

const API_NAME = /^[A-Za-z$][A-Za-z0-9_$]*$/;

function schemaError(path: string, message: string): never {
  throw new CriteriaError("INVALID_SCHEMA", message, { path });
}

function fieldList(json: unknown, path: string): readonly unknown[] {
  return match(json)
    .with({ fields: P.array() }, ({ fields }) => fields)
    .with(P.array(), (fields) => fields)
    .otherwise(() => schemaError(path, 'Expected Zoho fields metadata: {"fields": [...]} as GET /crm/v8/settings/fields returns it'));
}

function specOf(field: Record<string, unknown>, type: DataType, path: string, options: FromFieldsOptions): FieldSpec<DataType, string, FieldInputs> {
  const base = { type, criteriaType: type, values: [] as string[], fields: {} as FieldInputs };
  if (type === "picklist" || type === "multiselectpicklist") {
    const values = match(field.pick_list_values)
      .with(P.array({ actual_value: P.string }), (list) => list.map((v) => v.actual_value))
      .with(P.nullish, () => [])
      .otherwise(() => schemaError(`${path}.pick_list_values`, "pick_list_values must be a list of {actual_value} objects"));
    return { ...base, values };
  }
  if (type === "formula" || type === "rollup_summary") {
    const returned = match(field[type]).with({ return_type: P.string }, (f) => f.return_type).otherwise(() => undefined);
    return isFormulaReturnType(returned) ? { ...base, criteriaType: returned } : base;
  }
  if (type === "lookup" || type === "ownerlookup" || type === "userlookup") {
    const target = match(field.lookup)
      .with({ module: { api_name: P.string } }, (l) => l.module.api_name)
      .otherwise(() => (type === "lookup" ? undefined : "users"));
    const related = target === undefined ? undefined : options.related?.[target];
    const fields = related === undefined ? {} : inputsOf(related, `$.related.${target}`, options);
    return target === undefined ? { ...base, fields } : { ...base, fields, lookupModule: target };
  }
  return base;
}

function inputsOf(json: unknown, path: string, options: FromFieldsOptions): FieldInputs {
  const inputs: Record<string, FieldInput> = {};
  fieldList(json, path).forEach((entry, i) => {
    const at = `${path}.fields[${i}]`;
    const field = match(entry)
      .with({ api_name: P.string, data_type: P.string }, (f) => f as Record<string, unknown> & { api_name: string; data_type: string })
      .otherwise(() => schemaError(at, "Each field needs a string api_name and data_type"));
    if (!API_NAME.test(field.api_name)) schemaError(`${at}.api_name`, `${JSON.stringify(field.api_name)} is not a Zoho API name`);
    if (Object.hasOwn(inputs, field.api_name)) schemaError(`${at}.api_name`, `Field ${field.api_name} is listed twice`);
    if (!isDataType(field.data_type)) {
      if (options.unknownTypes === "skip") return;
      schemaError(`${at}.data_type`, `${field.api_name} has data_type ${JSON.stringify(field.data_type)}, which this library does not know; pass { unknownTypes: "skip" } to leave such fields out`);
    }
    inputs[field.api_name] = specOf(field, field.data_type, at, options);
  });
  return inputs;
}

/**
 * A module built from Zoho's fields metadata (`GET /crm/{version}/settings/fields?module=...`,
 * or a saved copy of it), with the same run-time schema `defineModule` gives. The metadata is
 * untrusted input: it is validated, and every problem is a CriteriaError with its JSON path.
 * The compiler does not know such a module's fields, so its criteria are checked at run time.
 */
export function defineModuleFromFields<const M extends string>(apiName: M, fieldsJson: unknown, options: FromFieldsOptions = {}): Module<M, AnyFlatFields, AnyWhere<M>> {
  return moduleFromSchema(buildModuleSchema(apiName, inputsOf(fieldsJson, "$", options)));
}


import { CriteriaError } from "../errors/criteria-error.js";
import { COMPARATORS_BY_TYPE, type Comparator } from "./comparators.js";
import { isDataType, VALUE_KIND_BY_TYPE, type DataType, type ValueKind } from "./data-types.js";
import { fieldSpec, type FieldInput, type FieldInputs, type FieldSpec, type SpecOfType } from "./field-spec.js";

/** What the library knows about one field path (`Email`, or `Owner.last_name`) at run time. */
export interface FieldInfo {
  readonly path: string;
  /** The field's Zoho data_type. */
  readonly type: DataType;
  /** The data type whose comparators apply (a formula's return type). */
  readonly criteriaType: DataType;
  readonly kind: ValueKind;
  /** Declared picklist values; empty when any value is accepted. */
  readonly values: readonly string[];
  readonly valueSet: ReadonlySet<string> | undefined;
  readonly comparators: ReadonlySet<Comparator>;
  /** The module a lookup points at, when known. */
  readonly lookupModule: string | undefined;
}

/** A module's fields, flattened to every path a query may name. */
export interface ModuleSchema<M extends string = string> {
  readonly apiName: M;
  /** Every field path, top-level fields first, then lookup sub-fields (`Owner.last_name`). */
  readonly paths: readonly string[];
  field(path: string): FieldInfo | undefined;
}

// ---- types -------------------------------------------------------------------------------

/**
 * The boundary of the type layer: a data_type string stands for its spec, and a constructor's
 * spec is re-read as a FieldSpec so generic code can index it. Evaluated once per declared
 * field when a module is defined, never per condition.
 */
export type ToSpec<S> = S extends DataType ? SpecOfType<S> : S extends FieldSpec<infer T, infer V, infer Sub> ? FieldSpec<T, V, Sub> : never;

export type SubPath<S extends FieldInputs> = {
  [K in keyof S & string]: `${K}.${keyof ToSpec<S[K]>["fields"] & string}`;
}[keyof S & string];

export type SubSpec<S extends FieldInputs, P> = P extends `${infer L extends keyof S & string}.${infer R}`
  ? ToSpec<ToSpec<S[L]>["fields"][R & keyof ToSpec<S[L]>["fields"]]>
  : never;

/**
 * Every path of a module mapped to its spec: the declared fields as they are, and each
 * lookup's sub-fields as `Lookup.Sub_Field`. Only sub-field paths go through the template
 * literal conditional, so looking up a plain field costs one mapped-type member.
 */
export type FlatFields<S extends FieldInputs> = { [K in keyof S]: ToSpec<S[K]> } & { [P in SubPath<S>]: SubSpec<S, P> };

/** The flattened field map every builder type is read from. */
export type AnyFlatFields = { readonly [path: string]: FieldSpec<DataType, string, FieldInputs> };

// ---- run time ----------------------------------------------------------------------------

const COMPARATOR_SETS = new Map<DataType, ReadonlySet<Comparator>>(
  (Object.keys(COMPARATORS_BY_TYPE) as DataType[]).map((t) => [t, new Set<Comparator>(COMPARATORS_BY_TYPE[t])]),
);

function normalizeInput(input: unknown, path: string): FieldSpec<DataType, string, FieldInputs> {
  if (isDataType(input)) return fieldSpec(input);
  if (typeof input === "object" && input !== null) {
    const spec = input as Partial<FieldSpec<DataType, string, FieldInputs>>;
    if (isDataType(spec.type) && isDataType(spec.criteriaType) && Array.isArray(spec.values) && typeof spec.fields === "object") {
      return spec as FieldSpec<DataType, string, FieldInputs>;
    }
  }
  throw new CriteriaError(
    "INVALID_SCHEMA",
    `Field "${path}" has an unknown data type ${JSON.stringify(input) ?? String(input)}; use a Zoho data_type string (${Object.keys(VALUE_KIND_BY_TYPE).slice(0, 6).join(", ")}, ...) or picklist(), lookup(), formula()...`,
    { field: path, path: `$.${path}` },
  );
}

/**
 * The run-time description of one field path, from a data_type string or a spec. Picklists
 * without declared values accept any value (as when a schema is inferred from data).
 */
export function fieldInfo(path: string, input: FieldInput): FieldInfo {
  const spec = normalizeInput(input, path);
  return Object.freeze({
    path,
    type: spec.type,
    criteriaType: spec.criteriaType,
    kind: VALUE_KIND_BY_TYPE[spec.criteriaType],
    values: spec.values,
    valueSet: spec.values.length > 0 ? new Set(spec.values) : undefined,
    comparators: COMPARATOR_SETS.get(spec.criteriaType)!,
    lookupModule: spec.lookupModule,
  });
}

function declaredInfo(path: string, input: FieldInput): FieldInfo {
  const info = fieldInfo(path, input);
  if ((info.type === "picklist" || info.type === "multiselectpicklist") && info.values.length === 0) {
    throw new CriteriaError("INVALID_SCHEMA", `Picklist "${path}" declares no values; list them, e.g. picklist(["New", "Won"])`, {
      field: path,
      path: `$.${path}`,
    });
  }
  return info;
}

/** Validates a module declaration (it may come from plain JavaScript) and flattens its paths. */
export function buildModuleSchema<M extends string>(apiName: M, fields: FieldInputs): ModuleSchema<M> {
  if (typeof apiName !== "string" || apiName.length === 0) {
    throw new CriteriaError("INVALID_SCHEMA", `A module needs its API name, e.g. defineModule("Leads", {...}); got ${JSON.stringify(apiName)}`);
  }
  if (typeof fields !== "object" || fields === null) {
    throw new CriteriaError("INVALID_SCHEMA", `Module "${apiName}" needs an object of fields, e.g. { Last_Name: "text" }`);
  }
  const byPath = new Map<string, FieldInfo>();
  for (const [name, input] of Object.entries(fields as Record<string, FieldInput>)) {
    const spec = normalizeInput(input, name);
    byPath.set(name, declaredInfo(name, spec));
    for (const [sub, subInput] of Object.entries(spec.fields)) {
      const path = `${name}.${sub}`;
      byPath.set(path, declaredInfo(path, subInput));
    }
  }
  const paths = Object.freeze([...byPath.keys()]);
  return Object.freeze({ apiName, paths, field: (path: string) => byPath.get(path) });
}

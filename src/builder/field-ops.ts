import { combine, condition } from "../ast/combine.js";
import { EMPTY, type Scalar } from "../ast/nodes.js";
import { CriteriaError } from "../errors/criteria-error.js";
import type { Comparator } from "../schema/comparators.js";
import type { DataType } from "../schema/data-types.js";
import { METHODS, methodsFor, type MethodName } from "../schema/methods.js";
import type { FieldInfo, ModuleSchema } from "../schema/module-schema.js";
import { checkComparator } from "../validate/comparator-rules.js";
import { normalizeValue } from "../validate/values.js";
import { criteriaOf, type Criteria } from "./criteria.js";
import { suggest } from "./suggest.js";

const METHODS_BY_TYPE = new Map<DataType, ReadonlySet<MethodName>>();
function allowedMethods(type: DataType): ReadonlySet<MethodName> {
  let methods = METHODS_BY_TYPE.get(type);
  if (methods === undefined) METHODS_BY_TYPE.set(type, (methods = new Set(methodsFor(type))));
  return methods;
}

/**
 * The run-time side of every field family's ops interface. The types hide the methods a
 * field's data type does not allow; this class re-checks, for JavaScript callers and casts.
 */
class FieldOps<M extends string> {
  private readonly methods: ReadonlySet<MethodName>;

  constructor(
    private readonly module: M,
    private readonly field: FieldInfo,
  ) {
    this.methods = allowedMethods(field.criteriaType);
  }

  private check(method: MethodName): void {
    if (this.methods.has(method)) return;
    const f = this.field;
    checkComparator(f.path, f.type, f.criteriaType, undefined, "$.field.api_name"); // a field criteria cannot use
    const allowed = [...this.methods];
    throw new CriteriaError(
      "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
      `${f.path} (${f.criteriaType}) does not support ${method}() (Zoho: ${METHODS[method].needs.join(" + ")}); allowed: ${allowed.join(", ")}`,
      { field: f.path, path: "$.comparator", allowed },
    );
  }

  /** A method written as one wire comparator: the one METHODS says it needs. */
  private one(method: Exclude<MethodName, "between" | "notBetween">, value: unknown): Criteria<M> {
    this.check(method);
    const f = this.field;
    const comparator = METHODS[method].needs[0];
    return criteriaOf(this.module, condition(f.path, f.criteriaType, comparator, normalizeValue(f, comparator, value, "$.value")));
  }

  /** between / notBetween: Zoho's own comparator where the type has it, else two conditions. */
  private range(method: "between" | "notBetween", from: unknown, to: unknown): Criteria<M> {
    this.check(method);
    const f = this.field;
    const wire = method === "between" ? "between" : "not_between";
    const pair = normalizeValue(f, wire, [from, to], "$.value") as readonly [Scalar, Scalar];
    if (f.comparators.has(wire)) {
      return criteriaOf(this.module, condition(f.path, f.criteriaType, wire, pair));
    }
    // Desugared as METHODS says: between = greater_equal and less_equal, notBetween = less_than or greater_than.
    const [low, high] = pair;
    const [lower, upper] = METHODS[method].needs;
    const bound = (comparator: Comparator, value: Scalar) => condition(f.path, f.criteriaType, comparator, value);
    return criteriaOf(this.module, combine(method === "between" ? "and" : "or", [bound(lower, low), bound(upper, high)]));
  }

  eq(value: unknown) { return this.one("eq", value); }
  ne(value: unknown) { return this.one("ne", value); }
  in(values: unknown) { return this.one("in", values); }
  notIn(values: unknown) { return this.one("notIn", values); }
  gt(value: unknown) { return this.one("gt", value); }
  gte(value: unknown) { return this.one("gte", value); }
  lt(value: unknown) { return this.one("lt", value); }
  lte(value: unknown) { return this.one("lte", value); }
  between(from: unknown, to: unknown) { return this.range("between", from, to); }
  notBetween(from: unknown, to: unknown) { return this.range("notBetween", from, to); }
  contains(text: unknown) { return this.one("contains", text); }
  notContains(text: unknown) { return this.one("notContains", text); }
  startsWith(text: unknown) { return this.one("startsWith", text); }
  endsWith(text: unknown) { return this.one("endsWith", text); }
  isEmpty() { return this.one("isEmpty", EMPTY); }
  isNotEmpty() { return this.one("isNotEmpty", EMPTY); }
}

/** Looks a path up in a module, or throws FIELD_IN_CRITERIA_NOT_AVAILABLE with suggestions. */
export function fieldOf(schema: ModuleSchema, path: string, errorPath = "$.field.api_name"): FieldInfo {
  const field = typeof path === "string" ? schema.field(path) : undefined;
  if (field !== undefined) return field;
  const hints = typeof path === "string" ? suggest(path, schema.paths) : [];
  throw new CriteriaError(
    "FIELD_IN_CRITERIA_NOT_AVAILABLE",
    `${schema.apiName} has no field ${JSON.stringify(path)} among its fields${hints.length ? `; did you mean ${hints.map((h) => `"${h}"`).join(" or ")}?` : ""}`,
    { field: String(path), path: errorPath, allowed: hints },
  );
}

/**
 * `where` for a module. Ops objects hold no state of their own, so each path's is made once
 * and shared by every later `where(path)`.
 */
export function whereOf<M extends string>(schema: ModuleSchema<M>): (path: string) => FieldOps<M> {
  const made = new Map<string, FieldOps<M>>();
  return (path: string) => {
    let ops = made.get(path);
    if (ops === undefined) made.set(path, (ops = new FieldOps(schema.apiName, fieldOf(schema, path))));
    return ops;
  };
}

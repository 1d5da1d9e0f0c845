import { COMPARATORS_BY_TYPE, type Comparator } from "./comparators.js";
import { acceptsEmpty, VALUE_KIND_BY_TYPE, type DataType } from "./data-types.js";

/**
 * The builder's comparator methods and the wire comparators each one is written with.
 *
 * A method exists for a data type exactly when every comparator it `needs` is in that type's
 * row of COMPARATORS_BY_TYPE (and, for the empty checks, when the type accepts `${EMPTY}`).
 * `between` on a number is written as `greater_equal` + `less_equal` because Zoho's number
 * row has no `between`; on dates it is Zoho's own `between`.
 */
export const METHODS = {
  eq: { needs: ["equal"], empty: false },
  ne: { needs: ["not_equal"], empty: false },
  in: { needs: ["in"], empty: false },
  notIn: { needs: ["not_in"], empty: false },
  gt: { needs: ["greater_than"], empty: false },
  gte: { needs: ["greater_equal"], empty: false },
  lt: { needs: ["less_than"], empty: false },
  lte: { needs: ["less_equal"], empty: false },
  between: { needs: ["greater_equal", "less_equal"], empty: false },
  notBetween: { needs: ["less_than", "greater_than"], empty: false },
  contains: { needs: ["contains"], empty: false },
  notContains: { needs: ["not_contains"], empty: false },
  startsWith: { needs: ["starts_with"], empty: false },
  endsWith: { needs: ["ends_with"], empty: false },
  isEmpty: { needs: ["equal"], empty: true },
  isNotEmpty: { needs: ["not_equal"], empty: true },
} as const satisfies Record<string, { needs: readonly Comparator[]; empty: boolean }>;

export type MethodName = keyof typeof METHODS;

type Row<T extends DataType> = (typeof COMPARATORS_BY_TYPE)[T][number];
type EmptyOk<T extends DataType> = (typeof VALUE_KIND_BY_TYPE)[T] extends "boolean" | "none" ? false : true;

/** The methods a field of data type T offers, derived from the one table. */
export type MethodsFor<T extends DataType> = {
  [K in MethodName]: (typeof METHODS)[K]["needs"][number] extends Row<T>
    ? (typeof METHODS)[K]["empty"] extends true
      ? EmptyOk<T> extends true
        ? K
        : never
      : K
    : never;
}[MethodName];

/** The same derivation at run time: the methods a data type offers, in METHODS order. */
export function methodsFor(type: DataType): MethodName[] {
  const row: readonly Comparator[] = COMPARATORS_BY_TYPE[type];
  return (Object.keys(METHODS) as MethodName[]).filter((name) => {
    const method = METHODS[name];
    if (method.empty && !acceptsEmpty(VALUE_KIND_BY_TYPE[type])) return false;
    return method.needs.every((c) => row.includes(c));
  });
}

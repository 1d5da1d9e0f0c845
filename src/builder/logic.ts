import { negate } from "../ast/negate.js";
import { CriteriaError } from "../errors/criteria-error.js";
import { criteriaOf, isCriteria, join, type Criteria, type Falsy } from "./criteria.js";

/**
 * All of the criteria. Falsy values (`undefined`, `null`, `false`, `""`, `0`) are dropped, so a filter can be
 * switched off inline: `and(name && where("Last_Name").eq(name), where("Amount").gt(0))`.
 * With nothing left the result is the empty criteria (every record).
 */
export function and<C extends Criteria<any> = Criteria<never>>(...items: (C | Falsy)[]): C {
  // Typed by the criteria themselves, not by their module name: TypeScript would infer a
  // union of two modules' names, whereas two criteria types are simply incompatible.
  return join("and", items) as C;
}

/** Any of the criteria; drops falsy values like `and()`. */
export function or<C extends Criteria<any> = Criteria<never>>(...items: (C | Falsy)[]): C {
  return join("or", items) as C;
}

/**
 * The negation, pushed down to the conditions (eq <-> ne, gt <-> lte, between <-> notBetween,
 * De Morgan on groups...). Throws NEGATION_NOT_SUPPORTED for startsWith / endsWith, which
 * Zoho cannot negate.
 */
export function not<M extends string>(criteria: Criteria<M>): Criteria<M> {
  if (!isCriteria(criteria) || criteria.node === undefined) {
    throw new CriteriaError("INVALID_CRITERIA", "not() needs non-empty criteria: the negation of 'every record' cannot be written as Zoho criteria");
  }
  return criteriaOf(criteria.module, negate(criteria.node));
}

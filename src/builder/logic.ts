import { negate } from "../ast/negate.js";
import { CriteriaError } from "../errors/criteria-error.js";
import { criteriaOf, isCriteria, join, type Criteria, type CriteriaInput } from "./criteria.js";

/**
 * All of the criteria. `undefined`, `null` and `false` are dropped, so a filter can be
 * switched off inline: `and(name && where("Last_Name").eq(name), where("Amount").gt(0))`.
 * With nothing left the result is the empty criteria (every record).
 */
export function and<M extends string = never>(...items: CriteriaInput<M>[]): Criteria<M> {
  return join("and", items);
}

/** Any of the criteria; drops `undefined`, `null` and `false` like `and()`. */
export function or<M extends string = never>(...items: CriteriaInput<M>[]): Criteria<M> {
  return join("or", items);
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

import { CriteriaError } from "../errors/criteria-error.js";
import type { Comparator } from "../schema/comparators.js";
import { combine, condition } from "./combine.js";
import type { CriteriaNode } from "./nodes.js";

/** Each comparator's negation on the wire; null where Zoho has none. */
const NEGATION: Record<Comparator, Comparator | null> = {
  equal: "not_equal",
  not_equal: "equal",
  in: "not_in",
  not_in: "in",
  greater_than: "less_equal",
  less_equal: "greater_than",
  greater_equal: "less_than",
  less_than: "greater_equal",
  between: "not_between",
  not_between: "between",
  contains: "not_contains",
  not_contains: "contains",
  starts_with: null,
  ends_with: null,
};

/**
 * Pushes a negation down to the conditions (Zoho criteria have no `not`): comparators flip,
 * a boolean `equal` flips its value (booleans have no `not_equal`), groups follow De Morgan.
 */
export function negate(node: CriteriaNode, path = "$"): CriteriaNode {
  if (node.kind === "group") {
    return combine(
      node.operator === "and" ? "or" : "and",
      node.children.map((child, i) => negate(child, `${path}.group[${i}]`)),
    )!;
  }
  if (node.type === "boolean") return condition(node.field, node.type, node.comparator, !node.value);
  const negated = NEGATION[node.comparator];
  if (negated === null) {
    throw new CriteriaError(
      "NEGATION_NOT_SUPPORTED",
      `${node.field}: Zoho has no negation of ${node.comparator} (there is no not_starts_with / not_ends_with); use notContains, or restructure the criteria`,
      { path: `${path}.comparator`, field: node.field },
    );
  }
  return condition(node.field, node.type, negated, node.value);
}

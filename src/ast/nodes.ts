import type { Comparator } from "../schema/comparators.js";
import type { DataType } from "../schema/data-types.js";

/** The literal Zoho reads as "no value"; `isEmpty()` is `equal` with it. */
export const EMPTY = "${EMPTY}";

/**
 * A value as the AST keeps it: already checked and normalised for its field (bigints and ids
 * as decimal strings, datetime strings in Zoho's canonical form). `Date`s stay `Date`s until
 * a compiler writes them, because how a `Date` is written depends on the target time zone.
 */
export type Scalar = string | number | boolean | Date;
export type Value = Scalar | readonly Scalar[];

export interface ConditionNode {
  readonly kind: "condition";
  /** The field's API name or dot path (`Owner.last_name`). */
  readonly field: string;
  /** The data type whose comparators apply (a formula's return type). */
  readonly type: DataType;
  readonly comparator: Comparator;
  readonly value: Value;
}

export type GroupOperator = "and" | "or";

/**
 * A group always has at least two children, and no child is a group with the same operator:
 * the constructors in `combine.ts` flatten and collapse, so every tree is already in the form
 * Zoho accepts.
 */
export interface GroupNode {
  readonly kind: "group";
  readonly operator: GroupOperator;
  readonly children: readonly CriteriaNode[];
  /** Number of conditions below this group, kept so limits cost nothing to check. */
  readonly size: number;
}

export type CriteriaNode = ConditionNode | GroupNode;

export function conditionCount(node: CriteriaNode | undefined): number {
  return node === undefined ? 0 : node.kind === "group" ? node.size : 1;
}

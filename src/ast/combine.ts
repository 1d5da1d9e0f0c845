import type { Comparator } from "../schema/comparators.js";
import type { DataType } from "../schema/data-types.js";
import { conditionCount, type ConditionNode, type CriteriaNode, type GroupOperator, type Value } from "./nodes.js";

export function condition(field: string, type: DataType, comparator: Comparator, value: Value): ConditionNode {
  return Object.freeze({ kind: "condition", field, type, comparator, value });
}

/**
 * Joins nodes with `operator`, in the only shape Zoho accepts: children that are groups with
 * the same operator are spliced in (`a.and(b).and(c)` is one group of three), and a group of
 * one is just its child. Returns undefined for no nodes (the empty criteria).
 */
export function combine(operator: GroupOperator, nodes: readonly (CriteriaNode | undefined)[]): CriteriaNode | undefined {
  const children: CriteriaNode[] = [];
  let size = 0;
  for (const node of nodes) {
    if (node === undefined) continue;
    if (node.kind === "group" && node.operator === operator) children.push(...node.children);
    else children.push(node);
    size += conditionCount(node);
  }
  if (children.length === 0) return undefined;
  if (children.length === 1) return children[0];
  return Object.freeze({ kind: "group", operator, children: Object.freeze(children), size });
}

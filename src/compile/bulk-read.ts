import type { ConditionNode, CriteriaNode, GroupNode } from "../ast/nodes.js";
import { conditionCount } from "../ast/nodes.js";
import { CriteriaError } from "../errors/criteria-error.js";
import { LIMITS } from "../validate/limits.js";
import { serializeValue } from "./serialize-value.js";
import { checkTimeZone } from "./time-zone.js";
import type { BulkReadCriteria, BulkReadCriteriaV2, CompileOptions } from "./wire.js";

interface Context {
  readonly v2: boolean;
  readonly timeZone: string | undefined;
}

type Emitters = { [K in CriteriaNode["kind"]]: (node: Extract<CriteriaNode, { kind: K }>, ctx: Context) => unknown };

/**
 * The per-request hot path, so it dispatches through a table typed by the node union rather
 * than a pattern match (see bench/compile.bench.ts).
 */
const EMIT: Emitters = {
  condition: (node: ConditionNode, ctx) =>
    ctx.v2
      ? { api_name: node.field, comparator: node.comparator, value: serializeValue(node.type, node.value, ctx.timeZone) }
      : { field: { api_name: node.field }, comparator: node.comparator, value: serializeValue(node.type, node.value, ctx.timeZone) },
  group: (node: GroupNode, ctx) => {
    const group: unknown[] = new Array(node.children.length);
    for (let i = 0; i < group.length; i++) group[i] = emit(node.children[i]!, ctx);
    return { group_operator: node.operator, group };
  },
};

function emit(node: CriteriaNode, ctx: Context): unknown {
  return (EMIT[node.kind] as (node: CriteriaNode, ctx: Context) => unknown)(node, ctx);
}

export function checkConditionLimit(node: CriteriaNode | undefined, path = "$"): void {
  const count = conditionCount(node);
  if (count > LIMITS.conditions) {
    throw new CriteriaError(
      "CRITERIA_LIMIT_EXCEEDED",
      `The criteria have ${count} conditions; Zoho allows at most ${LIMITS.conditions} (a number between() counts as two). Split the export into several jobs, or use a custom view (cvid)`,
      { path },
    );
  }
}

export function compileBulkRead(node: CriteriaNode, options: CompileOptions & { version: "v2" }): BulkReadCriteriaV2;
export function compileBulkRead(node: CriteriaNode, options?: CompileOptions): BulkReadCriteria;
/** Compiles an AST to Bulk Read criteria JSON, after checking the limits Zoho enforces. */
export function compileBulkRead(node: CriteriaNode, options: CompileOptions = {}): BulkReadCriteria | BulkReadCriteriaV2 {
  checkConditionLimit(node);
  checkTimeZone(options.timeZone);
  return emit(node, { v2: options.version === "v2", timeZone: options.timeZone }) as BulkReadCriteria;
}

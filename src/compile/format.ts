import { match } from "ts-pattern";
import type { CriteriaNode, Scalar, Value } from "../ast/nodes.js";
import { EMPTY } from "../ast/nodes.js";
import type { Comparator } from "../schema/comparators.js";
import { serializeValue } from "./serialize-value.js";

const SYMBOL: Record<Comparator, string> = {
  equal: "=",
  not_equal: "!=",
  in: "in",
  not_in: "not in",
  less_than: "<",
  less_equal: "<=",
  greater_than: ">",
  greater_equal: ">=",
  between: "between",
  not_between: "not between",
  contains: "contains",
  not_contains: "not contains",
  starts_with: "starts with",
  ends_with: "ends with",
};

function show(value: Value | Scalar): string {
  return Array.isArray(value) ? `[${value.map(show).join(", ")}]` : JSON.stringify(value);
}

/**
 * A one-line, human-readable form for logs and error messages, e.g.
 * `(Last_Name = "Boyle" and Owner in ["1", "2"]) or Company = "Zylker"`.
 */
export function formatNode(node: CriteriaNode | undefined, nested = false): string {
  if (node === undefined) return "(no criteria: every record)";
  return match(node)
    .with({ kind: "condition", value: EMPTY }, (c) => `${c.field} ${c.comparator === "equal" ? "is empty" : "is not empty"}`)
    .with({ kind: "condition" }, (c) => {
      const value = serializeValue(c.type, c.value, undefined);
      const shown = c.comparator === "between" || c.comparator === "not_between" ? (value as Scalar[]).map(show).join(" and ") : show(value as Value);
      return `${c.field} ${SYMBOL[c.comparator]} ${shown}`;
    })
    .with({ kind: "group" }, (g) => {
      const text = g.children.map((child) => formatNode(child, true)).join(` ${g.operator} `);
      return nested ? `(${text})` : text;
    })
    .exhaustive();
}

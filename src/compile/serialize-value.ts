import type { Scalar, Value } from "../ast/nodes.js";
import type { DataType } from "../schema/data-types.js";
import { formatDate, formatDateTime } from "../validate/dates.js";
import type { WireScalar, WireValue } from "./wire.js";

function scalar(type: DataType, value: Scalar, timeZone: string | undefined): WireScalar {
  if (typeof value !== "object") return value;
  return type === "date" ? formatDate(value, timeZone) : formatDateTime(value, timeZone);
}

/**
 * Writes an AST value for the wire. Everything but `Date` is already in wire form (the
 * builder and parser normalised it), so this is a pass-through on the hot path.
 */
export function serializeValue(type: DataType, value: Value, timeZone: string | undefined): WireValue {
  if (Array.isArray(value)) {
    const list = value as readonly Scalar[];
    const out: WireScalar[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = scalar(type, list[i]!, timeZone);
    return out;
  }
  return scalar(type, value as Scalar, timeZone);
}

// One check for every numeric option of the runner layer (pipeline, polling, Zoho runner,
// archive reader), so that each kind of number is refused the same way, with INVALID_OPTIONS
// naming the option.

import { RunnerError } from "./zoho-api-error.js";

/**
 * What a numeric option may hold:
 * - "count": a whole number from 0 (retries, waits);
 * - "positive count": a whole number from 1 (batch sizes, byte caps);
 * - "ms": milliseconds from 0 (delays, intervals);
 * - "positive ms": milliseconds above 0 (timeouts: 0 would fail at once).
 */
export type NumberRule = "count" | "positive count" | "ms" | "positive ms";

const EXPECTED: Readonly<Record<NumberRule, string>> = {
  count: "a whole number from 0",
  "positive count": "a whole number from 1",
  ms: "a number of milliseconds from 0",
  "positive ms": "a number of milliseconds above 0",
};

/** `value` checked against `rule`, or `fallback` when it is undefined. */
export function numberOption(value: unknown, fallback: number, name: string, rule: NumberRule): number {
  if (value === undefined) return fallback;
  const whole = rule === "count" || rule === "positive count";
  const min = rule === "positive count" ? 1 : 0;
  const valid =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (!whole || Number.isInteger(value)) &&
    (rule === "positive ms" ? value > 0 : value >= min);
  if (!valid) {
    throw new RunnerError("INVALID_OPTIONS", `${name} must be ${EXPECTED[rule]}; got ${typeof value === "number" ? String(value) : JSON.stringify(value)}.`);
  }
  return value;
}

// Parsers for numeric options: a bad number is a usage error (exit 2), named by its flag.

import { InvalidArgumentError } from "commander";

/** A whole number from `min` (default 1) up to `max` (default: any). */
export function positiveInteger(flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const range = max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min > 0 ? ` from ${min}` : "";
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number${range}; got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

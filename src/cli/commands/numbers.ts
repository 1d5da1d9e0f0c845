// Parsers for numeric options: a bad number is a usage error (exit 2), named by its flag.

import { InvalidArgumentError } from "commander";

/** A whole number from `min` (default 1). */
export function positiveInteger(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} must be a whole number${min > 0 ? ` from ${min}` : ""}; got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

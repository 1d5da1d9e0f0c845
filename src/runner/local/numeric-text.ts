// The one definition of "this text is a number", for every reader of numeric text in runner/:
// the evaluator (a numeric string in a number field), the local runner (a CSV cell, and type
// inference) and the pipeline's CSV reader (records.ts).

/**
 * Decimal text: an optional sign, digits with an optional fraction (or a bare fraction `.5`),
 * an optional exponent (`1.0E7`), spaces around. `Number(text)` reads exactly these as their
 * value; "", "0x10", "Infinity", "1,000" and "12abc" are not numbers.
 */
export const NUMERIC_TEXT = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** Whether `text` is decimal text (NUMERIC_TEXT); `Number(text)` is then its value. */
export function isNumericText(text: string): boolean {
  return NUMERIC_TEXT.test(text);
}

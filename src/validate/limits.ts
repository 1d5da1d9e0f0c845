/**
 * Zoho's documented limits, checked before anything is sent. See docs/limits.md for sources
 * and for the ones Zoho does not document (marked UNCONFIRMED there).
 */
export const LIMITS = {
  /** Conditions per criteria, counted after desugaring (a number `between` is two). */
  conditions: 25,
  /** Fields per query (UNCONFIRMED: a third-party figure; Zoho documents none). */
  fields: 200,
  /** Characters in a text value. */
  textLength: 255,
  /** Digits in a big integer or a record id. */
  bigintDigits: 19,
  /**
   * Nesting accepted by `parseCriteria`. With at most 25 conditions and no group of one, a
   * valid criteria nests at most 24 groups deep; input deeper than this is refused before it
   * is walked any further.
   */
  depth: 24,
} as const;

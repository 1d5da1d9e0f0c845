import type { Comparator } from "../schema/comparators.js";
import type { GroupOperator } from "../ast/nodes.js";

/** A value as Zoho reads it. */
export type WireScalar = string | number | boolean;
export type WireValue = WireScalar | WireScalar[];

/** A condition in the v2.1+ shape (every version from v2.1 to v8). */
export interface WireCondition {
  field: { api_name: string };
  comparator: Comparator;
  value: WireValue;
}

/** A condition in the v2 shape. */
export interface WireConditionV2 {
  api_name: string;
  comparator: Comparator;
  value: WireValue;
}

export interface WireGroup<C = WireCondition> {
  group_operator: GroupOperator;
  group: Array<WireGroup<C> | C>;
}

/** Bulk Read criteria JSON, as sent in `query.criteria`. */
export type BulkReadCriteria = WireCondition | WireGroup<WireCondition>;
export type BulkReadCriteriaV2 = WireConditionV2 | WireGroup<WireConditionV2>;

/** Bulk Read API versions; "v2" writes the flat `api_name` form, every later one `field`. */
export const CRITERIA_VERSIONS = ["v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8"] as const;
export type CriteriaVersion = (typeof CRITERIA_VERSIONS)[number];

export interface CompileOptions {
  /** API version whose shape to write (default v8). */
  version?: CriteriaVersion;
  /**
   * IANA time zone in which `Date` values are written (default: datetimes in UTC, dates as
   * the calendar date where the code runs).
   */
  timeZone?: string;
}

import type { Criteria } from "../builder/criteria.js";
import { compileBulkRead } from "./bulk-read.js";
import { formatNode } from "./format.js";
import type { BulkReadCriteria, BulkReadCriteriaV2, CompileOptions } from "./wire.js";

export function toBulkReadCriteria(criteria: Criteria, options: CompileOptions & { version: "v2" }): BulkReadCriteriaV2 | undefined;
export function toBulkReadCriteria(criteria: Criteria, options?: CompileOptions): BulkReadCriteria | undefined;
/**
 * The criteria as Bulk Read JSON (the same object `JSON.stringify(criteria)` writes), or
 * undefined for the empty criteria. `{ version: "v2" }` writes the flat `api_name` form;
 * `{ timeZone }` writes `Date` values in that IANA zone.
 */
export function toBulkReadCriteria(criteria: Criteria, options: CompileOptions = {}): BulkReadCriteria | BulkReadCriteriaV2 | undefined {
  return criteria.node === undefined ? undefined : compileBulkRead(criteria.node, options);
}

/** A one-line, human-readable form of the criteria, for logs and error messages. */
export function formatCriteria(criteria: Criteria): string {
  return formatNode(criteria.node);
}

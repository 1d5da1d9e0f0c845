import { CriteriaError } from "../errors/criteria-error.js";
import { COMPARATORS_BY_TYPE, type Comparator } from "../schema/comparators.js";
import type { DataType } from "../schema/data-types.js";

/**
 * Refuses a field criteria cannot use, and a comparator the field's data type does not allow
 * (by its row of COMPARATORS_BY_TYPE), with Zoho's codes. `type` is the field's data_type as
 * declared, `criteriaType` the type whose row applies (a formula's return type).
 */
export function checkComparator(field: string, type: DataType, criteriaType: DataType, comparator: Comparator | undefined, path: string): void {
  const allowed: readonly Comparator[] = COMPARATORS_BY_TYPE[criteriaType];
  if (allowed.length === 0) {
    throw new CriteriaError("FIELD_IN_CRITERIA_NOT_SUPPORTED", `${field} (${type}) cannot be used in criteria; it can only be selected`, { path, field });
  }
  if (comparator !== undefined && !allowed.includes(comparator)) {
    throw new CriteriaError("FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE", `${field} (${criteriaType}) does not support ${comparator}; allowed: ${allowed.join(", ")}`, {
      path: `${path}.comparator`,
      field,
      allowed,
    });
  }
}

/**
 * Stable error codes. Where Zoho has a code for the same mistake we use Zoho's, so a user
 * who searches for it finds Zoho's documentation too; the rest are ours.
 */
export type CriteriaErrorCode =
  // Zoho's codes
  | "FIELD_IN_CRITERIA_NOT_AVAILABLE"
  | "FIELD_IN_CRITERIA_NOT_SUPPORTED"
  | "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE"
  | "VALUE_IN_CRITERIA_NOT_SUPPORTED"
  | "CRITERIA_LIMIT_EXCEEDED"
  | "AMBIGUOUS_CRITERIA"
  | "GROUP_OPERATOR_NOT_SUPPORTED"
  | "INVALID_CRITERIA"
  | "INVALID_CALLBACK_URL"
  | "INVALID_CALLBACK_METHOD"
  | "PAGE_NOT_SUPPORTED"
  | "FIELD_NOT_SUPPORTED"
  | "QUERY_NOT_SUPPORTED"
  | "CVID_NOT_SUPPORTED"
  // ours: things Zoho has no code for because it never sees them
  | "NEGATION_NOT_SUPPORTED"
  | "MODULE_MISMATCH"
  | "INVALID_SCHEMA";

/**
 * Every mistake a user can make in criteria, a query or a schema.
 *
 * `path` is a JSON path into the wire JSON (or into the input given to `parseCriteria` /
 * `defineModuleFromFields`), e.g. `$.group[1].group[0].value`; `field` is the field's API
 * name when one is involved; `allowed` lists what would have been accepted, when that is a
 * short list (comparators, picklist values).
 */
export class CriteriaError extends Error {
  readonly code: CriteriaErrorCode;
  readonly path: string;
  readonly field: string | undefined;
  readonly allowed: readonly string[] | undefined;

  constructor(
    code: CriteriaErrorCode,
    message: string,
    options: { path?: string; field?: string; allowed?: readonly string[] } = {},
  ) {
    const path = options.path ?? "$";
    super(`${message} [${code} at ${path}]`);
    this.name = "CriteriaError";
    this.code = code;
    this.path = path;
    this.field = options.field;
    this.allowed = options.allowed;
  }
}

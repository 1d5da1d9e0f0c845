// The core entry point: pure, isomorphic, no Node built-ins. Runners live in "zoho-bulk-read/runner".
export { COMPARATORS_BY_TYPE, ZOHO_COMPARATORS, type Comparator } from "./schema/comparators.js";
export { DATA_TYPES, VALUE_KIND_BY_TYPE, type DataType, type ValueKind } from "./schema/data-types.js";
export { METHODS, methodsFor, type MethodName, type MethodsFor } from "./schema/methods.js";
export { picklist, multiselectpicklist, lookup, ownerlookup, userlookup, formula, type FieldSpec, type FieldInput, type FieldInputs } from "./schema/field-spec.js";
export type { FieldInfo, FlatFields, ModuleSchema } from "./schema/module-schema.js";
export { EMPTY, type CriteriaNode, type ConditionNode, type GroupNode } from "./ast/nodes.js";
export { CriteriaError, type CriteriaErrorCode } from "./errors/criteria-error.js";
export { LIMITS } from "./validate/limits.js";
export { defineModule, type Module, type Where } from "./builder/define-module.js";
export { and, or, not } from "./builder/logic.js";
export type { Criteria, CriteriaInput, Falsy } from "./builder/criteria.js";
export type * from "./builder/ops-types.js";
export type * from "./compile/wire.js";
export { CRITERIA_VERSIONS } from "./compile/wire.js";
export { toBulkReadCriteria, formatCriteria } from "./compile/to-bulk-read-criteria.js";
export { parseCriteria } from "./parse/parse-criteria.js";
export { bulkRead, type BulkReadQuery, type BulkReadRequest, type BulkReadOptions, type FileType } from "./query/bulk-read-query.js";
export { defineModuleFromFields, type FromFieldsOptions } from "./builder/define-module-from-fields.js";

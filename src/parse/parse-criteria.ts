import { match, P } from "ts-pattern";
import { combine, condition } from "../ast/combine.js";
import type { CriteriaNode } from "../ast/nodes.js";
import { criteriaOf, type Criteria } from "../builder/criteria.js";
import { fieldOf } from "../builder/field-ops.js";
import { CriteriaError } from "../errors/criteria-error.js";
import { isComparator, ZOHO_COMPARATORS } from "../schema/comparators.js";
import { checkComparator } from "../validate/comparator-rules.js";
import type { ModuleSchema } from "../schema/module-schema.js";
import { LIMITS } from "../validate/limits.js";
import { normalizeValue } from "../validate/values.js";

const GROUP_KEYS = ["group_operator", "group"];
const LEAF_KEYS = ["field", "api_name", "comparator", "value"];
/** Keys Zoho's own SDKs and job-details echo add, accepted and ignored. */
const IGNORED_KEYS = ["type"];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The official Node SDK sends arrays as {"0": ..., "1": ...}; say so rather than "not a list". */
function looksLikeIndexedObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k, i) => k === String(i));
}

function invalid(path: string, message: string, field?: string): never {
  throw new CriteriaError("INVALID_CRITERIA", message, { path, ...(field !== undefined && { field }) });
}

class Parser {
  private conditions = 0;
  constructor(private readonly schema: ModuleSchema) {}

  node(input: unknown, path: string, depth: number): CriteriaNode {
    if (!isObject(input)) {
      return invalid(path, `Expected a criteria object ({group_operator, group} or {field, comparator, value}); got ${Array.isArray(input) ? "an array" : input === null ? "null" : typeof input}`);
    }
    const keys = Object.keys(input);
    const unknown = keys.filter((k) => !GROUP_KEYS.includes(k) && !LEAF_KEYS.includes(k) && !IGNORED_KEYS.includes(k));
    if (unknown.length > 0) {
      return invalid(`${path}.${unknown[0]}`, `Unknown key "${unknown[0]}" in criteria; a group has group_operator and group, a condition has field (or api_name), comparator and value`);
    }
    const isGroup = keys.some((k) => GROUP_KEYS.includes(k));
    const isLeaf = keys.some((k) => LEAF_KEYS.includes(k));
    if (isGroup && isLeaf) {
      throw new CriteriaError("AMBIGUOUS_CRITERIA", "A criteria object is either a group {group_operator, group} or a condition {field, comparator, value}, never both", { path });
    }
    if (isGroup) return this.group(input, path, depth);
    if (isLeaf) return this.leaf(input, path);
    return invalid(path, "Empty criteria object; write a condition {field: {api_name}, comparator, value} or a group {group_operator, group}");
  }

  private group(input: Json, path: string, depth: number): CriteriaNode {
    if (depth >= LIMITS.depth) {
      return invalid(path, `Criteria nest more than ${LIMITS.depth} groups deep, deeper than any criteria Zoho accepts (at most ${LIMITS.conditions} conditions, no group of one)`);
    }
    const operator = match(input.group_operator)
      .with(P.union("and", "or"), (op) => op)
      .with(P.string, (op) => {
        const hint = op.toLowerCase() === "and" || op.toLowerCase() === "or" ? `; write it in lower case, "${op.toLowerCase()}"` : "";
        throw new CriteriaError("GROUP_OPERATOR_NOT_SUPPORTED", `Group operator ${JSON.stringify(op)} is not supported; use "and" or "or"${hint}`, { path: `${path}.group_operator`, allowed: ["and", "or"] });
      })
      .otherwise((op) => invalid(`${path}.group_operator`, `A group needs group_operator "and" or "or"; got ${JSON.stringify(op) ?? "nothing"}`));
    const children = input.group;
    if (!Array.isArray(children)) {
      const why = looksLikeIndexedObject(children) ? 'an object with numbered keys ({"0": ...}); send a JSON array' : `${JSON.stringify(children) ?? "nothing"}`;
      return invalid(`${path}.group`, `A group needs a "group" array of criteria; got ${why}`);
    }
    if (children.length === 0) return invalid(`${path}.group`, "A group needs at least one criteria object (Zoho wants two or more; a group of one is read as its only member)");
    // A group of one is accepted and means its child; combine() writes it as the child alone.
    return combine(operator, children.map((child, i) => this.node(child, `${path}.group[${i}]`, depth + 1)))!;
  }

  private leaf(input: Json, path: string): CriteriaNode {
    if (++this.conditions > LIMITS.conditions) {
      throw new CriteriaError("CRITERIA_LIMIT_EXCEEDED", `More than ${LIMITS.conditions} conditions; Zoho allows at most ${LIMITS.conditions} in one criteria`, { path });
    }
    const [apiName, namePath] = match(input)
      .with({ field: P.nonNullable, api_name: P.nonNullable }, () => invalid(path, 'A condition names its field once: {"field": {"api_name": ...}} (v2.1+) or "api_name" (v2), not both'))
      .with({ field: { api_name: P.string } }, (leaf) => [leaf.field.api_name, `${path}.field.api_name`] as const)
      .with({ field: P.nonNullable }, () => invalid(`${path}.field`, 'field must be an object {"api_name": "Field_Name"}'))
      .with({ api_name: P.string }, (leaf) => [leaf.api_name, `${path}.api_name`] as const)
      .otherwise(() => invalid(path, 'A condition needs its field: {"field": {"api_name": "Field_Name"}}'));
    const field = fieldOf(this.schema, apiName, namePath);
    checkComparator(field.path, field.type, field.criteriaType, undefined, namePath);
    const comparator = input.comparator;
    if (!isComparator(comparator)) {
      return invalid(`${path}.comparator`, `Unknown comparator ${JSON.stringify(comparator) ?? "(missing)"} for ${field.path}; Zoho's comparators are ${ZOHO_COMPARATORS.join(", ")}`, field.path);
    }
    checkComparator(field.path, field.type, field.criteriaType, comparator, path);
    if (!("value" in input)) return invalid(`${path}.value`, `The condition on ${field.path} has no value`, field.path);
    if (looksLikeIndexedObject(input.value)) {
      return invalid(`${path}.value`, `${field.path}: value is an object with numbered keys ({"0": ...}); send a JSON array`, field.path);
    }
    const value = normalizeValue(field, comparator, input.value, `${path}.value`);
    return condition(field.path, field.criteriaType, comparator, value);
  }
}

/**
 * Reads Bulk Read criteria JSON from an untrusted source (a file, a request, a config) and
 * checks it against the module: both the v2.1+ `field: {api_name}` and the v2 `api_name`
 * shapes, every rule Zoho enforces, each failure a CriteriaError with the JSON path. A JSON
 * string is parsed first. Nothing is silently fixed; a group of one is accepted because it
 * means its only member.
 */
export function parseCriteria<M extends string>(input: unknown, module: ModuleSchema<M>): Criteria<M> {
  let json = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (error) {
      return invalid("$", `Criteria are not valid JSON: ${(error as Error).message}`);
    }
  }
  return criteriaOf(module.apiName, new Parser(module).node(json, "$", 0));
}

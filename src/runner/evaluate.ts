// The local evaluator: a core CriteriaNode compiled into a predicate over plain records.
//
// Nothing here lists comparators per data type. A condition's data type picks its value kind
// (VALUE_KIND_BY_TYPE) and must allow its comparator (the core's checkComparator, over
// COMPARATORS_BY_TYPE, the one table); there is one function per wire comparator, written once
// over "atoms" of a value kind.
//
// Hot path: a predicate runs once per record, so everything that depends only on the criteria
// (the kind, the comparator's test, the criteria value's atoms, the field path's dot) is chosen
// once per condition, with match() where it reads best. Per record there is no match() and no
// array: the value readers dispatch on `typeof`, and a value's atoms are walked in place.
//
// Semantics (also in docs/local-runner.md). Zoho documents few of them for Bulk Read; the
// choices below follow Zoho CRM search and custom views where Zoho does not say.
//
// - Text (text, textarea, email, phone, website, autonumber, picklist, multi-select) compares
//   case-insensitively: equal, in, contains, starts_with, ends_with all ignore case. Zoho CRM
//   search is case-insensitive; for Bulk Read this is UNCONFIRMED.
// - `${EMPTY}`: `equal` matches a value that is null, undefined, "" or [] (a missing key
//   too); `not_equal` matches every other value.
// - Negations are complements: not_equal, not_in, not_contains and not_between match exactly
//   the records their positive twin does not, so a record with no value matches them
//   (UNCONFIRMED for Zoho). less_than ... greater_equal and between never match an empty value.
// - Lookups (lookup, ownerlookup, userlookup) compare by record id. A record's lookup value is
//   an id (string, number or bigint) or an object with an `id`.
// - Sub-field paths (`Owner.last_name`) read `record.Owner.last_name` when the lookup value is
//   an object, else the flattened key `record["Owner.last_name"]` (how a CSV row holds it).
// - Datetimes compare instants, to the second (Zoho's datetimes have no milliseconds): a record
//   value is a Date or an ISO-8601 string; a string without an offset is read as UTC.
// - Dates compare calendar dates `yyyy-MM-dd`. A Date is read as its calendar date where the
//   code runs, or in `timeZone` (the same rule as the core's compiler); an ISO datetime string
//   in a date field is its calendar date in its own offset.
// - between / not_between are inclusive on both ends: between [a, b] is a <= v <= b.
// - Multi-select: the value is an array or a `;`-joined string. equal / in match when the
//   selection contains the value (any of the values); not_equal / not_in when it does not;
//   contains, starts_with, ends_with match when any selected value does; not_contains when
//   none does.
// - Numbers (integer, double, currency, percent) compare numerically; a numeric string in a
//   record (isNumericText: `12`, `-1.5`, `+3`, `.5`, `1.0E7`, spaces around) is read as its
//   number. bigint compares as a BigInt, with no precision lost.
// - Booleans compare strictly: only `true` equals true ("true" the string does not).
// - A record value that cannot be read as its kind (a word in a number field) equals nothing,
//   orders against nothing and is not empty.

import { TZDate } from "@date-fns/tz";
import { format, isValid, parseISO } from "date-fns";
import { match } from "ts-pattern";
import { EMPTY, type ConditionNode, type CriteriaNode, type Scalar, type Value } from "../ast/nodes.js";
import { CriteriaError } from "../errors/criteria-error.js";
import type { Comparator } from "../schema/comparators.js";
import { VALUE_KIND_BY_TYPE, type ValueKind } from "../schema/data-types.js";
import { checkComparator } from "../validate/comparator-rules.js";
import { formatDate, isDateOnly } from "../validate/dates.js";
import { isNumericText } from "./local/numeric-text.js";

/** A record as the local runner holds it: field API name (or flattened dot path) -> value. */
export type LocalRecord = Readonly<Record<string, unknown>>;
export type RecordPredicate = (record: LocalRecord) => boolean;

export interface EvaluateOptions {
  /** IANA time zone whose calendar date a `Date` has in a date field (default: where the code runs). */
  timeZone?: string;
}

/** One comparable piece of a value: a lower-cased text, a number, a bigint, a boolean. */
type Atom = string | number | bigint | boolean;
type AtomTest = (atom: Atom) => boolean;

/**
 * How the values of one kind are read. Chosen once per condition (with `match()`); the readers
 * themselves dispatch on `typeof`, since they run once per record.
 */
interface Kind {
  /** Whether some atom of a record value passes `test`: none does when the value is empty; a selection has several. */
  some(raw: unknown, test: AtomTest): boolean;
  /** A criteria value as an atom. */
  atom(value: Scalar): Atom;
}

/** Stands for a record value that cannot be read as its kind: equal to nothing. */
const UNREADABLE = Number.NaN;

/** null, undefined, "", [] (and a missing key): what `${EMPTY}` matches. */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Reads a field path from a record: `Owner.last_name` is `record.Owner.last_name` when the
 * lookup value is an object, else the flattened key `record["Owner.last_name"]`.
 */
export function readPath(record: LocalRecord, path: string): unknown {
  const dot = path.indexOf(".");
  if (dot > 0) {
    const parent = record[path.slice(0, dot)];
    if (isPlainObject(parent)) return parent[path.slice(dot + 1)];
  }
  return record[path];
}

/** readPath for one path, its dot looked for once rather than per record. */
function pathReader(path: string): (record: LocalRecord) => unknown {
  const dot = path.indexOf(".");
  if (dot <= 0) return (record) => record[path];
  const head = path.slice(0, dot);
  const tail = path.slice(dot + 1);
  return (record) => {
    const parent = record[head];
    return isPlainObject(parent) ? parent[tail] : record[path];
  };
}

/** The id of a lookup value: an id itself, or an object with an `id`. */
export function lookupId(value: unknown): string | undefined {
  if (isEmptyValue(value)) return undefined;
  if (isPlainObject(value)) return isEmptyValue(value["id"]) ? undefined : String(value["id"]);
  return String(value);
}

function textOf(value: unknown): Atom {
  switch (typeof value) {
    case "string":
      return value.toLowerCase();
    case "number":
    case "bigint":
    case "boolean":
      return String(value).toLowerCase();
    default:
      return value instanceof Date ? value.toISOString().toLowerCase() : UNREADABLE;
  }
}

function numberOf(value: unknown): Atom {
  switch (typeof value) {
    case "number":
      return value;
    case "bigint":
      return Number(value);
    case "string":
      return isNumericText(value) ? Number(value) : UNREADABLE;
    default:
      return UNREADABLE;
  }
}

const INTEGER = /^\s*-?\d+\s*$/;

function bigintOf(value: unknown): Atom {
  switch (typeof value) {
    case "bigint":
      return value;
    case "number":
      return Number.isInteger(value) ? BigInt(value) : UNREADABLE;
    case "string":
      return INTEGER.test(value) ? BigInt(value.trim()) : UNREADABLE;
    default:
      return UNREADABLE;
  }
}

const booleanOf = (value: unknown): Atom => (typeof value === "boolean" ? value : UNREADABLE);

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch of a Date or an ISO string (UTC when it has no offset); NaN when unreadable. */
function parseInstant(value: unknown): number {
  if (typeof value === "string") {
    const date = parseISO(OFFSET.test(value) ? value : isDateOnly(value) ? `${value}T00:00:00Z` : `${value}Z`);
    return isValid(date) ? date.getTime() : Number.NaN;
  }
  return value instanceof Date ? value.getTime() : Number.NaN;
}

/** Seconds since the epoch: Zoho's datetimes carry no milliseconds. */
function instantOf(value: unknown): Atom {
  const ms = parseInstant(value);
  return Number.isNaN(ms) ? UNREADABLE : Math.floor(ms / 1000);
}

/** The calendar date `yyyy-MM-dd` of a Date, a date string or a datetime string. */
function calendarDateOf(value: unknown, timeZone: string | undefined): Atom {
  if (typeof value === "string") {
    if (isDateOnly(value)) return value;
    const offset = OFFSET.exec(value)?.[1];
    const date = parseISO(offset === undefined ? `${value}Z` : value);
    if (!isValid(date)) return UNREADABLE;
    const zone = offset === undefined || offset.toUpperCase() === "Z" ? "+00:00" : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
    return format(new TZDate(date, zone), "yyyy-MM-dd");
  }
  if (value instanceof Date) return isValid(value) ? formatDate(value, timeZone) : UNREADABLE;
  return UNREADABLE;
}

/** Milliseconds since the epoch of a datetime-field value (see the rules above); undefined when unreadable. */
export function instantMs(value: unknown): number | undefined {
  const ms = parseInstant(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The calendar date `yyyy-MM-dd` a date-field value stands for (see the rules above); undefined when unreadable. */
export function calendarDate(value: unknown, timeZone?: string): string | undefined {
  const date = calendarDateOf(value, timeZone);
  return typeof date === "string" ? date : undefined;
}

/**
 * A kind whose record value is a scalar, an array of them (its empty items skipped), or with
 * `split` a `;`-joined string. Walks the value in place: no array per record.
 */
function scalarKind(read: (value: unknown) => Atom, split = false): Kind {
  return {
    atom: read,
    some(raw, test) {
      if (raw === null || raw === undefined || raw === "") return false;
      if (Array.isArray(raw)) {
        for (const item of raw) if (!isEmptyValue(item) && test(read(item))) return true;
        return false;
      }
      if (split && typeof raw === "string") {
        for (const part of raw.split(";")) {
          const text = part.trim();
          if (text !== "" && test(read(text))) return true;
        }
        return false;
      }
      return test(read(raw));
    },
  };
}

const LOOKUP: Kind = {
  atom: (value) => String(value),
  some(raw, test) {
    const id = lookupId(raw);
    return id !== undefined && test(id);
  },
};

function kindOf(kind: ValueKind, options: EvaluateOptions): Kind {
  return match(kind)
    .with("text", "picklist", () => scalarKind(textOf))
    .with("multiselect", () => scalarKind(textOf, true))
    .with("integer", "number", () => scalarKind(numberOf))
    .with("bigint", () => scalarKind(bigintOf))
    .with("date", () => scalarKind((v) => calendarDateOf(v, options.timeZone)))
    .with("datetime", () => scalarKind(instantOf))
    .with("boolean", () => scalarKind(booleanOf))
    .with("lookup", () => LOOKUP)
    .with("none", (): never => {
      // unreachable: checkComparator refuses a type with no comparators first
      throw new CriteriaError("FIELD_IN_CRITERIA_NOT_SUPPORTED", "This field's data type cannot be used in criteria");
    })
    .exhaustive();
}

/** A comparator applied to a criteria value: a test of a record value (as read by its kind). */
type ValueTest = (raw: unknown) => boolean;
type ComparatorFn = (value: Value, kind: Kind) => ValueTest;

const one = (value: Value): Scalar => value as Scalar;
const pair = (value: Value): readonly [Scalar, Scalar] => value as readonly [Scalar, Scalar];
const list = (value: Value): readonly Scalar[] => value as readonly Scalar[];
const never: ValueTest = () => false;
const present: AtomTest = () => true;
const not =
  (fn: ComparatorFn): ComparatorFn =>
  (value, kind) => {
    const test = fn(value, kind);
    return (raw) => !test(raw);
  };
/** Some atom of the record value passes the test made from the criteria value's atom. */
const atomTest =
  (make: (x: Atom) => AtomTest): ComparatorFn =>
  (value, kind) => {
    const test = make(kind.atom(one(value)));
    return (raw) => kind.some(raw, test);
  };
/**
 * Atoms order only against atoms of their own type; UNREADABLE (NaN) equals and orders against
 * nothing, which `===`, `<` and the rest already give.
 */
const sameType = (a: Atom, x: Atom): boolean => typeof a === typeof x;
const textual = (accept: (atom: string, text: string) => boolean): ComparatorFn =>
  atomTest((x) => (typeof x !== "string" ? never : (a) => typeof a === "string" && accept(a, x)));

const equal = atomTest((x) => (a) => a === x);
/** Some atom equals one of the values; `a === a` keeps NaN (UNREADABLE) out, which a Set would match. */
const anyOf: ComparatorFn = (value, kind) => {
  const values = new Set(list(value).map((item) => kind.atom(item)));
  const test: AtomTest = (a) => a === a && values.has(a);
  return (raw) => kind.some(raw, test);
};
/** Inclusive at both ends. */
const between: ComparatorFn = (value, kind) => {
  const [low, high] = pair(value).map((v) => kind.atom(v)) as [Atom, Atom];
  const test: AtomTest = (a) => sameType(a, low) && sameType(a, high) && a >= low && a <= high;
  return (raw) => kind.some(raw, test);
};
const contains = textual((atom, text) => atom.includes(text));

/** One function per wire comparator; which of them a data type may use is the core's table. */
export const COMPARATOR_FUNCTIONS: Readonly<Record<Comparator, ComparatorFn>> = {
  equal,
  not_equal: not(equal),
  in: anyOf,
  not_in: not(anyOf),
  less_than: atomTest((x) => (a) => sameType(a, x) && a < x),
  less_equal: atomTest((x) => (a) => sameType(a, x) && a <= x),
  greater_than: atomTest((x) => (a) => sameType(a, x) && a > x),
  greater_equal: atomTest((x) => (a) => sameType(a, x) && a >= x),
  between,
  not_between: not(between),
  contains,
  not_contains: not(contains),
  starts_with: textual((atom, text) => atom.startsWith(text)),
  ends_with: textual((atom, text) => atom.endsWith(text)),
};

function compileCondition(node: ConditionNode, options: EvaluateOptions, path: string): RecordPredicate {
  checkComparator(node.field, node.type, node.type, node.comparator, path);
  const kind = kindOf(VALUE_KIND_BY_TYPE[node.type], options);
  const read = pathReader(node.field);
  const test = match(node)
    .with({ value: EMPTY, comparator: "equal" }, (): ValueTest => (raw) => !kind.some(raw, present))
    .with({ value: EMPTY, comparator: "not_equal" }, (): ValueTest => (raw) => kind.some(raw, present))
    .otherwise((c) => COMPARATOR_FUNCTIONS[c.comparator](c.value, kind));
  return (record) => test(read(record));
}

/**
 * Compiles criteria (a core `CriteriaNode`, e.g. `parseCriteria(json, module).node`) into a
 * predicate over plain records. `undefined` (no criteria) matches every record. Throws a
 * CriteriaError for a comparator the core's table does not allow for the condition's type.
 */
export function compilePredicate(node: CriteriaNode | undefined, options: EvaluateOptions = {}): RecordPredicate {
  return node === undefined ? () => true : compileNode(node, options, "$");
}

/** `path` is the node's JSON path in the criteria Zoho receives (`$`, `$.group[1]`...), for errors. */
function compileNode(node: CriteriaNode, options: EvaluateOptions, path: string): RecordPredicate {
  return match(node)
    .with({ kind: "condition" }, (c) => compileCondition(c, options, path))
    .with({ kind: "group", operator: "and" }, (g) => {
      const children = g.children.map((child, i) => compileNode(child, options, `${path}.group[${i}]`));
      return (record: LocalRecord) => {
        for (const child of children) if (!child(record)) return false;
        return true;
      };
    })
    .with({ kind: "group", operator: "or" }, (g) => {
      const children = g.children.map((child, i) => compileNode(child, options, `${path}.group[${i}]`));
      return (record: LocalRecord) => {
        for (const child of children) if (child(record)) return true;
        return false;
      };
    })
    .exhaustive();
}

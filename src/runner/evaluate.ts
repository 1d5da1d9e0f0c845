// The local evaluator: a core CriteriaNode compiled into a predicate over plain records.
//
// Nothing here lists comparators per data type. A condition's data type picks its value kind
// (VALUE_KIND_BY_TYPE) and must allow its comparator (COMPARATORS_BY_TYPE, the one table);
// there is one function per wire comparator, written once over "atoms" of a value kind.
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
//   record is read as its number. bigint compares as a BigInt, with no precision lost.
// - Booleans compare strictly: only `true` equals true ("true" the string does not).
// - A record value that cannot be read as its kind (a word in a number field) equals nothing,
//   orders against nothing and is not empty.

import { TZDate } from "@date-fns/tz";
import { format, isValid, parseISO } from "date-fns";
import { match, P } from "ts-pattern";
import { EMPTY, type ConditionNode, type CriteriaNode, type Scalar, type Value } from "../ast/nodes.js";
import { CriteriaError } from "../errors/criteria-error.js";
import { COMPARATORS_BY_TYPE, type Comparator } from "../schema/comparators.js";
import { VALUE_KIND_BY_TYPE, type ValueKind } from "../schema/data-types.js";
import { formatDate, isDateOnly } from "../validate/dates.js";

/** A record as the local runner holds it: field API name (or flattened dot path) -> value. */
export type LocalRecord = Readonly<Record<string, unknown>>;
export type RecordPredicate = (record: LocalRecord) => boolean;

export interface EvaluateOptions {
  /** IANA time zone whose calendar date a `Date` has in a date field (default: where the code runs). */
  timeZone?: string;
}

/** One comparable piece of a value: a lower-cased text, a number, a bigint, a boolean. */
type Atom = string | number | bigint | boolean;

/** How the values of one kind are read and ordered. */
interface Kind {
  /** A record value as its atoms: none when empty, one for a scalar, several for a selection. */
  atoms(raw: unknown): readonly Atom[];
  /** A criteria value as an atom. */
  atom(value: Scalar): Atom;
  /** <0, 0 or >0; NaN when the two cannot be compared. */
  order(a: Atom, b: Atom): number;
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

/** The id of a lookup value: an id itself, or an object with an `id`. */
export function lookupId(value: unknown): string | undefined {
  if (isEmptyValue(value)) return undefined;
  if (isPlainObject(value)) return isEmptyValue(value["id"]) ? undefined : String(value["id"]);
  return String(value);
}

const ORDER = (a: Atom, b: Atom): number => (typeof a !== typeof b ? Number.NaN : a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN);

function scalarsOf(raw: unknown, split: boolean): readonly unknown[] {
  if (isEmptyValue(raw)) return [];
  if (Array.isArray(raw)) return raw.filter((item) => !isEmptyValue(item));
  if (split && typeof raw === "string") return raw.split(";").map((s) => s.trim()).filter((s) => s !== "");
  return [raw];
}

function textOf(value: unknown): Atom {
  return match(value)
    .with(P.string, (s) => s.toLowerCase())
    .with(P.union(P.number, P.bigint, P.boolean), (v) => String(v).toLowerCase())
    .with(P.instanceOf(Date), (d) => d.toISOString().toLowerCase())
    .otherwise(() => UNREADABLE);
}

const NUMERIC = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

function numberOf(value: unknown): Atom {
  return match(value)
    .with(P.number, (n) => n)
    .with(P.bigint, (n) => Number(n))
    .with(P.string, (s) => (NUMERIC.test(s) ? Number(s) : UNREADABLE))
    .otherwise(() => UNREADABLE);
}

const INTEGER = /^\s*-?\d+\s*$/;

function bigintOf(value: unknown): Atom {
  return match(value)
    .with(P.bigint, (n) => n)
    .with(P.number, (n) => (Number.isInteger(n) ? BigInt(n) : UNREADABLE))
    .with(P.string, (s) => (INTEGER.test(s) ? BigInt(s.trim()) : UNREADABLE))
    .otherwise(() => UNREADABLE);
}

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch of a Date or an ISO string (UTC when it has no offset); NaN when unreadable. */
function parseInstant(value: unknown): number {
  return match(value)
    .with(P.instanceOf(Date), (d) => d.getTime())
    .with(P.string, (s) => {
      const date = parseISO(OFFSET.test(s) ? s : isDateOnly(s) ? `${s}T00:00:00Z` : `${s}Z`);
      return isValid(date) ? date.getTime() : Number.NaN;
    })
    .otherwise(() => Number.NaN);
}

/** Seconds since the epoch: Zoho's datetimes carry no milliseconds. */
function instantOf(value: unknown): Atom {
  const ms = parseInstant(value);
  return Number.isNaN(ms) ? UNREADABLE : Math.floor(ms / 1000);
}

/** The calendar date `yyyy-MM-dd` of a Date, a date string or a datetime string. */
function calendarDateOf(value: unknown, timeZone: string | undefined): Atom {
  return match(value)
    .with(P.instanceOf(Date), (d) => (isValid(d) ? formatDate(d, timeZone) : UNREADABLE))
    .with(P.string, (s) => {
      if (isDateOnly(s)) return s;
      const offset = OFFSET.exec(s)?.[1];
      const date = parseISO(offset === undefined ? `${s}Z` : s);
      if (!isValid(date)) return UNREADABLE;
      const zone = offset === undefined || offset.toUpperCase() === "Z" ? "+00:00" : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
      return format(new TZDate(date, zone), "yyyy-MM-dd");
    })
    .otherwise(() => UNREADABLE);
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

function kindOf(kind: ValueKind, options: EvaluateOptions): Kind {
  const scalar = (read: (value: unknown) => Atom, split = false): Kind => ({
    atoms: (raw) => scalarsOf(raw, split).map(read),
    atom: (value) => read(value),
    order: ORDER,
  });
  return match(kind)
    .with("text", "picklist", () => scalar(textOf))
    .with("multiselect", () => scalar(textOf, true))
    .with("integer", "number", () => scalar(numberOf))
    .with("bigint", () => scalar(bigintOf))
    .with("date", () => scalar((v) => calendarDateOf(v, options.timeZone)))
    .with("datetime", () => scalar(instantOf))
    .with("boolean", () => scalar((v) => (typeof v === "boolean" ? v : UNREADABLE)))
    .with("lookup", () => ({
      atoms: (raw: unknown) => {
        const id = lookupId(raw);
        return id === undefined ? [] : [id];
      },
      atom: (value: Scalar) => String(value),
      order: ORDER,
    }))
    .with("none", () => {
      throw new CriteriaError("FIELD_IN_CRITERIA_NOT_SUPPORTED", "This field's data type cannot be used in criteria");
    })
    .exhaustive();
}

/** A comparator applied to a criteria value: a test of a record value's atoms. */
type AtomTest = (atoms: readonly Atom[]) => boolean;
type ComparatorFn = (value: Value, kind: Kind) => AtomTest;

const one = (value: Value): Scalar => value as Scalar;
const pair = (value: Value): readonly [Scalar, Scalar] => value as readonly [Scalar, Scalar];
const list = (value: Value): readonly Scalar[] => value as readonly Scalar[];
const not =
  (fn: ComparatorFn): ComparatorFn =>
  (value, kind) => {
    const test = fn(value, kind);
    return (atoms) => !test(atoms);
  };
const ordered =
  (accept: (order: number) => boolean): ComparatorFn =>
  (value, kind) => {
    const x = kind.atom(one(value));
    return (atoms) => atoms.some((a) => accept(kind.order(a, x)));
  };
const textual =
  (accept: (atom: string, text: string) => boolean): ComparatorFn =>
  (value, kind) => {
    const x = kind.atom(one(value));
    return (atoms) => typeof x === "string" && atoms.some((a) => typeof a === "string" && accept(a, x));
  };

const equal: ComparatorFn = (value, kind) => ordered((o) => o === 0)(value, kind);
const anyOf: ComparatorFn = (value, kind) => {
  const tests = list(value).map((item) => equal(item, kind));
  return (atoms) => tests.some((test) => test(atoms));
};
const between: ComparatorFn = (value, kind) => {
  const [low, high] = pair(value).map((v) => kind.atom(v)) as [Atom, Atom];
  return (atoms) => atoms.some((a) => kind.order(a, low) >= 0 && kind.order(a, high) <= 0);
};
const contains = textual((atom, text) => atom.includes(text));

/** One function per wire comparator; which of them a data type may use is the core's table. */
export const COMPARATOR_FUNCTIONS: Readonly<Record<Comparator, ComparatorFn>> = {
  equal,
  not_equal: not(equal),
  in: anyOf,
  not_in: not(anyOf),
  less_than: ordered((o) => o < 0),
  less_equal: ordered((o) => o <= 0),
  greater_than: ordered((o) => o > 0),
  greater_equal: ordered((o) => o >= 0),
  between,
  not_between: not(between),
  contains,
  not_contains: not(contains),
  starts_with: textual((atom, text) => atom.startsWith(text)),
  ends_with: textual((atom, text) => atom.endsWith(text)),
};

function compileCondition(node: ConditionNode, options: EvaluateOptions): RecordPredicate {
  const allowed: readonly Comparator[] = COMPARATORS_BY_TYPE[node.type];
  if (!allowed.includes(node.comparator)) {
    throw new CriteriaError(
      allowed.length === 0 ? "FIELD_IN_CRITERIA_NOT_SUPPORTED" : "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
      `${node.field} (${node.type}) does not support ${node.comparator}; allowed: ${allowed.join(", ") || "none"}`,
      { field: node.field, allowed },
    );
  }
  const kind = kindOf(VALUE_KIND_BY_TYPE[node.type], options);
  const path = node.field;
  const test = match(node)
    .with({ value: EMPTY, comparator: "equal" }, (): AtomTest => (atoms) => atoms.length === 0)
    .with({ value: EMPTY, comparator: "not_equal" }, (): AtomTest => (atoms) => atoms.length > 0)
    .otherwise((c) => COMPARATOR_FUNCTIONS[c.comparator](c.value, kind));
  return (record) => test(kind.atoms(readPath(record, path)));
}

/**
 * Compiles criteria (a core `CriteriaNode`, e.g. `parseCriteria(json, module).node`) into a
 * predicate over plain records. `undefined` (no criteria) matches every record. Throws a
 * CriteriaError for a comparator the core's table does not allow for the condition's type.
 */
export function compilePredicate(node: CriteriaNode | undefined, options: EvaluateOptions = {}): RecordPredicate {
  if (node === undefined) return () => true;
  return match(node)
    .with({ kind: "condition" }, (c) => compileCondition(c, options))
    .with({ kind: "group", operator: "and" }, (g) => {
      const children = g.children.map((child) => compilePredicate(child, options));
      return (record: LocalRecord) => children.every((child) => child(record));
    })
    .with({ kind: "group", operator: "or" }, (g) => {
      const children = g.children.map((child) => compilePredicate(child, options));
      return (record: LocalRecord) => children.some((child) => child(record));
    })
    .exhaustive();
}

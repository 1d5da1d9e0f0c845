import type { MethodsFor } from "../schema/methods.js";
import type { Criteria } from "./criteria.js";

/** A list that must hold at least one value. */
export type NonEmptyList<V> = readonly [V, ...V[]];

/**
 * Every comparator method with its value type `V`. Each field family below picks from it the
 * methods COMPARATORS_BY_TYPE allows (`MethodsFor`), so illegal methods do not exist on a
 * field's ops object and the editor offers only legal ones.
 */
export interface AllOps<M extends string, V> {
  /** `equal` */
  eq(value: V): Criteria<M>;
  /** `not_equal` */
  ne(value: V): Criteria<M>;
  /** `in`; an empty list literal does not compile, an empty list variable throws. */
  in<const L extends readonly V[]>(values: L extends readonly [] ? NonEmptyList<V> : L): Criteria<M>;
  /** `not_in`; an empty list literal does not compile, an empty list variable throws. */
  notIn<const L extends readonly V[]>(values: L extends readonly [] ? NonEmptyList<V> : L): Criteria<M>;
  /** `greater_than` */
  gt(value: V): Criteria<M>;
  /** `greater_equal` */
  gte(value: V): Criteria<M>;
  /** `less_than` */
  lt(value: V): Criteria<M>;
  /** `less_equal` */
  lte(value: V): Criteria<M>;
  /** Both bounds included: Zoho's `between`, or `greater_equal` + `less_equal` on numbers. */
  between(from: V, to: V): Criteria<M>;
  /** Outside the bounds: Zoho's `not_between`, or `less_than` / `greater_than` on numbers. */
  notBetween(from: V, to: V): Criteria<M>;
  /** `contains` (any text, also on picklists) */
  contains(text: string): Criteria<M>;
  /** `not_contains` */
  notContains(text: string): Criteria<M>;
  /** `starts_with` */
  startsWith(text: string): Criteria<M>;
  /** `ends_with` */
  endsWith(text: string): Criteria<M>;
  /** `equal` `${EMPTY}` */
  isEmpty(): Criteria<M>;
  /** `not_equal` `${EMPTY}` */
  isNotEmpty(): Criteria<M>;
}

/** A record id: 19 digits do not fit a JavaScript number, so a string or a bigint. */
export type RecordId = string | bigint;
/** A datetime: a `Date`, or an ISO-8601 string with an offset. */
export type DateTimeValue = string | Date;
/** A date: a `Date`, or a `yyyy-MM-dd` string. */
export type DateValue = string | Date;

export interface TextOps<M extends string> extends Pick<AllOps<M, string>, MethodsFor<"text">> {}
export interface PicklistOps<M extends string, V extends string> extends Pick<AllOps<M, V>, MethodsFor<"picklist">> {}
export interface MultiSelectOps<M extends string, V extends string> extends Pick<AllOps<M, V>, MethodsFor<"multiselectpicklist">> {}
export interface NumberOps<M extends string> extends Pick<AllOps<M, number>, MethodsFor<"double">> {}
export interface BigIntOps<M extends string> extends Pick<AllOps<M, string | bigint>, MethodsFor<"bigint">> {}
export interface DateOps<M extends string> extends Pick<AllOps<M, DateValue>, MethodsFor<"date">> {}
export interface DateTimeOps<M extends string> extends Pick<AllOps<M, DateTimeValue>, MethodsFor<"datetime">> {}
export interface BooleanOps<M extends string> extends Pick<AllOps<M, boolean>, MethodsFor<"boolean">> {}
export interface LookupOps<M extends string> extends Pick<AllOps<M, RecordId>, MethodsFor<"lookup">> {}
/** Fields criteria cannot use (file upload, subform...): they can be selected, not compared. */
export interface NoOps {}

/**
 * The ops object of each data type, chosen by indexed access (no conditional types).
 * `spec/builder/ops-table.test-d.ts` proves every entry has exactly `MethodsFor<T>`.
 */
export interface OpsByType<M extends string, V extends string> {
  text: TextOps<M>;
  textarea: TextOps<M>;
  email: TextOps<M>;
  phone: TextOps<M>;
  website: TextOps<M>;
  autonumber: TextOps<M>;
  picklist: PicklistOps<M, V>;
  multiselectpicklist: MultiSelectOps<M, V>;
  integer: NumberOps<M>;
  bigint: BigIntOps<M>;
  double: NumberOps<M>;
  currency: NumberOps<M>;
  percent: NumberOps<M>;
  date: DateOps<M>;
  datetime: DateTimeOps<M>;
  boolean: BooleanOps<M>;
  lookup: LookupOps<M>;
  ownerlookup: LookupOps<M>;
  userlookup: LookupOps<M>;
  formula: NoOps;
  fileupload: NoOps;
  imageupload: NoOps;
  profileimage: NoOps;
  subform: NoOps;
  multiselectlookup: NoOps;
  multiuserlookup: NoOps;
  territories: NoOps;
  richtext: NoOps;
  consent_lookup: NoOps;
  event_reminder: NoOps;
  RRULE: NoOps;
  ALARM: NoOps;
  layout: NoOps;
  rollup_summary: NoOps;
}

import { TZDate } from "@date-fns/tz";
import { formatISO, isExists, isValid, parseISO } from "date-fns";

/** Zoho's datetime form: seconds, no milliseconds, a `±HH:mm` offset. */
const CANONICAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)[+-](0\d|1[0-4]):([0-5]\d)$/;
/** Any ISO-8601 date-time that carries an offset (Z, ±HH:mm or ±HHmm). */
const OFFSET_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * An instant as Zoho's datetime, in the zone the TZDate carries. date-fns' formatISO writes
 * seconds and the offset without the locale machinery `format` brings into a browser bundle;
 * it writes a zero offset as `Z`, which Zoho's samples never use, so that one is spelled out.
 */
function zohoDateTime(date: TZDate): string {
  const text = formatISO(date);
  return text.endsWith("Z") ? `${text.slice(0, -1)}+00:00` : text;
}

/**
 * Checks an ISO-8601 datetime string and writes it as Zoho wants it: in its own offset, with
 * seconds and without milliseconds, `Z` as `+00:00`. Returns undefined when the string is
 * not a valid datetime with an offset (a string without one would be read in some unknown
 * zone: exactly the "a date a day off" bug).
 */
export function canonicalDateTime(text: string): string | undefined {
  // Fast path, on every request: a string already in Zoho's form only needs its calendar
  // date checked (the pattern bounds the clock and the offset).
  const parts = CANONICAL_DATETIME.exec(text);
  if (parts !== null) return calendarDateExists(parts[1]!, parts[2]!, parts[3]!) ? text : undefined;
  const instant = parseISO(text);
  if (!isValid(instant)) return undefined;
  const offset = OFFSET_DATETIME.exec(text)?.[1];
  if (offset === undefined) return undefined;
  const zone = offset === "Z" ? "+00:00" : offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset;
  return zohoDateTime(new TZDate(instant, zone));
}

function calendarDateExists(year: string, month: string, day: string): boolean {
  const d = Number(day);
  const m = Number(month);
  // This runs on every request: every month has a 30th but February, so only February's
  // last days and the 31st need the calendar.
  if (d >= 1 && (d <= 28 || (d <= 30 && m !== 2))) return m >= 1 && m <= 12;
  return isExists(Number(year), m - 1, d);
}

/** True for a real calendar date written `yyyy-MM-dd` (so not 2023-02-29). */
export function isDateOnly(text: string): boolean {
  const parts = DATE_ONLY.exec(text);
  return parts !== null && calendarDateExists(parts[1]!, parts[2]!, parts[3]!);
}

/** A `Date` as a Zoho datetime: in UTC, or in the IANA `timeZone` given. */
export function formatDateTime(date: Date, timeZone: string | undefined): string {
  return zohoDateTime(new TZDate(date, timeZone ?? "UTC"));
}

/** A `Date` as a Zoho date: its calendar date where the code runs, or in `timeZone`. */
export function formatDate(date: Date, timeZone: string | undefined): string {
  return formatISO(timeZone === undefined ? date : new TZDate(date, timeZone), { representation: "date" });
}

/**
 * The instant a validated date or datetime value stands for, to compare bounds. Validated
 * strings are in ECMAScript's own date-time format, so the built-in parser reads them exactly.
 */
export function instantOf(value: string | Date): number {
  return typeof value === "string" ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : value.getTime();
}

// Cell writing: a value as Zoho writes it in a Bulk Read CSV.

import { match, P } from "ts-pattern";
import { VALUE_KIND_BY_TYPE, type DataType } from "../../schema/data-types.js";
import { formatDateTime } from "../../validate/dates.js";
import { calendarDate, instantMs, isEmptyValue, lookupId } from "../evaluate.js";

function plainText(value: unknown): string {
  if (value instanceof Date) return formatDateTime(value, "UTC");
  if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    return String(object["id"] ?? object["name"] ?? JSON.stringify(value));
  }
  return String(value);
}

/**
 * `yyyy-MM-ddTHH:mm:ss+00:00` for an instant. A Zoho datetime has no milliseconds. The
 * date-fns path (formatDateTime) asks Intl for the zone's offset on every call, which costs
 * more than the rest of a row; UTC has no offset to ask for, so years 0-9999 use the
 * engine's own UTC formatter (whose fixed layout `yyyy-MM-ddTHH:mm:ss.sssZ` is replaced only in
 * its constant suffix).
 */
function utcDateTime(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return formatDateTime(date, "UTC");
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

export type CellWriter = (value: unknown) => string;

/** How the values of one column are written: chosen once per column, not once per cell. */
export function cellWriter(type: DataType, timeZone?: string): CellWriter {
  const write: CellWriter = match(VALUE_KIND_BY_TYPE[type])
    .with("lookup", (): CellWriter => (value) => lookupId(value) ?? "")
    .with("datetime", (): CellWriter => (value) => {
      const ms = value instanceof Date ? value.getTime() : instantMs(value);
      return ms === undefined || Number.isNaN(ms) ? plainText(value) : utcDateTime(ms);
    })
    .with("date", (): CellWriter => (value) => calendarDate(value, timeZone) ?? plainText(value))
    .with("boolean", (): CellWriter => (value) => (typeof value === "boolean" ? String(value) : plainText(value)))
    .with(P._, (): CellWriter => (value) => (Array.isArray(value) ? value.filter((v) => !isEmptyValue(v)).map(plainText).join(";") : plainText(value)))
    .exhaustive();
  return (value) => (isEmptyValue(value) ? "" : write(value));
}

/**
 * A value as Zoho writes it in the CSV: ids as strings, booleans true/false, datetimes
 * `yyyy-MM-ddTHH:mm:ss+00:00`, dates `yyyy-MM-dd`, multi-selects `;`-joined, a lookup as its id,
 * no value as an empty cell.
 */
export function cellText(value: unknown, type: DataType, timeZone?: string): string {
  return cellWriter(type, timeZone)(value);
}

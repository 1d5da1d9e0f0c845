// ICS results (file_type "ics", Events only): the archive's .ics entry parsed with ical.js into
// event records. Zoho squashes a recurring series into one VEVENT (with an RRULE) and writes an
// edited instance as its own VEVENT with a RECURRENCE-ID (bulk-read-api.md §6).

import ICAL from "ical.js";
import { RunnerError } from "./zoho-api-error.js";

/** One VEVENT of an ICS result. `id` is its UID (the CRM event's id in Zoho's export). */
export interface IcsEvent {
  id: string;
  uid: string;
  summary: string | null;
  description: string | null;
  location: string | null;
  /** Start and end instants; for an all-day event, midnight UTC of its dates. */
  start: Date | null;
  end: Date | null;
  allDay: boolean;
  /** The instance of a recurring series this VEVENT overrides, when it does. */
  recurrenceId: Date | null;
  /** The series' recurrence rule (`FREQ=WEEKLY;COUNT=4`), when it is one. */
  rrule: string | null;
  /** Every property of the VEVENT: name (lower case) -> its values as text. */
  properties: Record<string, string[]>;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function instant(time: ICAL.Time | null | undefined): Date | null {
  if (time === null || time === undefined) return null;
  if (time.isDate) return new Date(Date.UTC(time.year, time.month - 1, time.day));
  return time.toJSDate();
}

function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && "toString" in value) return String(value);
  return JSON.stringify(value);
}

/** Parses an iCalendar text into its VEVENTs. Malformed text is a RunnerError `ICS_MALFORMED`. */
export function parseIcsEvents(icsText: string, where = "the result"): IcsEvent[] {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(icsText) as unknown[]);
  } catch (error) {
    throw new RunnerError("ICS_MALFORMED", `The iCalendar file of ${where} cannot be parsed (${(error as Error).message.slice(0, 200)}): download it again; report it if it persists.`, { cause: error });
  }
  return root.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const properties: Record<string, string[]> = {};
    for (const property of component.getAllProperties()) {
      const list = (properties[property.name] ??= []);
      for (const value of property.getValues()) list.push(valueText(value));
    }
    const uid = text(event.uid) ?? "";
    const rrule = component.getFirstPropertyValue("rrule");
    const start = event.startDate as ICAL.Time | null;
    return {
      id: uid,
      uid,
      summary: text(event.summary),
      description: text(event.description),
      location: text(event.location),
      start: instant(start),
      end: instant(event.endDate as ICAL.Time | null),
      allDay: start?.isDate === true,
      recurrenceId: instant(event.recurrenceId as ICAL.Time | null),
      rrule: rrule === null || rrule === undefined ? null : valueText(rrule),
      properties,
    };
  });
}

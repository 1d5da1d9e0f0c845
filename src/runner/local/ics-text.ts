// ICS writing: Events as an iCalendar file, the way a Bulk Read with file_type "ics" returns them.

import ICAL from "ical.js";
import { calendarDate, instantMs, isEmptyValue, type LocalRecord } from "../evaluate.js";

function icsTime(value: unknown, allDay: boolean): ICAL.Time | undefined {
  if (allDay) {
    const date = calendarDate(value);
    return date === undefined ? undefined : ICAL.Time.fromDateString(date);
  }
  const ms = instantMs(value);
  return ms === undefined ? undefined : ICAL.Time.fromJSDate(new Date(ms), true);
}

/** Events as iCalendar: each record a VEVENT built with ical.js, streamed between the calendar's lines. */
export function* icsText(records: Iterable<LocalRecord>, stamp: Date): Generator<string> {
  yield "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//zoho-bulk-read//local runner//EN\r\n";
  const dtstamp = ICAL.Time.fromJSDate(stamp, true);
  for (const record of records) {
    const component = new ICAL.Component("vevent");
    const event = new ICAL.Event(component);
    event.uid = String(record["id"]);
    component.addPropertyWithValue("dtstamp", dtstamp);
    const allDay = record["All_day"] === true;
    const start = icsTime(record["Start_DateTime"], allDay);
    const end = icsTime(record["End_DateTime"], allDay);
    if (start !== undefined) event.startDate = start;
    if (end !== undefined) event.endDate = end;
    if (!isEmptyValue(record["Event_Title"])) event.summary = String(record["Event_Title"]);
    if (!isEmptyValue(record["Venue"])) event.location = String(record["Venue"]);
    if (!isEmptyValue(record["Description"])) event.description = String(record["Description"]);
    yield `${component.toString()}\r\n`;
  }
  yield "END:VCALENDAR\r\n";
}

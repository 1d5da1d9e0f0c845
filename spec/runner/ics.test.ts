// ICS results (Events, file_type "ics"): produced by the local runner behind the fake Zoho
// server, parsed with ical.js into event records.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bulkRead, defineModule } from "../../src/index.js";
import { exportToFile } from "../../src/runner/export-to-file.js";
import { parseIcsEvents, type IcsEvent } from "../../src/runner/ics.js";
import type { BulkReadRequestBody, JobRunner } from "../../src/runner/job-runner.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { runBulkRead } from "../../src/runner/run-bulk-read.js";
import { startFakeZoho, type FakeZoho } from "../../src/testing/index.js";
import { CREDENTIALS, drain, FAST } from "./pipeline-fixtures.js";
import { createZohoRunner } from "../../src/runner/zoho-runner.js";

const Events = defineModule("Events", {
  Event_Title: "text",
  Start_DateTime: "datetime",
  End_DateTime: "datetime",
  All_day: "boolean",
  Venue: "text",
  Description: "textarea",
});

const events = [
  { id: "4150868000000700001", Event_Title: "Kick-off", Start_DateTime: "2024-05-01T09:00:00+02:00", End_DateTime: "2024-05-01T10:30:00+02:00", Venue: "Room 1, Berlin", Description: "Agenda; notes\nand a second line" },
  { id: "4150868000000700002", Event_Title: "Offsite", Start_DateTime: "2024-05-10", End_DateTime: "2024-05-11", All_day: true },
  { id: "4150868000000700003", Event_Title: "Review", Start_DateTime: new Date("2024-06-01T12:00:00Z"), End_DateTime: new Date("2024-06-01T13:00:00Z") },
  { id: "4150868000000700004", Event_Title: "Retro", Start_DateTime: "2024-06-02T12:00:00+00:00", End_DateTime: "2024-06-02T12:30:00+00:00" },
  { id: "4150868000000700005", Event_Title: "Planning", Start_DateTime: "2024-06-03T12:00:00+00:00", End_DateTime: "2024-06-03T12:30:00+00:00" },
];

let fake: FakeZoho | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("ICS export", () => {
  it("yields VEVENTs as event records through the fake server, paging with page_token", async () => {
    fake = await startFakeZoho({ data: { Events: events }, schemas: [Events], pageSize: 2 });
    const runner = createZohoRunner({ apiDomain: fake.url, accountsUrl: fake.accountsUrl, auth: CREDENTIALS });
    const query = bulkRead(Events).fileType("ics");
    const { items, error } = await drain(runBulkRead(runner, query, FAST));
    expect(error).toBeUndefined();
    const records = items as unknown as IcsEvent[];
    expect(records.map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(records[0]).toMatchObject({
      id: "4150868000000700001",
      uid: "4150868000000700001",
      summary: "Kick-off",
      location: "Room 1, Berlin",
      description: "Agenda; notes\nand a second line",
      start: new Date("2024-05-01T07:00:00Z"),
      end: new Date("2024-05-01T08:30:00Z"),
      allDay: false,
      recurrenceId: null,
      rrule: null,
      properties: expect.objectContaining({ uid: ["4150868000000700001"], summary: ["Kick-off"], dtstamp: [expect.any(String)] }),
    });
    expect(records[1]).toMatchObject({ summary: "Offsite", allDay: true, start: new Date("2024-05-10T00:00:00Z"), end: new Date("2024-05-11T00:00:00Z"), location: null });
  });

  it("sends file_type with the page token on v7+ (Zoho's next-page body is { query: { page_token } } alone), and does not check ICS pages against result.count", async () => {
    const inner = createLocalRunner({ data: { Events: events }, schemas: [Events], pageSize: 2 });
    const bodies: BulkReadRequestBody[] = [];
    const runner: JobRunner = {
      apiVersion: inner.apiVersion,
      createJob: (body, options) => (bodies.push(structuredClone(body)), inner.createJob(body, options)),
      // Zoho counts a recurring series squashed into one VEVENT as one record per occurrence:
      // result.count need not match the VEVENTs.
      getJob: async (id, options) => {
        const job = await inner.getJob(id, options);
        return job.result?.count === undefined ? job : { ...job, result: { ...job.result, count: job.result.count + 3 } };
      },
      downloadResult: (id, url, options) => inner.downloadResult(id, url, options),
    };
    const { items, error } = await drain(runBulkRead(runner, bulkRead(Events).fileType("ics"), FAST));
    expect(error).toBeUndefined();
    expect((items as unknown as IcsEvent[]).map((r) => r.id)).toEqual(events.map((e) => e.id));
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toMatchObject({ file_type: "ics", query: { module: { api_name: "Events" } } });
    for (const body of bodies.slice(1)) expect(body).toEqual({ file_type: "ics", query: { page_token: expect.any(String) } });
  });

  it("exports ICS events to JSONL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zoho-bulk-read-ics-"));
    try {
      const runner = createLocalRunner({ data: { Events: events }, schemas: [Events], pageSize: 3 });
      const path = join(dir, "events.jsonl");
      expect(await exportToFile(runner, bulkRead(Events).fileType("ics"), path, FAST)).toMatchObject({ records: 5, pages: 2 });
      const lines = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((l) => l["summary"])).toEqual(["Kick-off", "Offsite", "Review", "Retro", "Planning"]);
      expect(lines[2]).toMatchObject({ start: "2024-06-01T12:00:00.000Z", end: "2024-06-01T13:00:00.000Z" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("parseIcsEvents", () => {
  it("reads a recurring series (RRULE) and an edited instance (RECURRENCE-ID) as Zoho writes them", () => {
    const ics = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Zoho//CRM//EN",
      "BEGIN:VEVENT",
      "UID:4150868000000800001",
      "DTSTAMP:20240101T000000Z",
      "DTSTART:20240108T090000Z",
      "DTEND:20240108T093000Z",
      "RRULE:FREQ=WEEKLY;COUNT=4",
      "SUMMARY:Stand-up",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:4150868000000800001",
      "DTSTAMP:20240101T000000Z",
      "RECURRENCE-ID:20240115T090000Z",
      "DTSTART:20240115T100000Z",
      "DTEND:20240115T103000Z",
      "SUMMARY:Stand-up (moved)",
      "LOCATION:Room\\, 2",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    const [series, moved] = parseIcsEvents(ics);
    expect(series).toMatchObject({ uid: "4150868000000800001", summary: "Stand-up", rrule: "FREQ=WEEKLY;COUNT=4", recurrenceId: null, start: new Date("2024-01-08T09:00:00Z") });
    expect(moved).toMatchObject({ summary: "Stand-up (moved)", location: "Room, 2", rrule: null, recurrenceId: new Date("2024-01-15T09:00:00Z"), start: new Date("2024-01-15T10:00:00Z") });
    expect(moved!.properties["recurrence-id"]).toEqual(["2024-01-15T09:00:00Z"]);
  });

  it("refuses text that is not iCalendar", () => {
    expect(() => parseIcsEvents("id,Last_Name\r\n1,x\r\n")).toThrow(expect.objectContaining({ code: "ICS_MALFORMED" }));
  });
});

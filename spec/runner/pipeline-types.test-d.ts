// Type tests of the pipeline's records: each selected field typed by its data type (through
// RecordValueByType, an indexed access), `id` always a string, unselected fields absent.
import { expectTypeOf } from "vitest";
import { bulkRead } from "../../src/index.js";
import type { IcsEvent } from "../../src/runner/ics.js";
import type { JobRunner } from "../../src/runner/job-runner.js";
import type { BulkReadRecord, RecordOf } from "../../src/runner/records.js";
import { exportToFile, runBulkRead, runBulkReadBatches } from "../../src/runner/index.js";
import { Leads } from "../fixtures/leads.js";

declare const runner: JobRunner;

const query = bulkRead(Leads).select(
  "Last_Name", "Annual_Revenue", "No_of_Employees", "Email_Opt_Out", "Created_Time", "Follow_Up_Date",
  "Lead_Status", "Tags", "Owner", "Owner.last_name", "Account", "Big_Number", "Score", "Photo", "Description",
);
type Lead = RecordOf<typeof query>;

expectTypeOf<Lead["id"]>().toEqualTypeOf<string>();
expectTypeOf<Lead["Last_Name"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Annual_Revenue"]>().toEqualTypeOf<number | null>();
expectTypeOf<Lead["No_of_Employees"]>().toEqualTypeOf<number | null>();
expectTypeOf<Lead["Email_Opt_Out"]>().toEqualTypeOf<boolean | null>();
expectTypeOf<Lead["Created_Time"]>().toEqualTypeOf<Date | null>();
expectTypeOf<Lead["Follow_Up_Date"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Lead_Status"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Tags"]>().toEqualTypeOf<string[]>();
expectTypeOf<Lead["Owner"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Owner.last_name"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Account"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Big_Number"]>().toEqualTypeOf<string | null>();
// a formula is typed by its return type
expectTypeOf<Lead["Score"]>().toEqualTypeOf<number | null>();
expectTypeOf<Lead["Photo"]>().toEqualTypeOf<string | null>();
expectTypeOf<Lead["Description"]>().toEqualTypeOf<string | null>();

// runBulkRead yields exactly these records; the batches are arrays of them
expectTypeOf(runBulkRead(runner, query)).toEqualTypeOf<AsyncIterableIterator<Lead>>();
expectTypeOf(runBulkReadBatches(runner, query)).toEqualTypeOf<AsyncGenerator<Lead[], void, undefined>>();
expectTypeOf(exportToFile(runner, query, "out.csv")).resolves.toMatchTypeOf<{ records: number; pages: number; path: string }>();

declare const lead: Lead;
lead.Last_Name;
// @ts-expect-error Company was not selected
lead.Company;
const revenue: number | null = lead.Annual_Revenue;
// @ts-expect-error a currency is a number, not a string
const revenueText: string | null = lead.Annual_Revenue;
const big: string | null = lead.Big_Number;
// @ts-expect-error a bigint stays a string: 19 digits do not fit a JS number
const bigNumber: number | null = lead.Big_Number;
const tags: string[] = lead.Tags;
// @ts-expect-error a multi-select is never null (an empty one is [])
const noTags: null = lead.Tags;

// With nothing selected every column comes back, untyped, with its id
type Any = RecordOf<typeof anyQuery>;
const anyQuery = bulkRead(Leads);
expectTypeOf<Any>().toEqualTypeOf<{ id: string } & Record<string, unknown>>();
expectTypeOf<BulkReadRecord<{}, never>["id"]>().toEqualTypeOf<string>();

// An ICS query's records are IcsEvents, which carry an id too
expectTypeOf<IcsEvent>().toMatchTypeOf<{ id: string }>();

void [revenue, revenueText, big, bigNumber, tags, noTags];

// Type tests: each illegal use is a compile error (@ts-expect-error), and the line just
// above it is its legal twin, which must compile. Run by `npm run test:types` under
// TypeScript 6 and 7; scripts/type-tests.mjs also checks that every error has its twin.
import { expectTypeOf } from "vitest";
import { and, bulkRead, defineModule, lookup, not, or, ownerlookup, parseCriteria, userlookup, type Criteria } from "../../src/index.js";
import type { BooleanOps, DateTimeOps, LookupOps, NoOps, NumberOps, PicklistOps, TextOps } from "../../src/index.js";
import { Contacts, Leads } from "../fixtures/leads.js";

const { where } = Leads;

// ---- field names and sub-field paths ----
where("Last_Name");
// @ts-expect-error unknown field
where("Last_Nam");
where("Owner.last_name");
// @ts-expect-error undeclared sub-field path
where("Owner.first_name");
where("Account.Phone");
// @ts-expect-error a sub-field of a field that is not a lookup
where("Email.domain");
const NoSubs = defineModule("Deals", { Deal_Name: "text", Owner: ownerlookup(), Account: lookup("Accounts"), Creator: userlookup() });
expectTypeOf(NoSubs.where("Deal_Name")).toEqualTypeOf<TextOps<"Deals">>();
NoSubs.where("Owner");
// @ts-expect-error a lookup declared without sub-fields has none
NoSubs.where("Owner.last_name");
NoSubs.where("Account");
// @ts-expect-error a lookup declared without sub-fields has none
NoSubs.where("Account.Phone");

// ---- each field gets its family's ops ----
expectTypeOf(where("Last_Name")).toEqualTypeOf<TextOps<"Leads">>();
expectTypeOf(where("Annual_Revenue")).toEqualTypeOf<NumberOps<"Leads">>();
expectTypeOf(where("Score")).toEqualTypeOf<NumberOps<"Leads">>();
expectTypeOf(where("Created_Time")).toEqualTypeOf<DateTimeOps<"Leads">>();
expectTypeOf(where("Email_Opt_Out")).toEqualTypeOf<BooleanOps<"Leads">>();
expectTypeOf(where("Owner")).toEqualTypeOf<LookupOps<"Leads">>();
expectTypeOf(where("Owner.last_name")).toEqualTypeOf<TextOps<"Leads">>();
expectTypeOf(where("Lead_Status")).toEqualTypeOf<PicklistOps<"Leads", "New" | "Contacted" | "Qualified">>();
expectTypeOf(where("Photo")).toEqualTypeOf<NoOps>();

// ---- comparators not allowed for the type do not exist ----
where("Last_Name").contains("x");
// @ts-expect-error contains is not a number comparator
where("Annual_Revenue").contains("1");
where("Annual_Revenue").gt(1);
// @ts-expect-error gt is not a text comparator
where("Last_Name").gt("a");
where("Email_Opt_Out").eq(true);
// @ts-expect-error booleans have eq only
where("Email_Opt_Out").ne(true);
where("Email_Opt_Out").eq(false);
// @ts-expect-error booleans cannot be empty-checked
where("Email_Opt_Out").isEmpty();
where("Owner").in(["1"]);
// @ts-expect-error lookups compare ids: no contains
where("Owner").contains("1");
where("Created_Time").between("2024-01-01T00:00:00Z", new Date());
// @ts-expect-error no startsWith on a datetime
where("Created_Time").startsWith("2024");
where("Description").startsWith("x");
// @ts-expect-error fields criteria cannot use have no comparators
where("Photo").eq("x");

// ---- value types ----
where("Annual_Revenue").eq(10);
// @ts-expect-error a number field takes a number
where("Annual_Revenue").eq("10");
where("Last_Name").eq("Boyle");
// @ts-expect-error a text field takes a string
where("Last_Name").eq(42);
where("Owner").eq(4876876000000225013n);
// @ts-expect-error a record id is a string or a bigint, never a number (19 digits do not fit)
where("Owner").eq(4876876000000225013);
where("Big_Number").eq("9223372036854775807");
// @ts-expect-error a bigint field takes a string or a bigint
where("Big_Number").eq(1);
where("Created_Time").gt(new Date());
// @ts-expect-error a datetime takes a Date or a string
where("Created_Time").gt(1700000000000);
where("Annual_Revenue").between(1, 2);
// @ts-expect-error between takes two values
where("Annual_Revenue").between(1);

// ---- picklists keep their literals without `as const` ----
where("Lead_Status").eq("New");
// @ts-expect-error not a declared picklist value
where("Lead_Status").eq("Lost");
where("Lead_Status").in(["New", "Qualified"]);
// @ts-expect-error not a declared picklist value, in a list
where("Lead_Status").in(["New", "Lost"]);
where("Lead_Status").contains("Lo");
where("Tags").eq("Hot");
// @ts-expect-error not a declared multi-select value
where("Tags").eq("Warm");

// ---- empty in() lists ----
where("Owner").in(["5545974000000393001"]);
// @ts-expect-error an empty list literal can never match
where("Owner").in([]);
where("Last_Name").notIn(["a"]);
// @ts-expect-error an empty list literal can never match
where("Last_Name").notIn([]);
const ids: string[] = [];
where("Owner").in(ids); // a list variable compiles; it is checked non-empty at run time

// ---- criteria of another module ----
const leads = where("Last_Name").eq("A");
const contacts = Contacts.where("Last_Name").eq("A");
leads.and(where("Company").eq("B"));
// @ts-expect-error criteria on Contacts in a Leads group
leads.and(contacts);
leads.or(where("Company").eq("B"));
// @ts-expect-error criteria on Contacts in a Leads group
leads.or(contacts);
and(leads, where("Company").eq("B"));
// @ts-expect-error and() of two modules
and(leads, contacts);
bulkRead(Leads).where(leads);
// @ts-expect-error a Leads query with Contacts criteria
bulkRead(Leads).where(contacts);

// ---- chains keep one type, however long ----
expectTypeOf(leads.and(leads).or(leads).and(leads, leads)).toEqualTypeOf<Criteria<"Leads">>();
expectTypeOf(not(leads)).toEqualTypeOf<Criteria<"Leads">>();
expectTypeOf(or(leads, undefined, false, null)).toEqualTypeOf<Criteria<"Leads">>();
expectTypeOf(parseCriteria({}, Leads)).toEqualTypeOf<Criteria<"Leads">>();
const dynamic = and(); // nothing to infer from: fits any module
const name = "" as string;
bulkRead(Leads).where(and(name && where("Last_Name").eq(name), undefined, where("Company").eq("B")));
bulkRead(Leads).where(dynamic);

// ---- selecting fields ----
bulkRead(Leads).select("Last_Name", "Owner.last_name", "Photo");
// @ts-expect-error selecting an unknown field
bulkRead(Leads).select("Last_Name", "Nope");
expectTypeOf(bulkRead(Leads).select("Last_Name").select("Email").fields).toEqualTypeOf<readonly ("Last_Name" | "Email")[]>();

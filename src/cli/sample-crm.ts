// The demo's sample CRM: deterministic (a seeded generator, a fixed "today"), realistic enough
// to read, and large enough to page: users, accounts and leads whose fields cover every
// common data type, with some fields left empty as in a real org.

import { TZDate } from "@date-fns/tz";
import { addDays, addSeconds, format } from "date-fns";
import { createRandom, type Random } from "./prng.js";
import { INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, PRODUCTS, RATINGS } from "./sample-modules.js";

export interface SampleCrmOptions {
  /** Number of leads (default 50,000). */
  leads?: number;
  /** Seed of the generator (default "zoho-bulk-read"). */
  seed?: string;
}

export type SampleRecord = Record<string, unknown>;

export interface SampleCrm {
  readonly seed: string;
  /** The sample's "today": every date is relative to it, so the data never changes. */
  readonly today: Date;
  readonly users: readonly SampleRecord[];
  readonly accounts: readonly SampleRecord[];
  readonly leads: readonly SampleRecord[];
}

export const DEFAULT_LEADS = 50_000;
export const DEFAULT_SEED = "zoho-bulk-read";
const TODAY = new Date("2025-07-01T00:00:00Z");

const FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Priya", "Arjun", "Ananya", "Rahul", "Mei", "Wei", "Yuki", "Haruto", "Sofia", "Mateo", "Lucía", "Hugo", "Emma", "Lukas", "Léa", "Noah", "Olivia", "Liam", "Amara", "Kwame", "Fatima", "Omar", "Chloé", "Sven", "Ingrid", "Aarav", "Zara", "Diego", "Isabela", "Ravi"];
const LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Patel", "Sharma", "Iyer", "Nair", "Chen", "Wang", "Tanaka", "Sato", "Müller", "Schmidt", "Dubois", "Rossi", "Silva", "Santos", "Okafor", "Mensah", "Haddad", "Kowalski", "Novak", "Andersen", "O'Brien", "Boyle", "Murphy", "Kelly", "Nguyen", "Kim", "Park", "Ali", "Khan", "Fischer"];
const COMPANY_STEMS = ["Zylker", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Acme", "Tyrell", "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka", "Aperture", "Gringotts", "Oscorp", "Pied Piper", "Dunder", "Blue Sky", "Red Rock", "Silver Lake", "Golden Gate", "Evergreen", "Summit", "Pinnacle", "Horizon", "Atlas", "Orion"];
const COMPANY_KINDS = ["Logistics", "Foods", "Systems", "Technologies", "Holdings", "Consulting", "Labs", "Industries", "Networks", "Health", "Energy", "Media", "Software", "Retail", "Finance", "Robotics"];
const COMPANY_SUFFIXES = ["Inc", "Ltd", "LLC", "GmbH", "Pvt Ltd", "SA", "Co"];
const DESIGNATIONS = ["CEO", "CTO", "CFO", "VP Sales", "Head of IT", "Operations Manager", "Procurement Lead", "Marketing Director", "Product Manager", "Engineer", "Consultant", "Office Manager"];
const PLACES: readonly (readonly [city: string, state: string, country: string, phone: string])[] = [
  ["Austin", "Texas", "United States", "+1 512"],
  ["Chicago", "Illinois", "United States", "+1 312"],
  ["San Jose", "California", "United States", "+1 408"],
  ["New York", "New York", "United States", "+1 212"],
  ["Toronto", "Ontario", "Canada", "+1 416"],
  ["London", "England", "United Kingdom", "+44 20"],
  ["Manchester", "England", "United Kingdom", "+44 161"],
  ["Berlin", "Berlin", "Germany", "+49 30"],
  ["Munich", "Bavaria", "Germany", "+49 89"],
  ["Paris", "Île-de-France", "France", "+33 1"],
  ["Chennai", "Tamil Nadu", "India", "+91 44"],
  ["Bengaluru", "Karnataka", "India", "+91 80"],
  ["Tokyo", "Tokyo", "Japan", "+81 3"],
  ["Sydney", "New South Wales", "Australia", "+61 2"],
  ["São Paulo", "São Paulo", "Brazil", "+55 11"],
  ["Dubai", "Dubai", "United Arab Emirates", "+971 4"],
];
const DESCRIPTIONS = [
  "Asked for a demo after the webinar.",
  "Evaluating three vendors; decision next quarter.",
  "Budget approved, needs a quote for 50 seats.",
  'Wants "single sign-on" and an on-premise option.',
  "Met at the trade show, interested in analytics.\nFollow up with pricing.",
  "Existing customer of a competitor, contract ends soon.",
];

/** A 19-digit Zoho-style record id: a module prefix and a sequence number. */
function zohoId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(19 - prefix.length, "0")}`;
}

function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

/**
 * Datetimes stay `Date`s: the local runner compares them as instants and writes them the way
 * Zoho does (`yyyy-MM-ddTHH:mm:ss+00:00`) only for the records a job returns, which keeps
 * generating 50,000 leads fast.
 */
function dateTime(date: Date): Date {
  return date;
}

const calendarDates = new Map<number, string>();

/** The `yyyy-MM-dd` of a day `offset` days from TODAY (UTC), formatted once per day. */
function calendarDate(offset: number): string {
  let text = calendarDates.get(offset);
  if (text === undefined) {
    text = format(new TZDate(addDays(TODAY, offset), "UTC"), "yyyy-MM-dd");
    calendarDates.set(offset, text);
  }
  return text;
}

function phone(random: Random, prefix: string): string {
  return `${prefix} ${random.int(200, 999)} ${String(random.int(0, 9999)).padStart(4, "0")}`;
}

function makeUsers(random: Random): SampleRecord[] {
  const users: SampleRecord[] = [];
  for (let i = 0; i < 24; i++) {
    const first = FIRST_NAMES[(i * 7) % FIRST_NAMES.length]!;
    const last = LAST_NAMES[(i * 11 + 3) % LAST_NAMES.length]!;
    users.push({
      id: zohoId("4150868000000", 225013 + i),
      first_name: first,
      last_name: last,
      full_name: `${first} ${last}`,
      email: `${slug(first)}.${slug(last)}@zylker.example`,
      role: i === 0 ? "CEO" : i < 4 ? "Manager" : "Sales Representative",
      status: random.chance(0.9) ? "active" : "inactive",
    });
  }
  return users;
}

function ownerOf(user: SampleRecord): SampleRecord {
  return { id: user["id"], first_name: user["first_name"], last_name: user["last_name"], email: user["email"] };
}

function makeAccounts(random: Random, users: readonly SampleRecord[]): SampleRecord[] {
  const accounts: SampleRecord[] = [];
  const names = new Set<string>();
  for (let i = 0; accounts.length < 2_000; i++) {
    const name = `${random.pick(COMPANY_STEMS)} ${random.pick(COMPANY_KINDS)} ${random.pick(COMPANY_SUFFIXES)}`;
    if (names.has(name)) continue;
    names.add(name);
    const [city, , country, prefix] = random.pick(PLACES);
    const created = addSeconds(TODAY, -random.int(30, 4 * 365) * 86_400 - random.int(0, 86_399));
    accounts.push({
      id: zohoId("4150868000001", accounts.length + 1),
      Account_Name: name,
      Website: `https://www.${slug(name)}.example`,
      Phone: phone(random, prefix),
      Industry: random.pick(INDUSTRIES),
      Employees: Math.round(10 ** random.float(1, 4.7)),
      Annual_Revenue: Math.round(10 ** random.float(5, 8.5) / 1000) * 1000,
      Billing_City: city,
      Billing_Country: country,
      Owner: ownerOf(random.pick(users)),
      Created_Time: dateTime(created),
    });
  }
  return accounts;
}

function makeLead(random: Random, n: number, users: readonly SampleRecord[], accounts: readonly SampleRecord[]): SampleRecord {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const account = random.chance(0.6) ? random.pick(accounts) : undefined;
  const company = account !== undefined ? String(account["Account_Name"]) : `${random.pick(COMPANY_STEMS)} ${random.pick(COMPANY_KINDS)}`;
  const domain = `${slug(company)}.example`;
  const [city, state, country, prefix] = random.pick(PLACES);
  const status = random.weighted<(typeof LEAD_STATUSES)[number]>([
    ["New", 22], ["Attempted to Contact", 14], ["Contact in Future", 8], ["Contacted", 18], ["Pre-Qualified", 10],
    ["Qualified", 12], ["Not Qualified", 7], ["Lost Lead", 6], ["Junk Lead", 3],
  ]);
  const created = addSeconds(TODAY, -random.int(1, 730) * 86_400 - random.int(0, 86_399));
  const activity = addSeconds(created, random.int(0, 120) * 86_400 + random.int(0, 86_399));
  const lead: SampleRecord = {
    id: zohoId("4150868000002", n),
    Lead_Number: `LD-${String(n).padStart(6, "0")}`,
    First_Name: random.chance(0.97) ? first : null,
    Last_Name: last,
    Company: company,
    Designation: random.pick(DESIGNATIONS),
    Email: `${slug(first)}.${slug(last)}${random.int(1, 99)}@${domain}`,
    Secondary_Email: random.chance(0.15) ? `${slug(first)}${random.int(1, 999)}@mail.example` : null,
    Phone: phone(random, prefix),
    Mobile: random.chance(0.55) ? phone(random, prefix) : null,
    Website: random.chance(0.8) ? `https://www.${domain}` : null,
    Lead_Source: random.pick(LEAD_SOURCES),
    Lead_Status: status,
    Industry: account !== undefined ? account["Industry"] : random.pick(INDUSTRIES),
    Rating: random.chance(0.7) ? random.pick(RATINGS) : null,
    Products_of_Interest: random.sample(PRODUCTS, random.weighted([[0, 2], [1, 5], [2, 3], [3, 1]])),
    No_of_Employees: Math.round(10 ** random.float(0.7, 4.5)),
    Annual_Revenue: random.chance(0.9) ? Math.round(10 ** random.float(4.5, 7.3) / 100) * 100 : null,
    Win_Probability: random.int(0, 20) * 5,
    Lead_Score: Math.round(random.float(0, 100) * 100) / 100,
    Email_Opt_Out: random.chance(0.12),
    Follow_Up_Date: random.chance(0.6) ? calendarDate(random.int(-60, 90)) : null,
    Created_Time: dateTime(created),
    Last_Activity_Time: dateTime(activity > TODAY ? TODAY : activity),
    City: city,
    State: state,
    Country: country,
    Description: random.chance(0.3) ? random.pick(DESCRIPTIONS) : null,
    Owner: ownerOf(users[Math.min(users.length - 1, Math.floor(random.next() ** 1.6 * users.length))]!),
    Account: account === undefined ? null : { id: account["id"], Account_Name: account["Account_Name"], Phone: account["Phone"] },
  };
  return lead;
}

/** The sample CRM: the same records for the same options, on every machine. */
export function generateSampleCrm(options: SampleCrmOptions = {}): SampleCrm {
  const seed = options.seed ?? DEFAULT_SEED;
  const total = options.leads ?? DEFAULT_LEADS;
  const random = createRandom(seed);
  const users = makeUsers(random);
  const accounts = makeAccounts(random, users);
  const leads: SampleRecord[] = [];
  for (let n = 1; n <= total; n++) leads.push(makeLead(random, n, users, accounts));
  return { seed, today: TODAY, users, accounts, leads };
}

// The benchmark's records: deterministic, realistic Leads (ids, text with commas and quotes,
// numbers, datetimes, picklists, booleans, a lookup id), shared by the server and the baseline.
export const PAGE_SIZE = 200_000;

export const schema = {
  Last_Name: "text",
  Company: "text",
  Email: "email",
  Annual_Revenue: "currency",
  No_of_Employees: "integer",
  Created_Time: "datetime",
  Lead_Status: "text",
  Email_Opt_Out: "boolean",
  Owner: "ownerlookup",
  Description: "textarea",
};
export const FIELDS = Object.keys(schema);

const STATUSES = ["New", "Contacted", "Qualified", "Lost"];
const WORDS = ["alpha", "bravo", "charlie", "delta, inc.", 'echo "the" fox', "golf"];

export function makeRecords(count) {
  const records = new Array(count);
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    records[i] = {
      id: String(5545974000000000000n + BigInt(i)),
      Last_Name: `Name${i}`,
      Company: `Company ${i % 9973}`,
      Email: `user${i}@example.com`,
      Annual_Revenue: (i % 100000) * 10.5,
      No_of_Employees: i % 5000,
      Created_Time: new Date(start + i * 1000),
      Lead_Status: STATUSES[i % 4],
      Email_Opt_Out: i % 7 === 0,
      Owner: String(5545974000000393000n + BigInt(i % 50)),
      Description: i % 3 === 0 ? `${WORDS[i % 6]} ${WORDS[(i + 1) % 6]}` : "",
    };
  }
  return records;
}

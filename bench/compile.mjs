#!/usr/bin/env node
// Cost of one request: building and serialising the seed's compound Bulk Read request with
// the library, against the same body written as an object literal and JSON.stringify'd.
// Both are measured in the same run, interleaved, and the ratio is printed (target: <= 2x;
// the official TypeScript SDK measured ~75x in official-sdk-baseline.md). Uses dist/.
import { bulkRead, defineModule, ownerlookup } from "../dist/index.js";

const Leads = defineModule("Leads", {
  Last_Name: "text",
  Company: "text",
  Created_Time: "datetime",
  Owner: ownerlookup(),
});
const { where } = Leads;

function library() {
  const criteria = where("Last_Name")
    .eq("Boyle")
    .and(where("Owner").in(["4876876000000225013", "4876876000000225014"]))
    .or(where("Company").eq("Zylker"), where("Created_Time").between("2024-01-01T00:00:00+05:30", "2024-06-30T23:59:59+05:30"));
  return JSON.stringify(bulkRead(Leads).select("Last_Name", "Owner", "Company", "Created_Time").where(criteria).page(1));
}

function literal() {
  return JSON.stringify({
    query: {
      module: { api_name: "Leads" },
      fields: ["Last_Name", "Owner", "Company", "Created_Time"],
      page: 1,
      criteria: {
        group_operator: "or",
        group: [
          {
            group_operator: "and",
            group: [
              { field: { api_name: "Last_Name" }, comparator: "equal", value: "Boyle" },
              { field: { api_name: "Owner" }, comparator: "in", value: ["4876876000000225013", "4876876000000225014"] },
            ],
          },
          { field: { api_name: "Company" }, comparator: "equal", value: "Zylker" },
          { field: { api_name: "Created_Time" }, comparator: "between", value: ["2024-01-01T00:00:00+05:30", "2024-06-30T23:59:59+05:30"] },
        ],
      },
    },
  });
}

if (library() !== literal()) throw new Error(`the two bodies differ:\n${library()}\n${literal()}`);

let sink = 0;
function time(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn().length;
  return Number(process.hrtime.bigint() - start) / iterations; // ns per request
}

const ITERATIONS = 20_000;
const ROUNDS = 9;
for (let i = 0; i < 3; i++) time(library, ITERATIONS), time(literal, ITERATIONS); // warm-up
const lib = [];
const lit = [];
for (let round = 0; round < ROUNDS; round++) {
  lib.push(time(library, ITERATIONS));
  lit.push(time(literal, ITERATIONS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [a, b] = [median(lib), median(lit)];
const ratio = a / b;
console.log(`compile: library ${(a / 1000).toFixed(2)} us/request, literal + JSON.stringify ${(b / 1000).toFixed(2)} us/request -> ${ratio.toFixed(2)}x (target <= 2x; ${ROUNDS} interleaved rounds of ${ITERATIONS}, medians)`);
if (sink === 0) console.log("");
console.log(ratio > 2 ? "target missed: more than 2x the literal" : "target met: at most 2x the literal");

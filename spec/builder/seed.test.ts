import { describe, expect, it } from "vitest";
import { bulkRead, formatCriteria, parseCriteria, toBulkReadCriteria } from "../../src/index.js";
import { Leads } from "../fixtures/leads.js";

const { where } = Leads;

// The seed query of the project (official-sdk-baseline.md): (A and B) or (C or D).
const seed = where("Last_Name")
  .eq("Boyle")
  .and(where("Owner").in(["4876876000000225013", "4876876000000225014"]))
  .or(where("Company").eq("Zylker"), where("Created_Time").between("2024-01-01T00:00:00+05:30", "2024-06-30T23:59:59+05:30"));

const seedJson = {
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
};

describe("the seed compound query", () => {
  it("compiles to Zoho's JSON, with the or-groups flattened", () => {
    expect(JSON.parse(JSON.stringify(seed))).toEqual(seedJson);
    expect(toBulkReadCriteria(seed)).toEqual(seedJson);
  });

  it("is the same request as the hand-written body", () => {
    const body = bulkRead(Leads).select("Last_Name", "Owner", "Company", "Created_Time").where(seed).page(1).toJSON();
    expect(body).toEqual({
      query: { module: { api_name: "Leads" }, fields: ["Last_Name", "Owner", "Company", "Created_Time"], page: 1, criteria: seedJson },
    });
  });

  it("survives a parse -> compile round trip unchanged", () => {
    const again = parseCriteria(JSON.parse(JSON.stringify(seed)), Leads);
    expect(again.toJSON()).toEqual(seedJson);
    expect(parseCriteria(again.toJSON(), Leads).toJSON()).toEqual(seedJson);
  });

  it("prints as one readable line", () => {
    expect(formatCriteria(seed)).toBe(
      '(Last_Name = "Boyle" and Owner in ["4876876000000225013", "4876876000000225014"]) or Company = "Zylker" or Created_Time between "2024-01-01T00:00:00+05:30" and "2024-06-30T23:59:59+05:30"',
    );
    expect(String(seed)).toBe(formatCriteria(seed));
  });

  it("matches the issue's example request", () => {
    const criteria = where("Last_Name").eq("Boyle");
    const body = bulkRead(Leads).select("Last_Name", "Owner.last_name").where(criteria).cvid("34770610087501").page(1).callback("https://example.com/cb");
    expect(body.toJSON()).toEqual({
      callback: { url: "https://example.com/cb", method: "post" },
      query: {
        module: { api_name: "Leads" },
        cvid: "34770610087501",
        fields: ["Last_Name", "Owner.last_name"],
        page: 1,
        criteria: { field: { api_name: "Last_Name" }, comparator: "equal", value: "Boyle" },
      },
    });
    expect(JSON.stringify(body)).toBe(JSON.stringify(body.toJSON()));
    expect(Object.keys(JSON.parse(JSON.stringify(body)))).toEqual(["callback", "query"]);
  });
});

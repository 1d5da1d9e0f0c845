// The demo's query, twice: as code (what the demo prints) and as the same code, run. Keep the
// two in step; spec/cli/demo.test.ts checks the printed JSON against the query's own.

import { and, bulkRead, or } from "../index.js";
import { Leads } from "./sample-modules.js";

export const DEMO_QUERY_SOURCE = `const { where } = Leads;   // defineModule("Leads", { ... 29 fields ... })

const query = bulkRead(Leads)
  .select("Lead_Number", "First_Name", "Last_Name", "Email", "Company", "Lead_Status",
          "Annual_Revenue", "Products_of_Interest", "Created_Time", "Owner", "Owner.last_name")
  .where(
    and(
      where("Lead_Status").in(["New", "Contacted", "Pre-Qualified", "Qualified"]),
      or(
        where("Annual_Revenue").gte(100_000),
        where("Products_of_Interest").contains("Analytics"),
      ),
      where("Created_Time").between("2024-01-01T00:00:00+00:00", "2025-06-30T23:59:59+00:00"),
      where("Email_Opt_Out").eq(false),
    ),
  );`;

export function demoQuery() {
  const { where } = Leads;
  return bulkRead(Leads)
    .select("Lead_Number", "First_Name", "Last_Name", "Email", "Company", "Lead_Status", "Annual_Revenue", "Products_of_Interest", "Created_Time", "Owner", "Owner.last_name")
    .where(
      and(
        where("Lead_Status").in(["New", "Contacted", "Pre-Qualified", "Qualified"]),
        or(where("Annual_Revenue").gte(100_000), where("Products_of_Interest").contains("Analytics")),
        where("Created_Time").between("2024-01-01T00:00:00+00:00", "2025-06-30T23:59:59+00:00"),
        where("Email_Opt_Out").eq(false),
      ),
    );
}

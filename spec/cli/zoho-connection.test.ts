import { afterEach, expect, it } from "vitest";
import { connectToZoho } from "../../src/cli/zoho-connection.js";
import { defineModule } from "../../src/index.js";
import { startFakeZoho, type FakeZoho } from "../../src/testing/index.js";

let fake: FakeZoho | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

it("fetches fields metadata again with a fresh token when Zoho refuses the cached one", async () => {
  const Leads = defineModule("Leads", { Last_Name: "text" });
  fake = await startFakeZoho({ data: { Leads: [{ Last_Name: "Boyle" }] }, schemas: [Leads] });
  const connection = await connectToZoho({
    flags: { apiDomain: fake.url, accountsUrl: fake.accountsUrl },
    auth: { clientId: "id", clientSecret: "secret", refreshToken: "rt" },
    log: () => {},
  });
  await connection.fetchFields("Leads");
  fake.faults.expireTokens();
  const metadata = (await connection.fetchFields("Leads")) as { fields: { api_name: string }[] };
  expect(metadata.fields.map((f) => f.api_name)).toContain("Last_Name");
  const fieldRequests = fake.requests.filter((r) => r.path.endsWith("/settings/fields")).map((r) => r.status);
  expect(fieldRequests).toEqual([200, 401, 200]);
  expect(fake.requests.filter((r) => r.path === "/oauth/v2/token")).toHaveLength(2);
});

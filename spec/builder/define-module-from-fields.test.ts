import { describe, expect, it } from "vitest";
import { bulkRead, defineModuleFromFields, parseCriteria } from "../../src/index.js";

// Trimmed from the shape of Zoho's GET /crm/v8/settings/fields?module=Leads response.
const leadsFields = {
  fields: [
    { api_name: "Last_Name", data_type: "text", field_label: "Last Name", json_type: "string" },
    { api_name: "Annual_Revenue", data_type: "currency", json_type: "double" },
    { api_name: "Lead_Status", data_type: "picklist", pick_list_values: [{ display_value: "New", actual_value: "New" }, { display_value: "Houston", actual_value: "Houston Showroom" }] },
    { api_name: "Owner", data_type: "ownerlookup", lookup: {} },
    { api_name: "Account_Name", data_type: "lookup", lookup: { module: { api_name: "Accounts", id: "1" } } },
    { api_name: "Score", data_type: "formula", formula: { return_type: "double" } },
    { api_name: "Record_Image", data_type: "profileimage" },
    { api_name: "Created_Time", data_type: "datetime" },
  ],
};

describe("defineModuleFromFields", () => {
  const Leads = defineModuleFromFields("Leads", leadsFields, { related: { Accounts: { fields: [{ api_name: "Phone", data_type: "phone" }] } } });

  it("gives the same run-time schema as defineModule", () => {
    expect(Leads.paths).toEqual(["Last_Name", "Annual_Revenue", "Lead_Status", "Owner", "Account_Name", "Account_Name.Phone", "Score", "Record_Image", "Created_Time"]);
    expect(Leads.field("Lead_Status")?.values).toEqual(["New", "Houston Showroom"]);
    expect(Leads.field("Score")).toMatchObject({ type: "formula", criteriaType: "double" });
    expect(Leads.field("Account_Name")?.lookupModule).toBe("Accounts");
    expect(Leads.field("Owner")?.lookupModule).toBe("users");
  });

  it("checks criteria against the metadata at run time", () => {
    expect(parseCriteria({ field: { api_name: "Lead_Status" }, comparator: "equal", value: "Houston Showroom" }, Leads).toJSON()).toBeDefined();
    expect(() => parseCriteria({ field: { api_name: "Lead_Status" }, comparator: "equal", value: "Houston" }, Leads)).toThrow(expect.objectContaining({ code: "VALUE_IN_CRITERIA_NOT_SUPPORTED" }));
    expect(() => Leads.where("Annual_Revenue").contains!("1")).toThrow(expect.objectContaining({ code: "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE" }));
    expect(Leads.where("Account_Name.Phone").startsWith!("+1").toJSON()).toEqual({ field: { api_name: "Account_Name.Phone" }, comparator: "starts_with", value: "+1" });
    expect(bulkRead(Leads).select("Last_Name").toJSON().query.fields).toEqual(["Last_Name"]);
  });

  it("accepts a bare list of fields", () => {
    expect(defineModuleFromFields("X", [{ api_name: "A", data_type: "text" }]).paths).toEqual(["A"]);
  });

  it.each([
    [null, "$"],
    [{ fields: "x" }, "$"],
    [{ fields: [{ api_name: 1, data_type: "text" }] }, "$.fields[0]"],
    [{ fields: [{ api_name: "A" }] }, "$.fields[0]"],
    [{ fields: [{ api_name: "bad name", data_type: "text" }] }, "$.fields[0].api_name"],
    [{ fields: [{ api_name: "A", data_type: "text" }, { api_name: "A", data_type: "text" }] }, "$.fields[1].api_name"],
    [{ fields: [{ api_name: "A", data_type: "hologram" }] }, "$.fields[0].data_type"],
    [{ fields: [{ api_name: "A", data_type: "picklist", pick_list_values: "x" }] }, "$.fields[0].pick_list_values"],
  ])("refuses malformed metadata %j at %s", (json, path) => {
    expect(() => defineModuleFromFields("X", json)).toThrow(expect.objectContaining({ code: "INVALID_SCHEMA", path }));
  });

  it("leaves out unknown data types when asked to", () => {
    const M = defineModuleFromFields("X", { fields: [{ api_name: "A", data_type: "hologram" }, { api_name: "B", data_type: "text" }] }, { unknownTypes: "skip" });
    expect(M.paths).toEqual(["B"]);
  });
});

import { describe, expect, it } from "vitest";
import { bulkRead, defineModule } from "../../src/index.js";
import { Leads } from "../fixtures/leads.js";

const Events = defineModule("Events", { Event_Title: "text", Start_DateTime: "datetime" });
const throwsCode = (fn: () => unknown, code: string, path: string) => expect(fn).toThrow(expect.objectContaining({ code, path }));

describe("bulkRead", () => {
  it("builds the minimal body", () => {
    expect(bulkRead(Leads).toJSON()).toEqual({ query: { module: { api_name: "Leads" } } });
  });

  it("is immutable: every call returns a new query", () => {
    const base = bulkRead(Leads).select("Last_Name");
    const paged = base.page(2);
    expect(base.toJSON().query.page).toBeUndefined();
    expect(paged.toJSON().query.page).toBe(2);
  });

  it("adds selected fields in order, once each", () => {
    expect(bulkRead(Leads).select("Last_Name", "Email").select("Email", "Owner.last_name").fields).toEqual(["Last_Name", "Email", "Owner.last_name"]);
  });

  it("joins two where() calls with and", () => {
    const body = bulkRead(Leads).where(Leads.where("Last_Name").eq("A")).where(Leads.where("Company").eq("B")).toJSON();
    expect(body.query.criteria).toEqual({
      group_operator: "and",
      group: [
        { field: { api_name: "Last_Name" }, comparator: "equal", value: "A" },
        { field: { api_name: "Company" }, comparator: "equal", value: "B" },
      ],
    });
  });

  it("writes the v2 shapes", () => {
    const body = bulkRead(Leads, { version: "v2" }).where(Leads.where("Last_Name").eq("A")).toJSON();
    expect(body).toEqual({ query: { module: "Leads", criteria: { api_name: "Last_Name", comparator: "equal", value: "A" } } });
  });

  it("writes a continuation with the page token only, as Zoho's sample does", () => {
    const body = bulkRead(Leads).select("Last_Name").where(Leads.where("Last_Name").eq("A")).pageToken("a4d1c8ff").callback("https://x.io/cb").toJSON();
    expect(body).toEqual({ callback: { url: "https://x.io/cb", method: "post" }, query: { page_token: "a4d1c8ff" } });
  });

  it("takes a cvid as a string or a bigint", () => {
    expect(bulkRead(Leads).cvid(34770610087501n).toJSON().query.cvid).toBe("34770610087501");
    throwsCode(() => bulkRead(Leads).cvid("all"), "CVID_NOT_SUPPORTED", "$.query.cvid");
  });

  it("exports Events as ICS", () => {
    expect(bulkRead(Events).fileType("ics").toJSON()).toEqual({ query: { module: { api_name: "Events" } }, file_type: "ics" });
  });
});

describe("bulkRead refuses, before anything is sent", () => {
  it("pages below 1 or not whole", () => {
    throwsCode(() => bulkRead(Leads).page(0), "PAGE_NOT_SUPPORTED", "$.query.page");
    throwsCode(() => bulkRead(Leads).page(1.5), "PAGE_NOT_SUPPORTED", "$.query.page");
  });

  it("page and pageToken together", () => {
    throwsCode(() => bulkRead(Leads).page(2).pageToken("t"), "PAGE_NOT_SUPPORTED", "$.query.page_token");
    throwsCode(() => bulkRead(Leads).pageToken("t").page(2), "PAGE_NOT_SUPPORTED", "$.query.page");
  });

  it("callbacks that are not http(s) URLs or not post", () => {
    throwsCode(() => bulkRead(Leads).callback("ftp://x.io/cb"), "INVALID_CALLBACK_URL", "$.callback.url");
    throwsCode(() => bulkRead(Leads).callback("/relative"), "INVALID_CALLBACK_URL", "$.callback.url");
    throwsCode(() => bulkRead(Leads).callback({ url: "https://x.io", method: "get" as "post" }), "INVALID_CALLBACK_METHOD", "$.callback.method");
    expect(() => bulkRead(Leads).callback("http://127.0.0.1:8080/cb?secret=1")).not.toThrow();
  });

  it("ICS for any module but Events, or with fields", () => {
    throwsCode(() => bulkRead(Leads).fileType("ics"), "QUERY_NOT_SUPPORTED", "$.file_type");
    throwsCode(() => bulkRead(Events).select("Event_Title").fileType("ics"), "QUERY_NOT_SUPPORTED", "$.file_type");
    throwsCode(() => bulkRead(Events).fileType("ics").select("Event_Title"), "QUERY_NOT_SUPPORTED", "$.query.fields");
    throwsCode(() => bulkRead(Leads).fileType("xlsx" as "csv"), "QUERY_NOT_SUPPORTED", "$.file_type");
  });

  it("unknown fields and more than 200 fields", () => {
    throwsCode(() => bulkRead(Leads).select("Nope" as "Email"), "FIELD_NOT_SUPPORTED", "$.query.fields[0]");
    const Wide = defineModule("Wide", Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`F${i}`, "text" as const])));
    const names = Wide.paths as string[];
    expect(() => bulkRead(Wide).select(...names.slice(0, 200))).not.toThrow();
    throwsCode(() => bulkRead(Wide).select(...names), "QUERY_NOT_SUPPORTED", "$.query.fields");
  });
});

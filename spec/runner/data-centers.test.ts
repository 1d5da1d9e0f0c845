import { describe, expect, it } from "vitest";
import { DATA_CENTERS, type DataCenter } from "../../src/runner/data-centers.js";

describe("DATA_CENTERS", () => {
  it("covers the eight DCs of the SDKs", () => {
    expect(Object.keys(DATA_CENTERS).sort()).toEqual(["au", "ca", "cn", "eu", "in", "jp", "sa", "us"]);
  });

  it.each([
    ["us", "com"],
    ["eu", "eu"],
    ["in", "in"],
    ["au", "com.au"],
    ["jp", "jp"],
    ["cn", "com.cn"],
    ["ca", "ca"],
    ["sa", "sa"],
  ] as const)("%s uses the .%s domains for every environment", (dc: DataCenter, tld) => {
    const info = DATA_CENTERS[dc];
    expect(info.apiDomains).toEqual({
      production: `https://www.zohoapis.${tld}`,
      sandbox: `https://sandbox.zohoapis.${tld}`,
      developer: `https://developer.zohoapis.${tld}`,
    });
    expect(info.accountsUrl).toBe(dc === "ca" ? "https://accounts.zohocloud.ca" : `https://accounts.zoho.${tld}`);
  });

  it("every entry is an https origin", () => {
    for (const info of Object.values(DATA_CENTERS)) {
      for (const url of [info.accountsUrl, ...Object.values(info.apiDomains)]) {
        expect(new URL(url).origin).toBe(url);
        expect(url.startsWith("https://")).toBe(true);
      }
    }
  });
});

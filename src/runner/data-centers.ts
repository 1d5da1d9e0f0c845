// Zoho's data centers: API domains per environment and the accounts (OAuth) server.
// Source: bulk-read-api.md §1.4 (the official SDKs' DC classes and the CRM multi-DC page).
// Data, not code: one row per DC. Note CA's accounts server is `accounts.zohocloud.ca`, not
// `accounts.zoho.ca`; sandbox and developer orgs use the same accounts server as production.

export type DataCenter = "us" | "eu" | "in" | "au" | "jp" | "cn" | "ca" | "sa";
export type ZohoEnvironment = "production" | "sandbox" | "developer";

export interface DataCenterInfo {
  /** Base URL of the accounts server; the token endpoint is `{accountsUrl}/oauth/v2/token`. */
  readonly accountsUrl: string;
  /** API domain (origin) per environment. */
  readonly apiDomains: { readonly [E in ZohoEnvironment]: string };
}

export const DATA_CENTERS = {
  us: {
    accountsUrl: "https://accounts.zoho.com",
    apiDomains: {
      production: "https://www.zohoapis.com",
      sandbox: "https://sandbox.zohoapis.com",
      developer: "https://developer.zohoapis.com",
    },
  },
  eu: {
    accountsUrl: "https://accounts.zoho.eu",
    apiDomains: {
      production: "https://www.zohoapis.eu",
      sandbox: "https://sandbox.zohoapis.eu",
      developer: "https://developer.zohoapis.eu",
    },
  },
  in: {
    accountsUrl: "https://accounts.zoho.in",
    apiDomains: {
      production: "https://www.zohoapis.in",
      sandbox: "https://sandbox.zohoapis.in",
      developer: "https://developer.zohoapis.in",
    },
  },
  au: {
    accountsUrl: "https://accounts.zoho.com.au",
    apiDomains: {
      production: "https://www.zohoapis.com.au",
      sandbox: "https://sandbox.zohoapis.com.au",
      developer: "https://developer.zohoapis.com.au",
    },
  },
  jp: {
    accountsUrl: "https://accounts.zoho.jp",
    apiDomains: {
      production: "https://www.zohoapis.jp",
      sandbox: "https://sandbox.zohoapis.jp",
      developer: "https://developer.zohoapis.jp",
    },
  },
  cn: {
    accountsUrl: "https://accounts.zoho.com.cn",
    apiDomains: {
      production: "https://www.zohoapis.com.cn",
      sandbox: "https://sandbox.zohoapis.com.cn",
      developer: "https://developer.zohoapis.com.cn",
    },
  },
  ca: {
    accountsUrl: "https://accounts.zohocloud.ca",
    apiDomains: {
      production: "https://www.zohoapis.ca",
      sandbox: "https://sandbox.zohoapis.ca",
      developer: "https://developer.zohoapis.ca",
    },
  },
  sa: {
    accountsUrl: "https://accounts.zoho.sa",
    apiDomains: {
      production: "https://www.zohoapis.sa",
      sandbox: "https://sandbox.zohoapis.sa",
      developer: "https://developer.zohoapis.sa",
    },
  },
} as const satisfies Record<DataCenter, DataCenterInfo>;

// Shared fixtures of the pipeline, export, callback and ICS tests: a module with one field of
// each record value family, deterministic records, a fake Zoho per test. No vitest import:
// export-child.ts uses them outside the test runner.
import { unzipSync, zipSync } from "fflate";
import { defineModule, multiselectpicklist, ownerlookup, picklist } from "../../src/index.js";
import type { JobRunner } from "../../src/runner/job-runner.js";
import { createZohoRunner, type ZohoRunnerOptions } from "../../src/runner/zoho-runner.js";
import { startFakeZoho, type FakeZoho, type FakeZohoOptions } from "../../src/testing/index.js";

export const Leads = defineModule("Leads", {
  Last_Name: "text",
  Annual_Revenue: "currency",
  No_of_Employees: "integer",
  Email_Opt_Out: "boolean",
  Created_Time: "datetime",
  Follow_Up_Date: "date",
  Lead_Status: picklist(["New", "Contacted", "Qualified"]),
  Tags: multiselectpicklist(["Hot", "Cold", "Warm"]),
  Owner: ownerlookup({ last_name: "text" }),
  Big_Number: "bigint",
  Description: "textarea",
});

const STATUSES = ["New", "Contacted", "Qualified"] as const;

/** `count` leads with ids `5545974000000100000 + i`, every family of value, some empty. */
export function makeLeads(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(5545974000000100000n + BigInt(i)),
    Last_Name: `Name ${i}`,
    Annual_Revenue: i % 5 === 0 ? null : i * 1000.5,
    No_of_Employees: i,
    Email_Opt_Out: i % 4 === 0 ? null : i % 2 === 0,
    Created_Time: new Date(Date.UTC(2024, 0, 1, 0, 0, i)),
    Follow_Up_Date: i % 3 === 0 ? null : "2024-02-29",
    Lead_Status: STATUSES[i % 3],
    Tags: i % 3 === 0 ? [] : i % 3 === 1 ? ["Hot"] : ["Hot", "Cold"],
    Owner: { id: String(5545974000000393000n + BigInt(i % 7)), last_name: `Owner ${i % 7}` },
    Big_Number: "9007199254740993",
    // RFC 4180 in anger: commas, quotes, newlines
    Description: i % 10 === 0 ? `line one, "quoted"\r\nline two ${i}` : "",
  }));
}

export const idsOf = (records: readonly Record<string, unknown>[]): string[] => records.map((record) => String(record["id"]));

const fakes: FakeZoho[] = [];

export async function startFake(options: Partial<FakeZohoOptions> & { leads?: Record<string, unknown>[] } = {}): Promise<FakeZoho> {
  const { leads = makeLeads(25), ...rest } = options;
  const fake = await startFakeZoho({ data: { Leads: leads }, schemas: [Leads], pageSize: 10, ...rest });
  fakes.push(fake);
  return fake;
}

export async function closeFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

export const CREDENTIALS = { clientId: "id", clientSecret: "secret", refreshToken: "rt" };

/** The got runner against a fake, with retries that wait 1 ms. */
export function zohoRunner(fake: FakeZoho, options: Partial<ZohoRunnerOptions> = {}): JobRunner {
  return createZohoRunner({
    apiDomain: fake.url,
    accountsUrl: fake.accountsUrl,
    auth: CREDENTIALS,
    retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 2 },
    downloadThrottleWaitMs: 1,
    ...options,
  });
}

/** Fast polling for tests: the local runner moves a job one state per status request. */
export const FAST = { pollIntervalMs: 0, maxPollIntervalMs: 1, retryDelayMs: 0, timeoutMs: 10_000 } as const;

/** Collects an async iterable; on failure resolves with what was collected and the error. */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

/**
 * What a download of `faultyDownloads` delivers: the result as it is, its archive with record
 * `corrupt`'s bytes changed in transit ("Name 1005," becomes "Mame 1005,": the CSV stays valid,
 * only the CRC-32 gives it away), or its archive cut at 60% with the stream ending normally.
 */
export type DownloadFault = "good" | "truncated" | { corrupt: number };

/**
 * A runner that forwards to `inner`, re-packing each result as a stored (uncompressed) ZIP
 * streamed in 1 KiB chunks, and applies `faults` to the downloads in turn ("good" once they
 * run out). `downloads` counts the downloads made.
 */
export function faultyDownloads(inner: JobRunner, faults: DownloadFault[]): JobRunner & { readonly downloads: number } {
  let downloads = 0;
  return {
    apiVersion: inner.apiVersion,
    get downloads() {
      return downloads;
    },
    createJob: (body, options) => inner.createJob(body, options),
    getJob: (id, options) => inner.getJob(id, options),
    downloadResult: async (id, url, options) => {
      const fault = faults[downloads++] ?? "good";
      const chunks: Uint8Array[] = [];
      for await (const chunk of await inner.downloadResult(id, url, options)) chunks.push(chunk);
      const [name, data] = Object.entries(unzipSync(new Uint8Array(Buffer.concat(chunks))))[0]!;
      let zip = zipSync({ [name]: [data, { level: 0 }] });
      if (typeof fault === "object") {
        const at = Buffer.from(zip).indexOf(`Name ${fault.corrupt},`);
        if (at === -1) throw new Error(`faultyDownloads: the result holds no record ${fault.corrupt} to corrupt`);
        zip[at] = "M".charCodeAt(0);
      }
      if (fault === "truncated") zip = zip.subarray(0, Math.floor(zip.length * 0.6));
      return (async function* () {
        for (let offset = 0; offset < zip.length; offset += 1024) yield zip.subarray(offset, offset + 1024);
      })();
    },
  };
}

// Callback mode: a receiver on 127.0.0.1 whose per-job URL carries a random secret. Zoho's
// callback is only a hint: the pipeline re-reads the job with getJob, and falls back to
// polling when no callback comes.
import { afterEach, describe, expect, it } from "vitest";
import { bulkRead } from "../../src/index.js";
import type { BulkReadRequestBody, JobRunner } from "../../src/runner/job-runner.js";
import { startCallbackReceiver, type CallbackReceiver } from "../../src/runner/callback-receiver.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { runBulkRead, type BulkReadProgress } from "../../src/runner/run-bulk-read.js";
import { expectExactlyOnce } from "./pipeline-checks.js";
import { closeFakes, drain, idsOf, Leads, makeLeads, startFake, zohoRunner } from "./pipeline-fixtures.js";

const query = bulkRead(Leads).select("Last_Name", "No_of_Employees");
const leads = makeLeads(25);
const receivers: CallbackReceiver[] = [];
afterEach(async () => {
  await closeFakes();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const post = (url: string, body: unknown, method = "POST") =>
  fetch(url, { method, headers: { "content-type": "application/json" }, ...(method === "POST" && { body: JSON.stringify(body) }) }).then(async (r) => ({ status: r.status, body: await r.text() }));

/** Polling that never comes in time: only a callback can move these tests on. */
const NO_POLLING = { pollIntervalMs: 60_000, maxPollIntervalMs: 60_000, timeoutMs: 20_000 };

describe("callback mode against the fake Zoho server", () => {
  it("waits for Zoho's callbacks instead of polling, re-reads each job once, and closes the receiver", async () => {
    const fake = await startFake({ leads, callbackTickMs: 1 });
    const statusReads = () => fake.requests.filter((r) => r.method === "GET" && /\/read\/\d+$/.test(r.path)).length;
    const { items, error } = await drain(runBulkRead(zohoRunner(fake), query, { ...NO_POLLING, callback: { listen: { host: "127.0.0.1", port: 0 }, fallbackAfterMs: 60_000 } }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), idsOf(leads));
    await fake.callbacksDelivered();
    expect(fake.callbacks.map((c) => [c.state, c.status])).toEqual([["COMPLETED", 200], ["COMPLETED", 200], ["COMPLETED", 200]]);
    expect(statusReads()).toBe(3);
    // a new secret per job, on one receiver
    const urls = fake.callbacks.map((c) => new URL(c.url));
    expect(new Set(urls.map((u) => u.pathname)).size).toBe(3);
    expect(new Set(urls.map((u) => u.host)).size).toBe(1);
    expect(urls[0]!.pathname).toMatch(/^\/zoho-bulk-read\/callback\/[A-Za-z0-9_-]{32}$/);
    // closed when done
    await expect(post(fake.callbacks[0]!.url, { data: [{ id: fake.callbacks[0]!.jobId }] })).rejects.toThrow();
  });

  it("does not trust the posted state: a forged COMPLETED for a queued job only triggers a status read", async () => {
    const fake = await startFake({ leads: makeLeads(5), callbackTickMs: 1, faults: { holdJobs: true } });
    const inner = zohoRunner(fake);
    let callbackUrl: string | undefined;
    const runner: JobRunner = {
      apiVersion: inner.apiVersion,
      createJob: (body: BulkReadRequestBody, options) => {
        callbackUrl = body.callback?.url;
        return inner.createJob(body, options);
      },
      getJob: (id, options) => inner.getJob(id, options),
      downloadResult: (id, url, options) => inner.downloadResult(id, url, options),
    };
    const events: BulkReadProgress[] = [];
    const forged: Promise<unknown>[] = [];
    const { items, error } = await drain(
      runBulkRead(runner, query, {
        ...NO_POLLING,
        callback: { fallbackAfterMs: 60_000 },
        onProgress: (e) => {
          events.push(e);
          if (e.phase === "created") {
            const body = { data: [{ id: e.jobId, state: "COMPLETED", result: { download_url: "/elsewhere", count: 99, more_records: false } }] };
            forged.push(post(callbackUrl!, body).then((answer) => ({ answer })));
          }
          if (e.phase === "polling" && e.state === "QUEUED") fake.faults.holdJobs(false);
        },
      }),
    );
    expect(error).toBeUndefined();
    expect(await Promise.all(forged)).toEqual([{ answer: { status: 200, body: '{"status":"success"}' } }]);
    expect(idsOf(items)).toEqual(idsOf(makeLeads(5)));
    const polls = events.filter((e) => e.phase === "polling").map((e) => e.state);
    expect(polls[0]).toBe("QUEUED");
    expect(polls.at(-1)).toBe("COMPLETED");
  });

  it("falls back to polling when no callback arrives", async () => {
    // The local runner posts no callbacks at all.
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads], pageSize: 10 });
    const { items, error } = await drain(runBulkRead(runner, query, { pollIntervalMs: 1, maxPollIntervalMs: 2, callback: { fallbackAfterMs: 5 } }));
    expect(error).toBeUndefined();
    expectExactlyOnce(idsOf(items), idsOf(leads));
  });

  it("refuses a query that has its own callback URL as well", async () => {
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const { error } = await drain(runBulkRead(runner, query.callback("https://example.com/hook"), { callback: {} }));
    expect(error).toMatchObject({ code: "INVALID_OPTIONS" });
  });
});

describe("the callback receiver", () => {
  async function receiver(publicUrl?: string): Promise<CallbackReceiver> {
    const started = await startCallbackReceiver(publicUrl === undefined ? {} : { publicUrl });
    receivers.push(started);
    return started;
  }

  it("accepts only POSTs with a registered secret for the bound job id", async () => {
    const r = await receiver();
    const slot = r.register();
    slot.bind("4150868000000000001");
    const wrongSecret = slot.url.replace(/callback\/.*/, "callback/not-the-secret");
    expect(await post(wrongSecret, { data: [{ id: "4150868000000000001" }] })).toMatchObject({ status: 404 });
    expect(await post(slot.url, undefined, "GET")).toMatchObject({ status: 405 });
    expect(await post(slot.url, { data: [{ id: "4150868000000000002" }] })).toMatchObject({ status: 404 });
    expect(await post(slot.url, "not json")).toMatchObject({ status: 400 });
    expect(slot.received).toBe(0);
    expect(r.refused).toBe(4);
    const woken = slot.wait();
    expect(await post(slot.url, { data: [{ id: "4150868000000000001", state: "FAILURE" }] })).toMatchObject({ status: 200 });
    await woken;
    expect(slot.received).toBe(1);
    slot.dispose();
    expect(await post(slot.url, { data: [{ id: "4150868000000000001" }] })).toMatchObject({ status: 404 });
  });

  it("keeps a callback that arrives before the job id is known, and wakes the waiter once bound", async () => {
    const r = await receiver();
    const slot = r.register();
    expect(await post(slot.url, { data: [{ id: "77" }] })).toMatchObject({ status: 200 });
    expect(slot.received).toBe(0);
    slot.bind("77");
    await slot.wait(); // resolves at once: the early callback counted
    expect(slot.received).toBe(1);
  });

  it("addresses callbacks to the public URL when one is given", async () => {
    const r = await receiver("https://hooks.example.com/zoho/");
    expect(r.register().url).toMatch(/^https:\/\/hooks\.example\.com\/zoho\/zoho-bulk-read\/callback\/[A-Za-z0-9_-]{32}$/);
    await expect(startCallbackReceiver({ publicUrl: "ftp://x" })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
  });
});

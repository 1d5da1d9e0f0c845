import { createInflateRaw } from "node:zlib";
import { strToU8, Zip, ZipDeflate, zipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { readArchiveEntry, readCsvRecords } from "../../src/runner/read-archive.js";
import { RunnerError } from "../../src/runner/zoho-api-error.js";
import { rejectionOf } from "./helpers.js";

/** The archive as an async byte stream in `size`-byte chunks, counting how much was pulled. */
function source(bytes: Uint8Array, size = 64 * 1024) {
  const stats = { pulled: 0, total: Math.ceil(bytes.length / size), returned: false };
  let onReturn!: () => void;
  const returned = new Promise<void>((resolve) => {
    onReturn = resolve;
  });
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (let offset = 0; offset < bytes.length; offset += size) {
        stats.pulled++;
        yield bytes.subarray(offset, offset + size);
      }
    } finally {
      stats.returned = true;
      onReturn();
    }
  }
  return { stream: generate(), stats, returned };
}

function zipOf(files: Record<string, string>, level: 0 | 1 | 6 = 6): Uint8Array {
  const input: Zippable = {};
  for (const [name, text] of Object.entries(files)) input[name] = [strToU8(text), { level }];
  return zipSync(input);
}

/** A ZIP written in streaming mode: sizes come after the data (data descriptors). */
function streamingZipOf(name: string, text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    parts.push(data);
  });
  const entry = new ZipDeflate(name, { level: 6 });
  zip.add(entry);
  entry.push(strToU8(text), true);
  zip.end();
  return Buffer.concat(parts);
}

async function allRecords(zip: Uint8Array, chunkSize?: number, options = {}): Promise<Record<string, string>[]> {
  const batches: Record<string, string>[][] = [];
  for await (const batch of readCsvRecords(source(zip, chunkSize).stream, options)) batches.push(batch);
  return batches.flat();
}

async function errorOf(run: () => Promise<unknown>): Promise<RunnerError> {
  const error = await rejectionOf(run());
  expect(error).toBeInstanceOf(RunnerError);
  return error as RunnerError;
}

describe("readCsvRecords", () => {
  const csv = 'id,Last_Name,Description\r\n1,Boyle,"first line\nsecond line"\r\n2,"O""Brien","He said ""hi"", twice"\r\n3,,\r\n';
  const expected = [
    { id: "1", Last_Name: "Boyle", Description: "first line\nsecond line" },
    { id: "2", Last_Name: 'O"Brien', Description: 'He said "hi", twice' },
    { id: "3", Last_Name: "", Description: "" },
  ];

  it("reads records keyed by the header, with quoted newlines and doubled quotes", async () => {
    expect(await allRecords(zipOf({ "123.csv": csv }))).toEqual(expected);
  });

  it("strips a BOM from the first header", async () => {
    const records = await allRecords(zipOf({ "123.csv": `\uFEFF${csv}` }));
    expect(records).toEqual(expected);
    expect(Object.keys(records[0] ?? {})[0]).toBe("id");
  });

  it.each([
    ["stored (no compression)", () => zipOf({ "123.csv": csv }, 0)],
    ["streamed with data descriptors", () => streamingZipOf("123.csv", csv)],
  ])("reads an archive %s, fed one byte at a time", async (_label, build) => {
    expect(await allRecords(build(), 1)).toEqual(expected);
  });

  it("reads an entry inside a folder", async () => {
    expect(await allRecords(zipOf({ "export/123.csv": csv }))).toEqual(expected);
  });

  it("batches records", async () => {
    const rows = Array.from({ length: 7 }, (_, index) => `${index},n${index}`).join("\n");
    const batches: number[] = [];
    for await (const batch of readCsvRecords(source(zipOf({ "1.csv": `id,Name\n${rows}\n` })).stream, { batchSize: 3 })) {
      batches.push(batch.length);
    }
    expect(batches).toEqual([3, 3, 1]);
  });

  it("refuses a record with a different number of fields than the header", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "1.csv": "id,Name\n1,a\n2\n" })));
    expect(error.code).toBe("CSV_MALFORMED");
  });

  it("refuses duplicate columns", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "1.csv": "id,Name,Name\n1,a,b\n" })));
    expect(error.code).toBe("CSV_MALFORMED");
  });

  it("refuses an ICS archive (those are read with readArchiveEntry)", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "1.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" })));
    expect(error.code).toBe("ARCHIVE_WRONG_ENTRY_TYPE");
  });

  it("streams 100k rows in batches, pulling input only as records are consumed", async () => {
    const rowCount = 100_000;
    const lines = ["id,Last_Name,Amount,Description"];
    for (let index = 0; index < rowCount; index++) {
      const description = index % 1000 === 0 ? `"multi\nline ""${index}"""` : `plain ${index}`;
      lines.push(`${4150868000000000000n + BigInt(index)},Name${index},${index * 10},${description}`);
    }
    // Stored, not deflated: the unzip is then synchronous, so the only thing that can stop the
    // producer from reading ahead during the stall below is the parser's backpressure.
    const zip = zipOf({ "4150868000004716016.csv": `${lines.join("\n")}\n` }, 0);
    const { stream, stats } = source(zip, 16 * 1024);

    let count = 0;
    let batches = 0;
    let pulledWhileStalled = -1;
    for await (const batch of readCsvRecords(stream)) {
      if (batches === 0) {
        // Stall the consumer: with backpressure nothing reads ahead meanwhile; without it, the
        // unzip and the parser would pull the whole input during these event-loop turns.
        for (let tick = 0; tick < 500; tick++) await new Promise((resolve) => setImmediate(resolve));
        pulledWhileStalled = stats.pulled;
      }
      batches++;
      expect(batch.length).toBeLessThanOrEqual(1000);
      const first = batch[0];
      expect(first?.["Last_Name"]).toBe(`Name${count}`);
      if (count === 0) expect(first?.["Description"]).toBe('multi\nline "0"');
      count += batch.length;
    }
    expect(count).toBe(rowCount);
    expect(batches).toBe(rowCount / 1000);
    // The first batch came out long before the input was all read: nothing buffers the file.
    expect(stats.total).toBeGreaterThan(20);
    expect(pulledWhileStalled).toBeGreaterThan(0);
    expect(pulledWhileStalled).toBeLessThan(stats.total / 4);
  });

  it("stops the download when the consumer stops early", async () => {
    const rows = Array.from({ length: 20_000 }, (_, index) => `${index},n${index}`).join("\n");
    const { stream, stats, returned } = source(zipOf({ "1.csv": `id,Name\n${rows}\n` }), 1024);
    for await (const batch of readCsvRecords(stream)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await returned;
    expect(stats.returned).toBe(true);
    expect(stats.pulled).toBeLessThan(stats.total);
  });

  it("surfaces an error of the byte stream (e.g. a reset download)", async () => {
    const zip = zipOf({ "1.csv": `id,Name\n${"1,a\n".repeat(50_000)}` }, 0);
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield zip.subarray(0, 10_000);
      throw new RunnerError("DOWNLOAD_INTERRUPTED", "reset");
    }
    const error = await errorOf(async () => {
      for await (const _batch of readCsvRecords(broken())) {
        // consume
      }
    });
    expect(error.code).toBe("DOWNLOAD_INTERRUPTED");
  });
});

describe("archive checks", () => {
  it("refuses two data entries", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "1.csv": "id\n1\n", "2.csv": "id\n2\n" })));
    expect(error.code).toBe("ARCHIVE_MULTIPLE_DATA_ENTRIES");
  });

  it.each(["../x.csv", "a/../../x.csv", "/etc/x.csv", "..\\x.csv", "C:/x.csv"])("refuses the entry name %j", async (name) => {
    const error = await errorOf(() => allRecords(zipOf({ [name]: "id\n1\n" })));
    expect(error.code).toBe("ARCHIVE_UNSAFE_ENTRY_NAME");
  });

  it("refuses an archive without a data entry", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "readme.txt": "hello" })));
    expect(error.code).toBe("ARCHIVE_NO_DATA_ENTRY");
  });

  it("ignores non-data entries beside the data entry", async () => {
    expect(await allRecords(zipOf({ "notes/": "", "1.csv": "id\n1\n", "readme.txt": "x" }))).toEqual([{ id: "1" }]);
  });

  it("refuses an entry whose size exceeds the cap", async () => {
    const error = await errorOf(() => allRecords(zipOf({ "1.csv": `id\n${"1\n".repeat(5_000)}` }), undefined, { maxEntryBytes: 1_000 }));
    expect(error.code).toBe("ARCHIVE_ENTRY_TOO_LARGE");
  });

  it("counts inflated bytes instead of trusting the header's size", async () => {
    const zip = zipOf({ "1.csv": `id\n${"1\n".repeat(5_000)}` });
    // Make the headers claim 10 bytes uncompressed.
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    view.setUint32(22, 10, true);
    for (let offset = 0; offset < zip.length - 4; offset++) {
      if (view.getUint32(offset, true) === 0x02014b50) view.setUint32(offset + 24, 10, true);
    }
    const error = await errorOf(() => allRecords(zip, 512, { maxEntryBytes: 1_000 }));
    expect(error.code).toBe("ARCHIVE_ENTRY_TOO_LARGE");
    expect(error.message).toMatch(/at least \d{4}/);
  });

  it("refuses a truncated archive", async () => {
    const zip = zipOf({ "1.csv": `id\n${"1\n".repeat(5_000)}` }, 0);
    const error = await errorOf(() => allRecords(zip.subarray(0, 2_000)));
    expect(error.code).toBe("ARCHIVE_CORRUPT");
  });

  it("refuses corrupt deflate data", async () => {
    const zip = zipOf({ "1.csv": `id,${"x".repeat(100)}\n${"1,abc\n".repeat(1_000)}` });
    // Overwrite the start of the compressed data (after the 30-byte header and the 5-byte name).
    zip.fill(0xff, 35, 60);
    const error = await errorOf(() => allRecords(zip));
    expect(error.code).toBe("ARCHIVE_CORRUPT");
  });
});

describe("readArchiveEntry", () => {
  it("yields the raw bytes of an ICS entry", async () => {
    const ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const chunks: Uint8Array[] = [];
    for await (const chunk of readArchiveEntry(source(zipOf({ "5.ics": ics }), 7).stream)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString("utf8")).toBe(ics);
  });

  it("pulls input only as the inflater takes it (a highly compressible entry does not pile up)", async () => {
    // 64 MiB of zeros compresses to ~64 KiB: without backpressure it would all inflate at once.
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const zip = zipSync({ "1.csv": [zeros, { level: 9 }] });
    const { stream, stats } = source(zip, 1024);
    let inflated = 0;
    let pulledAfterFirstChunk = -1;
    for await (const chunk of readArchiveEntry(stream)) {
      if (pulledAfterFirstChunk === -1) pulledAfterFirstChunk = stats.pulled;
      inflated += chunk.length;
    }
    expect(inflated).toBe(zeros.length);
    expect(stats.total).toBeGreaterThan(20);
    expect(pulledAfterFirstChunk).toBeLessThan(stats.total / 4);
  });

  it("does not inflate ahead of a stalled consumer, even within one input chunk", async () => {
    // The whole archive is one input chunk but inflates to 64 MiB. Count what native zlib
    // produces (by wrapping the inflater's `push`), since its buffers escape memoryUsage().
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const zip = zipSync({ "1.csv": [zeros, { level: 9 }] });
    const prototype = Object.getPrototypeOf(createInflateRaw()) as { push(chunk: Buffer | null): boolean };
    const ownPush = Object.getOwnPropertyDescriptor(prototype, "push");
    const push = prototype.push;
    let produced = 0;
    prototype.push = function (this: unknown, chunk: Buffer | null) {
      if (chunk !== null) produced += chunk.length;
      return push.call(this, chunk);
    };
    try {
      const entry = readArchiveEntry(source(zip, zip.length).stream);
      const first = await entry.next();
      expect(first.done).toBe(false);
      // Stall the consumer. We wait for something NOT to happen (zlib inflating everything into
      // memory), so there is no event to await: give zlib ample wall-clock time (it needs ~50 ms).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const producedWhileStalled = produced;
      let inflated = first.value?.length ?? 0;
      for (let next = await entry.next(); next.done !== true; next = await entry.next()) inflated += next.value.length;
      expect(inflated).toBe(zeros.length);
      expect(producedWhileStalled).toBeGreaterThan(0);
      expect(producedWhileStalled).toBeLessThan(4 * 1024 * 1024);
    } finally {
      if (ownPush === undefined) delete (prototype as { push?: unknown }).push;
      else Object.defineProperty(prototype, "push", ownPush);
    }
  });
});

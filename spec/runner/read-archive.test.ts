import type { Readable } from "node:stream";
import { createInflateRaw, deflateRawSync } from "node:zlib";
import { parse as parseCsvSync } from "csv-parse/sync";
import { strToU8, Zip, ZipDeflate, ZipPassThrough, zipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { defineModule } from "../../src/index.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { readArchiveEntry, readCsvRecords } from "../../src/runner/read-archive.js";
import { crc32, crc32Table } from "../../src/runner/zip/crc32.js";
import { RunnerError } from "../../src/runner/zoho-api-error.js";
import { rejectionOf } from "./helpers.js";
import { Leads as PipelineLeads, makeLeads } from "./pipeline-fixtures.js";

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
function streamingZipOf(name: string, text: string | Uint8Array, mode: "deflate" | "deflate-level-0" | "stored" = "deflate"): Uint8Array {
  return streamingZipOfEntries([[name, text]], mode);
}

function streamingZipOfEntries(files: [string, string | Uint8Array][], mode: "deflate" | "deflate-level-0" | "stored" = "deflate"): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    parts.push(data);
  });
  for (const [name, text] of files) {
    const entry = mode === "stored" ? new ZipPassThrough(name) : new ZipDeflate(name, { level: mode === "deflate" ? 6 : 0 });
    zip.add(entry);
    entry.push(typeof text === "string" ? strToU8(text) : text, true);
  }
  zip.end();
  return new Uint8Array(Buffer.concat(parts));
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

  it.each(["../x.csv", "a/../../x.csv", "/etc/x.csv", "..\\x.csv", "C:/x.csv", "a\\b.csv"])("refuses the entry name %j", async (name) => {
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

  it("refuses a truncated archive as ARCHIVE_TRUNCATED, a broken transfer worth downloading again", async () => {
    const zip = zipOf({ "1.csv": `id\n${"1\n".repeat(5_000)}` }, 0);
    const error = await errorOf(() => allRecords(zip.subarray(0, 2_000)));
    expect(error).toMatchObject({ code: "ARCHIVE_TRUNCATED", retryable: true });
  });

  it("refuses corrupt deflate data as ARCHIVE_CORRUPT, which no re-download can fix by skipping", async () => {
    const zip = zipOf({ "1.csv": `id,${"x".repeat(100)}\n${"1,abc\n".repeat(1_000)}` });
    // Overwrite the start of the compressed data (after the 30-byte header and the 5-byte name).
    zip.fill(0xff, 35, 60);
    const error = await errorOf(() => allRecords(zip));
    expect(error).toMatchObject({ code: "ARCHIVE_CORRUPT", retryable: false });
  });

  it("a deflate stream that its known compressed size cuts short is corrupt, not truncated (the download was complete)", async () => {
    const zip = zipOf({ "1.csv": `id\n${Array.from({ length: 2_000 }, (_, index) => index).join("\n")}\n` });
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    // The local header says 100 compressed bytes: zlib runs out of input inside the stream.
    view.writeUInt32LE(100, 18);
    expect((await errorOf(() => allRecords(zip))).code).toBe("ARCHIVE_CORRUPT");
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
    let inflater: Readable | undefined;
    prototype.push = function (this: Readable, chunk: Buffer | null) {
      inflater = this;
      if (chunk !== null) produced += chunk.length;
      return push.call(this, chunk);
    };
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const entry = readArchiveEntry(source(zip, zip.length).stream);
      const first = await entry.next();
      expect(first.done).toBe(false);
      // Stall the consumer, turn by turn, until zlib comes to rest: the inflater paused with its
      // buffer full, when Node's zlib inflates no more until read. Without backpressure it would
      // never rest but inflate all 64 MiB: stop watching once it is past the limit.
      const limit = 4 * 1024 * 1024;
      const resting = () => inflater !== undefined && inflater.isPaused() && inflater.readableLength >= inflater.readableHighWaterMark;
      for (let turns = 0; !resting() && produced < limit; turns++) {
        if (turns > 1_000_000) throw new Error("zlib neither came to rest nor inflated past the limit");
        await turn();
      }
      const producedWhileStalled = produced;
      // At rest it stays: more turns inflate nothing.
      for (let turns = 0; turns < 1_000; turns++) await turn();
      expect(produced).toBe(producedWhileStalled);
      let inflated = first.value?.length ?? 0;
      for (let next = await entry.next(); next.done !== true; next = await entry.next()) inflated += next.value.length;
      expect(inflated).toBe(zeros.length);
      expect(producedWhileStalled).toBeGreaterThan(0);
      expect(producedWhileStalled).toBeLessThan(limit);
    } finally {
      if (ownPush === undefined) delete (prototype as { push?: unknown }).push;
      else Object.defineProperty(prototype, "push", ownPush);
    }
  });

});

// ---- Entry boundaries: no signature scanning, CRC-32 and sizes checked, ZIP64 ----

const DESCRIPTOR_SIGNATURE = Buffer.from("PK\x07\x08", "latin1");

function u16le(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function u32le(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}

function u64le(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}

type DescriptorForm = "sig32" | "sig64" | "raw32" | "raw64";

interface RawEntry {
  name: string;
  content: Uint8Array;
  /** Compression method (default 8). */
  method?: number;
  /** Sizes and CRC after the data, in this form; in the header when absent. */
  descriptor?: DescriptorForm;
  /** ZIP64 extra fields (local header and central directory), sizes 0xFFFFFFFF in the headers. */
  zip64?: boolean;
  flags?: number;
}

/** Assembles a ZIP byte by byte, for the forms fflate does not write (ZIP64, descriptor forms). */
function assembleZip(entries: RawEntry[], { zip64End = false } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (bytes: Buffer): void => {
    parts.push(bytes);
    offset += bytes.length;
  };
  for (const entry of entries) {
    const method = entry.method ?? 8;
    const data = method === 8 ? deflateRawSync(entry.content) : Buffer.from(entry.content);
    const crc = crc32(entry.content, 0);
    const name = Buffer.from(entry.name, "utf8");
    const flags = (entry.flags ?? 0) | (entry.descriptor === undefined ? 0 : 0x08) | 0x800;
    const known = entry.descriptor === undefined;
    const zip64 = entry.zip64 === true;
    const localExtra = zip64 ? Buffer.concat([u16le(1), u16le(16), u64le(known ? entry.content.length : 0), u64le(known ? data.length : 0)]) : Buffer.alloc(0);
    const headerOffset = offset;
    push(
      Buffer.concat([
        u32le(0x04034b50), u16le(zip64 ? 45 : 20), u16le(flags), u16le(method), u16le(0), u16le(0x21),
        u32le(known ? crc : 0),
        u32le(!known ? 0 : zip64 ? 0xffffffff : data.length),
        u32le(!known ? 0 : zip64 ? 0xffffffff : entry.content.length),
        u16le(name.length), u16le(localExtra.length), name, localExtra,
      ]),
    );
    push(data);
    if (entry.descriptor !== undefined) {
      const size = (n: number): Buffer => (entry.descriptor?.endsWith("64") === true ? u64le(n) : u32le(n));
      push(Buffer.concat([entry.descriptor.startsWith("sig") ? DESCRIPTOR_SIGNATURE : Buffer.alloc(0), u32le(crc), size(data.length), size(entry.content.length)]));
    }
    const centralExtra = zip64 ? Buffer.concat([u16le(1), u16le(24), u64le(entry.content.length), u64le(data.length), u64le(headerOffset)]) : Buffer.alloc(0);
    central.push(
      Buffer.concat([
        u32le(0x02014b50), u16le(45), u16le(zip64 ? 45 : 20), u16le(flags), u16le(method), u16le(0), u16le(0x21), u32le(crc),
        u32le(zip64 ? 0xffffffff : data.length), u32le(zip64 ? 0xffffffff : entry.content.length),
        u16le(name.length), u16le(centralExtra.length), u16le(0), u16le(0), u16le(0), u32le(0),
        u32le(zip64 ? 0xffffffff : headerOffset), name, centralExtra,
      ]),
    );
  }
  const centralOffset = offset;
  const centralBytes = Buffer.concat(central);
  push(centralBytes);
  if (zip64End) {
    const recordOffset = offset;
    push(Buffer.concat([u32le(0x06064b50), u64le(44), u16le(45), u16le(45), u32le(0), u32le(0), u64le(entries.length), u64le(entries.length), u64le(centralBytes.length), u64le(centralOffset)]));
    push(Buffer.concat([u32le(0x07064b50), u32le(0), u64le(recordOffset), u32le(1)]));
  }
  const count = zip64End ? 0xffff : entries.length;
  push(Buffer.concat([u32le(0x06054b50), u16le(0), u16le(0), u16le(count), u16le(count), u32le(zip64End ? 0xffffffff : centralBytes.length), u32le(zip64End ? 0xffffffff : centralOffset), u16le(0)]));
  return new Uint8Array(Buffer.concat(parts));
}

/** Offset of the central directory of an archive without a comment. */
function centralDirectoryOffset(zip: Uint8Array): number {
  return Buffer.from(zip).readUInt32LE(zip.length - 22 + 16);
}

/** The compressed bytes of an fflate streaming archive's single entry. */
function compressedRegion(zip: Uint8Array): Buffer {
  const bytes = Buffer.from(zip);
  const start = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28);
  return bytes.subarray(start, centralDirectoryOffset(zip) - 16);
}

async function entryBytes(zip: Uint8Array, chunkSize?: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readArchiveEntry(source(zip, chunkSize).stream)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes (xorshift32): incompressible, so deflate stores them. */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A CSV whose cells hold every ZIP record signature, and a plausible (wrong) descriptor. */
function csvWithSignatures(rows: number): string {
  const notes = ["PK\x03\x04", "PK\x07\x08", "PK\x01\x02", "PK\x05\x06", "PK\x07\x08\x01\x02\x03\x04\x10\x00\x00\x00\x10\x00\x00\x00PK\x01\x02", "plain"];
  const lines = ["id,Note"];
  for (let index = 0; index < rows; index++) lines.push(`${index},"x${notes[index % notes.length]!}y ${index}"`);
  return `${lines.join("\r\n")}\r\n`;
}

describe("entry boundaries", () => {
  it.each([1, 13, 4096, "deflate-length", "everything"] as const)(
    "zlib's bytesWritten counts the compressed bytes it consumed, not the garbage fed after the stream (chunks: %s)",
    async (size) => {
      const text = Buffer.from(csvWithSignatures(3_000));
      const deflated = deflateRawSync(text);
      const all = Buffer.concat([deflated, Buffer.from("PK\x07\x08 and more bytes after the deflate stream PK\x01\x02", "latin1")]);
      const chunkSize = size === "deflate-length" ? deflated.length : size === "everything" ? all.length : size;
      const inflater = createInflateRaw();
      const out: Buffer[] = [];
      inflater.on("data", (chunk: Buffer) => out.push(chunk));
      const ended = new Promise((resolve, reject) => {
        inflater.on("end", resolve);
        inflater.on("error", reject);
      });
      let fed = 0;
      for (let offset = 0; offset < all.length && inflater.bytesWritten === fed; offset += chunkSize) {
        const chunk = all.subarray(offset, offset + chunkSize);
        fed += chunk.length;
        await new Promise<void>((resolve) => inflater.write(chunk, () => resolve()));
      }
      await ended;
      expect(inflater.bytesWritten).toBe(deflated.length);
      expect(fed).toBeGreaterThan(deflated.length);
      expect(Buffer.concat(out).equals(text)).toBe(true);
    },
  );

  it.each([1, 5, 1000, 64 * 1024])("reads every row of a stored entry with a data descriptor whose cells hold ZIP signatures (chunks of %i)", async (chunkSize) => {
    const csv = csvWithSignatures(3_000);
    const zip = streamingZipOf("1.csv", csv, "stored");
    const header = Buffer.from(zip);
    expect(header.readUInt16LE(8)).toBe(0); // stored
    expect(header.readUInt16LE(6) & 0x08).toBe(0x08); // sizes in a data descriptor
    expect(compressedRegion(zip).indexOf("PK\x03\x04", 0, "latin1")).toBeGreaterThan(0);
    const records = await allRecords(zip, chunkSize);
    expect(records).toHaveLength(3_000);
    expect(records).toEqual(parseCsvSync(csv, { columns: true }));
  });

  it.each([7, 64 * 1024])("reads every row of a deflated entry whose compressed bytes hold ZIP signatures (chunks of %i)", async (chunkSize) => {
    // Level 0 deflate: the CSV travels in stored deflate blocks, signatures and all.
    const csv = csvWithSignatures(3_000);
    const zip = streamingZipOf("1.csv", csv, "deflate-level-0");
    const bytes = Buffer.from(zip);
    expect(bytes.readUInt16LE(8)).toBe(8);
    expect(bytes.readUInt16LE(6) & 0x08).toBe(0x08);
    const compressed = compressedRegion(zip);
    for (const signature of ["PK\x07\x08", "PK\x03\x04", "PK\x01\x02"]) expect(compressed.indexOf(signature, 0, "latin1")).toBeGreaterThan(0);
    expect(await allRecords(zip, chunkSize)).toEqual(parseCsvSync(csv, { columns: true }));
  });

  it("reads a deflated entry of incompressible bytes whose compressed data holds a well-formed descriptor and central header", async () => {
    // Incompressible data: zlib (level 6) emits stored blocks, so bytes planted in the data
    // appear as they are in the compressed stream, here a descriptor recording the compressed
    // bytes before it, followed by a central directory header.
    const content = Buffer.from(noise(512 * 1024, 7));
    const plantAt = 300_000;
    const compressedBefore = deflateRawSync(content.subarray(0, plantAt)).length; // close to the real offset
    Buffer.concat([DESCRIPTOR_SIGNATURE, u32le(crc32(content.subarray(0, plantAt), 0)), u32le(compressedBefore), u32le(plantAt), Buffer.from("PK\x01\x02", "latin1")]).copy(content, plantAt);
    for (const descriptor of ["sig32", "raw32"] as const) {
      const zip = assembleZip([{ name: "1.csv", content, descriptor }]);
      const compressed = Buffer.from(zip).subarray(0, centralDirectoryOffset(zip));
      expect(compressed.indexOf(DESCRIPTOR_SIGNATURE)).toBeLessThan(compressed.length - 16);
      for (const chunkSize of [4096, zip.length]) expect((await entryBytes(zip, chunkSize)).equals(content)).toBe(true);
    }
  });

  it("refuses a stored entry whose data holds a forged data descriptor: an error, never a short result", async () => {
    // The forged descriptor records the CRC-32 and size of every byte before it and is followed
    // by a central header signature: the stored search accepts it, then the central directory
    // (which does not list what was read) gives it away.
    const prefix = Buffer.from('id,Note\r\n1,"forged: ', "latin1");
    const forged = Buffer.concat([DESCRIPTOR_SIGNATURE, u32le(crc32(prefix, 0)), u32le(prefix.length), u32le(prefix.length), Buffer.from("PK\x01\x02", "latin1")]);
    const rest = Buffer.from(`"\r\n${Array.from({ length: 200 }, (_, index) => `${index + 2},row ${index}`).join("\r\n")}\r\n`, "latin1");
    const zip = streamingZipOf("1.csv", Buffer.concat([prefix, forged, rest]), "stored");
    const fromEntry = await errorOf(() => entryBytes(zip));
    expect(fromEntry.code).toBe("ARCHIVE_CORRUPT");
    const fromRecords = await errorOf(() => allRecords(zip));
    expect(fromRecords.code).toBe("ARCHIVE_CORRUPT");
  });

  it("refuses bytes after the end record when a stored entry's end had to be searched for", async () => {
    // A cell forging a descriptor, a central directory and an end record (which needs the CRC-32
    // of every byte before it) would leave the real ones trailing.
    const stored = streamingZipOf("1.csv", "id\n1\n", "stored");
    const trailing = new Uint8Array(Buffer.concat([stored, Buffer.from("PK\x05\x06")]));
    expect((await errorOf(() => allRecords(trailing))).code).toBe("ARCHIVE_CORRUPT");
    // Deflated entries end where zlib says: trailing bytes are ignored there, as unzip does.
    const deflated = streamingZipOf("1.csv", "id\n1\n");
    expect(await allRecords(new Uint8Array(Buffer.concat([deflated, Buffer.from("trailing")])))).toEqual([{ id: "1" }]);
  });

  it.each<[string, RawEntry, { zip64End?: boolean }]>([
    ["ZIP64 sizes in the local header's extra field, ZIP64 end records", { name: "1.csv", content: strToU8(csvWithSignatures(500)), zip64: true }, { zip64End: true }],
    ["ZIP64, stored", { name: "1.csv", content: strToU8(csvWithSignatures(500)), zip64: true, method: 0 }, { zip64End: true }],
    ["a descriptor with signature and 32-bit sizes", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "sig32" }, {}],
    ["a descriptor without signature", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "raw32" }, {}],
    ["a ZIP64 descriptor (ZIP64 extra with zero sizes)", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "sig64", zip64: true }, { zip64End: true }],
    ["a ZIP64 descriptor without a ZIP64 extra field (as Java writes it)", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "sig64" }, {}],
    ["a ZIP64 descriptor without signature", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "raw64", zip64: true }, {}],
    ["a stored entry with a ZIP64 descriptor", { name: "1.csv", content: strToU8(csvWithSignatures(500)), descriptor: "sig64", method: 0 }, {}],
  ])("reads an entry with %s", async (_label, entry, options) => {
    const zip = assembleZip([entry], options);
    const expected = parseCsvSync(Buffer.from(entry.content).toString("utf8"), { columns: true });
    for (const chunkSize of [1, 100, zip.length]) expect(await allRecords(zip, chunkSize)).toEqual(expected);
  });

  it("refuses a stored entry whose data descriptor has no signature (its end cannot be found safely)", async () => {
    const zip = assembleZip([{ name: "1.csv", content: strToU8("id\n1\n"), descriptor: "raw32", method: 0 }]);
    expect((await errorOf(() => allRecords(zip))).code).toBe("ARCHIVE_CORRUPT");
  });

  it("reads an entry that sits beside others written with data descriptors", async () => {
    const zip = streamingZipOfEntries([
      ["notes/readme.txt", "PK\x07\x08 not the end PK\x03\x04"],
      ["1.csv", "id,Name\n1,a\n"],
      ["notes/more.txt", noise(10_000, 3)],
    ]);
    expect(await allRecords(zip, 333)).toEqual([{ id: "1", Name: "a" }]);
    const stored = streamingZipOfEntries([["a.txt", "PK\x07\x08"], ["1.csv", "id\nPK\x03\x04\n"]], "stored");
    expect(await allRecords(stored, 3)).toEqual([{ id: "PK\x03\x04" }]);
  });

  it("refuses two data entries written with data descriptors", async () => {
    const zip = streamingZipOfEntries([["1.csv", "id\n1\n"], ["2.csv", "id\n2\n"]]);
    expect((await errorOf(() => allRecords(zip))).code).toBe("ARCHIVE_MULTIPLE_DATA_ENTRIES");
  });

  it.each<[string, RawEntry, RegExp]>([
    ["an encrypted entry", { name: "1.csv", content: strToU8("id\n1\n"), flags: 0x01 }, /encrypted/],
    ["an unsupported compression method", { name: "1.csv", content: strToU8("id\n1\n"), method: 12 }, /compression method 12/],
  ])("refuses %s", async (_label, entry, message) => {
    const error = await errorOf(() => allRecords(assembleZip([entry])));
    expect(error.code).toBe("ARCHIVE_CORRUPT");
    expect(error.message).toMatch(message);
  });

  it("refuses an empty download as a truncated archive", async () => {
    expect((await errorOf(() => allRecords(new Uint8Array(0)))).code).toBe("ARCHIVE_TRUNCATED");
  });

  it("refuses an HTML error page as a corrupt archive", async () => {
    expect((await errorOf(() => allRecords(strToU8("<html><body>Service unavailable</body></html>")))).code).toBe("ARCHIVE_CORRUPT");
  });
});

describe("integrity checks", () => {
  const csv = `id,Name\n${Array.from({ length: 500 }, (_, index) => `${index},name ${index}`).join("\n")}\n`;

  it("refuses a data descriptor whose CRC-32 does not match the inflated data", async () => {
    const zip = streamingZipOf("1.csv", csv);
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    const descriptor = centralDirectoryOffset(zip) - 16;
    expect(view.readUInt32LE(descriptor)).toBe(0x08074b50);
    view.writeUInt32LE((view.readUInt32LE(descriptor + 4) ^ 1) >>> 0, descriptor + 4);
    const error = await errorOf(() => allRecords(zip));
    expect(error).toMatchObject({ code: "ARCHIVE_CORRUPT", retryable: false });
    expect(error.message).toMatch(/CRC-32/);
  });

  it("refuses a data descriptor whose sizes do not match", async () => {
    const zip = streamingZipOf("1.csv", csv);
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    const descriptor = centralDirectoryOffset(zip) - 16;
    view.writeUInt32LE(view.readUInt32LE(descriptor + 12) + 1, descriptor + 12);
    expect((await errorOf(() => allRecords(zip))).code).toBe("ARCHIVE_CORRUPT");
  });

  it.each([0, 6] as const)("refuses an entry with known sizes whose CRC-32 does not match (level %i)", async (level) => {
    const zip = zipOf({ "1.csv": csv }, level);
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    view.writeUInt32LE((view.readUInt32LE(14) ^ 0x80000000) >>> 0, 14);
    expect((await errorOf(() => allRecords(zip))).code).toBe("ARCHIVE_CORRUPT");
  });

  it("refuses stored data changed in transit (header or descriptor CRC-32 no longer matches)", async () => {
    for (const zip of [zipOf({ "1.csv": csv }, 0), streamingZipOf("1.csv", csv, "stored")]) {
      zip[200] = zip[200] === 0x41 ? 0x42 : 0x41; // inside the CSV, keeping it valid CSV
      const error = await errorOf(() => allRecords(zip));
      expect(error.code).toBe("ARCHIVE_CORRUPT");
    }
  });

  it("refuses a central directory that disagrees with the entry", async () => {
    const zip = streamingZipOf("1.csv", csv);
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    const central = centralDirectoryOffset(zip);
    view.writeUInt32LE((view.readUInt32LE(central + 16) ^ 1) >>> 0, central + 16);
    const error = await errorOf(() => allRecords(zip));
    expect(error.code).toBe("ARCHIVE_CORRUPT");
    expect(error.message).toMatch(/central directory/);
  });

  it.each([
    ["known sizes, deflated", () => zipOf({ "1.csv": csv }), false],
    ["known sizes, stored", () => zipOf({ "1.csv": csv }, 0), false],
    ["data descriptor, deflated", () => streamingZipOf("1.csv", csv), false],
    ["data descriptor, stored", () => streamingZipOf("1.csv", csv, "stored"), true],
    ["ZIP64, data descriptor", () => assembleZip([{ name: "1.csv", content: strToU8(csv), descriptor: "sig64", zip64: true }], { zip64End: true }), false],
  ])("refuses the archive (%s) cut at any byte: ARCHIVE_TRUNCATED, never a short result", async (_label, build, searched) => {
    const zip = build();
    // Once a stored entry's end was found by a search (its descriptor and the next record's
    // signature read), a cut after it could as well be data that forged that end: corrupt.
    const searchedEnd = searched ? centralDirectoryOffset(zip) + 4 : Number.POSITIVE_INFINITY;
    for (let length = 0; length < zip.length; length++) {
      const error = await rejectionOf(entryBytes(zip.subarray(0, length), 4096));
      expect(error, `cut at ${length} of ${zip.length}`).toBeInstanceOf(RunnerError);
      expect((error as RunnerError).code, `cut at ${length} of ${zip.length}`).toBe(length < searchedEnd ? "ARCHIVE_TRUNCATED" : "ARCHIVE_CORRUPT");
    }
    expect((await entryBytes(zip)).toString("utf8")).toBe(csv);
  });

  it("computes CRC-32 incrementally, with and without native zlib", () => {
    const check = strToU8("123456789");
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(check, 0)).toBe(0xcbf43926);
    const data = noise(100_000, 11);
    let table = 0;
    let native = 0;
    for (let offset = 0; offset < data.length; offset += 7_777) {
      table = crc32Table(data.subarray(offset, offset + 7_777), table);
      native = crc32(data.subarray(offset, offset + 7_777), native);
    }
    expect(table).toBe(crc32Table(data));
    expect(native).toBe(table);
    // Node's zlib.crc32 returns 0 for empty input whatever the running value: guarded.
    expect(crc32(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });
});

describe("streaming archives at scale", () => {
  it("pulls input only as records are consumed from a stored entry with a data descriptor", async () => {
    const lines = ["id,Note"];
    for (let index = 0; index < 100_000; index++) lines.push(`${index},${index % 97 === 0 ? "PK\x07\x08" : "note"} ${index}`);
    const zip = streamingZipOf("1.csv", `${lines.join("\n")}\n`, "stored");
    const { stream, stats } = source(zip, 16 * 1024);
    let count = 0;
    let pulledWhileStalled = -1;
    for await (const batch of readCsvRecords(stream)) {
      if (count === 0) {
        for (let tick = 0; tick < 500; tick++) await new Promise((resolve) => setImmediate(resolve));
        pulledWhileStalled = stats.pulled;
      }
      expect(batch[0]?.["id"]).toBe(String(count));
      count += batch.length;
    }
    expect(count).toBe(100_000);
    expect(pulledWhileStalled).toBeGreaterThan(0);
    expect(pulledWhileStalled).toBeLessThan(stats.total / 4);
  });

  it("reads back the local runner's archives whose text ends on a chunk boundary", async () => {
    // These pages end with an empty final write to the local runner's ZIP writer; Node's
    // zlib.crc32 turns an empty chunk into CRC-32 0, which the reader must refuse, so this
    // needs the local runner's CRC-32 to skip empty chunks.
    const runner = createLocalRunner({ data: { Leads: makeLeads(3_000) }, schemas: [PipelineLeads], pageSize: 1_000 });
    for (const page of [1, 2, 3]) {
      const { id } = await runner.createJob({ query: { module: { api_name: "Leads" }, page } });
      let details = await runner.getJob(id);
      for (let poll = 0; poll < 10 && details.state !== "COMPLETED"; poll++) details = await runner.getJob(id);
      let count = 0;
      for await (const batch of readCsvRecords(await runner.downloadResult(id, details.result?.download_url))) count += batch.length;
      expect(count).toBe(1_000);
    }
  });

  it("reads back every row of the local runner's 200,000-row archive", async () => {
    const Leads = defineModule("Leads", { Last_Name: "text", Amount: "integer", Description: "textarea" });
    const rowCount = 200_000;
    const leads = Array.from({ length: rowCount }, (_, index) => ({
      id: String(5545974000000100000n + BigInt(index)),
      Last_Name: `Name ${index}`,
      Amount: index,
      Description: index % 1000 === 0 ? `PK\x03\x04 "quoted"\nPK\x07\x08 ${index}` : "",
    }));
    const runner = createLocalRunner({ data: { Leads: leads }, schemas: [Leads] });
    const { id } = await runner.createJob({ query: { module: { api_name: "Leads" }, fields: ["Last_Name", "Amount", "Description"] } });
    let details = await runner.getJob(id);
    for (let poll = 0; poll < 10 && details.state !== "COMPLETED"; poll++) details = await runner.getJob(id);
    expect(details.state).toBe("COMPLETED");
    let count = 0;
    let last: Record<string, string> | undefined;
    for await (const batch of readCsvRecords(await runner.downloadResult(id, details.result?.download_url))) {
      for (const record of batch) {
        if (record["Last_Name"] !== `Name ${count}`) expect(record["Last_Name"]).toBe(`Name ${count}`);
        count++;
      }
      last = batch.at(-1);
      if (count === 1000) expect(batch[0]?.["Description"]).toBe('PK\x03\x04 "quoted"\nPK\x07\x08 0');
    }
    expect(count).toBe(rowCount);
    expect(last).toMatchObject({ id: String(5545974000000100000n + BigInt(rowCount - 1)), Amount: String(rowCount - 1) });
  }, 60_000);
});

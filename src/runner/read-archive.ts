// Streaming reader of Bulk Read results: ZIP bytes in, CSV records (or the raw ICS text) out,
// with memory bounded by chunk and batch sizes, never by the number of records.
//
// - A small streaming ZIP reader of our own (./zip/) walks the archive front to back. It never
//   looks for signatures inside compressed data: a deflated entry ends where native zlib says
//   its deflate stream ends (`bytesWritten`), a stored entry after its header's size. Only a
//   stored entry with a data descriptor needs a search, and there a `PK\x07\x08` counts only if
//   the descriptor after it records the CRC-32 and size of every byte before it.
// - Every entry's CRC-32 and sizes are checked against its header or data descriptor, and the
//   central directory against the entries read. Two kinds of failure, told apart because the
//   pipeline must treat them differently: ARCHIVE_TRUNCATED when the download ends early (a
//   broken transfer: the bytes read are a true prefix of the file, so downloading it again and
//   skipping what was read is safe; retryable), ARCHIVE_CORRUPT when the content does not check
//   out (a CRC-32, a size or a record is wrong: what was already read from it cannot be
//   trusted either; not retryable). The checks that need the whole entry come after its data
//   has streamed, so a consumer may have read records of a file that then fails as corrupt.
// - Backpressure end to end: the next input chunk is pulled only when the inflater has consumed
//   the previous one, the inflater is paused while inflated bytes wait for the consumer, and the
//   CSV parser is fed only as fast as its records are read.
// - Untrusted archives: one data entry only (`.csv`/`.ics`), no names escaping a folder, no
//   encryption, methods 0 and 8 only, and a cap on inflated bytes counted as they stream (the
//   header's size is not trusted).

import { parse, type Parser } from "csv-parse";
import { ByteReader } from "./zip/byte-reader.js";
import { Tally, inflated, storedKnownSize, storedUntilDescriptor } from "./zip/entry-data.js";
import {
  CENTRAL_HEADER,
  DATA_DESCRIPTOR,
  DEFLATED,
  DESCRIPTOR_LOOKAHEAD,
  END_OF_CENTRAL_DIRECTORY,
  LOCAL_HEADER,
  SPANNING_MARKER,
  STORED,
  ZIP64_END_OF_CENTRAL_DIRECTORY,
  corrupt,
  describeDescriptorMismatch,
  hex32,
  matchDescriptor,
  readCentralDirectory,
  readLocalHeader,
  truncated,
  u32,
  type EntryRecord,
  type EntryTotals,
  type LocalHeader,
} from "./zip/format.js";
import { Wake } from "./zip/wake.js";
import { numberOption } from "./number-options.js";
import { RunnerError } from "./zoho-api-error.js";

export interface ReadArchiveEntryOptions {
  /** Refuse the archive when an entry inflates to more than this (default 4 GiB). */
  maxEntryBytes?: number;
  /** Extensions that mark the data entry (default [".csv", ".ics"]). */
  extensions?: readonly string[];
}

export interface ReadCsvRecordsOptions {
  /** Refuse the archive when the CSV inflates to more than this (default 4 GiB). */
  maxEntryBytes?: number;
  /** Records per yielded batch (default 1,000): one promise per batch, not per record. */
  batchSize?: number;
}

const DEFAULT_MAX_ENTRY_BYTES = 4 * 1024 ** 3;
const DEFAULT_BATCH_SIZE = 1_000;
const DATA_EXTENSIONS: readonly string[] = [".csv", ".ics"];

/**
 * Yields the inflated bytes of the archive's single data entry (`.csv` or `.ics`).
 * Refusals (a second data entry, an unsafe name, too many bytes, a corrupt archive) are thrown
 * from the iteration as RunnerError. A second data entry, a CRC-32 mismatch or a bad central
 * directory can only be seen after the data entry has streamed: consumers must treat a late
 * error as a failure of the whole file.
 */
export async function* readArchiveEntry(
  zipBytes: AsyncIterable<Uint8Array>,
  options: ReadArchiveEntryOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const maxEntryBytes = numberOption(options.maxEntryBytes, DEFAULT_MAX_ENTRY_BYTES, "maxEntryBytes", "positive count");
  const extensions = (options.extensions ?? DATA_EXTENSIONS).map((extension) => extension.toLowerCase());
  const reader = new ByteReader(zipBytes);
  const entries: EntryRecord[] = [];
  let dataEntry: string | undefined;
  /** An entry's end was found by searching its data (stored, with a data descriptor). */
  let searched = false;
  try {
    for (;;) {
      const offset = reader.position;
      const signatureBytes = await reader.read(4);
      if (signatureBytes === undefined) {
        throw truncated(offset === 0 ? "its first record (the download is empty or shorter than a ZIP header)" : "the archive (no central directory)");
      }
      const signature = u32(signatureBytes, 0);
      if (signature === LOCAL_HEADER) {
        const header = await readLocalHeader(reader);
        const isData = classifyEntry(header.name, dataEntry, extensions);
        if (isData) dataEntry = header.name;
        const totals = yield* readEntry(reader, header, maxEntryBytes, isData);
        entries.push({ nameBytes: header.nameBytes, name: header.name, ...totals });
        if (header.method === STORED && header.hasDescriptor) searched = true;
      } else if (offset === 0 && (signature === SPANNING_MARKER || signature === DATA_DESCRIPTOR)) {
        // A one-part archive marked as spanned (APPNOTE 8.5.4): the entries follow.
      } else if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL_DIRECTORY || signature === ZIP64_END_OF_CENTRAL_DIRECTORY) {
        await readCentralDirectory(reader, signature, entries);
        break;
      } else {
        throw corrupt(offset === 0 ? "it does not start with a ZIP header (is this a Bulk Read result?)" : `unexpected record ${hex32(signature)} at offset ${offset}`);
      }
    }
    if (dataEntry === undefined) {
      throw new RunnerError("ARCHIVE_NO_DATA_ENTRY", `The result archive has no ${extensions.join(" or ")} entry: check that the job completed and that this is a Bulk Read result.`);
    }
    // Read the download to its end. Bytes after the end record are ignored, as unzip does,
    // unless an entry's end was found by a search: data that forged a descriptor and a central
    // directory would leave the real ones there.
    const trailing = await reader.drain();
    if (searched && trailing > 0) throw corrupt(`${trailing} bytes follow its end record, after a stored entry whose end had to be searched for`);
  } catch (error) {
    // After an end found by a search, a "cut" may be the search fooled by data that forged a
    // descriptor: the bytes that follow are then not records at all. Not a safe retry.
    if (searched && error instanceof RunnerError && error.code === "ARCHIVE_TRUNCATED") {
      throw corrupt(`${error.message.replace(/^The result archive was cut short: it /, "it ").replace(/\. Download it again\.$/, "")}, after a stored entry whose end had to be searched for`);
    }
    throw error;
  } finally {
    // Stop the download when we stop early (error or a consumer that broke out of its loop).
    await reader.close();
  }
}

/** Checks an entry's name against the refusals; true for the data entry. */
function classifyEntry(name: string, dataEntry: string | undefined, extensions: readonly string[]): boolean {
  if (!isSafeEntryName(name)) {
    throw new RunnerError("ARCHIVE_UNSAFE_ENTRY_NAME", `The result archive has an entry named ${JSON.stringify(name.slice(0, 200))} that escapes its folder: refusing the archive.`);
  }
  const lower = name.toLowerCase();
  if (!DATA_EXTENSIONS.some((extension) => lower.endsWith(extension))) return false;
  if (dataEntry !== undefined) {
    throw new RunnerError(
      "ARCHIVE_MULTIPLE_DATA_ENTRIES",
      `The result archive has more than one data entry (${JSON.stringify(dataEntry)} and ${JSON.stringify(name)}); a Bulk Read result has exactly one: refusing it.`,
    );
  }
  if (!extensions.some((extension) => lower.endsWith(extension))) {
    throw new RunnerError("ARCHIVE_WRONG_ENTRY_TYPE", `The result archive holds ${JSON.stringify(name)}, not a ${extensions.join(" or ")} file: read ICS results with readArchiveEntry.`);
  }
  return true;
}

/**
 * Streams one entry's data (yielding it only for the data entry; other entries are read and
 * checked, then dropped), then checks its CRC-32 and sizes against the header or the data
 * descriptor, which it consumes. Returns what the entry held.
 */
async function* readEntry(reader: ByteReader, header: LocalHeader, cap: number, isData: boolean): AsyncGenerator<Uint8Array, EntryTotals, undefined> {
  const name = header.name;
  if (!header.hasDescriptor && header.size > cap) throw tooLarge(name, header.size, cap);
  const tally = new Tally(cap, (size) => tooLarge(name, size, cap));
  const body =
    header.method === DEFLATED
      ? inflated(reader, header.hasDescriptor ? undefined : header.compressedSize, tally)
      : header.hasDescriptor
        ? storedUntilDescriptor(reader, tally)
        : storedKnownSize(reader, header.compressedSize, tally);
  let compressedSize: number;
  try {
    for (;;) {
      const step = await body.next();
      if (step.done === true) {
        compressedSize = step.value;
        break;
      }
      if (isData) yield step.value;
    }
  } finally {
    // Stops the inflater when the consumer stopped early or something failed.
    await body.return(0);
  }
  const totals: EntryTotals = { crc: tally.crc, compressedSize, size: tally.size };
  const label = JSON.stringify(name.slice(0, 200));
  if (header.hasDescriptor) {
    // A complete archive always has this much after a descriptor (the next record and the end record).
    const available = await reader.fill(DESCRIPTOR_LOOKAHEAD);
    const bytes = reader.peek(DESCRIPTOR_LOOKAHEAD);
    const length = matchDescriptor(bytes, totals, false);
    if (length < 0) {
      if (available < DESCRIPTOR_LOOKAHEAD) throw truncated(`the data descriptor of ${label}`);
      throw corrupt(`the entry ${label} does not check out: ${describeDescriptorMismatch(bytes, totals)}`);
    }
    await reader.skip(length);
  } else if (totals.crc !== header.crc || totals.compressedSize !== header.compressedSize || totals.size !== header.size) {
    throw corrupt(
      `the entry ${label} does not check out: its header records CRC-32 ${hex32(header.crc)}, ${header.compressedSize} compressed and ${header.size} uncompressed bytes, but the data has CRC-32 ${hex32(totals.crc)}, ${totals.compressedSize} and ${totals.size}`,
    );
  }
  return totals;
}

/**
 * Yields the records of the archive's single `.csv` entry in batches, each record keyed by the
 * header row (Zoho's field API names). RFC 4180: quoted newlines and doubled quotes; a BOM is
 * stripped; a record with a different number of fields than the header is an error.
 */
export async function* readCsvRecords(
  zipBytes: AsyncIterable<Uint8Array>,
  options: ReadCsvRecordsOptions = {},
): AsyncGenerator<Record<string, string>[], void, undefined> {
  const batchSize = numberOption(options.batchSize, DEFAULT_BATCH_SIZE, "batchSize", "positive count");
  const parser: Parser = parse({
    columns: checkHeader,
    bom: true,
    relax_column_count: false,
    relax_quotes: false,
    skip_empty_lines: true,
  });
  const wake = new Wake();
  let ended = false;
  let failure: unknown;
  parser.on("readable", wake.notify);
  parser.on("end", () => {
    ended = true;
    wake.notify();
  });
  parser.on("error", (error: unknown) => {
    failure ??= error;
    wake.notify();
  });
  parser.on("close", wake.notify);

  // Producer: feeds inflated bytes into the parser, waiting for it to drain. It runs alongside
  // the consumer loop below; the parser's buffers bound how far ahead it gets.
  void feedParser(readArchiveEntry(zipBytes, { maxEntryBytes: options.maxEntryBytes, extensions: [".csv"] }), parser);

  let batch: Record<string, string>[] = [];
  try {
    for (;;) {
      let record: unknown;
      while ((record = parser.read()) !== null) {
        batch.push(record as Record<string, string>);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (failure !== undefined) throw csvError(failure);
      if (ended) break;
      await wake.wait();
    }
    if (batch.length > 0) yield batch;
  } finally {
    // On an early exit this makes the producer stop, which stops the unzip and the download.
    parser.destroy();
  }
}

async function feedParser(entry: AsyncGenerator<Uint8Array, void, undefined>, parser: Parser): Promise<void> {
  try {
    for await (const chunk of entry) {
      if (parser.destroyed) return;
      if (!parser.write(chunk)) await drainedOrClosed(parser);
      if (parser.destroyed) return;
    }
    parser.end();
  } catch (error) {
    parser.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function drainedOrClosed(parser: Parser): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      parser.off("drain", done);
      parser.off("close", done);
      resolve();
    };
    parser.on("drain", done);
    parser.on("close", done);
  });
}

/** Header check: duplicate or prototype-like column names would silently lose values. */
function checkHeader(header: string[]): string[] {
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "__proto__" || name === "constructor" || name === "prototype") {
      throw new RunnerError("CSV_MALFORMED", `The result CSV has a column named ${JSON.stringify(name)}, which cannot be a Zoho field API name.`);
    }
    if (seen.has(name)) {
      throw new RunnerError("CSV_MALFORMED", `The result CSV has two columns named ${JSON.stringify(name)}: request each field once.`);
    }
    seen.add(name);
  }
  return header;
}

function csvError(error: unknown): RunnerError {
  if (error instanceof RunnerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RunnerError("CSV_MALFORMED", `The result CSV is malformed: ${message.slice(0, 300)}. Download the result again; report it if it persists.`, {
    cause: error,
  });
}

function tooLarge(name: string, bytes: number, cap: number): RunnerError {
  return new RunnerError(
    "ARCHIVE_ENTRY_TOO_LARGE",
    `The result archive entry ${JSON.stringify(name)} inflates to more than ${cap} bytes (at least ${bytes}): refusing it. Raise maxEntryBytes if the export is really that large.`,
  );
}

/**
 * No absolute paths, drive letters, `..` segments, backslashes (ZIP names use `/`; a backslash
 * is a Windows separator in disguise) or NUL: the name must stay inside a folder.
 */
function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.includes("\0") || name.includes("\\")) return false;
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return false;
  return !name.split("/").includes("..");
}

// ZIP records read by the streaming reader (PKWARE APPNOTE 6.3.x, section 4.3): local file
// headers, data descriptors, the central directory and its end records, ZIP64 variants included.
// Only what one-entry result archives need: no encryption, no spanning, methods 0 and 8.
import { RunnerError } from "../zoho-api-error.js";
import type { ByteReader } from "./byte-reader.js";

export const LOCAL_HEADER = 0x04034b50;
export const CENTRAL_HEADER = 0x02014b50;
export const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
export const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const DIGITAL_SIGNATURE = 0x05054b50;
export const DATA_DESCRIPTOR = 0x08074b50;
/** "PK00": a marker some writers put before the first local header of a one-part archive. */
export const SPANNING_MARKER = 0x30304b50;

export const STORED = 0;
export const DEFLATED = 8;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_HEADERS = 0x2000;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;
const TWO_32 = 2 ** 32;

/** Bytes of lookahead that decide a data descriptor: the largest form and the next signature. */
export const DESCRIPTOR_LOOKAHEAD = 28;

/**
 * The archive's content is wrong (a CRC-32, a size or a record that does not check out): bytes
 * were changed, so what was already read from it cannot be trusted either. Not retryable.
 */
export function corrupt(detail: string, cause?: unknown): RunnerError {
  return new RunnerError("ARCHIVE_CORRUPT", `The result archive is not a valid ZIP: ${detail}. Download it again; report it if it persists.`, { cause });
}

/**
 * The download ended early (a broken transfer): what was read is a true prefix of the file, so
 * downloading it again and skipping what was already read is safe. Retryable.
 */
export function truncated(what: string): RunnerError {
  return new RunnerError("ARCHIVE_TRUNCATED", `The result archive was cut short: it ends in the middle of ${what}. Download it again.`, { retryable: true });
}

function u16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function u32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** An unsigned 64-bit little-endian number, or NaN above 2^53 (no real archive gets there). */
function u64(bytes: Uint8Array, offset: number): number {
  const high = u32(bytes, offset + 4);
  return high >= 0x200000 ? Number.NaN : high * TWO_32 + u32(bytes, offset);
}

export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

export interface LocalHeader {
  method: number;
  /** Raw name bytes (compared with the central directory) and the decoded name. */
  nameBytes: Uint8Array;
  name: string;
  /** Sizes and CRC follow the data in a data descriptor (general-purpose flag bit 3). */
  hasDescriptor: boolean;
  /** Header values; meaningless when `hasDescriptor`. */
  crc: number;
  compressedSize: number;
  size: number;
}

/** What an entry turned out to hold, measured while it streamed. */
export interface EntryTotals {
  crc: number;
  compressedSize: number;
  size: number;
}

export interface EntryRecord extends EntryTotals {
  nameBytes: Uint8Array;
  name: string;
}

/** Reads a local file header whose 4-byte signature has just been consumed. */
export async function readLocalHeader(reader: ByteReader): Promise<LocalHeader> {
  const fixed = await reader.read(26);
  if (fixed === undefined) throw truncated("a local file header");
  const flags = u16(fixed, 2);
  const method = u16(fixed, 4);
  let crc = u32(fixed, 10);
  let compressedSize = u32(fixed, 14);
  let size = u32(fixed, 18);
  const nameLength = u16(fixed, 22);
  const extraLength = u16(fixed, 24);
  const variable = await reader.read(nameLength + extraLength);
  if (variable === undefined) throw truncated("a local file header");
  const nameBytes = variable.slice(0, nameLength);
  const name = decodeName(nameBytes, flags);
  const extra = variable.subarray(nameLength);
  if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) !== 0) {
    throw corrupt(`the entry ${JSON.stringify(name.slice(0, 200))} is encrypted, which a Bulk Read result never is`);
  }
  if (method !== STORED && method !== DEFLATED) {
    throw corrupt(`the entry ${JSON.stringify(name.slice(0, 200))} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
  }
  const hasDescriptor = (flags & FLAG_DATA_DESCRIPTOR) !== 0;
  if (!hasDescriptor && (size === MAX32 || compressedSize === MAX32)) {
    // ZIP64: the real sizes are in the extra field, uncompressed size first (APPNOTE 4.5.3).
    const zip64 = findExtra(extra, ZIP64_EXTRA);
    let at = 0;
    const next = (): number => {
      if (zip64 === undefined || at + 8 > zip64.length) throw corrupt(`the entry ${JSON.stringify(name.slice(0, 200))} has ZIP64 sizes but no complete ZIP64 extra field`);
      const value = u64(zip64, at);
      at += 8;
      return value;
    };
    if (size === MAX32) size = next();
    if (compressedSize === MAX32) compressedSize = next();
    if (Number.isNaN(size) || Number.isNaN(compressedSize)) throw corrupt(`the entry ${JSON.stringify(name.slice(0, 200))} claims an impossible size`);
  }
  if (hasDescriptor) crc = compressedSize = size = 0;
  return { method, nameBytes, name, hasDescriptor, crc, compressedSize, size };
}

function decodeName(bytes: Uint8Array, flags: number): string {
  // Bit 11: UTF-8. Otherwise CP437 by the spec; latin1 keeps ASCII (all that the checks need).
  return (flags & FLAG_UTF8) !== 0 ? new TextDecoder().decode(bytes) : Buffer.from(bytes).toString("latin1");
}

function findExtra(extra: Uint8Array, id: number): Uint8Array | undefined {
  for (let at = 0; at + 4 <= extra.length; ) {
    const length = u16(extra, at + 2);
    if (u16(extra, at) === id) return extra.subarray(at + 4, Math.min(extra.length, at + 4 + length));
    at += 4 + length;
  }
  return undefined;
}

/** The record signatures that may follow an entry's data (or its descriptor). */
function isNextRecord(bytes: Uint8Array, offset: number): boolean {
  if (offset + 4 > bytes.length) return false;
  const signature = u32(bytes, offset);
  return signature === LOCAL_HEADER || signature === CENTRAL_HEADER || signature === END_OF_CENTRAL_DIRECTORY;
}

const DESCRIPTOR_FORMS = [
  // [has signature, 64-bit sizes]: the signature is optional (APPNOTE 4.3.9.3), sizes are 8 bytes
  // for ZIP64 entries. The signature form is tried first; each form must be followed by a record.
  { signature: true, wide: false },
  { signature: true, wide: true },
  { signature: false, wide: false },
  { signature: false, wide: true },
] as const;

/**
 * The length of the data descriptor at the start of `bytes` if one of its forms records exactly
 * `totals` and is followed by the signature of the next record; -1 otherwise. 32-bit sizes are
 * compared modulo 2^32 (writers that predate ZIP64 wrap them).
 */
export function matchDescriptor(bytes: Uint8Array, totals: EntryTotals, signatureOnly: boolean): number {
  for (const form of DESCRIPTOR_FORMS) {
    if (signatureOnly && !form.signature) continue;
    let at = 0;
    if (form.signature) {
      if (bytes.length < 4 || u32(bytes, 0) !== DATA_DESCRIPTOR) continue;
      at = 4;
    }
    const length = at + (form.wide ? 20 : 12);
    if (!isNextRecord(bytes, length)) continue;
    if (u32(bytes, at) !== totals.crc) continue;
    const matches = form.wide
      ? u64(bytes, at + 4) === totals.compressedSize && u64(bytes, at + 12) === totals.size
      : u32(bytes, at + 4) === totals.compressedSize % TWO_32 && u32(bytes, at + 8) === totals.size % TWO_32;
    if (matches) return length;
  }
  return -1;
}

/**
 * True when `bytes` start with a data descriptor's signature followed, where a 32- or 64-bit
 * descriptor ends, by the next record: a descriptor by its shape, whatever it records.
 */
export function looksLikeDescriptor(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && u32(bytes, 0) === DATA_DESCRIPTOR && (isNextRecord(bytes, 16) || isNextRecord(bytes, 24));
}

/** True when `tail` (the last bytes of a download) is an end of central directory record without a comment. */
export function endsWithEndRecord(tail: Uint8Array): boolean {
  return tail.length >= 22 && u32(tail, tail.length - 22) === END_OF_CENTRAL_DIRECTORY && u16(tail, tail.length - 2) === 0;
}

/** Why no descriptor form matched, for the error message. */
export function describeDescriptorMismatch(bytes: Uint8Array, totals: EntryTotals): string {
  const actual = `the data has CRC-32 ${hex32(totals.crc)}, ${totals.compressedSize} compressed and ${totals.size} uncompressed bytes`;
  if (bytes.length < 16) return `its data descriptor is missing or cut short (${actual})`;
  const at = u32(bytes, 0) === DATA_DESCRIPTOR ? 4 : 0;
  return `its data descriptor records CRC-32 ${hex32(u32(bytes, at))}, ${u32(bytes, at + 4)} compressed and ${u32(bytes, at + 8)} uncompressed bytes, but ${actual}`;
}

/**
 * Reads the central directory (its first signature already consumed) through the end of
 * central directory record, checking that it lists exactly the entries that were read, with
 * the same names, CRC-32s and sizes.
 */
export async function readCentralDirectory(reader: ByteReader, first: number, entries: readonly EntryRecord[]): Promise<void> {
  let signature = first;
  let listed = 0;
  for (;;) {
    if (signature === CENTRAL_HEADER) {
      const fixed = await reader.read(42);
      if (fixed === undefined) throw truncated("the central directory");
      const nameLength = u16(fixed, 24);
      const extraLength = u16(fixed, 26);
      const commentLength = u16(fixed, 28);
      const variable = await reader.read(nameLength + extraLength + commentLength);
      if (variable === undefined) throw truncated("the central directory");
      const entry = entries[listed];
      listed++;
      if (entry === undefined) throw corrupt(`its central directory lists more entries than the archive holds (${entries.length})`);
      checkCentralRecord(fixed, variable.subarray(0, nameLength), variable.subarray(nameLength, nameLength + extraLength), entry);
    } else if (signature === ZIP64_END_OF_CENTRAL_DIRECTORY) {
      const sizeBytes = await reader.read(8);
      if (sizeBytes === undefined) throw truncated("the ZIP64 end of central directory record");
      const size = u64(sizeBytes, 0);
      if (!(size <= 1024 * 1024)) throw corrupt(`its ZIP64 end of central directory record claims ${size} bytes`);
      if (!(await reader.skip(size))) throw truncated("the ZIP64 end of central directory record");
    } else if (signature === ZIP64_END_LOCATOR) {
      if (!(await reader.skip(16))) throw truncated("the ZIP64 end of central directory locator");
    } else if (signature === DIGITAL_SIGNATURE) {
      const sizeBytes = await reader.read(2);
      if (sizeBytes === undefined || !(await reader.skip(u16(sizeBytes, 0)))) throw truncated("the central directory's signature record");
    } else if (signature === END_OF_CENTRAL_DIRECTORY) {
      const fixed = await reader.read(18);
      if (fixed === undefined) throw truncated("the end of central directory record");
      if (!(await reader.skip(u16(fixed, 16)))) throw truncated("the archive comment");
      const total = u16(fixed, 6);
      if (listed !== entries.length || (total !== 0xffff && total !== entries.length % 0x10000)) {
        throw corrupt(`its central directory lists ${listed} entries (end record: ${total}) but the archive holds ${entries.length}`);
      }
      return;
    } else {
      throw corrupt(`unexpected record ${hex32(signature)} at offset ${reader.position - 4} of the central directory`);
    }
    const next = await reader.read(4);
    if (next === undefined) throw truncated("the central directory");
    signature = u32(next, 0);
  }
}

function checkCentralRecord(fixed: Uint8Array, nameBytes: Uint8Array, extra: Uint8Array, entry: EntryRecord): void {
  // Offsets in `fixed` are those of the central header minus its 4-byte signature.
  const crc = u32(fixed, 12);
  let compressedSize = u32(fixed, 16);
  let size = u32(fixed, 20);
  const zip64 = size === MAX32 || compressedSize === MAX32 ? findExtra(extra, ZIP64_EXTRA) : undefined;
  let at = 0;
  const next = (): number => {
    if (zip64 === undefined || at + 8 > zip64.length) return Number.NaN;
    const value = u64(zip64, at);
    at += 8;
    return value;
  };
  if (size === MAX32) size = next();
  if (compressedSize === MAX32) compressedSize = next();
  const label = JSON.stringify(entry.name.slice(0, 200));
  if (!sameBytes(nameBytes, entry.nameBytes)) {
    throw corrupt(`its central directory names ${JSON.stringify(Buffer.from(nameBytes).toString("latin1").slice(0, 200))} where the archive holds ${label}`);
  }
  if (crc !== entry.crc || compressedSize !== entry.compressedSize || size !== entry.size) {
    throw corrupt(
      `its central directory records CRC-32 ${hex32(crc)}, ${compressedSize} compressed and ${size} uncompressed bytes for ${label}, whose data has CRC-32 ${hex32(entry.crc)}, ${entry.compressedSize} and ${entry.size}`,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

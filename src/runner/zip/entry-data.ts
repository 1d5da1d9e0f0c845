// The data of one entry, streamed: each generator yields the entry's uncompressed bytes (as
// they are counted into a Tally: CRC-32, size, cap) and returns how many compressed bytes it
// consumed, leaving the reader at the first byte after the entry's data (its data descriptor
// or the next record). None of them searches compressed data for signatures.
import { createInflateRaw } from "node:zlib";
import type { ByteReader } from "./byte-reader.js";
import { crc32 } from "./crc32.js";
import { DESCRIPTOR_LOOKAHEAD, corrupt, describeDescriptorMismatch, endsWithEndRecord, looksLikeDescriptor, matchDescriptor, truncated } from "./format.js";
import { Wake } from "./wake.js";

/** Pause the inflater while this many inflated bytes wait for the consumer. */
const QUEUE_HIGH_WATER = 256 * 1024;
const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
const EMPTY = new Uint8Array(0);

/** Running CRC-32 and size of an entry's uncompressed bytes, refusing more than `cap`. */
export class Tally {
  crc = 0;
  size = 0;

  constructor(
    readonly cap: number,
    readonly tooLarge: (size: number) => Error,
  ) {}

  add(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.size > this.cap) throw this.tooLarge(this.size);
    this.crc = crc32(chunk, this.crc);
  }
}

/** Method 0 with the size in the header: exactly that many bytes. */
export async function* storedKnownSize(reader: ByteReader, compressedSize: number, tally: Tally): AsyncGenerator<Uint8Array, number, undefined> {
  for (let left = compressedSize; left > 0; ) {
    const chunk = await reader.chunk(left);
    if (chunk === undefined) throw truncated("an entry's data");
    left -= chunk.length;
    tally.add(chunk);
    yield chunk;
  }
  return compressedSize;
}

/**
 * Method 0 with a data descriptor: the only case where the end of the data is unknown until
 * found. A `PK\x07\x08` in the data ends it only if the descriptor there records the CRC-32
 * and size of every byte before it and is followed by a record signature; otherwise those
 * bytes are data. Bytes that might start a descriptor are held back until decided.
 *
 * When the input ends before a descriptor matched, the download was either cut short or its
 * content changed: it is corrupt if a descriptor was seen (by its shape) that did not match
 * the data, or if the input ends with an end of central directory record; truncated otherwise.
 */
export async function* storedUntilDescriptor(reader: ByteReader, tally: Tally): AsyncGenerator<Uint8Array, number, undefined> {
  let pending: Uint8Array = EMPTY;
  let from = 0;
  let inputDone = false;
  /** The last bytes of the input, to see whether it ended where an archive ends. */
  let tail: Uint8Array = EMPTY;
  let mismatch: string | undefined;
  const pull = async (): Promise<boolean> => {
    const next = await reader.chunk();
    if (next === undefined) {
      inputDone = true;
      return false;
    }
    pending = pending.length === 0 ? next : Buffer.concat([pending, next]);
    tail = next.length >= 22 ? next.subarray(next.length - 22) : Buffer.concat([tail, next]).subarray(-22);
    return true;
  };
  for (;;) {
    const at = Buffer.from(pending.buffer, pending.byteOffset, pending.length).indexOf(DESCRIPTOR_SIGNATURE, from);
    if (at === -1) {
      // Keep the last 3 bytes: they may be the start of a signature split across chunks.
      const keep = Math.min(3, pending.length);
      const data = pending.subarray(0, pending.length - keep);
      pending = pending.subarray(pending.length - keep);
      from = 0;
      if (data.length > 0) {
        tally.add(data);
        yield data;
      }
      if (!(await pull())) {
        if (mismatch !== undefined) throw corrupt(`no data descriptor matches its stored data: ${mismatch}`);
        if (endsWithEndRecord(tail)) throw corrupt("no data descriptor matches its stored data (a stored entry's descriptor must have its signature)");
        throw truncated("a stored entry's data");
      }
      continue;
    }
    if (at > 0) {
      const data = pending.subarray(0, at);
      pending = pending.subarray(at);
      tally.add(data);
      yield data;
    }
    while (pending.length < DESCRIPTOR_LOOKAHEAD && !inputDone) await pull();
    const totals = { crc: tally.crc, compressedSize: tally.size, size: tally.size };
    if (matchDescriptor(pending, totals, true) > 0) {
      reader.unread(pending);
      return tally.size;
    }
    if (looksLikeDescriptor(pending)) mismatch = describeDescriptorMismatch(pending, totals);
    // Not a descriptor: the signature's bytes are data. Search on from the next byte.
    from = 1;
  }
}

/**
 * Method 8: the compressed bytes go to native zlib, which knows where the deflate stream ends.
 * When it ends, `bytesWritten` is the number of compressed bytes it consumed; what was fed
 * beyond that goes back to the reader. One write is in flight at a time and the inflater is
 * paused while its output waits for the consumer, so nothing is read or inflated ahead.
 * `compressedSize` (known sizes) bounds what is fed; undefined with a data descriptor.
 */
export async function* inflated(reader: ByteReader, compressedSize: number | undefined, tally: Tally): AsyncGenerator<Uint8Array, number, undefined> {
  const inflater = createInflateRaw();
  const queue: Buffer[] = [];
  let queued = 0;
  let failure: Error | undefined;
  let ended = false;
  let writing = false;
  /** No more input for the inflater: its stream ended, or the archive did. */
  let inputDone = false;
  /** The archive ended before the compressed data did: a truncated download. */
  let ranOut = false;
  let fed = 0;
  let last: Uint8Array = EMPTY;
  const wake = new Wake();
  inflater.on("data", (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= QUEUE_HIGH_WATER) inflater.pause();
    wake.notify();
  });
  inflater.on("end", () => {
    ended = true;
    wake.notify();
  });
  inflater.on("error", (error: Error) => {
    failure ??= error;
    wake.notify();
  });
  try {
    for (;;) {
      if (failure !== undefined) {
        // zlib's "unexpected end of file" after the archive ran out is a cut, not bad data.
        if (ranOut && (failure as Error & { code?: unknown }).code === "Z_BUF_ERROR") throw truncated("an entry's compressed data");
        throw corrupt(`its deflate data is corrupt (${failure.message})`, failure);
      }
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (queued < QUEUE_HIGH_WATER) inflater.resume();
        tally.add(chunk);
        yield chunk;
        continue;
      }
      if (ended) break;
      if (!writing && !inputDone) {
        const left = compressedSize === undefined ? Number.POSITIVE_INFINITY : compressedSize - fed;
        const next = left > 0 ? await reader.chunk(left) : undefined;
        if (next === undefined) {
          // zlib ends the stream, or fails with "unexpected end of file" if it is incomplete.
          ranOut = left > 0;
          inputDone = true;
          inflater.end();
          continue;
        }
        writing = true;
        fed += next.length;
        last = next;
        inflater.write(next, () => {
          writing = false;
          // zlib stops consuming at the end of the deflate stream: input left over means it ended.
          if (inflater.bytesWritten < fed) inputDone = true;
          wake.notify();
        });
        continue;
      }
      await wake.wait();
    }
  } finally {
    // Also after "end": with input left over, zlib's writable side never finished.
    inflater.destroy();
  }
  const consumed = inflater.bytesWritten;
  // Only the last write can hold unconsumed bytes: every earlier one was consumed in full.
  reader.unread(last.subarray(last.length - (fed - consumed)));
  return consumed;
}

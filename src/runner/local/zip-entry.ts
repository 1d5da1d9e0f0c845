// The ZIP writer: text streamed into a one-entry ZIP archive, deflated as it is read.

import * as zlib from "node:zlib";
import { Zip, type ZipInputFile } from "fflate";
import { crc32 } from "../zip/crc32.js";

/** Characters of text pushed into the deflater at a time. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams text into a one-entry ZIP: fflate's streaming `Zip` writes the container, native
 * zlib deflates (in libuv's thread pool, so the text of the next chunk is generated while the
 * last one compresses). Like any streaming ZIP writer, the entry's sizes and CRC follow its
 * data in a data descriptor.
 */
export async function* zipEntry(name: string, text: Iterable<string>, mtime: Date, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else out.push(chunk);
    notify();
  });
  // A ZipInputFile of our own: fflate takes the compressed chunks as they are, and reads crc
  // and size when the final chunk arrives.
  const entry = { filename: name, mtime, compression: 8, flag: 0, crc: 0, size: 0, ondata: undefined as unknown as (error: Error | null, data: Uint8Array, final: boolean) => void };
  zip.add(entry as unknown as ZipInputFile);
  const deflater = zlib.createDeflateRaw({ level: 6 });
  let ended = false;
  deflater.on("data", (chunk: Buffer) => entry.ondata(null, chunk, false));
  deflater.on("end", () => {
    ended = true;
    entry.ondata(null, new Uint8Array(0), true);
    zip.end();
    notify();
  });
  deflater.on("error", (error) => {
    failure = error;
    notify();
  });
  deflater.on("drain", notify);
  const changed = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const encoder = new TextEncoder();
  let buffer = "";
  const write = async (final: boolean) => {
    signal?.throwIfAborted();
    const bytes = encoder.encode(buffer);
    buffer = "";
    entry.crc = crc32(bytes, entry.crc);
    entry.size += bytes.length;
    const more = final ? (deflater.end(bytes), true) : deflater.write(bytes);
    if (!more) while (deflater.writableNeedDrain && failure === null) await changed();
  };
  try {
    for (const piece of text) {
      buffer += piece;
      if (buffer.length >= CHUNK_CHARS) {
        await write(false);
        if (failure) throw failure;
        if (out.length > 0) yield* out.splice(0);
      }
    }
    await write(true);
    while (!ended && failure === null) {
      if (out.length > 0) yield* out.splice(0);
      else await changed();
    }
    if (failure) throw failure;
    yield* out.splice(0);
  } finally {
    if (!ended) deflater.destroy();
  }
}

// Streaming reader of Bulk Read results: ZIP bytes in, CSV records (or the raw ICS text) out,
// with memory bounded by chunk and batch sizes, never by the number of records.
//
// - fflate's streaming `Unzip` finds the entries; inflation is handed to native zlib
//   (`createInflateRaw`) through a decoder class registered with `unzip.register`, because
//   fflate's pure-JS inflate is several times slower.
// - Backpressure end to end: the next input chunk is pulled only when the inflater has consumed
//   the previous one, the inflater is paused while inflated bytes wait for the consumer, and the
//   CSV parser is fed only as fast as its records are read.
// - Untrusted archives: one data entry only (`.csv`/`.ics`), no names escaping a folder, and a
//   cap on inflated bytes counted as they stream (the header's size is not trusted).

import { createInflateRaw, type InflateRaw } from "node:zlib";
import { parse, type Parser } from "csv-parse";
import { Unzip, type AsyncFlateStreamHandler, type UnzipDecoder, type UnzipDecoderConstructor, type UnzipFile } from "fflate";
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
/** Pause the inflater while this many inflated bytes wait for the consumer. */
const QUEUE_HIGH_WATER = 256 * 1024;
const DATA_EXTENSIONS: readonly string[] = [".csv", ".ics"];

/**
 * Yields the inflated bytes of the archive's single data entry (`.csv` or `.ics`).
 * Refusals (a second data entry, an unsafe name, too many bytes, a corrupt archive) are thrown
 * from the iteration as RunnerError. A second data entry can only be seen after the first one
 * has streamed: consumers must treat a late error as a failure of the whole file.
 */
export async function* readArchiveEntry(
  zipBytes: AsyncIterable<Uint8Array>,
  options: ReadArchiveEntryOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const state = new EntryState(options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES);
  const extensions = (options.extensions ?? DATA_EXTENSIONS).map((extension) => extension.toLowerCase());
  const allData = DATA_EXTENSIONS;
  const unzip = new Unzip((file) => onFile(file, state, extensions, allData));
  unzip.register(nativeInflateDecoder(state));

  const input = zipBytes[Symbol.asyncIterator]();
  let inputDone = false;
  try {
    for (;;) {
      if (state.error !== undefined) throw state.error;
      const chunk = state.take();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (state.pendingWrites === 0 && state.activeInflaters === 0 && inputDone) break;
      if (state.pendingWrites === 0 && !inputDone) {
        // The inflater has taken everything so far: pull the next chunk of the download.
        const next = await input.next();
        if (next.done === true) inputDone = true;
        pushToUnzip(unzip, next.done === true ? new Uint8Array(0) : next.value, inputDone, state);
        continue;
      }
      await state.changed();
    }
    if (state.dataEntry === undefined) {
      throw new RunnerError("ARCHIVE_NO_DATA_ENTRY", `The result archive has no ${extensions.join(" or ")} entry: check that the job completed and that this is a Bulk Read result.`);
    }
  } finally {
    state.terminate();
    // Stop the download when we stop early (error or a consumer that broke out of its loop).
    if (!inputDone) await input.return?.();
  }
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
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RunnerError("INVALID_OPTIONS", `batchSize must be a positive integer; got ${batchSize}.`);
  }
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

/** Shared state of one archive read: the queue of inflated bytes, counters, errors. */
class EntryState {
  readonly queue: Uint8Array[] = [];
  queuedBytes = 0;
  /** Writes handed to a native inflater and not yet consumed by it. */
  pendingWrites = 0;
  /** Native inflaters that have not ended yet. */
  activeInflaters = 0;
  error: RunnerError | undefined;
  dataEntry: string | undefined;
  readonly inflaters = new Set<InflateRaw>();
  readonly files = new Set<UnzipFile>();
  readonly #wake = new Wake();

  constructor(readonly maxEntryBytes: number) {}

  readonly notify = (): void => this.#wake.notify();

  changed(): Promise<void> {
    return this.#wake.wait();
  }

  push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= QUEUE_HIGH_WATER) for (const inflater of this.inflaters) inflater.pause();
    this.notify();
  }

  take(): Uint8Array | undefined {
    const chunk = this.queue.shift();
    if (chunk === undefined) return undefined;
    this.queuedBytes -= chunk.length;
    if (this.queuedBytes < QUEUE_HIGH_WATER) for (const inflater of this.inflaters) inflater.resume();
    return chunk;
  }

  fail(error: RunnerError): void {
    this.error ??= error;
    this.terminate();
    this.notify();
  }

  terminate(): void {
    for (const file of this.files) file.terminate();
    for (const inflater of this.inflaters) inflater.destroy();
    this.files.clear();
    this.inflaters.clear();
    this.activeInflaters = 0;
    this.pendingWrites = 0;
  }
}

function pushToUnzip(unzip: Unzip, chunk: Uint8Array, final: boolean, state: EntryState): void {
  if (state.error !== undefined) return;
  try {
    unzip.push(chunk, final);
  } catch (error) {
    state.fail(
      new RunnerError("ARCHIVE_CORRUPT", `The result archive is not a valid ZIP (${error instanceof Error ? error.message : String(error)}): download it again.`, {
        cause: error,
      }),
    );
  }
}

function onFile(file: UnzipFile, state: EntryState, extensions: readonly string[], allData: readonly string[]): void {
  if (state.error !== undefined) return;
  const name = file.name;
  if (!isSafeEntryName(name)) {
    state.fail(new RunnerError("ARCHIVE_UNSAFE_ENTRY_NAME", `The result archive has an entry named ${JSON.stringify(name.slice(0, 200))} that escapes its folder: refusing the archive.`));
    return;
  }
  const lower = name.toLowerCase();
  const isData = allData.some((extension) => lower.endsWith(extension));
  if (isData) {
    if (state.dataEntry !== undefined) {
      state.fail(new RunnerError("ARCHIVE_MULTIPLE_DATA_ENTRIES", `The result archive has more than one data entry (${JSON.stringify(state.dataEntry)} and ${JSON.stringify(name)}); a Bulk Read result has exactly one: refusing it.`));
      return;
    }
    if (!extensions.some((extension) => lower.endsWith(extension))) {
      state.fail(new RunnerError("ARCHIVE_WRONG_ENTRY_TYPE", `The result archive holds ${JSON.stringify(name)}, not a ${extensions.join(" or ")} file: read ICS results with readArchiveEntry.`));
      return;
    }
    state.dataEntry = name;
  }
  if (file.originalSize !== undefined && file.originalSize > state.maxEntryBytes) {
    state.fail(tooLarge(name, file.originalSize, state.maxEntryBytes));
    return;
  }
  // Every entry is started, even ones we skip: an entry that is not started is buffered by fflate.
  let inflated = 0;
  const ondata: AsyncFlateStreamHandler = (error, data, final) => {
    if (state.error !== undefined) return;
    if (error !== null) {
      state.fail(new RunnerError("ARCHIVE_CORRUPT", `The result archive entry ${JSON.stringify(name)} could not be inflated (${error.message}): download it again.`, { cause: error }));
      return;
    }
    inflated += data.length;
    if (inflated > state.maxEntryBytes) {
      state.fail(tooLarge(name, inflated, state.maxEntryBytes));
      return;
    }
    if (isData && data.length > 0) state.push(data);
    if (final) state.files.delete(file);
  };
  file.ondata = ondata;
  state.files.add(file);
  try {
    file.start();
  } catch (error) {
    state.fail(new RunnerError("ARCHIVE_CORRUPT", `The result archive entry ${JSON.stringify(name)} cannot be read (${error instanceof Error ? error.message : String(error)}).`, { cause: error }));
  }
}

function tooLarge(name: string, bytes: number, cap: number): RunnerError {
  return new RunnerError(
    "ARCHIVE_ENTRY_TOO_LARGE",
    `The result archive entry ${JSON.stringify(name)} inflates to more than ${cap} bytes (at least ${bytes}): refusing it. Raise maxEntryBytes if the export is really that large.`,
  );
}

/** No absolute paths, drive letters, `..` segments or NUL: the name must stay inside a folder. */
export function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.includes("\0")) return false;
  const normalised = name.replace(/\\/g, "/");
  if (normalised.startsWith("/") || /^[A-Za-z]:/.test(normalised)) return false;
  return !normalised.split("/").includes("..");
}

/**
 * A fflate decoder (compression method 8, deflate) that inflates with native zlib. fflate
 * pushes compressed chunks; zlib emits inflated chunks asynchronously to `ondata`. The shared
 * state counts pending writes (input backpressure) and can pause the inflater (output side).
 */
function nativeInflateDecoder(state: EntryState): UnzipDecoderConstructor {
  return class NativeInflate implements UnzipDecoder {
    static readonly compression = 8;
    ondata: AsyncFlateStreamHandler = () => undefined;
    readonly #inflater: InflateRaw;

    constructor(_name: string, _size?: number, _originalSize?: number) {
      const inflater = createInflateRaw();
      this.#inflater = inflater;
      state.inflaters.add(inflater);
      state.activeInflaters++;
      inflater.on("data", (chunk: Buffer) => this.ondata(null, chunk as Uint8Array<ArrayBuffer>, false));
      inflater.on("end", () => {
        this.#finish();
        this.ondata(null, new Uint8Array(0), true);
        state.notify();
      });
      inflater.on("error", (error: Error) => {
        this.#finish();
        state.fail(new RunnerError("ARCHIVE_CORRUPT", `The result archive's deflate data is corrupt (${error.message}): download it again.`, { cause: error }));
      });
      if (state.queuedBytes >= QUEUE_HIGH_WATER) inflater.pause();
    }

    push(chunk: Uint8Array, final: boolean): void {
      if (this.#inflater.destroyed) return;
      state.pendingWrites++;
      const written = (): void => {
        state.pendingWrites = Math.max(0, state.pendingWrites - 1);
        state.notify();
      };
      // zlib keeps a reference to the chunk until it is consumed; fflate does not reuse it.
      if (final) this.#inflater.end(chunk, written);
      else this.#inflater.write(chunk, written);
    }

    terminate(): void {
      this.#finish();
      this.#inflater.destroy();
    }

    #finish(): void {
      if (state.inflaters.delete(this.#inflater)) state.activeInflaters = Math.max(0, state.activeInflaters - 1);
    }
  };
}

/** A reusable "something changed" signal: `wait()` resolves at the next `notify()`. */
class Wake {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;

  readonly notify = (): void => {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#promise = undefined;
    resolve?.();
  };

  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#promise;
  }
}

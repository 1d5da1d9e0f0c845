// Pull-based reader over the archive's byte stream: exact reads for headers, runs of bytes for
// entry data, and `unread` for bytes a decoder took but did not consume. Input is pulled only
// when a read needs it, so the download advances exactly as fast as the consumer.

const EMPTY = new Uint8Array(0);

export class ByteReader {
  readonly #input: AsyncIterator<Uint8Array>;
  /** Pulled and not yet consumed, in order. */
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #inputDone = false;
  /** Offset in the archive of the next unconsumed byte. */
  position = 0;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.#input = input[Symbol.asyncIterator]();
  }

  async #pull(): Promise<boolean> {
    if (this.#inputDone) return false;
    const next = await this.#input.next();
    if (next.done === true) {
      this.#inputDone = true;
      return false;
    }
    if (next.value.length > 0) {
      this.#chunks.push(next.value);
      this.#buffered += next.value.length;
    }
    return true;
  }

  /** Buffers up to `n` bytes; returns how many are buffered (fewer only at the end of input). */
  async fill(n: number): Promise<number> {
    while (this.#buffered < n && (await this.#pull()));
    return Math.min(this.#buffered, n);
  }

  /** The next `min(n, buffered)` bytes, contiguous, without consuming them. */
  peek(n: number): Uint8Array {
    return this.#copy(Math.min(n, this.#buffered), false);
  }

  /** Consumes exactly `n` bytes, or returns undefined if the input ends first. */
  async read(n: number): Promise<Uint8Array | undefined> {
    if ((await this.fill(n)) < n) return undefined;
    return this.#copy(n, true);
  }

  /** Consumes `n` bytes without keeping them; false if the input ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      const chunk = await this.chunk(left);
      if (chunk === undefined) return false;
      left -= chunk.length;
    }
    return true;
  }

  /** Consumes the next run of 1 to `max` bytes (one input chunk at most); undefined at the end. */
  async chunk(max = Number.POSITIVE_INFINITY): Promise<Uint8Array | undefined> {
    if (max <= 0) return EMPTY;
    while (this.#buffered === 0) if (!(await this.#pull())) return undefined;
    const first = this.#chunks[0]!;
    if (first.length <= max) {
      this.#chunks.shift();
      this.#buffered -= first.length;
      this.position += first.length;
      return first;
    }
    this.#chunks[0] = first.subarray(max);
    this.#buffered -= max;
    this.position += max;
    return first.subarray(0, max);
  }

  /** Puts consumed bytes back in front of the stream (they must be the last bytes consumed). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.unshift(bytes);
    this.#buffered += bytes.length;
    this.position -= bytes.length;
  }

  /** Consumes and discards the rest of the input; returns how many bytes that was. */
  async drain(): Promise<number> {
    let count = 0;
    for (let chunk = await this.chunk(); chunk !== undefined; chunk = await this.chunk()) count += chunk.length;
    return count;
  }

  /** Stops the input early (a consumer that stopped, or a refusal). */
  async close(): Promise<void> {
    if (this.#inputDone) return;
    this.#inputDone = true;
    await this.#input.return?.();
  }

  #copy(n: number, consume: boolean): Uint8Array {
    if (n === 0) return EMPTY;
    const first = this.#chunks[0]!;
    let out: Uint8Array;
    if (first.length >= n) {
      out = first.subarray(0, n);
    } else {
      out = new Uint8Array(n);
      let offset = 0;
      for (const chunk of this.#chunks) {
        const part = chunk.subarray(0, n - offset);
        out.set(part, offset);
        offset += part.length;
        if (offset === n) break;
      }
    }
    if (consume) {
      let left = n;
      while (left > 0) {
        const head = this.#chunks[0]!;
        if (head.length <= left) {
          this.#chunks.shift();
          left -= head.length;
        } else {
          this.#chunks[0] = head.subarray(left);
          left = 0;
        }
      }
      this.#buffered -= n;
      this.position += n;
    }
    return out;
  }
}

// CRC-32 (IEEE 802.3, the ZIP checksum), computed incrementally over streamed chunks: native
// zlib's when Node has it (20.15+), else a byte-wise table (engines allows any Node 20).
import * as zlib from "node:zlib";

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The table-driven CRC-32 of `data`, continuing from `value` (0 to start). */
export function crc32Table(data: Uint8Array, value = 0): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 of `data`, continuing from `value` (0 to start); an unsigned 32-bit number. Empty data
 * never reaches the native one: Node's `zlib.crc32(emptyBuffer, value)` returns 0, not `value`
 * (zlib's `crc32(crc, NULL, 0)` convention), which would silently reset a running CRC.
 */
export const crc32: (data: Uint8Array, value: number) => number =
  typeof native === "function" ? (data, value) => (data.length === 0 ? value : native(data, value) >>> 0) : crc32Table;

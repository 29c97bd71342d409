/**
 * Table-driven reflected 32-bit CRC, slice-by-8 (Intel's "slicing-by-8", as in zlib's braided and
 * Linux's crc32 code): eight 256-entry tables let the loop consume 8 bytes per iteration with
 * independent lookups. Used for CRC-32C (no native Node implementation) and as the CRC-32 fallback.
 */
import { endianness } from 'node:os';

const LITTLE_ENDIAN = endianness() === 'LE';

/** Build the 8 slice tables for a reflected 32-bit polynomial (Int32Array keeps V8 on small ints). */
function sliceTables(poly: number): Int32Array[] {
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  const tables = [t0];
  for (let s = 1; s < 8; s++) {
    const prev = tables[s - 1]!;
    const t = new Int32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(t);
  }
  return tables;
}

/**
 * Returns `update(data, prev)` for a reflected CRC-32 with init and xor-out all ones. `prev` and the
 * result are finished CRC values (zlib convention), so calls chain.
 */
export function makeCrc32Update(poly: number): (data: Uint8Array, prev: number) => number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = sliceTables(poly) as [
    Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  ];
  return (data, prev) => {
    let c = ~prev;
    const n = data.length;
    let i = 0;
    // Align, then read 32-bit words (little-endian hosts): two word loads replace eight byte
    // loads per iteration, the bottleneck of slice-by-8 in JS (bench/checksum-bench.ts).
    if (LITTLE_ENDIAN && n >= 32) {
      for (; ((data.byteOffset + i) & 3) !== 0; i++) c = (c >>> 8) ^ t0[(c ^ data[i]!) & 0xff]!;
      const words = new Int32Array(data.buffer, data.byteOffset + i, ((n - i) >>> 3) * 2);
      for (let j = 0; j < words.length; j += 2) {
        const a = c ^ words[j]!;
        const b = words[j + 1]!;
        c =
          t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
          t3[b & 0xff]! ^ t2[(b >>> 8) & 0xff]! ^ t1[(b >>> 16) & 0xff]! ^ t0[b >>> 24]!;
      }
      i += words.length * 4;
    }
    for (; i < n; i++) c = (c >>> 8) ^ t0[(c ^ data[i]!) & 0xff]!;
    return ~c >>> 0;
  };
}

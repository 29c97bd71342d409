/**
 * Table-driven reflected 32-bit CRC, slice-by-8 (Intel's "slicing-by-8", as in zlib's braided and
 * Linux's crc32 code): eight 256-entry tables let the loop consume 8 bytes per iteration with
 * independent lookups. Used for CRC-32C (no native Node implementation) and as the CRC-32 fallback.
 */

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
    for (const end = n - 7; i < end; i += 8) {
      const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
      c =
        t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
        t3[b & 0xff]! ^ t2[(b >>> 8) & 0xff]! ^ t1[(b >>> 16) & 0xff]! ^ t0[b >>> 24]!;
    }
    for (; i < n; i++) c = (c >>> 8) ^ t0[(c ^ data[i]!) & 0xff]!;
    return ~c >>> 0;
  };
}

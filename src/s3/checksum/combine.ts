/**
 * CRC combination: the CRC of A‖B from crc(A), crc(B) and len(B), without the bytes. Needed for
 * FULL_OBJECT multipart checksums, which must never re-read part data (shared/spec/s3-surface.md
 * §5.3). Method of zlib ≥ 1.2.12 `crc32_combine` (crc32.c: `multmodp`, `x2nmodp`), generalised to
 * any reflected polynomial of width 32 or 64. It relies on init == xor-out (all ones), which holds
 * for CRC-32, CRC-32C and CRC-64/NVME: then crc(A‖B) = crc(A)·x^(8·len(B)) mod P  ⊕  crc(B).
 * BigInt keeps one code path for both widths; a complete costs at most ~40 multiplications per part.
 */

/** A reflected CRC of width 32 or 64 with init = xor-out = all ones. */
export interface CrcSpec {
  width: 32 | 64;
  /** Reflected polynomial. */
  poly: bigint;
}

interface Prepared extends CrcSpec {
  top: bigint; // x^0 in reflected representation
  x2n: bigint[]; // x^(2^k) mod P, k = 0, 1, … (grown on demand)
}

const prepared = new Map<bigint, Prepared>();

/** a·b mod P, both in reflected representation (zlib `multmodp`). */
function multmodp(s: Prepared, a: bigint, b: bigint): bigint {
  let m = s.top;
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ s.poly : b >> 1n;
  }
  return p;
}

function prepare(spec: CrcSpec): Prepared {
  let s = prepared.get(spec.poly);
  if (s) return s;
  const top = 1n << BigInt(spec.width - 1);
  s = { ...spec, top, x2n: [] };
  // x2n[0] = x^1; x2n[k] = x2n[k-1]^2. zlib keeps 32 entries and wraps (k & 31), which is only
  // valid when x^(2^32) ≡ x mod P; rather than prove that for each polynomial, grow the table.
  s.x2n.push(top >> 1n);
  prepared.set(spec.poly, s);
  return s;
}

function x2nAt(s: Prepared, k: number): bigint {
  while (s.x2n.length <= k) {
    const last = s.x2n[s.x2n.length - 1]!;
    s.x2n.push(multmodp(s, last, last));
  }
  return s.x2n[k]!;
}

/** x^(n·2^k) mod P (zlib `x2nmodp`); n is a byte count and k = 3 turns bytes into bits. */
function x2nmodp(s: Prepared, n: bigint, k: number): bigint {
  let p = s.top;
  while (n > 0n) {
    if (n & 1n) p = multmodp(s, x2nAt(s, k), p);
    n >>= 1n;
    k++;
  }
  return p;
}

/**
 * CRC of A‖B given `crcA` = crc(A), `crcB` = crc(B) and `lenB` = byte length of B.
 * Values are the finished CRCs as unsigned bigints.
 */
export function crcCombine(spec: CrcSpec, crcA: bigint, crcB: bigint, lenB: number | bigint): bigint {
  const s = prepare(spec);
  const n = BigInt(lenB);
  if (n < 0n) throw new RangeError('negative length');
  return multmodp(s, x2nmodp(s, n, 3), crcA) ^ crcB;
}

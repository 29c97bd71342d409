/**
 * CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, init and xor-out all ones), the default
 * FULL_OBJECT checksum of newer SDKs (shared/spec/s3-surface.md §5.1, §5.3). The 64-bit register is
 * kept as two int32 halves so the hot loop stays on V8 small integers (BigInt would be ~50x slower);
 * slice-by-8 consumes 8 bytes per iteration. `@aws-sdk/crc64-nvme` implements the same (its
 * `digest()` is async, awkward inside a streaming transform); the tests cross-check the two.
 */
import { endianness } from 'node:os';

/** Reflected CRC-64/NVME polynomial. */
export const CRC64NVME_POLY = 0x9a6c9329ac4bc9b5n;

type Tables8 = [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
const LITTLE_ENDIAN = endianness() === 'LE';

function buildTables(): { lo: Tables8; hi: Tables8 } {
  const lo: Int32Array[] = [];
  const hi: Int32Array[] = [];
  const base: bigint[] = [];
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? CRC64NVME_POLY ^ (c >> 1n) : c >> 1n;
    base.push(c);
  }
  let cur = base;
  for (let s = 0; s < 8; s++) {
    const l = new Int32Array(256);
    const h = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      l[n] = Number(cur[n]! & 0xffffffffn) | 0;
      h[n] = Number(cur[n]! >> 32n) | 0;
    }
    lo.push(l);
    hi.push(h);
    // Next slice: one more zero byte pushed through the register.
    cur = cur.map((v) => (v >> 8n) ^ base[Number(v & 0xffn)]!);
  }
  return { lo: lo as Tables8, hi: hi as Tables8 };
}

// Slice tables (low and high 32-bit halves) as module-level consts, built once at load (~1 ms):
// TurboFan embeds const bindings, whereas locals run the hot loop out of registers and lazily
// assigned `let`s need hole checks — each measured ~2x slower (bench/checksum-bench.ts).
const TABLES = buildTables();
const [L0, L1, L2, L3, L4, L5, L6, L7] = TABLES.lo;
const [H0, H1, H2, H3, H4, H5, H6, H7] = TABLES.hi;

/** Advance the register `st` = [lo, hi] (not xor-ed out) over `data`. */
function update(st: Int32Array, data: Uint8Array): void {
  let lo = st[0]!;
  let hi = st[1]!;
  const n = data.length;
  let i = 0;
  // Byte-wise until the input is 4-byte aligned, then read whole 32-bit words through an
  // Int32Array view: 2 word loads instead of 8 byte loads per step is the main speed-up
  // (bench/checksum-bench.ts). Word reads assume a little-endian host (checked).
  if (LITTLE_ENDIAN && n >= 32) {
    for (; ((data.byteOffset + i) & 3) !== 0; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ L0[idx]!;
      hi = (hi >>> 8) ^ H0[idx]!;
    }
    const words = new Int32Array(data.buffer, data.byteOffset + i, ((n - i) >>> 3) * 2);
    for (let j = 0; j < words.length; j += 2) {
      const a = lo ^ words[j]!;
      const b = hi ^ words[j + 1]!;
      lo = L7[a & 0xff]! ^ L6[(a >>> 8) & 0xff]! ^ L5[(a >>> 16) & 0xff]! ^ L4[a >>> 24]! ^
        L3[b & 0xff]! ^ L2[(b >>> 8) & 0xff]! ^ L1[(b >>> 16) & 0xff]! ^ L0[b >>> 24]!;
      hi = H7[a & 0xff]! ^ H6[(a >>> 8) & 0xff]! ^ H5[(a >>> 16) & 0xff]! ^ H4[a >>> 24]! ^
        H3[b & 0xff]! ^ H2[(b >>> 8) & 0xff]! ^ H1[(b >>> 16) & 0xff]! ^ H0[b >>> 24]!;
    }
    i += words.length * 4;
  }
  for (; i < n; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ L0[idx]!;
    hi = (hi >>> 8) ^ H0[idx]!;
  }
  st[0] = lo;
  st[1] = hi;
}

/** Incremental CRC-64/NVME. `digest()` returns the 8 big-endian bytes AWS puts in base64. */
export class Crc64Nvme {
  // Register halves [lo, hi], not yet xor-ed out.
  readonly #st = new Int32Array([-1, -1]);

  /** Feed bytes. */
  update(data: Uint8Array): this {
    update(this.#st, data);
    return this;
  }

  /** The finished CRC as an unsigned 64-bit bigint. */
  value(): bigint {
    return (BigInt(~this.#st[1]! >>> 0) << 32n) | BigInt(~this.#st[0]! >>> 0);
  }

  /** The finished CRC as 8 big-endian bytes. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(~this.#st[1]! >>> 0, 0);
    out.writeUInt32BE(~this.#st[0]! >>> 0, 4);
    return out;
  }
}

/** CRC-64/NVME of `data` as an unsigned bigint. */
export function crc64nvme(data: Uint8Array): bigint {
  return new Crc64Nvme().update(data).value();
}

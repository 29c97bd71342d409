/**
 * UVIDs (shared/spec/ccow.md §6): 128 bits = ts µs (64) ‖ segmentId (16) ‖ nodeId (16) ‖ seq (32),
 * compared as a big-endian unsigned integer. Version ids shown to S3 are base32hex of the UVID.
 */
import { randomInt } from 'node:crypto';

/** Length of a UVID in bytes. */
export const UVID_BYTES = 16;

/** A UVID: 16 big-endian bytes. */
export type Uvid = Buffer & { readonly __brand: 'Uvid' };

/** Injectable time source; `now()` in milliseconds (fractions allowed: µs resolution). */
export interface Clock {
  now(): number;
}

/** The wall clock with µs resolution (performance.now is monotonic, timeOrigin anchors it). */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
};

/** Build a UVID from its fields. */
export function makeUvid(tsUs: bigint, segmentId: number, nodeId: number, seq: number): Uvid {
  const b = Buffer.allocUnsafe(UVID_BYTES);
  b.writeBigUInt64BE(tsUs, 0);
  b.writeUInt16BE(segmentId, 8);
  b.writeUInt16BE(nodeId, 10);
  b.writeUInt32BE(seq, 12);
  return b as Uvid;
}

/** Timestamp (µs) of a UVID. */
export function uvidTs(u: Uint8Array): bigint {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).readBigUInt64BE(0);
}

/** Milliseconds since the epoch of a UVID's timestamp (S3 LastModified). */
export function uvidMs(u: Uint8Array): number {
  return Number(uvidTs(u) / 1000n);
}

/**
 * uvidMs of a UVID in hex (version records keep it so): its first 16 hex digits are the µs
 * timestamp, which stays below 2^53 until the year 2255, so a Number holds it exactly.
 */
export function uvidHexMs(hex: string): number {
  return Math.floor(Number.parseInt(hex.slice(0, 16), 16) / 1000);
}

/** Bitwise complement (name-index keys sort a key's versions newest first, §7.2). */
export function invertUvid(u: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(u.length);
  for (let i = 0; i < u.length; i++) out[i] = ~u[i]! & 0xff;
  return out;
}

const B32 = '0123456789abcdefghijklmnopqrstuv';

const B32_CODES = Buffer.from(B32, 'latin1');
/** Scratch for the characters of one version id (filled and read synchronously). */
const ID_SCRATCH = Buffer.alloc(32);

/**
 * base32hex (RFC 4648 §7, lowercase, unpadded) of 16 bytes: 26 characters that sort like the bytes.
 * Written as bytes and read as one latin1 string: appending 26 characters one by one made a chain
 * of 26 partial strings for every put's response.
 */
export function uvidToVersionId(u: Uint8Array): string {
  const out = u.length <= 16 ? ID_SCRATCH : Buffer.alloc(Math.ceil((u.length * 8) / 5));
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < u.length; i++) {
    acc = ((acc << 8) | u[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out[n++] = B32_CODES[(acc >> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out[n++] = B32_CODES[(acc << (5 - bits)) & 31]!;
  return out.toString('latin1', 0, n);
}

/** Inverse of uvidToVersionId; undefined when `s` is not a well-formed version id. */
export function versionIdToUvid(s: string): Uvid | undefined {
  if (s.length !== 26 || !/^[0-9a-v]+$/.test(s)) return undefined;
  const out = Buffer.alloc(UVID_BYTES);
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (const ch of s) {
    acc = ((acc << 5) | B32.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (j < UVID_BYTES) out[j++] = (acc >> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // The 2 padding bits of the last character must be zero (canonical form).
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out as Uvid;
}

/** §6 clock discipline: a clock more than 5 s behind the UVIDs it must exceed is worth a warning. */
const SKEW_WARN_US = 5_000_000n;

/**
 * Issues strictly increasing UVIDs for one process (§6): `ts = max(nowµs, head.ts + 1, prev.ts)`,
 * `seq = prev.seq + 1` from a random start; on u32 overflow `ts = prev.ts + 1` and seq restarts.
 */
export class UvidIssuer {
  readonly #clock: Clock;
  readonly #segmentId: number;
  readonly #nodeId: number;
  #prevTs: bigint;
  #seq: number;

  readonly #onSkew: ((behindUs: bigint, ts: bigint) => void) | undefined;
  #skewToldAt = -Infinity;

  /** `onSkew`: told (at most once a minute) when a UVID's ts must run > 5 s ahead of the clock. */
  constructor(opts: { clock: Clock; segmentId: number; nodeId: number; floorTs?: bigint; seq?: number; onSkew?: (behindUs: bigint, ts: bigint) => void }) {
    this.#clock = opts.clock;
    this.#onSkew = opts.onSkew;
    this.#segmentId = opts.segmentId;
    this.#nodeId = opts.nodeId;
    this.#prevTs = opts.floorTs ?? 0n;
    this.#seq = opts.seq ?? randomInt(0, 2 ** 31);
  }

  /** A new UVID greater than every UVID issued before and than `head` (the version it supersedes). */
  next(head?: Uint8Array): Uvid {
    const nowMs = this.#clock.now();
    const now = BigInt(Math.floor(nowMs * 1000));
    let ts = now;
    if (head) {
      const h = uvidTs(head) + 1n;
      if (h > ts) ts = h;
    }
    if (this.#prevTs > ts) ts = this.#prevTs;
    if (ts - now > SKEW_WARN_US && this.#onSkew && nowMs - this.#skewToldAt >= 60_000) {
      this.#skewToldAt = nowMs;
      this.#onSkew(ts - now, ts);
    }
    let seq = this.#seq + 1;
    if (seq > 0xffffffff) {
      seq = 0;
      if (ts <= this.#prevTs) ts = this.#prevTs + 1n;
    }
    this.#seq = seq;
    this.#prevTs = ts;
    return makeUvid(ts, this.#segmentId, this.#nodeId, seq);
  }
}

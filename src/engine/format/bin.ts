/**
 * Little-endian byte writer/reader for the engine's binary formats (src/engine/formats.md).
 * Manifests and refs are little-endian (shared/spec/ccow.md §4); keys are big-endian so they sort.
 */
import { CodedError } from '../../common/index.js';

/** Code of every decode failure: a persisted record that does not parse is corrupt metadata. */
export const FORMAT_ERROR = 'CCOW_ERR_FORMAT';

/** A decode failure (bad tag, truncated record, unknown version). */
export function formatError(what: string): CodedError {
  return new CodedError(FORMAT_ERROR, `malformed ${what}`, 500);
}

/** Growable little-endian writer. */
export class ByteWriter {
  #buf: Buffer;
  #pos = 0;

  /** `alloc` makes the first buffer (common/slab.ts transientBuffer for one that dies young). */
  constructor(initial = 256, alloc: (n: number) => Buffer = (n) => Buffer.allocUnsafe(n)) {
    this.#buf = alloc(initial);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.#ensure(2);
    this.#pos = this.#buf.writeUInt16LE(v, this.#pos);
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    this.#pos = this.#buf.writeUInt32LE(v, this.#pos);
    return this;
  }

  /** u64 from a safe integer (sizes and offsets stay below 2^53). */
  u64(v: number): this {
    // Two u32 halves instead of writeBigUInt64LE(BigInt(v)): a BigInt per field made encoding the
    // 50,000 refs of a 10,000-part CompleteMultipartUpload a visible share of its time.
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 field out of range: ${v}`);
    this.#ensure(8);
    const lo = v % 0x1_0000_0000;
    this.#buf.writeUInt32LE(lo, this.#pos);
    this.#buf.writeUInt32LE((v - lo) / 0x1_0000_0000, this.#pos + 4);
    this.#pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  ascii(s: string): this {
    this.#ensure(s.length);
    this.#pos += this.#buf.write(s, this.#pos, 'latin1');
    return this;
  }

  /** The written bytes (a view; the writer must not be used afterwards). */
  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }
}

/** Little-endian reader over one record; every read is bounds-checked. */
export class ByteReader {
  readonly #buf: Buffer;
  #pos: number;
  readonly #what: string;

  constructor(b: Uint8Array, what: string, start = 0) {
    this.#buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.#pos = start;
    this.#what = what;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) throw formatError(`${this.#what} (truncated)`);
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  u16(): number {
    this.#need(2);
    const v = this.#buf.readUInt16LE(this.#pos);
    this.#pos += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }

  u64(): number {
    this.#need(8);
    const lo = this.#buf.readUInt32LE(this.#pos);
    const hi = this.#buf.readUInt32LE(this.#pos + 4);
    this.#pos += 8;
    // Above 2^53 − 1 (high half over 21 bits) a number would lose bits.
    if (hi > 0x1f_ffff) throw formatError(`${this.#what} (u64 out of range)`);
    return hi * 0x1_0000_0000 + lo;
  }

  /** `n` bytes as a view into the record (no copy). */
  bytes(n: number): Buffer {
    this.#need(n);
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  /** Consume `tag` (ASCII) or throw. */
  expectTag(tag: string): void {
    this.#need(tag.length);
    if (this.#buf.toString('latin1', this.#pos, this.#pos + tag.length) !== tag) throw formatError(`${this.#what} (bad tag)`);
    this.#pos += tag.length;
  }

  /** Throw unless every byte was consumed. */
  end(): void {
    if (this.#pos !== this.#buf.length) throw formatError(`${this.#what} (trailing bytes)`);
  }
}

/**
 * Canonical JSON (ccow.md §7.1): UTF-8, object keys sorted by code unit, no whitespace, `undefined`
 * members dropped. Equal values give equal bytes, which is what makes equal VMs share one id.
 * Implementation: re-key objects whose keys are out of order, then the native JSON.stringify.
 * Objects with integer-like keys go through the manual writer, because JavaScript enumerates such
 * keys numerically whatever their insertion order.
 */
export function canonicalJson(v: unknown): string {
  try {
    const sorted = sortKeys(v);
    if (sorted !== MANUAL) return JSON.stringify(sorted) ?? 'null';
  } catch (e) {
    if (!(e instanceof ManualSignal)) throw e;
  }
  return manualJson(v);
}

const MANUAL = Symbol('manual');
const INTEGER_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * `v` with every object's keys in sorted order (the same value when already sorted), or MANUAL.
 * Allocation-light, since every commit encodes a few records: keys are sorted in place (insertion
 * sort; records have ~20 keys), and an object is copied only when its order or a member changes.
 */
function sortKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('canonicalJson: non-finite number');
    if (typeof v === 'bigint') return v.toString();
    return v;
  }
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = sortKeys(x);
      if (y === MANUAL) throw MANUAL_SIGNAL;
      if (out === undefined && y !== x) out = v.slice(0, i);
      if (out !== undefined) out.push(y);
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    // Integer-like keys enumerate numerically; `__proto__` cannot be re-keyed by assignment.
    if ((c >= 0x30 && c <= 0x39 && INTEGER_KEY.test(k)) || k === '__proto__') return MANUAL;
    if (i > 0 && keys[i - 1]! > k) sorted = false;
  }
  if (!sorted) sortInPlace(keys);
  let out: Record<string, unknown> | undefined = sorted ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    const y = x !== null && (typeof x === 'object' || typeof x === 'number' || typeof x === 'bigint') ? sortKeys(x) : x;
    if (y === MANUAL) throw MANUAL_SIGNAL;
    if (out === undefined && y !== x) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = o[keys[j]!];
    }
    if (out !== undefined) out[k] = y;
  }
  return out ?? v;
}

/** Sort strings by code unit, in place. */
function sortInPlace(a: string[]): void {
  for (let i = 1; i < a.length; i++) {
    const k = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > k) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = k;
  }
}

class ManualSignal extends Error {}
const MANUAL_SIGNAL = new ManualSignal('manual');

function manualJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return JSON.stringify(v.toString());
    return JSON.stringify(v) ?? 'null';
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : manualJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${manualJson(o[k])}`).join(',')}}`;
}

/** `tag` followed by the canonical JSON of `body` (the layout of every JSON-bodied record). */
export function encodeTagged(tag: string, body: unknown): Buffer {
  const json = canonicalJson(body);
  const out = Buffer.allocUnsafe(tag.length + Buffer.byteLength(json));
  out.write(tag, 0, 'latin1');
  out.write(json, tag.length, 'utf8');
  return out;
}

/** Parse a `tag ‖ JSON` record; throws a format error on a wrong tag or bad JSON. */
export function decodeTagged<T>(tag: string, b: Uint8Array, what: string): T {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < tag.length || buf.toString('latin1', 0, tag.length) !== tag) throw formatError(`${what} (bad tag)`);
  try {
    return JSON.parse(buf.toString('utf8', tag.length)) as T;
  } catch {
    throw formatError(`${what} (bad JSON)`);
  }
}

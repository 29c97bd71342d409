/**
 * The reference MetaStore (shared/spec/ccow.md §16): ordered byte keys in a copy-on-write sorted
 * block list. Transactions run one at a time (JavaScript runs `fn` to completion, and `fn` is
 * synchronous), write straight into the map and keep an undo log, so a throw rolls every write back.
 * Bytes are copied on the way in and out, so no caller can change stored data through an alias.
 */
import {
  checkMetaKey,
  checkSeek,
  normalizeRange,
  visitRange,
  StorageErrors,
  type MetaStore,
  type MetaTx,
  type NormalizedRange,
  type RangeOptions,
  type VisitStep,
} from '../contract/index.js';
import { scanView, SortedMap, type BlockView, type Bounds } from './sorted-map.js';

/** Entries a `range()` reads eagerly before it pays for a snapshot (most scans are short pages). */
const EAGER_ENTRIES = 128;

const copy = (b: Uint8Array): Buffer => Buffer.from(b);

function boundsOf(r: NormalizedRange): Bounds {
  const b: Bounds = {};
  if (r.lower) b.lower = r.lower;
  if (r.upper) b.upper = r.upper;
  return b;
}

/** In-memory ordered KV store with serialisable transactions. */
export class MemoryMetaStore implements MetaStore {
  readonly #map = new SortedMap();
  readonly #isOpen: () => boolean;

  /** `isOpen` lets the owning backend make every call fail with CLOSED after close(). */
  constructor(isOpen: () => boolean = () => true) {
    this.#isOpen = isOpen;
  }

  /** Number of keys (tests and stats). */
  get size(): number {
    return this.#map.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    checkMetaKey(key);
    const v = this.#map.get(key);
    return v && copy(v);
  }

  range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]> {
    this.#checkOpen();
    return this.#scan(normalizeRange(opts));
  }

  /**
   * One synchronous walk over the live map (nothing can write in between, so it is a snapshot).
   * The lent key and value are copies wiped after each call, so a caller that keeps lent bytes
   * reads zeros in the reference backend's tests instead of a value that only looks right.
   */
  async visit(opts: RangeOptions, fn: (key: Uint8Array, value: Uint8Array) => VisitStep): Promise<void> {
    this.#checkOpen();
    let r = visitRange(opts);
    if (r.empty) return;
    let left = r.limit;
    for (;;) {
      let seek: Uint8Array | undefined;
      for (const [k, v] of scanView(this.#map.live, boundsOf(r), false)) {
        if (left-- <= 0) return;
        const key = copy(k);
        const value = copy(v);
        const answer = fn(key, value);
        // The answer may be cut from the lent bytes: copy it before they are wiped.
        const next = answer === 'next' || answer === 'stop' ? answer : copy(answer);
        key.fill(0);
        value.fill(0);
        if (next === 'stop') return;
        if (next !== 'next') {
          checkSeek(k, next);
          seek = next;
          break;
        }
      }
      if (!seek) return;
      r = { ...r, lower: { key: seek, inclusive: true } };
    }
  }

  async transaction<T>(fn: (tx: MetaTx) => T): Promise<T> {
    this.#checkOpen();
    // Run after the caller's current synchronous code, so no caller can come to rely on `fn`
    // running before `transaction()` returns (the contract promises neither order; the local
    // backend may run it at once or after its fill-limit check).
    await Promise.resolve();
    this.#checkOpen();
    return this.#run(fn);
  }

  #run<T>(fn: (tx: MetaTx) => T): T {
    const tx = new MemoryTx(this.#map);
    try {
      const result = fn(tx);
      if (isThenable(result)) throw new TypeError('MetaStore.transaction: fn must be synchronous');
      return result;
    } catch (e) {
      tx.rollback();
      throw e;
    } finally {
      tx.finish();
    }
  }

  /** The scan behind range(): its snapshot is the map as of the first next(). */
  async *#scan(r: NormalizedRange): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.#checkOpen();
    if (r.empty) return;
    // Read a first page from the live map (no await in between, so it is consistent); only a scan
    // that goes on past it pays for a copy-on-write snapshot, taken at this same instant.
    const first: [Buffer, Buffer][] = [];
    const bounds = boundsOf(r);
    const cap = Math.min(r.limit, EAGER_ENTRIES);
    let view: BlockView | undefined;
    for (const [k, v] of scanView(this.#map.live, bounds, r.reverse)) {
      if (first.length === cap) {
        view = this.#map.snapshot();
        break;
      }
      first.push([copy(k), copy(v)]);
    }
    yield* first;
    if (!view || first.length >= r.limit) return;
    // Resume strictly after the last key already returned, in the scan's direction.
    const last = first[first.length - 1]![0];
    const rest: Bounds = r.reverse ? { ...bounds, upper: { key: last, inclusive: false } } : { ...bounds, lower: { key: last, inclusive: false } };
    let n = first.length;
    for (const [k, v] of scanView(view, rest, r.reverse)) {
      if (n++ >= r.limit) return;
      this.#checkOpen();
      yield [copy(k), copy(v)];
    }
  }

  #checkOpen(): void {
    if (!this.#isOpen()) throw StorageErrors.CLOSED();
  }
}

/** One transaction's view: writes go to the map at once; the undo log restores them on rollback. */
class MemoryTx implements MetaTx {
  readonly #map: SortedMap;
  readonly #undo: [Buffer, Buffer | undefined][] = [];
  #done = false;

  constructor(map: SortedMap) {
    this.#map = map;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#check();
    checkMetaKey(key);
    const v = this.#map.get(key);
    return v && copy(v);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    const k = copy(key);
    this.#undo.push([k, this.#map.set(k, copy(value))]);
  }

  del(key: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    const old = this.#map.delete(key);
    if (old) this.#undo.push([copy(key), old]);
  }

  *range(opts: RangeOptions): Iterable<[Uint8Array, Uint8Array]> {
    this.#check();
    const r = normalizeRange(opts);
    if (r.empty) return;
    // `fn` may write while it iterates; so re-seek after the last returned key whenever the map
    // changed since the previous step (sees the tx's own writes, never skips or repeats a key).
    let bounds = boundsOf(r);
    let n = 0;
    while (n < r.limit) {
      this.#check();
      const stamp = this.#map.mutations;
      let last: Buffer | undefined;
      for (const [k, v] of scanView(this.#map.live, bounds, r.reverse)) {
        last = k;
        yield [copy(k), copy(v)];
        if (++n >= r.limit) return;
        if (this.#map.mutations !== stamp) break;
      }
      if (last === undefined || this.#map.mutations === stamp) return;
      bounds = r.reverse ? { ...bounds, upper: { key: last, inclusive: false } } : { ...bounds, lower: { key: last, inclusive: false } };
    }
  }

  /** Undo every write, newest first. */
  rollback(): void {
    for (let i = this.#undo.length - 1; i >= 0; i--) {
      const [k, old] = this.#undo[i]!;
      if (old === undefined) this.#map.delete(k);
      else this.#map.set(k, old);
    }
    this.#undo.length = 0;
  }

  finish(): void {
    this.#done = true;
  }

  #check(): void {
    if (this.#done) throw new TypeError('MetaTx used after its transaction ended');
  }
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

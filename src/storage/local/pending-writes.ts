/**
 * Metadata writes that are not yet committed, kept in key order: the MetaStore's transactions read
 * through them (meta-store.ts). A transaction runs on the main thread as soon as it is called and
 * hands its writes to lmdb-js's writer thread; until that commit is durable, the next
 * transactions must still see them (serialisable order), so they are looked up here first.
 *
 * A Map finds a key; a sorted array answers range reads with a binary search. The set is small (the
 * writes of the commits in flight, a few hundred at most), so insertion by splice is cheap.
 */
import type { NormalizedRange, RangeBound } from '../contract/index.js';

/** One pending write: the value, or `null` for a delete. */
export interface PendingEntry {
  readonly key: Buffer;
  value: Buffer | null;
  /** The commit that wrote it last (a later commit of the same key takes it over). */
  owner: number;
}

/** Pending writes by key, in key order. */
export class PendingWrites {
  readonly #map = new Map<string, PendingEntry>();
  readonly #sorted: PendingEntry[] = [];
  /** Bumped by every change (a range read in progress notices its own transaction's writes). */
  changes = 0;

  get size(): number {
    return this.#map.size;
  }

  get(key: Buffer): PendingEntry | undefined {
    return this.#map.get(key.toString('latin1'));
  }

  /** Record `value` (null: a delete) for `key`; `key` and `value` must not change afterwards. */
  set(key: Buffer, value: Buffer | null, owner: number): void {
    this.changes++;
    const id = key.toString('latin1');
    const had = this.#map.get(id);
    if (had) {
      had.value = value;
      had.owner = owner;
      return;
    }
    const e: PendingEntry = { key, value, owner };
    this.#map.set(id, e);
    this.#sorted.splice(this.#lowerIndex(key), 0, e);
  }

  /** Forget `key` if commit `owner` was still the last to write it (its commit has settled). */
  release(key: Buffer, owner: number): void {
    const id = key.toString('latin1');
    const e = this.#map.get(id);
    if (!e || e.owner !== owner) return;
    this.changes++;
    this.#map.delete(id);
    const i = this.#lowerIndex(key);
    if (this.#sorted[i] === e) this.#sorted.splice(i, 1);
  }

  clear(): void {
    this.changes++;
    this.#map.clear();
    this.#sorted.length = 0;
  }

  /** Entries in insertion order (a commit's writes). */
  entries(): IterableIterator<PendingEntry> {
    return this.#map.values();
  }

  /** Entries inside the bounds of `r`, in ascending key order (`r.limit` and direction ignored). */
  between(r: NormalizedRange): PendingEntry[] {
    const out: PendingEntry[] = [];
    if (this.#sorted.length === 0) return out;
    let i = r.lower ? this.#lowerIndex(r.lower.key) : 0;
    if (r.lower && !r.lower.inclusive && i < this.#sorted.length && this.#sorted[i]!.key.equals(r.lower.key)) i++;
    for (; i < this.#sorted.length; i++) {
      const e = this.#sorted[i]!;
      if (r.upper && !belowUpper(e.key, r.upper)) break;
      out.push(e);
    }
    return out;
  }

  /** Index of the first entry whose key is ≥ `key`. */
  #lowerIndex(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(this.#sorted[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function belowUpper(key: Buffer, upper: RangeBound): boolean {
  const c = Buffer.compare(key, upper.key);
  return c < 0 || (c === 0 && upper.inclusive);
}

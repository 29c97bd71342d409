/**
 * Metadata writes that are not yet committed, kept in key order: the MetaStore's transactions read
 * through them (meta-store.ts). A transaction runs on the main thread as soon as it is called and
 * hands its writes to lmdb-js's writer thread; until that commit is durable, the next
 * transactions must still see them (serialisable order), so they are looked up here first.
 *
 * A Map finds a key; a sorted array answers range reads with a binary search. New keys are only
 * appended (`#fresh`) and sorted into the array when a range read needs it, and a settled commit's
 * keys leave it in one pass: a transaction may write 10,000 keys (a 10,000-part Complete deletes its
 * part rows), and keeping the array sorted key by key cost an array move per key — 0.1 s of main
 * thread for 10,000 keys, several seconds for 50,000 (V8's splice on large arrays).
 */
import type { NormalizedRange } from '../contract/index.js';

/** One pending write: the value, or `null` for a delete. */
export interface PendingEntry {
  readonly key: Buffer;
  /** `key` as a latin1 string: the Map key (made once per write, reused by the commit). */
  readonly id: string;
  value: Buffer | null;
  /** The commit that wrote it last (a later commit of the same key takes it over). */
  owner: number;
}

/** Up to this many keys are moved into or out of the sorted array one by one; more, in one pass. */
const ONE_BY_ONE = 16;

/**
 * Key order by the latin1 ids: a latin1 string has one code unit per byte, so comparing ids orders
 * as comparing the bytes does, without a native call per comparison (Buffer.compare was ~4 % of a
 * small put's main-thread time here, bench/RESULTS.md session 20).
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const byKey = (a: PendingEntry, b: PendingEntry): number => compareIds(a.id, b.id);

/** `key` as the latin1 string that `PendingEntry.id` holds. */
export function idOf(key: Uint8Array): string {
  return (Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)).toString('latin1');
}

/** Pending writes by key, in key order. */
export class PendingWrites {
  readonly #map = new Map<string, PendingEntry>();
  /** Every entry not in `#fresh`, in key order. */
  #sorted: PendingEntry[] = [];
  /** Entries added since a range read last sorted them into `#sorted`, in insertion order. */
  #fresh: PendingEntry[] = [];
  /** Bumped by every change (a range read in progress notices its own transaction's writes). */
  changes = 0;

  get size(): number {
    return this.#map.size;
  }

  get(key: Buffer): PendingEntry | undefined {
    return this.#map.get(idOf(key));
  }

  /** Record `value` (null: a delete) for `key`; `key` and `value` must not change afterwards. */
  set(key: Buffer, value: Buffer | null, owner: number, id = idOf(key)): void {
    this.changes++;
    const had = this.#map.get(id);
    if (had) {
      had.value = value;
      had.owner = owner;
      return;
    }
    const e: PendingEntry = { key, id, value, owner };
    this.#map.set(id, e);
    this.#fresh.push(e);
  }

  /**
   * Record entry `e` of a transaction's own writes as commit `owner`'s: `e` itself joins the map
   * (no second entry per write while the commit is in flight), or updates the entry already there.
   */
  adopt(e: PendingEntry, owner: number): void {
    this.changes++;
    const had = this.#map.get(e.id);
    if (had) {
      had.value = e.value;
      had.owner = owner;
      return;
    }
    e.owner = owner;
    this.#map.set(e.id, e);
    this.#fresh.push(e);
  }

  /**
   * Forget the keys of `writes` (a settled commit's) that commit `owner` was still the last to
   * write; a later commit's write of the same key stays.
   */
  releaseAll(writes: Iterable<PendingEntry>, owner: number): void {
    const gone = new Set<PendingEntry>();
    for (const w of writes) {
      const e = this.#map.get(w.id);
      if (!e || e.owner !== owner) continue;
      this.#map.delete(w.id);
      gone.add(e);
    }
    if (gone.size === 0) return;
    this.changes++;
    if (gone.size > ONE_BY_ONE) {
      this.#sorted = this.#sorted.filter((e) => !gone.has(e));
      this.#fresh = this.#fresh.filter((e) => !gone.has(e));
      return;
    }
    this.#settle();
    for (const e of gone) {
      const i = this.#lowerIndex(e.id);
      if (this.#sorted[i] === e) this.#sorted.splice(i, 1);
    }
  }

  clear(): void {
    this.changes++;
    this.#map.clear();
    this.#sorted = [];
    this.#fresh = [];
  }

  /** Entries in insertion order (a commit's writes). */
  entries(): IterableIterator<PendingEntry> {
    return this.#map.values();
  }

  /** Entries inside the bounds of `r`, in ascending key order (`r.limit` and direction ignored). */
  between(r: NormalizedRange): PendingEntry[] {
    this.#settle();
    const out: PendingEntry[] = [];
    if (this.#sorted.length === 0) return out;
    const lower = r.lower ? idOf(r.lower.key) : undefined;
    let i = lower !== undefined ? this.#lowerIndex(lower) : 0;
    if (lower !== undefined && !r.lower!.inclusive && i < this.#sorted.length && this.#sorted[i]!.id === lower) i++;
    const upper = r.upper ? idOf(r.upper.key) : undefined;
    const upperIn = r.upper?.inclusive ?? false;
    for (; i < this.#sorted.length; i++) {
      const e = this.#sorted[i]!;
      if (upper !== undefined && !(e.id < upper || (upperIn && e.id === upper))) break;
      out.push(e);
    }
    return out;
  }

  /** Sort `#fresh` into `#sorted` (a map key is in one of them, once). */
  #settle(): void {
    const fresh = this.#fresh;
    if (fresh.length === 0) return;
    this.#fresh = [];
    if (fresh.length <= ONE_BY_ONE) {
      for (const e of fresh) this.#sorted.splice(this.#lowerIndex(e.id), 0, e);
      return;
    }
    fresh.sort(byKey);
    const old = this.#sorted;
    const out: PendingEntry[] = new Array<PendingEntry>(old.length + fresh.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < old.length && j < fresh.length) out[n++] = old[i]!.id < fresh[j]!.id ? old[i++]! : fresh[j++]!;
    while (i < old.length) out[n++] = old[i++]!;
    while (j < fresh.length) out[n++] = fresh[j++]!;
    this.#sorted = out;
  }

  /** Index of the first entry of `#sorted` whose id is ≥ `id`. */
  #lowerIndex(id: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#sorted[mid]!.id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

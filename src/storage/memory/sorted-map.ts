/**
 * An ordered byte-keyed map for the memory backend: a list of sorted blocks (the "sorted list of
 * lists" of Python's sortedcontainers). Lookups are two binary searches (over block tails, then in
 * one block); an insert or delete moves at most one block of ≤ MAX_BLOCK entries, and a split or an
 * emptied block moves one pointer array of n / BLOCK entries. For 10^6 keys that is ~2 000 blocks,
 * so every operation stays O(log n) in compares with a small constant memmove.
 *
 * Snapshots are copy-on-write at block granularity: `snapshot()` copies the block pointer array and
 * bumps a generation; a later mutation of a block older than the current generation clones the block
 * first, so a snapshot never changes under its reader (the memory analogue of an LMDB read txn).
 */

/** Entries per block before a split. */
const MAX_BLOCK = 1024;

interface Block {
  keys: Buffer[];
  vals: Buffer[];
  /** Generation that owns this block; older than the map's generation → shared with a snapshot. */
  gen: number;
}

/** A position: block index and index inside the block. `b === blocks.length` is the end. */
interface Pos {
  b: number;
  i: number;
}

/** A bound of a scan; `inclusive` false means strict. */
export interface Bound {
  key: Uint8Array;
  inclusive: boolean;
}

/** Normalised scan bounds: the tighter of gte/gt and of lt/lte. */
export interface Bounds {
  lower?: Bound;
  upper?: Bound;
}

/** An immutable view of the map's blocks (a snapshot or the live map between mutations). */
export type BlockView = readonly Block[];

/** Bytes compared in JavaScript before handing the rest to native `Buffer#compare`. */
const JS_PREFIX = 24;

/**
 * Bytewise order of stored keys. A JS loop over the first bytes beats the native call (~100 ns) for
 * the short or early-differing keys that dominate; long shared prefixes go native.
 */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length, JS_PREFIX);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  if (n === JS_PREFIX && a.length > n && b.length > n) {
    return Buffer.prototype.compare.call(a, b, n, b.length, n, a.length);
  }
  return a.length - b.length;
}

function lastKey(b: Block): Buffer {
  return b.keys[b.keys.length - 1]!;
}

/** Index in `arr` of the first key ≥ key (strict: > key). */
function searchKeys(arr: readonly Buffer[], key: Uint8Array, strict: boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(arr[mid]!, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of the first entry with key ≥ key (strict: > key). */
export function seek(blocks: BlockView, key: Uint8Array, strict: boolean): Pos {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(lastKey(blocks[mid]!), key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  if (lo === blocks.length) return { b: lo, i: 0 };
  return { b: lo, i: searchKeys(blocks[lo]!.keys, key, strict) };
}

/** The position just before `p` (b = -1 when p is the first entry). */
function prev(blocks: BlockView, p: Pos): Pos {
  if (p.i > 0) return { b: p.b, i: p.i - 1 };
  if (p.b === 0) return { b: -1, i: 0 };
  return { b: p.b - 1, i: blocks[p.b - 1]!.keys.length - 1 };
}

function inUpper(key: Buffer, upper: Bound | undefined): boolean {
  if (!upper) return true;
  const c = compareKeys(key, upper.key);
  return c < 0 || (c === 0 && upper.inclusive);
}

function inLower(key: Buffer, lower: Bound | undefined): boolean {
  if (!lower) return true;
  const c = compareKeys(key, lower.key);
  return c > 0 || (c === 0 && lower.inclusive);
}

/** Entries of `blocks` within `bounds`, ascending or descending. The view must not change meanwhile. */
export function* scanView(blocks: BlockView, bounds: Bounds, reverse: boolean): Generator<[Buffer, Buffer]> {
  if (reverse) {
    let p: Pos = bounds.upper
      ? prev(blocks, seek(blocks, bounds.upper.key, bounds.upper.inclusive))
      : prev(blocks, { b: blocks.length, i: 0 });
    while (p.b >= 0) {
      const blk = blocks[p.b]!;
      const k = blk.keys[p.i]!;
      if (!inLower(k, bounds.lower)) return;
      yield [k, blk.vals[p.i]!];
      p = prev(blocks, p);
    }
    return;
  }
  let { b, i } = bounds.lower ? seek(blocks, bounds.lower.key, !bounds.lower.inclusive) : { b: 0, i: 0 };
  while (b < blocks.length) {
    const blk = blocks[b]!;
    for (; i < blk.keys.length; i++) {
      const k = blk.keys[i]!;
      if (!inUpper(k, bounds.upper)) return;
      yield [k, blk.vals[i]!];
    }
    b++;
    i = 0;
  }
}

/** The ordered map. Keys and values are stored as given: callers copy before handing bytes in. */
export class SortedMap {
  #blocks: Block[] = [];
  #gen = 0;
  #size = 0;
  #mutations = 0;

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Increases on every mutation; lets live iterators detect that they must re-seek. */
  get mutations(): number {
    return this.#mutations;
  }

  /** The live blocks; valid only until the next mutation. */
  get live(): BlockView {
    return this.#blocks;
  }

  get(key: Uint8Array): Buffer | undefined {
    const p = seek(this.#blocks, key, false);
    const blk = this.#blocks[p.b];
    if (!blk || p.i >= blk.keys.length) return undefined;
    return compareKeys(blk.keys[p.i]!, key) === 0 ? blk.vals[p.i] : undefined;
  }

  /** Insert or replace; returns the previous value. */
  set(key: Buffer, val: Buffer): Buffer | undefined {
    this.#mutations++;
    if (this.#blocks.length === 0) {
      this.#blocks.push({ keys: [key], vals: [val], gen: this.#gen });
      this.#size++;
      return undefined;
    }
    let p = seek(this.#blocks, key, false);
    // Past every key: append to the last block.
    if (p.b === this.#blocks.length) p = { b: p.b - 1, i: this.#blocks[p.b - 1]!.keys.length };
    const blk = this.#own(p.b);
    if (p.i < blk.keys.length && compareKeys(blk.keys[p.i]!, key) === 0) {
      const old = blk.vals[p.i];
      blk.vals[p.i] = val;
      return old;
    }
    blk.keys.splice(p.i, 0, key);
    blk.vals.splice(p.i, 0, val);
    this.#size++;
    if (blk.keys.length > MAX_BLOCK) this.#split(p.b);
    return undefined;
  }

  /** Remove; returns the removed value. */
  delete(key: Uint8Array): Buffer | undefined {
    const p = seek(this.#blocks, key, false);
    const found = this.#blocks[p.b];
    if (!found || p.i >= found.keys.length || compareKeys(found.keys[p.i]!, key) !== 0) return undefined;
    this.#mutations++;
    const blk = this.#own(p.b);
    const old = blk.vals[p.i];
    blk.keys.splice(p.i, 1);
    blk.vals.splice(p.i, 1);
    this.#size--;
    if (blk.keys.length === 0) this.#blocks.splice(p.b, 1);
    return old;
  }

  /** A frozen view of the current contents; later mutations copy the blocks they touch. */
  snapshot(): BlockView {
    this.#gen++;
    return this.#blocks.slice();
  }

  /** Block `b`, cloned first if a snapshot may share it. */
  #own(b: number): Block {
    const blk = this.#blocks[b]!;
    if (blk.gen === this.#gen) return blk;
    const copy = { keys: blk.keys.slice(), vals: blk.vals.slice(), gen: this.#gen };
    this.#blocks[b] = copy;
    return copy;
  }

  #split(b: number): void {
    const blk = this.#blocks[b]!;
    const half = blk.keys.length >>> 1;
    const right: Block = { keys: blk.keys.splice(half), vals: blk.vals.splice(half), gen: this.#gen };
    this.#blocks.splice(b + 1, 0, right);
  }
}

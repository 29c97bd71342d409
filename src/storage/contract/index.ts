/**
 * The storage contract: the seam between the engine and bytes at rest (shared/spec/ccow.md §16).
 * A byte store for chunks and an ordered, transactional key-value store for everything else.
 * Backends implement no object semantics; the name index, references, intents, feed and GC queue
 * are engine code written as keys and transactions over `MetaStore`.
 *
 * Implementations: storage/memory (the reference), storage/local (LMDB + chunk files),
 * later storage/cluster (Target nodes). One contract test suite (test/contract) runs against all.
 */
import { compareBytes, defineError, type ChunkId } from '../../common/index.js';

/** Options of `ChunkStore.put`. */
export interface ChunkPutOptions {
  /**
   * The caller computed `id` from these very bytes, in this process, and will not change them
   * before the put resolves. A backend holding the bytes in the same process MAY then skip its own
   * BLAKE3 pass (one full hash per stored byte, ~0.2 s per GiB on the writer's thread); a backend
   * that receives the bytes from elsewhere (a remote target) verifies regardless.
   */
  verified?: boolean;
}

/** Options of ChunkStore.get. */
export interface ChunkGetOptions {
  /**
   * Memory for the read: the store may read the chunk into a buffer this returns (at least `size`
   * bytes, where `size` is what the store needs, e.g. a file's length) and return a view of it, so a
   * caller that reuses buffers reads without fresh allocations. A store may ignore it.
   */
  alloc?: (size: number) => Buffer;
  /**
   * The caller streams a large range, chunk after chunk (a hint): a store may read around its
   * page cache, which on the local disks here reads 2–4× faster than a cold buffered read (and
   * does not push hot small objects out of the cache). A store may ignore it.
   */
  streaming?: boolean;
  /**
   * The caller found the bytes it was given for `id` not hashing to it, or is checking the stored
   * bytes (scrub, fsck, quarantine): a store holding more than one copy returns one that hashes to
   * `id` if there is one (and may drop the copies that do not), else a copy as it is (the caller
   * sees the mismatch). A store with one copy may ignore it.
   */
  verify?: boolean;
}

/** Payload bytes, addressed by BLAKE3-256 of the stored bytes. */
export interface ChunkStore {
  /**
   * Store `bytes` under `id`. Verifies BLAKE3(bytes) == id (else StorageErrors.BAD_DIGEST) unless
   * `opts.verified` lets it trust the caller; durable on resolve; idempotent.
   */
  put(id: ChunkId, bytes: Uint8Array, opts?: ChunkPutOptions): Promise<void>;
  /** The stored bytes of `id`; StorageErrors.CHUNK_MISSING when absent. The caller verifies the hash. */
  get(id: ChunkId, opts?: ChunkGetOptions): Promise<Uint8Array>;
  /** Batched presence check, no side effects; result[i] answers ids[i]. */
  has(ids: readonly ChunkId[]): Promise<boolean[]>;
  /** Remove `id`; idempotent (deleting an absent chunk is not an error). */
  delete(id: ChunkId): Promise<void>;
  /** Every stored chunk id, in no particular order (fsck, orphan sweep, scrub). */
  iterate(): AsyncIterable<ChunkId>;
}

/** Bounds of an ordered scan; keys compare bytewise. */
export interface RangeOptions {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** What a `MetaStore.visit` callback answers: go on, stop, or continue from a later key (inclusive). */
export type VisitStep = 'next' | 'stop' | Uint8Array;

/**
 * The checks every `visit` implementation shares: a forward range, and a seek key strictly past
 * the current one (a seek backwards or in place would loop forever). Returns the normalised range.
 */
export function visitRange(opts: RangeOptions): NormalizedRange {
  if (opts.reverse) throw new TypeError('MetaStore.visit: reverse scans are not supported');
  return normalizeRange(opts);
}

/** Throws unless `seek` sorts after `current` (see `visitRange`). */
export function checkSeek(current: Uint8Array, seek: Uint8Array): void {
  if (Buffer.compare(seek, current) <= 0) throw new TypeError('MetaStore.visit: a seek key must sort after the current key');
}

/** A synchronous view inside one serialisable transaction. */
export interface MetaTx {
  get(key: Uint8Array): Uint8Array | undefined;
  range(opts: RangeOptions): Iterable<[Uint8Array, Uint8Array]>;
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

/**
 * Largest metadata key in bytes (LMDB's limit with 4 KiB pages, as lmdb-js is built). Keys must also
 * be non-empty. Every backend rejects other keys with a TypeError, so code that works on memory works
 * on local.
 */
export const MAX_META_KEY_BYTES = 1978;

/** Throws TypeError unless `key` is a usable metadata key (non-empty, ≤ MAX_META_KEY_BYTES). */
export function checkMetaKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new TypeError('metadata key must be a Uint8Array');
  if (key.length === 0 || key.length > MAX_META_KEY_BYTES) {
    throw new TypeError(`metadata key length ${key.length} outside 1..${MAX_META_KEY_BYTES}`);
  }
}

/**
 * Ordered key-value metadata store; keys and values are bytes, keys ordered bytewise. Keys and
 * values handed out (get, range, and MetaTx's get and range) belong to the caller: fresh bytes the
 * store neither reuses nor changes later, so decoders may keep views into them.
 */
export interface MetaStore {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * A consistent snapshot per call, taken when iteration starts (the first `next()`); later writes
   * do not show however slowly the scan is consumed. Break out of the loop (or call `return()`) to
   * release it early.
   */
  range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]>;
  /**
   * Visit the rows of a forward range in key order, calling `fn` synchronously per row, all in one
   * snapshot taken when the call starts. The key and value passed to `fn` are lent: valid only
   * during that call (the store may reuse their memory afterwards), so `fn` decodes what it keeps.
   * `fn` answers 'next', 'stop', or a key greater than the current one to continue from
   * (inclusive), skipping the rows in between; the store copies that key at once, so it may be
   * cut from the lent bytes. `fn` must not call the store (a read may reuse the lent memory).
   * `limit` counts the rows visited. Cheaper than `range` for scans that decode every row
   * (listings): no copy and no promise per row. A store may pause between rows to let other work
   * run. `reverse` is refused (TypeError).
   */
  visit(opts: RangeOptions, fn: (key: Uint8Array, value: Uint8Array) => VisitStep): Promise<void>;
  /**
   * Run `fn` in one serialisable transaction. `fn` is synchronous (as lmdb-js requires); reads see
   * the transaction's own writes. Durable when the promise resolves. A throw in `fn` rolls back.
   * A commit that runs out of space fails with StorageErrors.NO_SPACE, and nothing is committed.
   */
  transaction<T>(fn: (tx: MetaTx) => T, opts?: TransactionOptions): Promise<T>;
}

/** Options of `MetaStore.transaction`. */
export interface TransactionOptions {
  /**
   * The transaction adds data (a new version, an upload, a bucket). A backend whose metadata disk is
   * past its fill limit refuses it with StorageErrors.NO_SPACE before running `fn`, so that
   * transactions without the flag — deletes, purges, GC — keep the headroom they need to free
   * space (shared/spec/ccow.md §17: "deletes and GC keep working when disks are full").
   */
  grows?: boolean;
}

/** Space and health figures a backend can report. */
export interface StorageStats {
  /** Bytes of chunk payload stored. */
  chunkBytes: number;
  /** Number of chunks stored. */
  chunkCount: number;
  /** Per data dir: path, bytes free, bytes total (local backend). */
  disks?: { path: string; free: number; total: number }[];
}

/** One storage backend: a chunk store and a metadata store with a shared lifetime. */
export interface StorageBackend {
  readonly kind: string;
  readonly chunks: ChunkStore;
  readonly meta: MetaStore;
  stats(): Promise<StorageStats>;
  close(): Promise<void>;
}

/** Storage error catalog (shared/STYLE.md habit 1). The engine maps these; nothing above sees them raw. */
export const StorageErrors = {
  CHUNK_MISSING: defineError('CCOW_ERR_CHUNK_MISSING', 'chunk not found in the store', 500),
  CHUNK_CORRUPT: defineError('CCOW_ERR_CHUNK_CORRUPT', 'stored chunk does not match its id', 500),
  BAD_DIGEST: defineError('CCOW_ERR_BAD_DIGEST', 'chunk bytes do not hash to the given id', 500),
  NO_SPACE: defineError('CCOW_ERR_NO_SPACE', 'no space left on the data disks', 507),
  IO: defineError('CCOW_ERR_IO', 'storage I/O error', 500),
  LOCKED: defineError('CCOW_ERR_LOCKED', 'data dir is locked by another process', 500),
  /** The data dirs given are not the set the store was created with (local backend, at open). */
  DATA_DIRS: defineError('CCOW_ERR_DATA_DIRS', 'the data dirs given do not form the store they belong to', 500),
  CLOSED: defineError('CCOW_ERR_CLOSED', 'storage backend is closed', 500),
} as const;

/** One end of a normalised range: the bound key and whether it is included. */
export interface RangeBound {
  key: Uint8Array;
  inclusive: boolean;
}

/** `RangeOptions` reduced to at most one lower and one upper bound (see `normalizeRange`). */
export interface NormalizedRange {
  lower?: RangeBound;
  upper?: RangeBound;
  reverse: boolean;
  /** Maximum entries; `Infinity` when unlimited. */
  limit: number;
  /** True when no key can satisfy the bounds (or limit is 0): backends return nothing. */
  empty: boolean;
}

/**
 * The one definition of range semantics every backend shares: when both `gte` and `gt` (or `lt` and
 * `lte`) are given, the tighter bound wins; `limit` counts entries after bounds and direction are
 * applied; `limit: 0` yields nothing; `reverse` walks from the upper bound down.
 */
export function normalizeRange(opts: RangeOptions): NormalizedRange {
  const lower = tighter(opts.gte && { key: opts.gte, inclusive: true }, opts.gt && { key: opts.gt, inclusive: false }, 1);
  const upper = tighter(opts.lte && { key: opts.lte, inclusive: true }, opts.lt && { key: opts.lt, inclusive: false }, -1);
  const limit = opts.limit === undefined ? Infinity : Math.max(0, Math.floor(opts.limit));
  let empty = limit === 0;
  if (lower && upper) {
    const c = compareBytes(lower.key, upper.key);
    empty ||= c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive));
  }
  const out: NormalizedRange = { reverse: opts.reverse === true, limit, empty };
  if (lower) out.lower = fitBound(lower, 'lower');
  if (upper) out.upper = fitBound(upper, 'upper');
  return out;
}

/**
 * A bound longer than any key a store can hold, replaced by one of MAX_META_KEY_BYTES that selects
 * the same keys (so a backend never hands such a bound to its index: LMDB rejects it). With P the
 * bound's first MAX_META_KEY_BYTES bytes, every key K of at most that length satisfies
 * K ≥ L ⟺ K > P (K = P sorts before the longer L) and K ≤ U ⟺ K < U ⟺ K ≤ P. Listings pass
 * user-supplied prefixes and markers of any length here (s3-surface.md §4.3).
 */
export function fitBound(b: RangeBound, side: 'lower' | 'upper'): RangeBound {
  if (b.key.length <= MAX_META_KEY_BYTES) return b;
  return { key: b.key.subarray(0, MAX_META_KEY_BYTES), inclusive: side === 'upper' };
}

/** The tighter of an inclusive and an exclusive bound; `dir` 1 for lower bounds, -1 for upper. */
function tighter(incl: RangeBound | undefined, excl: RangeBound | undefined, dir: 1 | -1): RangeBound | undefined {
  if (!incl || !excl) return incl ?? excl;
  const c = compareBytes(incl.key, excl.key) * dir;
  return c > 0 ? incl : excl;
}

/**
 * MetaStore on LMDB (shared/spec/ccow.md §16, §17). One named database `meta` holds every engine key
 * space (one-byte prefixes).
 *
 * A transaction's function runs on the main thread as soon as the call is admitted, reading through
 * the writes of commits still in flight (pending-writes.ts), and its writes are handed to
 * lmdb-js's writer thread as one conditional block; the promise resolves once that block is
 * committed and, in strict mode (`overlappingSync: false`), on disk. lmdb-js group-commits blocks
 * that arrive while the previous commit is being flushed, so the main thread keeps working while
 * the disk flushes (with lmdb-js `childTransaction` callbacks, the writer waited for the main
 * thread and the main thread for the writer: bench/RESULTS.md, session 10). Functions run one at a
 * time and see every earlier transaction's writes: serialisable, as before. A throw discards the
 * function's writes (nothing was handed over); one after reading writes still in flight is reported
 * once those are durable, as a read-only transaction's answer is. A failed commit (a full disk) is reported as
 * StorageErrors.NO_SPACE or IO, never as lmdb-js's untyped "Commit failed", and the commits chained
 * after it are skipped and fail the same way (see `#commit`).
 * The database handle is read from the backend's `LmdbRef` per operation, and every operation
 * passes the backend's `OpGate`, so an online compaction can hold them and swap the env.
 */
import {
  StorageErrors,
  checkMetaKey,
  checkSeek,
  fitBound,
  normalizeRange,
  visitRange,
  type MetaStore,
  type MetaTx,
  type NormalizedRange,
  type RangeOptions,
  type TransactionOptions,
  type VisitStep,
} from '../contract/index.js';
import { mapLmdbError, mapLmdbErrorNow } from './fs-errors.js';
import type { BinaryDb, ChainDb, LmdbHandles, LmdbRef } from './lmdb-env.js';
import { compareIds, PendingWrites, type PendingEntry } from './pending-writes.js';
import type { OpGate } from './op-gate.js';

const LOWEST_KEY = Buffer.from([0x00]);
/** Rows `visit` reads back to back before it lets other work run (a listing page is ~1000). */
const VISIT_BURST = 2048;
/** Rows a visit steps over on its cursor to reach a seek key before it opens a new range there. */
const SEEK_WALK = 8;
/** The commit chain's one key, in the env's `chain` database (see `#commit`). */
const CHAIN_KEY = Buffer.from('chain');
const CHAIN_VALUE = Buffer.from([1]);

/** lmdb-js `getRange` options for a normalised range. */
function lmdbRange(r: NormalizedRange): Record<string, unknown> {
  const o: Record<string, unknown> = { reverse: r.reverse };
  if (r.limit !== Infinity) o.limit = r.limit;
  // lmdb-js walks from `start` towards `end`: start is inclusive unless exclusiveStart, end is
  // exclusive unless inclusiveEnd. In reverse the upper bound is the start.
  const [from, to] = r.reverse ? [r.upper, r.lower] : [r.lower, r.upper];
  if (from) {
    o.start = Buffer.from(from.key);
    o.exclusiveStart = !from.inclusive;
  }
  if (to) {
    o.end = Buffer.from(to.key);
    o.inclusiveEnd = to.inclusive;
  } else if (r.reverse) {
    // Without an end, a reverse lmdb-js scan stops *before* its default beginning key (0x00), so
    // the key 0x00 itself would be missed: make the end explicit and inclusive. (0x00 is the
    // smallest non-empty key; empty keys are invalid.)
    o.end = LOWEST_KEY;
    o.inclusiveEnd = true;
  }
  return o;
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** LMDB-backed ordered KV store. */
export class LmdbMetaStore implements MetaStore {
  readonly #lmdb: LmdbRef;
  readonly #gate: OpGate;
  readonly #room: () => Promise<void> | undefined;
  /** Writes handed to lmdb-js and not yet committed: transactions read through them. */
  readonly #pending = new PendingWrites();
  /** Owner tags of commits in `#pending`. */
  #owners = 0;
  /** The chain version the next commit expects, for the env it was read from. */
  #chainAt: { h: LmdbHandles; next: number } | undefined;
  /** Settles when the last commit handed over has settled and, if it failed, `#fail` has run. */
  #tail: Promise<void> = Promise.resolve();
  /** Counts commit failures; a read-only transaction that saw pending writes checks it. */
  #epoch = 0;
  #failure: Error | undefined;
  /** While set, the commits after a failure are settling; new transactions wait for it. */
  #recovering: Promise<void> | undefined;

  /**
   * `gate` tracks in-flight operations so the backend's close() and compaction can wait for them,
   * and fails calls after close() with CLOSED; `room` rejects with NO_SPACE when LMDB's disk is
   * past its fill limit (checked for `grows` transactions).
   */
  constructor(lmdb: LmdbRef, gate: OpGate, room: () => Promise<void> | undefined) {
    this.#lmdb = lmdb;
    this.#gate = gate;
    this.#room = room;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    checkMetaKey(key);
    // A synchronous read needs no tracking, only to wait while a compaction swaps the env.
    for (let wait = this.#gate.readBarrier(); wait; wait = this.#gate.readBarrier()) {
      await wait;
      this.#checkOpen();
    }
    return this.#lmdb.meta.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength));
  }

  range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]> {
    this.#checkOpen();
    return this.#scan(normalizeRange(opts));
  }

  transaction<T>(fn: (tx: MetaTx) => T, opts?: TransactionOptions): Promise<T> {
    // The gate rejects with CLOSED after close().
    return this.#gate.run('write', async () => {
      // §17: data-adding transactions stop at the fill limit, so deletes and GC keep room to run.
      if (opts?.grows) {
        const wait = this.#room();
        if (wait) await wait;
      }
      while (this.#recovering) await this.#recovering;
      this.#checkOpen();
      const h = this.#lmdb.handles;
      const epoch = this.#epoch;
      const tx = new PendingTx(h.meta, this.#pending);
      let result: T;
      try {
        result = fn(tx);
        // The writes are handed over below, synchronously with `fn`: nothing may run in between.
        if (isThenable(result)) throw new TypeError('MetaStore.transaction: fn must be synchronous');
      } catch (e) {
        tx.finish();
        // A throw decided on uncommitted writes (an upload another Complete just removed) answers
        // once they are durable, as a read-only transaction does below: the caller acts on it by
        // reading the store, which must then show them (a concurrent retried Complete looked for
        // the first one's answer and found none: 404 NoSuchUpload).
        if (tx.sawPending) {
          await this.#tail;
          if (this.#epoch !== epoch) throw this.#failure ?? StorageErrors.IO('metadata commit failed');
        }
        throw e;
      }
      tx.finish();
      if (tx.own.size > 0) await this.#commit(h, tx.own);
      else if (tx.sawPending) {
        // A read-only transaction that read uncommitted writes answers once they are durable.
        await this.#tail;
        if (this.#epoch !== epoch) throw this.#failure ?? StorageErrors.IO('metadata commit failed');
      }
      return result;
    });
  }

  /**
   * Hand one transaction's writes to lmdb-js's writer thread and wait until they are durable. They
   * are chained: each commit writes version v + 1 of the chain key on condition that it is at v
   * (lmdb-js `ifVersion`, evaluated in the writer), so when a commit fails (a full disk), every
   * later one — which may have read its writes — is skipped too instead of landing on a state
   * that lacks them.
   */
  async #commit(h: LmdbHandles, writes: PendingWrites): Promise<void> {
    const chain = h.chain;
    const v = this.#chainNext(h, chain);
    const owner = ++this.#owners;
    let done: Promise<boolean>;
    try {
      done = chain.ifVersion(CHAIN_KEY, v, () => {
        void chain.put(CHAIN_KEY, CHAIN_VALUE, v + 1);
        for (const e of writes.entries()) void (e.value ? h.meta.put(e.key, e.value) : h.meta.remove(e.key));
      });
    } catch (e) {
      throw this.#fail(mapLmdbErrorNow(e, 'committing metadata'));
    }
    this.#chainAt = { h, next: v + 1 };
    // The transaction's own entries join the overlay: `writes` is not read or changed again
    // except by releaseAll, which only compares owners.
    for (const e of writes.entries()) this.#pending.adopt(e, owner);
    const settled = this.#settled(done, writes, owner);
    // Not `done`: a failed commit is known as failed (#fail) only once its error is mapped, an
    // await later, and a read-only transaction that waited for `done` alone answered with the
    // writes it read from it as if they had been committed.
    this.#tail = settled.then(
      () => undefined,
      () => undefined,
    );
    return settled;
  }

  /**
   * A commit that failed with IO on a disk that is full is reported as NO_SPACE: LMDB turns a short
   * write of its pages (a full tmpfs, seen in the pipelined-commits test) into EIO. The fill-limit
   * check (`room`) tells: it rejects with NO_SPACE when LMDB's disk is past the limit and LMDB has
   * no free pages to reuse.
   */
  async #spaceOr(err: Error): Promise<Error> {
    if (!StorageErrors.IO.is(err)) return err;
    return Promise.resolve(this.#room()).then(
      () => err,
      (full: unknown) => (StorageErrors.NO_SPACE.is(full) ? StorageErrors.NO_SPACE(`no space left while committing metadata (${err.message})`, { cause: err }) : err),
    );
  }

  /** Wait for a commit handed over by `#commit`; on failure, record it (`#fail`) before settling. */
  async #settled(done: Promise<boolean>, writes: PendingWrites, owner: number): Promise<void> {
    let applied: boolean;
    try {
      applied = await done;
    } catch (e) {
      throw this.#fail(await this.#spaceOr(await mapLmdbError(e, 'committing metadata')));
    } finally {
      this.#pending.releaseAll(writes.entries(), owner);
    }
    // Skipped: an earlier commit in the chain failed (and reported why).
    if (!applied) throw this.#fail(StorageErrors.IO('metadata commit abandoned after an earlier commit failed'));
  }

  /** The chain version the next commit must find (read from the env after a swap or a failure). */
  #chainNext(h: LmdbHandles, chain: ChainDb): number {
    if (this.#chainAt?.h === h) return this.#chainAt.next;
    const entry = chain.getEntry(CHAIN_KEY);
    if (entry?.version !== undefined) return entry.version;
    // A new env, or one written before the chain existed: start it (one small synchronous commit).
    chain.putSync(CHAIN_KEY, CHAIN_VALUE, 0);
    return 0;
  }

  /**
   * A commit failed: every commit already handed over after it will be skipped (the chain). New
   * transactions wait until those have settled, then start from what is really committed. Returns
   * the error to report, the first failure's for the skipped ones.
   */
  #fail(err: Error): Error {
    if (this.#recovering) return this.#failure ?? err;
    this.#epoch++;
    this.#failure = err;
    this.#recovering = (async () => {
      for (let t = this.#tail; ; t = this.#tail) {
        await t;
        if (t === this.#tail) break;
      }
      this.#pending.clear();
      this.#chainAt = undefined;
    })().finally(() => {
      this.#recovering = undefined;
    });
    return err;
  }

  async visit(opts: RangeOptions, fn: (key: Uint8Array, value: Uint8Array) => VisitStep): Promise<void> {
    this.#checkOpen();
    let r = visitRange(opts);
    if (r.empty) return;
    await this.#gate.enterScan();
    const { meta: db, slab } = this.#lmdb.handles;
    let txn: ReturnType<BinaryDb['useReadTransaction']> | undefined;
    let left = r.limit;
    let burst = 0;
    try {
      txn = db.useReadTransaction();
      for (;;) {
        let seek: Uint8Array | undefined;
        // No lmdb-js limit: `left` counts the rows handed to `fn`, and rows walked over on the way
        // to a seek key (below) are not among them.
        const it = db.getRange({ ...lmdbRange({ ...r, limit: Infinity }), transaction: txn, snapshot: true })[Symbol.iterator]();
        const next = (): IteratorResult<{ key: Buffer; value: Buffer }> => {
          // The value is decoded inside next(): lend it (no slab copy) for the callback below.
          slab.lending = true;
          try {
            return it.next();
          } catch (e) {
            this.#checkOpen();
            throw e;
          } finally {
            slab.lending = false;
          }
        };
        let finished = false;
        /** A row already read past a short seek (see below), to hand to the callback next. */
        let landed: IteratorResult<{ key: Buffer; value: Buffer }> | undefined;
        try {
          while (left > 0) {
            const step = landed ?? next();
            landed = undefined;
            if (step.done) {
              finished = true;
              return;
            }
            left--;
            let answer = fn(step.value.key, step.value.value);
            if (answer === 'stop') return;
            if (answer !== 'next') {
              checkSeek(step.value.key, answer);
              // Copied now: a seek key cut from the lent value would change under the pause below.
              answer = Buffer.from(answer);
            }
            // Rows that seek count too: a listing of many common prefixes seeks at every row.
            if (++burst === VISIT_BURST) {
              burst = 0;
              // The cursor and its snapshot stay valid across the pause (the txn is pinned).
              await new Promise<void>((resolve) => setImmediate(resolve));
              this.#checkOpen();
            }
            if (answer !== 'next') {
              // A seek that lands a few rows ahead (a listing's common prefix of a few keys) walks
              // there on this cursor: opening a new range costs ~20 µs, a step ~0.5 µs.
              landed = r.reverse ? undefined : this.#walkTo(next, answer);
              if (landed?.done) {
                finished = true;
                return;
              }
              if (landed) continue;
              seek = answer;
              break;
            }
          }
        } finally {
          // Close a cursor left before its end (stop, seek, limit, throw) before the snapshot goes.
          if (!finished && !this.#gate.envClosing) it.return?.();
        }
        if (!seek || left <= 0) return;
        r = { ...r, lower: fitBound({ key: seek, inclusive: true }, 'lower') };
        if (r.upper && Buffer.compare(seek, r.upper.key) >= (r.upper.inclusive ? 1 : 0)) return;
      }
    } finally {
      if (!this.#gate.envClosing) txn?.done();
      this.#gate.exitScan();
    }
  }

  /**
   * Step `next` up to SEEK_WALK rows to the first key ≥ `seek`: that row (or the end), or undefined
   * when the seek lies further on (the caller opens a new range there).
   */
  #walkTo(next: () => IteratorResult<{ key: Buffer; value: Buffer }>, seek: Uint8Array): IteratorResult<{ key: Buffer; value: Buffer }> | undefined {
    for (let i = 0; i < SEEK_WALK; i++) {
      const step = next();
      if (step.done || Buffer.compare(step.value.key, seek) >= 0) return step;
    }
    return undefined;
  }

  async *#scan(r: NormalizedRange): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.#checkOpen();
    if (r.empty) return;
    // Counted as a scan while it holds its snapshot: a compaction closes the env only after it.
    await this.#gate.enterScan();
    // Pin a read transaction when iteration starts, so the scan sees one snapshot however slowly it
    // is consumed (a listing page is one snapshot, §15). Taken lazily, so a range that is never
    // iterated pins nothing; released when the scan ends, breaks or throws.
    const db = this.#lmdb.meta;
    let txn: ReturnType<BinaryDb['useReadTransaction']> | undefined;
    let it: Iterator<{ key: Buffer; value: Buffer }> | undefined;
    let finished = false;
    try {
      txn = db.useReadTransaction();
      it = db.getRange({ ...lmdbRange(r), transaction: txn, snapshot: true })[Symbol.iterator]();
      for (;;) {
        let step: IteratorResult<{ key: Buffer; value: Buffer }>;
        try {
          step = it.next();
        } catch (e) {
          // The backend was closed under a scan in progress: LMDB reports a bad txn.
          this.#checkOpen();
          throw e;
        }
        if (step.done) {
          finished = true;
          return;
        }
        yield [step.value.key, step.value.value];
        this.#checkOpen();
      }
    } finally {
      if (!this.#gate.envClosing) {
        // Abandoned early (break/throw): close the cursor before releasing the snapshot.
        if (!finished) it?.return?.();
        txn?.done();
      }
      this.#gate.exitScan();
    }
  }

  #checkOpen(): void {
    this.#gate.assertOpen();
  }
}

/**
 * The synchronous view of one transaction: its own writes, then the writes of commits still in
 * flight, then what LMDB has committed. Keys and values it hands out are fresh copies.
 */
class PendingTx implements MetaTx {
  readonly #db: BinaryDb;
  readonly #pending: PendingWrites;
  /** This transaction's writes (committed when `fn` returns). */
  readonly own = new PendingWrites();
  /** It read something still in flight. */
  sawPending = false;
  #done = false;

  constructor(db: BinaryDb, pending: PendingWrites) {
    this.#db = db;
    this.#pending = pending;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#check();
    checkMetaKey(key);
    const k = asBuf(key);
    const mine = this.own.get(k);
    if (mine) return mine.value ? Buffer.from(mine.value) : undefined;
    const inFlight = this.#pending.get(k);
    if (inFlight) {
      this.sawPending = true;
      return inFlight.value ? Buffer.from(inFlight.value) : undefined;
    }
    return this.#db.get(k);
  }

  *range(opts: RangeOptions): Iterable<[Uint8Array, Uint8Array]> {
    this.#check();
    const r = normalizeRange(opts);
    if (r.empty) return;
    // Merge the committed rows with the pending writes (which win on equal keys; null hides a row).
    // Writes this transaction makes while it iterates show up ahead of the cursor (the contract):
    // the pending side is looked up again past the cursor after each of them.
    const dir = r.reverse ? -1 : 1;
    let seen = this.own.changes;
    let over = this.#overlay(r);
    let i = 0;
    let at: Buffer | undefined;
    const it = this.#db.getRange(lmdbRange({ ...r, limit: Infinity }))[Symbol.iterator]();
    try {
      let row = it.next();
      for (let left = r.limit; left > 0; ) {
        this.#check();
        if (this.own.changes !== seen) {
          seen = this.own.changes;
          over = this.#overlay(at ? past(r, at) : r);
          i = 0;
        }
        const p = over[i];
        if (row.done && !p) return;
        const c = row.done ? 1 : !p ? -1 : dir * Buffer.compare(row.value.key, p.key);
        if (c < 0) {
          at = row.value.key;
          yield [row.value.key, row.value.value];
          left--;
          row = it.next();
        } else {
          if (c === 0) row = it.next();
          i++;
          at = p!.key;
          if (p!.value) {
            yield [Buffer.from(p!.key), Buffer.from(p!.value)];
            left--;
          }
        }
      }
    } finally {
      it.return?.();
    }
  }

  /** Pending writes inside `r`, in the direction of `r`: this transaction's own over those in flight. */
  #overlay(r: NormalizedRange): PendingEntry[] {
    const out = this.#merged(r);
    return r.reverse ? out.reverse() : out;
  }

  /** Pending writes inside `r`, ascending: this transaction's own over those in flight. */
  #merged(r: NormalizedRange): PendingEntry[] {
    const inFlight = this.#pending.between(r);
    const mine = this.own.between(r);
    if (inFlight.length > 0) this.sawPending = true;
    if (mine.length === 0) return inFlight;
    if (inFlight.length === 0) return mine;
    const out: PendingEntry[] = [];
    let i = 0;
    let j = 0;
    while (i < mine.length || j < inFlight.length) {
      const c = i === mine.length ? 1 : j === inFlight.length ? -1 : compareIds(mine[i]!.id, inFlight[j]!.id);
      if (c <= 0) {
        out.push(mine[i++]!);
        if (c === 0) j++;
      } else out.push(inFlight[j++]!);
    }
    return out;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    // Not copied (a put of a few KiB no longer allocates twice): as with lmdb-js's own async puts,
    // the bytes must not change once written; the engine writes freshly encoded buffers. Reads
    // hand out copies, so nothing a caller is given aliases them.
    this.own.set(asBuf(key), asBuf(value), 0);
  }

  del(key: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    this.own.set(asBuf(key), null, 0);
  }

  finish(): void {
    this.#done = true;
  }

  #check(): void {
    if (this.#done) throw new TypeError('MetaTx used after its transaction ended');
  }
}

/** `r` narrowed to the keys after `at` in its direction. */
function past(r: NormalizedRange, at: Buffer): NormalizedRange {
  return r.reverse ? { ...r, upper: { key: at, inclusive: false } } : { ...r, lower: { key: at, inclusive: false } };
}

function asBuf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

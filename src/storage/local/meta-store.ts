/**
 * MetaStore on LMDB (shared/spec/ccow.md §16, §17). One named database `meta` holds every engine key
 * space (one-byte prefixes). Writes go through lmdb-js `childTransaction`: the callback runs inside
 * lmdb-js's batched write transaction as a nested, abortable transaction, so concurrent writers
 * share one commit + fsync (group commit) and a throw rolls back only that callback's writes. (Plain
 * `transaction()` would not roll back on throw.) The env is opened with `overlappingSync: false`, so
 * the promise resolves only after the commit is on disk (strict mode). A failed commit (a full disk)
 * is reported as StorageErrors.NO_SPACE or IO, never as lmdb-js's untyped "Commit failed".
 * The database handle is read from the backend's `LmdbRef` per operation, and every operation
 * passes the backend's `OpGate`, so an online compaction can hold them and swap the env.
 */
import {
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
import type { BinaryDb, LmdbRef } from './lmdb-env.js';
import type { OpGate } from './op-gate.js';

const LOWEST_KEY = Buffer.from([0x00]);
/** Rows `visit` reads back to back before it lets other work run (a listing page is ~1000). */
const VISIT_BURST = 2048;
/** Rows a visit steps over on its cursor to reach a seek key before it opens a new range there. */
const SEEK_WALK = 8;

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
  readonly #room: () => Promise<void>;

  /**
   * `gate` tracks in-flight operations so the backend's close() and compaction can wait for them,
   * and fails calls after close() with CLOSED; `room` rejects with NO_SPACE when LMDB's disk is
   * past its fill limit (checked for `grows` transactions).
   */
  constructor(lmdb: LmdbRef, gate: OpGate, room: () => Promise<void>) {
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
      if (opts?.grows) await this.#room();
      const db = this.#lmdb.meta;
      let own: unknown;
      try {
        return await db.childTransaction(() => {
          const tx = new LmdbTx(db);
          try {
            const result = fn(tx);
            // lmdb-js would hold the write lock across an async callback; the contract forbids it.
            if (isThenable(result)) throw new TypeError('MetaStore.transaction: fn must be synchronous');
            return result;
          } catch (e) {
            own = e;
            throw e;
          } finally {
            tx.finish();
          }
        });
      } catch (e) {
        // The caller's own errors pass unchanged; a failed commit (ENOSPC, EIO) becomes typed.
        if (e === own) throw e;
        throw await mapLmdbError(e, 'committing metadata');
      }
    });
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

/** The synchronous view inside one `childTransaction` callback: plain lmdb-js calls see its writes. */
class LmdbTx implements MetaTx {
  readonly #db: BinaryDb;
  #done = false;

  constructor(db: BinaryDb) {
    this.#db = db;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#check();
    checkMetaKey(key);
    return this.#db.get(asBuf(key));
  }

  *range(opts: RangeOptions): Iterable<[Uint8Array, Uint8Array]> {
    this.#check();
    const r = normalizeRange(opts);
    if (r.empty) return;
    for (const { key, value } of this.#db.getRange(lmdbRange(r))) {
      this.#check();
      yield [key, value];
    }
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    // Inside the write transaction putSync writes at once (copying the bytes into LMDB).
    try {
      this.#db.putSync(asBuf(key), asBuf(value));
    } catch (e) {
      throw mapLmdbErrorNow(e, 'writing metadata');
    }
  }

  del(key: Uint8Array): void {
    this.#check();
    checkMetaKey(key);
    try {
      this.#db.removeSync(asBuf(key));
    } catch (e) {
      throw mapLmdbErrorNow(e, 'deleting metadata');
    }
  }

  finish(): void {
    this.#done = true;
  }

  #check(): void {
    if (this.#done) throw new TypeError('MetaTx used after its transaction ended');
  }
}

function asBuf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

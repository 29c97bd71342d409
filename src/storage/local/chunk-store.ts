/**
 * ChunkStore of the local backend (shared/spec/ccow.md §13, §17). Payloads up to `smallChunkMax`
 * live in the LMDB `blobs` database (one group-committed LMDB write, no file, no inode); larger ones
 * are chunk files placed by rendezvous hashing over the data disks. `put` and `delete` of one id
 * hold an in-process per-id lock (§13 "Per-id lock"), so a delete never unlinks a file that a
 * concurrent put of the same id just renamed into place, and vice versa. A chunk file refused for
 * lack of space is retried once if compacting LMDB gave space back (compaction.ts).
 */
import { chunkIdHex, chunkIdOf, compareBytes, parseChunkId, type ChunkId } from '../../common/index.js';
import { StorageErrors, type ChunkGetOptions, type ChunkPutOptions, type ChunkStore } from '../contract/index.js';
import type { ChunkFiles } from './chunk-files.js';
import type { Disk, DiskSet } from './disks.js';
import { mapFsError, mapLmdbError } from './fs-errors.js';
import { KeyedLock } from './keyed-lock.js';
import type { LmdbRef } from './lmdb-env.js';
import type { OpGate } from './op-gate.js';

/** Dependencies shared with the backend. */
export interface LocalChunkStoreDeps {
  /** The current LMDB handles (`blobs`), read per operation (a compaction swaps them). */
  lmdb: LmdbRef;
  files: ChunkFiles;
  disks: DiskSet;
  smallChunkMax: number;
  /** Runs an operation as "in flight" (close() and compaction wait for it); CLOSED after close. */
  gate: OpGate;
  /** Rejects with NO_SPACE when LMDB should take no more data (small chunks live there). */
  room: () => Promise<void> | undefined;
  /** After a refused chunk file: true once compacting LMDB gave space back (then retry). */
  reclaim: () => Promise<boolean>;
}

/** Approximate counters: exact for what this process did, seeded by a scan on first stats(). */
interface Counters {
  count: number;
  bytes: number;
}

/** Blob-or-file chunk store over LMDB and the data disks. */
export class LocalChunkStore implements ChunkStore {
  readonly #d: LocalChunkStoreDeps;
  readonly #locks = new KeyedLock();
  /** Deltas since open; added to the scanned base in stats(). */
  readonly #delta: Counters = { count: 0, bytes: 0 };
  #base: Promise<Counters> | undefined;

  constructor(deps: LocalChunkStoreDeps) {
    this.#d = deps;
  }

  async put(id: ChunkId, bytes: Uint8Array, opts?: ChunkPutOptions): Promise<void> {
    // The engine in this process hashed these bytes a moment ago: a second pass would only cost time.
    if (!opts?.verified && compareBytes(chunkIdOf(bytes), id) !== 0) throw StorageErrors.BAD_DIGEST(`chunk bytes do not hash to ${chunkIdHex(id)}`);
    const hex = chunkIdHex(id);
    const small = bytes.length <= this.#d.smallChunkMax;
    const attempt = (): Promise<void> => this.#d.gate.run('write', () => this.#locks.run(hex, () => (small ? this.#putBlob(id, bytes) : this.#putFile(id, hex, bytes))));
    try {
      await attempt();
    } catch (e) {
      // A file refused at the fill limit may fit once LMDB's free pages are given back (§17:
      // "writes work again as soon as space is freed"). The reclaim runs outside the gate: a
      // compaction waits for the writes in flight. Small chunks go to LMDB, which a compaction
      // would only deprive of its free pages.
      if (small || !StorageErrors.NO_SPACE.is(e) || !(await this.#d.reclaim())) throw e;
      await attempt();
    }
  }

  get(id: ChunkId, opts?: ChunkGetOptions): Promise<Uint8Array> {
    return this.#d.gate.run('read', async () => {
      const blob = this.#d.lmdb.blobs.get(asBuf(id));
      if (blob) return blob;
      const hex = chunkIdHex(id);
      if (!opts?.verify) return this.#d.files.read(this.#d.disks.order(id), hex, opts?.alloc, opts?.streaming === true);
      // The first copy may be bad and another good (ChunkGetOptions.verify): hash each copy read.
      let good = false;
      const bad: Disk[] = [];
      const accept = (p: Buffer): boolean => (good = compareBytes(chunkIdOf(p), id) === 0);
      const payload = await this.#d.files.read(this.#d.disks.order(id), hex, opts.alloc, opts.streaming === true, accept, bad);
      if (good && bad.length > 0) await this.#dropBadCopies(id, hex, bad);
      return payload;
    });
  }

  /**
   * A good copy of `id` was found after bad ones (damaged, or not hashing to the id) on `disks`:
   * unlink those, so reads stop tripping over them. Under the id's lock (no put or delete of it
   * meanwhile), and only each copy found bad again there; read without the caller's `alloc`, whose
   * memory holds the good copy.
   */
  async #dropBadCopies(id: ChunkId, hex: string, disks: readonly Disk[]): Promise<void> {
    await this.#locks.run(hex, async () => {
      for (const disk of disks) {
        let stillBad: boolean;
        try {
          stillBad = compareBytes(chunkIdOf(await this.#d.files.read([disk], hex)), id) !== 0;
        } catch (e) {
          // Absent (CHUNK_MISSING) or unreadable now: leave it be. A header that does not parse is bad.
          stillBad = StorageErrors.CHUNK_CORRUPT.is(e);
        }
        if (!stillBad) continue;
        const gone = await this.#d.files.remove([disk], hex);
        this.#count(-gone.count, -gone.bytes);
      }
      this.#d.disks.invalidateAll();
    });
  }

  has(ids: readonly ChunkId[]): Promise<boolean[]> {
    return this.#d.gate.run('read', () =>
      Promise.all(
        ids.map(async (id) => {
          if (this.#d.lmdb.blobs.doesExist(asBuf(id))) return true;
          return (await this.#d.files.locate(this.#d.disks.order(id), chunkIdHex(id))) !== undefined;
        }),
      ),
    );
  }

  delete(id: ChunkId): Promise<void> {
    return this.#d.gate.run('write', async () => {
      const hex = chunkIdHex(id);
      await this.#locks.run(hex, async () => {
        const key = asBuf(id);
        const blobs = this.#d.lmdb.blobs;
        const blob = blobs.get(key);
        if (blob) {
          await blobs.remove(key).catch(async (e: unknown) => Promise.reject(await mapLmdbError(e, `deleting chunk ${hex}`)));
          this.#count(-1, -blob.length);
        }
        // Every disk, not just the home one: a chunk may sit on a fallback disk (fill limit).
        const gone = await this.#d.files.remove(this.#d.disks.disks, hex);
        if (gone.count > 0) {
          this.#count(-gone.count, -gone.bytes);
          this.#d.disks.invalidateAll();
        }
      });
    });
  }

  async *iterate(): AsyncIterable<ChunkId> {
    await this.#d.gate.run('read', async () => undefined); // CLOSED after close()
    for await (const [hex] of this.#all(false)) yield parseChunkId(hex);
  }

  /** Chunk count and payload bytes (approximate when other writers ran since the first call). */
  async counters(): Promise<Counters> {
    this.#base ??= this.#scanCounters();
    const base = await this.#base;
    return { count: base.count + this.#delta.count, bytes: base.bytes + this.#delta.bytes };
  }

  async #putBlob(id: ChunkId, bytes: Uint8Array): Promise<void> {
    const key = asBuf(id);
    if (this.#d.lmdb.blobs.doesExist(key)) return;
    // Small chunks obey the fill limit of LMDB's disk like files obey theirs (§17).
    await this.#d.room();
    try {
      // Copy: lmdb-js may read the value on its write thread after this call returns.
      await this.#d.lmdb.blobs.put(key, Buffer.from(bytes));
    } catch (e) {
      throw await mapLmdbError(e, `storing chunk ${chunkIdHex(id)}`);
    }
    this.#count(1, bytes.length);
  }

  async #putFile(id: ChunkId, hex: string, bytes: Uint8Array): Promise<void> {
    const order = this.#d.disks.order(id);
    if (await this.#d.files.locate(order, hex)) return;
    const disk = await this.#d.disks.pickForWrite(id);
    try {
      await this.#d.files.write(disk, hex, bytes);
    } catch (e) {
      if (StorageErrors.NO_SPACE.is(e)) this.#d.disks.invalidate(disk);
      throw e;
    }
    this.#d.disks.consumed(disk, bytes.length);
    this.#count(1, bytes.length);
  }

  /**
   * The blobs, as one scan (a compaction waits for it to end before closing the env). Its consumer
   * may pause between rows for as long as it likes (the orphan sweep deletes in between), past
   * close()'s wait for scans: then the env is gone, and the cursor must not be touched again (no
   * `for…of`, which closes it on the way out). lmdb-js closing a cursor whose read transaction the
   * env's close freed crashed the process (SIGSEGV in mdb_cursor_unref, regress/issue-3-close-
   * blob-iteration); a step after close fails with CLOSED instead of LMDB's MDB_BAD_TXN.
   */
  async *#allBlobs(withSizes: boolean): AsyncGenerator<[string, number]> {
    const gate = this.#d.gate;
    await gate.enterScan();
    let it: Iterator<Buffer | { key: Buffer; value: Buffer }> | undefined;
    let finished = false;
    try {
      const blobs = this.#d.lmdb.blobs;
      it = (withSizes ? blobs.getRange({}) : blobs.getKeys({}))[Symbol.iterator]();
      for (;;) {
        let step: IteratorResult<Buffer | { key: Buffer; value: Buffer }>;
        try {
          step = it.next();
        } catch (e) {
          gate.assertOpen();
          throw e;
        }
        if (step.done) {
          finished = true;
          return;
        }
        const row = step.value;
        yield Buffer.isBuffer(row) ? [row.toString('hex'), 0] : [row.key.toString('hex'), row.value.length];
        gate.assertOpen();
      }
    } finally {
      // Abandoned early (break, throw, CLOSED): close the cursor, unless the env closed under it.
      if (!finished && !gate.envClosing) it?.return?.();
      gate.exitScan();
    }
  }

  #count(count: number, bytes: number): void {
    // Before the first stats() the scan will see these chunks itself.
    if (!this.#base) return;
    this.#delta.count += count;
    this.#delta.bytes += bytes;
  }

  async #scanCounters(): Promise<Counters> {
    const c: Counters = { count: 0, bytes: 0 };
    for await (const [, size] of this.#all(true)) {
      c.count++;
      c.bytes += size;
    }
    return c;
  }

  /** Blobs, then each disk's files, as [hex, payload size]. */
  async *#all(withSizes: boolean): AsyncGenerator<[string, number]> {
    try {
      yield* this.#allBlobs(withSizes);
      for (const disk of this.#d.disks.disks) yield* this.#d.files.list(disk, withSizes);
    } catch (e) {
      throw mapFsError(e, 'listing chunks');
    }
  }
}

function asBuf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

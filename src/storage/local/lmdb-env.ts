/**
 * The LMDB environment of the local backend (shared/spec/ccow.md §17): opening it, the handles the
 * stores use (swapped by an online compaction, compaction.ts), and how much of its file is in use.
 *
 * About §17's "LMDB's map is pre-sized, so metadata deletes never need new disk space": the map
 * size (4 GiB by default) only reserves address space. Without MDB_WRITEMAP (lmdb-js does not set
 * it) the file starts at a few pages and grows as pages are allocated (a fresh env's data.mdb is 20
 * KiB, measured with lmdb 3.5.6). LMDB is copy-on-write, so a delete writes new copies of the pages
 * on its path; they come from the free list or from growing the file. Deletes keep working on a
 * full disk because data-adding writes stop at the fill limit (`lmdbRoom`), not because of the map.
 * And the file never shrinks: pages freed by deletes go to LMDB's free list, reusable by LMDB only
 * ("the database file never shrinks", LMDB's documentation of mdb_env_copy2 / MDB_CP_COMPACT, which
 * is how compaction.ts gives the space back).
 */
import { mkdir } from 'node:fs/promises';
import { open, type Database, type RootDatabase } from 'lmdb';
import { StorageErrors } from '../contract/index.js';
import type { DiskSet } from './disks.js';
import { ValueSlab } from './value-slab.js';

/** A named database with binary keys and values. */
export type BinaryDb = Database<Buffer, Buffer>;

/** The lmdb-js calls used on the `chain` database (opened with `useVersions`; meta-store.ts). */
export interface ChainDb {
  ifVersion(key: Buffer, version: number, fn: () => void): Promise<boolean>;
  put(key: Buffer, value: Buffer, version: number): Promise<boolean>;
  putSync(key: Buffer, value: Buffer, version: number): boolean;
  getEntry(key: Buffer): { value: Buffer; version?: number } | undefined;
  getStats(): unknown;
}

/**
 * One open LMDB env with its databases: `meta` (the MetaStore), `blobs` (small chunks), `chain` (the
 * commit chain's one versioned key, meta-store.ts) and `disks`
 * (the data dir set record, data-dirs.ts).
 */
export interface LmdbHandles {
  readonly env: RootDatabase<Buffer, Buffer>;
  readonly meta: BinaryDb;
  readonly blobs: BinaryDb;
  readonly disks: BinaryDb;
  readonly chain: ChainDb;
  /** Where `meta` values are copied to (and the switch that lends them instead, value-slab.ts). */
  readonly slab: ValueSlab;
}

/**
 * The handles currently in use. The stores read them at each operation (never keep them across an
 * await outside a gated operation or scan, op-gate.ts), so an online compaction can swap in the
 * reopened env.
 */
export class LmdbRef {
  #h: LmdbHandles;

  constructor(handles: LmdbHandles) {
    this.#h = handles;
  }

  get env(): RootDatabase<Buffer, Buffer> {
    return this.#h.env;
  }

  get meta(): BinaryDb {
    return this.#h.meta;
  }

  get blobs(): BinaryDb {
    return this.#h.blobs;
  }

  get handles(): LmdbHandles {
    return this.#h;
  }

  /** Use `handles` from now on (after a compaction reopened the env). */
  swap(handles: LmdbHandles): void {
    this.#h = handles;
  }
}

/** Where the env lives and how it is opened; enough to reopen it after a compaction. */
export interface LmdbConfig {
  /** The env directory (`<dataDirs[0]>/meta`, holding data.mdb and lock.mdb). */
  path: string;
  mapSize: number;
  relaxed: boolean;
}

/** Open (creating if needed) the env and its databases. */
export async function openLmdb(cfg: LmdbConfig): Promise<LmdbHandles> {
  await mkdir(cfg.path, { recursive: true, mode: 0o700 });
  const env = open<Buffer, Buffer>({
    path: cfg.path,
    keyEncoding: 'binary',
    encoding: 'binary',
    mapSize: cfg.mapSize,
    maxDbs: 4,
    // Strict: a commit's promise resolves only once it is fsynced (no overlapping sync).
    overlappingSync: false,
    noSync: cfg.relaxed,
    // The engine never relies on lmdb-js's value cache or structure sharing.
    cache: false,
    // A transaction's writes are one conditional block (meta-store.ts), atomic by itself; without
    // event-turn batching the writer starts a commit as soon as blocks arrive instead of waiting
    // for the end of the main thread's turn, so commits overlap the main thread's work.
    eventTurnBatching: false,
    // ...but not for every block: the writer starts once 30 writes (~6 small puts) wait, else at
    // the next event turn. With lmdb-js's default (5) nearly every S3 PUT got a commit of its own:
    // 620-700 µs of server CPU per 4 KiB PUT vs 450-540 before the pipelining; with 30, 470-540
    // at the same or better rate (bench/RESULTS.md, session 10).
    // (lmdb-js reads the option; its type declarations lack it.)
    ...({ txnStartThreshold: 30 } as object),
  });
  const dbOpts = { keyEncoding: 'binary', encoding: 'binary' } as const;
  // Metadata values are copied into slabs (value-slab.ts) rather than each into a fresh
  // ArrayBuffer. lmdb-js gives a decoder the value in its reused read buffer (an encoder without
  // `needsStableBuffer` copies); `length` is the value's size (lmdb-js sets it on that buffer).
  const slab = new ValueSlab();
  const metaEncoder = {
    encode: (v: Buffer): Buffer => v,
    decode: (bytes: Buffer, size?: unknown): Buffer => slab.copy(bytes, typeof size === 'number' ? size : bytes.length),
  };
  return {
    env,
    meta: env.openDB<Buffer, Buffer>('meta', { ...dbOpts, encoder: metaEncoder } as typeof dbOpts),
    blobs: env.openDB<Buffer, Buffer>('blobs', dbOpts),
    disks: env.openDB<Buffer, Buffer>('disks', dbOpts),
    chain: env.openDB<Buffer, Buffer>('chain', { ...dbOpts, useVersions: true }) as unknown as ChainDb,
    slab,
  };
}

/** Page counts of one LMDB tree, as lmdb-js `getStats()` reports them. */
interface TreeStats {
  treeBranchPageCount?: number;
  treeLeafPageCount?: number;
  overflowPages?: number;
}

/** The part of lmdb-js `env.getStats()` used here (the main tree, the free-list tree, the file). */
interface EnvStats extends TreeStats {
  pageSize?: number;
  lastPageNumber?: number;
  free?: TreeStats;
}

const pagesOf = (t: TreeStats | undefined): number => (t?.treeBranchPageCount ?? 0) + (t?.treeLeafPageCount ?? 0) + (t?.overflowPages ?? 0);

/** How the env's file is used. */
export interface LmdbUsage {
  pageSize: number;
  /** Pages up to the last one allocated: the size of data.mdb (measured: equal to the file size). */
  fileBytes: number;
  /** Pages no tree uses: LMDB's free list (reusable by LMDB only; a compacted copy omits them). */
  freeBytes: number;
  /** The last page number, to follow the file's growth. */
  lastPage: number;
}

/**
 * Pages of every tree (every database, the main tree and the free-list tree, two meta pages)
 * subtracted from the file's pages. lmdb-js reports no free-page count, and the free list's own
 * entries (page-number lists) are not countable from JS; the rest of the file is exactly what
 * mdb_env_copy2 with MDB_CP_COMPACT leaves out (mdb.c mdb_env_copyfd1 computes the copy's last page
 * the same way). ~10 µs.
 */
export function lmdbUsage(h: LmdbHandles): LmdbUsage {
  const s = h.env.getStats() as EnvStats;
  const pageSize = s.pageSize ?? 4096;
  const lastPage = s.lastPageNumber ?? 0;
  const used = [h.meta, h.blobs, h.disks, h.chain].reduce((n, db) => n + pagesOf(db.getStats() as TreeStats), pagesOf(s) + pagesOf(s.free) + 2);
  const filePages = lastPage + 1;
  return { pageSize, fileBytes: filePages * pageSize, freeBytes: Math.max(0, filePages - used) * pageSize, lastPage };
}

/** Reusable LMDB free-list space that lets data-adding writes go on past the fill limit. */
const MIN_REUSABLE_BYTES = 4 * 1024 * 1024;
/** How often LMDB's file growth is charged to the disk reading. */
const STATS_EVERY_MS = 10;

/**
 * Rejects with NO_SPACE when LMDB (on the first data dir) should take no more data: its disk is past
 * the fill limit (§17) and LMDB's free list is small. Small chunks and data-adding metadata bypass
 * chunk placement, so without this they would fill the disk to 100 %, where even the deletes that
 * could free space fail to commit. Pages that deletes free are reused from LMDB's free list, so a
 * disk past the limit still has room while the file holds enough unused pages. The file's growth
 * since the last check is charged to the cached disk reading (as chunk files are), so a
 * fast-growing LMDB cannot overshoot the limit between two statfs readings.
 */
export function lmdbRoom(lmdb: LmdbRef, disks: DiskSet): () => Promise<void> | undefined {
  const disk = disks.disks[0]!;
  let lastPage = lmdbUsage(lmdb.handles).lastPage;
  let lastAt = 0;
  /**
   * Charge the file's growth since the last look. The periodic look reads the env's stats alone
   * (~6 µs): the whole usage (every tree's stats, ~30 µs) only matters past the limit.
   */
  const charge = (u: Pick<LmdbUsage, 'lastPage' | 'pageSize'>): void => {
    // After a compaction the file is smaller: follow it down, charge nothing.
    if (u.lastPage > lastPage) disks.consumed(disk, (u.lastPage - lastPage) * u.pageSize);
    lastPage = u.lastPage;
  };
  const slow = async (): Promise<void> => {
    if (!(await disks.pastLimit(disk))) return;
    const u = lmdbUsage(lmdb.handles);
    charge(u);
    if (u.freeBytes >= MIN_REUSABLE_BYTES) return;
    throw StorageErrors.NO_SPACE(`data dir ${disk.path} is past the fill limit`);
  };
  // Undefined (nothing to await) while a fresh cached reading shows room: every commit asks. Never
  // throws: a failed usage read (MDB_PANIC once a failed write left the env fatal) is a rejection,
  // which the meta store's failed-commit path (#spaceOr) maps back to the commit's own error.
  return () => {
    const t = Date.now();
    if (t - lastAt >= STATS_EVERY_MS) {
      lastAt = t;
      try {
        const st = lmdb.handles.env.getStats() as EnvStats;
        charge({ lastPage: st.lastPageNumber ?? 0, pageSize: st.pageSize ?? 4096 });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return disks.belowLimitCached(disk) ? undefined : slow();
  };
}

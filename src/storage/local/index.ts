/**
 * storage/local: the StorageBackend on one machine (shared/spec/ccow.md §13, §16, §17) — metadata in
 * LMDB under `dataDirs[0]/meta`, chunk payloads in LMDB `blobs` (small) or files spread over the
 * data dirs (large). Each data dir is owned by one process through its `LOCK` file.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { StorageErrors, type StorageBackend, type StorageStats } from '../contract/index.js';
import { ChunkFiles } from './chunk-files.js';
import { LocalChunkStore } from './chunk-store.js';
import { DiskSet } from './disks.js';
import { mapFsError } from './fs-errors.js';
import { LmdbMetaStore } from './meta-store.js';
import { LOCAL_DEFAULTS, type LocalBackendOptions } from './options.js';
import { acquireOwnerLock, type OwnerLock } from './owner-lock.js';

export { errnoError, LOCAL_DEFAULTS, type Durability, type LocalBackendOptions, type LocalFaults } from './options.js';
export { CHUNK_HEADER_BYTES, decodeChunkFile, encodeChunkHeader } from './chunk-file-format.js';

/** Reusable LMDB free-list space that lets data-adding writes go on past the fill limit. */
const MIN_REUSABLE_BYTES = 4 * 1024 * 1024;
/** How often LMDB's file growth is charged to the disk reading. */
const STATS_EVERY_MS = 10;

/** Page counts of one LMDB tree, as lmdb-js `getStats()` reports them. */
interface TreeStats {
  treeBranchPageCount?: number;
  treeLeafPageCount?: number;
  overflowPages?: number;
}

/** The part of lmdb-js `env.getStats()` used here. */
interface LmdbStats extends TreeStats {
  pageSize?: number;
  lastPageNumber?: number;
  free?: TreeStats;
}

const pagesOf = (t: TreeStats | undefined): number => (t?.treeBranchPageCount ?? 0) + (t?.treeLeafPageCount ?? 0) + (t?.overflowPages ?? 0);

/**
 * Rejects with NO_SPACE when LMDB (on the first data dir) should take no more data: its disk is past
 * the fill limit (§17) and LMDB's free list is small. Small chunks and data-adding metadata bypass
 * chunk placement, so without this they would fill the disk to 100 %, where even the deletes that
 * could free space fail to commit. LMDB never shrinks its file; pages that deletes free are reused
 * from its free list, so a disk past the limit still has room while the file holds enough unused
 * pages: the file's pages less those of every tree (both databases, the main and the free-list
 * tree, two meta pages). The file's growth since the last check is charged to the cached disk
 * reading (as chunk files are), so a fast-growing LMDB cannot overshoot the limit between two
 * statfs readings.
 */
function lmdbRoom(env: RootDatabase<Buffer, Buffer>, dbs: readonly BinaryDb[], disks: DiskSet): () => Promise<void> {
  const disk = disks.disks[0]!;
  const stats = (): LmdbStats => env.getStats();
  let lastPage = stats().lastPageNumber ?? 0;
  let lastAt = 0;
  /** Charge the file's growth since the last look (at most every STATS_EVERY_MS: ~10 µs a call). */
  const charge = (s: LmdbStats): void => {
    const now = s.lastPageNumber ?? lastPage;
    if (now > lastPage) disks.consumed(disk, (now - lastPage) * (s.pageSize ?? 4096));
    lastPage = now;
  };
  return async () => {
    const t = Date.now();
    if (t - lastAt >= STATS_EVERY_MS) {
      lastAt = t;
      charge(stats());
    }
    if (!(await disks.pastLimit(disk))) return;
    const s = stats();
    charge(s);
    const used = dbs.reduce((n, db) => n + pagesOf(db.getStats() as TreeStats), pagesOf(s) + pagesOf(s.free) + 2);
    if (((s.lastPageNumber ?? 0) + 1 - used) * (s.pageSize ?? 4096) >= MIN_REUSABLE_BYTES) return;
    throw StorageErrors.NO_SPACE(`data dir ${disk.path} is past the fill limit`);
  };
}

/** In relaxed mode, how often LMDB is synced (§13: "noSync + fsync every second"). */
const RELAXED_SYNC_MS = 1000;

type BinaryDb = Database<Buffer, Buffer>;

/** A local backend; build it with `createLocalBackend`. */
export class LocalBackend implements StorageBackend {
  readonly kind = 'local';
  readonly chunks: LocalChunkStore;
  readonly meta: LmdbMetaStore;
  /** Resolved data dirs, in the order given. */
  readonly dataDirs: readonly string[];
  readonly #env: RootDatabase<Buffer, Buffer>;
  readonly #disks: DiskSet;
  readonly #files: ChunkFiles;
  readonly #locks: OwnerLock[];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #syncTimer: NodeJS.Timeout | undefined;
  #open = true;

  /** @internal use createLocalBackend */
  constructor(parts: { env: RootDatabase<Buffer, Buffer>; meta: BinaryDb; blobs: BinaryDb; disks: DiskSet; files: ChunkFiles; locks: OwnerLock[]; smallChunkMax: number; relaxed: boolean }) {
    this.#env = parts.env;
    this.#disks = parts.disks;
    this.#files = parts.files;
    this.#locks = parts.locks;
    this.dataDirs = parts.disks.disks.map((d) => d.path);
    const guard = <T>(fn: () => Promise<T>): Promise<T> => this.#guard(fn);
    const room = lmdbRoom(parts.env, [parts.meta, parts.blobs], parts.disks);
    this.meta = new LmdbMetaStore(parts.meta, guard, () => this.#open, room);
    this.chunks = new LocalChunkStore({ blobs: parts.blobs, files: parts.files, disks: parts.disks, smallChunkMax: parts.smallChunkMax, guard, room });
    if (parts.relaxed) {
      // mdb_env_sync; present at run time, missing from lmdb-js's typings.
      const env = this.#env as unknown as { sync(cb: (e?: unknown) => void): void };
      this.#syncTimer = setInterval(() => env.sync(() => undefined), RELAXED_SYNC_MS);
      this.#syncTimer.unref();
    }
  }

  /** Directory fsyncs performed so far (tests: shows group commit batching renames). */
  get dirSyncs(): number {
    return this.#files.dirSyncs;
  }

  async stats(): Promise<StorageStats> {
    return this.#guard(async () => {
      const { count, bytes } = await this.chunks.counters();
      const disks = await Promise.all(this.#disks.disks.map((d) => this.#disks.space(d, true)));
      return { chunkCount: count, chunkBytes: bytes, disks };
    });
  }

  /** Wait for in-flight operations, close LMDB (syncing it) and release the data dir locks. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    await Promise.allSettled([...this.#inFlight]);
    await this.#env.close();
    await Promise.allSettled(this.#locks.map((l) => l.release()));
  }

  #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#open) return Promise.reject(StorageErrors.CLOSED());
    const p = fn();
    this.#inFlight.add(p);
    const forget = (): void => void this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }
}

/**
 * Open (creating if needed) a local backend over `opts.dataDirs`: takes every dir's `LOCK`
 * (StorageErrors.LOCKED if another live process holds one), empties each `tmp/`, opens LMDB.
 * @example
 * const backend = await createLocalBackend({ dataDirs: ['/srv/ccow/d0', '/srv/ccow/d1'] });
 */
export async function createLocalBackend(opts: LocalBackendOptions): Promise<LocalBackend> {
  if (opts.dataDirs.length === 0) throw new TypeError('createLocalBackend: dataDirs must not be empty');
  const dirs = opts.dataDirs.map((d) => resolve(d));
  if (new Set(dirs).size !== dirs.length) throw new TypeError('createLocalBackend: dataDirs must be distinct');
  const durability = opts.durability ?? LOCAL_DEFAULTS.durability;
  const relaxed = durability === 'relaxed';
  const locks: OwnerLock[] = [];
  try {
    for (const dir of dirs) {
      await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
        throw mapFsError(e, `creating ${dir}`);
      });
      locks.push(await acquireOwnerLock(dir));
    }
    const disks = new DiskSet(dirs, opts.fillLimit ?? LOCAL_DEFAULTS.fillLimit, opts.faults);
    const files = new ChunkFiles(!relaxed, opts.faults);
    for (const d of disks.disks) await files.prepare(d).catch((e: unknown) => Promise.reject(mapFsError(e, `preparing ${d.path}`)));
    const { env, meta, blobs } = await openLmdb(join(dirs[0]!, 'meta'), opts.mapSize ?? LOCAL_DEFAULTS.mapSize, relaxed);
    return new LocalBackend({ env, meta, blobs, disks, files, locks, smallChunkMax: opts.smallChunkMax ?? LOCAL_DEFAULTS.smallChunkMax, relaxed });
  } catch (e) {
    await Promise.allSettled(locks.map((l) => l.release()));
    throw e;
  }
}

/** The LMDB env with its two databases: `meta` (the MetaStore) and `blobs` (small chunks). */
async function openLmdb(path: string, mapSize: number, relaxed: boolean): Promise<{ env: RootDatabase<Buffer, Buffer>; meta: BinaryDb; blobs: BinaryDb }> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const env = open<Buffer, Buffer>({
    path,
    keyEncoding: 'binary',
    encoding: 'binary',
    mapSize,
    maxDbs: 4,
    // Strict: a commit's promise resolves only once it is fsynced (no overlapping sync).
    overlappingSync: false,
    noSync: relaxed,
    // The engine never relies on lmdb-js's value cache or structure sharing.
    cache: false,
  });
  const dbOpts = { keyEncoding: 'binary', encoding: 'binary' } as const;
  return { env, meta: env.openDB<Buffer, Buffer>('meta', dbOpts), blobs: env.openDB<Buffer, Buffer>('blobs', dbOpts) };
}

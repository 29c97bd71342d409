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
    this.meta = new LmdbMetaStore(parts.meta, guard, () => this.#open);
    this.chunks = new LocalChunkStore({ blobs: parts.blobs, files: parts.files, disks: parts.disks, smallChunkMax: parts.smallChunkMax, guard });
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

/**
 * storage/local: the StorageBackend on one machine (shared/spec/ccow.md §13, §16, §17) — metadata in
 * LMDB under `dataDirs[0]/meta`, chunk payloads in LMDB `blobs` (small) or files spread over the
 * data dirs (large). Each data dir is owned by one process through its `LOCK` file, and carries a
 * `CCOW-DISK` marker naming the data dir set it belongs to (data-dirs.ts).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StorageErrors, type StorageBackend, type StorageStats } from '../contract/index.js';
import { ChunkFiles } from './chunk-files.js';
import { LocalChunkStore } from './chunk-store.js';
import { CompactFailed, compactLmdb, copyTarget, recoverCompaction, SCRATCH_DIR, worthCompacting, type CompactContext, type CompactionResult } from './compaction.js';
import { checkBeforeMeta, settleDataDirs, surveyDirs } from './data-dirs.js';
import { DiskSet, type DiskSpace } from './disks.js';
import { mapFsError } from './fs-errors.js';
import { lmdbRoom, lmdbUsage, LmdbRef, openLmdb, type LmdbConfig, type LmdbHandles } from './lmdb-env.js';
import { LmdbMetaStore } from './meta-store.js';
import { OpGate } from './op-gate.js';
import { LOCAL_DEFAULTS, type LocalBackendOptions, type LocalFaults } from './options.js';
import { acquireOwnerLock, type OwnerLock } from './owner-lock.js';

export { errnoError, LOCAL_DEFAULTS, type Durability, type LocalBackendOptions, type LocalFaults } from './options.js';
export { CHUNK_HEADER_BYTES, decodeChunkFile, encodeChunkHeader } from './chunk-file-format.js';
export { decodeDiskMarker, DISK_MARKER, encodeDiskMarker, type DiskMarker, type DiskMember } from './data-dirs.js';
export { COMPACT_TMP, decodePending, encodePending, PENDING, STARTED, type CompactionResult, type CompactStep } from './compaction.js';

/** In relaxed mode, how often LMDB is synced (§13: "noSync + fsync every second"). */
const RELAXED_SYNC_MS = 1000;
/** How long an online compaction waits for range scans in progress before giving up. */
const SCAN_DEADLINE_MS = 2000;
/** After an automatic compaction gave up or failed, how long before the next one is tried. */
const RETRY_AFTER_MS = 60_000;

/** The key `probe()` reads: a one-byte key no table uses (table prefixes are letters, engine/keys.ts). */
const PROBE_KEY = Buffer.from([0x00]);

/** A local backend; build it with `createLocalBackend`. */
export class LocalBackend implements StorageBackend {
  readonly kind = 'local';
  readonly chunks: LocalChunkStore;
  readonly meta: LmdbMetaStore;
  /** Resolved data dirs, in the order given. */
  readonly dataDirs: readonly string[];
  readonly #lmdb: LmdbRef;
  readonly #cfg: LmdbConfig;
  readonly #gate = new OpGate();
  readonly #disks: DiskSet;
  readonly #files: ChunkFiles;
  readonly #locks: OwnerLock[];
  readonly #faults: LocalFaults | undefined;
  readonly #fillLimit: number;
  /** The store's id (its data dir set's, data-dirs.ts): names a compaction's copy in a scratch dir. */
  readonly #store: string;
  readonly #syncTimer: NodeJS.Timeout | undefined;
  /** The relaxed-mode env sync in flight, if any (close and compaction wait for it). */
  #syncing: Promise<void> | undefined;
  #compaction: Promise<CompactionResult> | undefined;
  #compactions = 0;
  #retryAt = 0;
  #closing: Promise<void> | undefined;

  /** @internal use createLocalBackend */
  constructor(parts: { handles: LmdbHandles; cfg: LmdbConfig; disks: DiskSet; files: ChunkFiles; locks: OwnerLock[]; smallChunkMax: number; fillLimit: number; faults: LocalFaults | undefined; store: string }) {
    this.#lmdb = new LmdbRef(parts.handles);
    this.#store = parts.store;
    this.#cfg = parts.cfg;
    this.#disks = parts.disks;
    this.#files = parts.files;
    this.#locks = parts.locks;
    this.#faults = parts.faults;
    this.#fillLimit = parts.fillLimit;
    this.dataDirs = parts.disks.disks.map((d) => d.path);
    const room = lmdbRoom(this.#lmdb, parts.disks);
    this.meta = new LmdbMetaStore(this.#lmdb, this.#gate, room);
    this.chunks = new LocalChunkStore({
      lmdb: this.#lmdb,
      files: parts.files,
      disks: parts.disks,
      smallChunkMax: parts.smallChunkMax,
      gate: this.#gate,
      room,
      reclaim: () => this.#reclaim(),
    });
    if (parts.cfg.relaxed) {
      this.#syncTimer = setInterval(() => {
        // Not while a compaction may have the env closed (closing it for the swap syncs it).
        if (this.#gate.holding || this.#gate.closed || this.#syncing) return;
        // mdb_env_sync on libuv's pool; present at run time, missing from lmdb-js's typings. It must
        // end before the env is closed (close, compaction): a sync still running on a closed env
        // dereferences a null env (SIGSEGV in mdb_env_pick_meta; seen in a test run under load).
        const env = this.#lmdb.env as unknown as { sync(cb: (e?: unknown) => void): void };
        this.#syncing = new Promise<void>((done) => env.sync(() => done()))
          .then(() => this.#faults?.afterEnvSync?.())
          .catch(() => undefined)
          .finally(() => {
          this.#syncing = undefined;
        });
      }, RELAXED_SYNC_MS);
      this.#syncTimer.unref();
    }
  }

  /** Directory fsyncs performed so far (tests: shows group commit batching renames). */
  get dirSyncs(): number {
    return this.#files.dirSyncs;
  }

  /** Chunk reads done with O_DIRECT so far (ChunkGetOptions.streaming; tests). */
  get directReads(): number {
    return this.#files.directReads;
  }

  /** Online LMDB compactions completed by this backend (tests, diagnostics). */
  get compactions(): number {
    return this.#compactions;
  }

  /** The LMDB file's size and its free pages (bytes). */
  lmdbUsage(): { fileBytes: number; freeBytes: number } {
    if (this.#gate.closed) throw StorageErrors.CLOSED();
    const { fileBytes, freeBytes } = lmdbUsage(this.#lmdb.handles);
    return { fileBytes, freeBytes };
  }

  /**
   * Whether the backend answers, for a readiness probe: one metadata read (no row is stored under
   * the key) and a fresh reading of every data disk; rejects once closed or broken. Not `stats()`,
   * whose first call counts every chunk: it read every small payload out of LMDB and stat'ed every
   * chunk file (80,000 chunks: 2.6 s, RssFile +920 MiB), and the gateway's readiness probe made
   * that call at its first probe after start (issue-3-readiness-probe-chunk-scan).
   */
  async probe(): Promise<void> {
    this.#gate.assertOpen();
    await this.meta.get(PROBE_KEY);
    await this.#spaces();
  }

  async stats(): Promise<StorageStats> {
    this.#gate.assertOpen();
    // Not one gated operation: the first call scans the blobs (a scan, gated as such), and an
    // operation in flight that waits to start a scan would deadlock a compaction waiting for both.
    const { count, bytes } = await this.chunks.counters();
    return { chunkCount: count, chunkBytes: bytes, disks: await this.#spaces() };
  }

  /**
   * Compact LMDB now, online (compaction.ts): new writes wait from the start of the copy, every
   * operation waits while the env is swapped; nothing is refused, nothing is lost. The copy goes
   * next to data.mdb, or to `opts.scratch` (a directory on another file system), or, when LMDB's
   * disk has no room for it, to another data dir with room; with no room anywhere, nothing is done
   * (the result says so). Gives up when range scans in progress do not end within 2 s. One at a
   * time: a call during a compaction returns that compaction's result.
   */
  compact(opts: { scratch?: string } = {}): Promise<CompactionResult> {
    if (this.#gate.closed) return Promise.reject(StorageErrors.CLOSED());
    const run = (this.#compaction ??= this.#compactNow(opts.scratch).finally(() => {
      this.#compaction = undefined;
    }));
    return run;
  }

  /** Wait for in-flight operations (and a compaction), close LMDB (syncing it), release the locks. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    const compaction = this.#compaction;
    await this.#gate.close();
    await this.#syncing;
    await compaction?.catch(() => undefined);
    try {
      await this.#lmdb.env.close();
    } catch (e) {
      // Already closed when a compaction could not reopen it (the gate then says so).
      if (!this.#gate.broken) throw e;
    }
    await this.#files.close();
    await Promise.allSettled(this.#locks.map((l) => l.release()));
  }

  async #compactNow(scratch: string | undefined): Promise<CompactionResult> {
    let compacting = false;
    try {
      await this.#gate.holdWrites();
      if (scratch === undefined) {
        const u = lmdbUsage(this.#lmdb.handles);
        const [lmdbDisk, ...others] = await this.#spaces();
        const target = copyTarget(u, lmdbDisk!, others);
        if (target === null) {
          const live = u.fileBytes - u.freeBytes;
          return { compacted: false, beforeBytes: u.fileBytes, afterBytes: u.fileBytes, reason: `no data disk has room for a copy of the ${live} B in use (${lmdbDisk!.free} B free next to it); name a scratch dir on another file system` };
        }
        scratch = target;
      }
      compacting = true;
      const { handles, result } = await compactLmdb(this.#lmdb.handles, {
        cfg: this.#cfg,
        faults: this.#faults,
        quiesce: async () => {
          const held = await this.#gate.holdAll(SCAN_DEADLINE_MS);
          // The timer starts no sync while the gate is held; the env closes after the one in flight.
          await this.#syncing;
          return held;
        },
        scratch,
        store: this.#store,
      });
      this.#lmdb.swap(handles);
      if (result.compacted) {
        this.#compactions++;
        // The disk readings predate the freed pages.
        this.#disks.invalidateAll();
      }
      return result;
    } catch (e) {
      if (e instanceof CompactFailed) {
        this.#lmdb.swap(e.handles);
        throw e.cause as Error;
      }
      // The env was closed and could not be reopened (compact-scratch.ts refuses to open without
      // the database): nothing more works in this process; the next open recovers.
      if (compacting) this.#gate.breakWith(mapFsError(e, 'reopening the metadata store after a compaction'));
      throw e;
    } finally {
      this.#gate.release();
    }
  }

  /** Fresh readings of every data disk (the first holds LMDB). */
  #spaces(): Promise<DiskSpace[]> {
    return Promise.all(this.#disks.disks.map((d) => this.#disks.space(d, true)));
  }

  /**
   * A chunk write was refused for lack of space: compact LMDB if that gives enough back (resolves
   * true once done, and the write is retried), else false at once. Joins a compaction in progress.
   */
  async #reclaim(): Promise<boolean> {
    if (this.#compaction) return (await this.#compaction.catch(() => undefined))?.compacted ?? false;
    if (this.#gate.closed || Date.now() < this.#retryAt) return false;
    const [lmdbDisk, ...others] = await this.#spaces();
    if (this.#compaction) return this.#reclaim();
    if (this.#gate.closed) return false;
    const u = lmdbUsage(this.#lmdb.handles);
    if (!worthCompacting(u, lmdbDisk!, this.#fillLimit) || copyTarget(u, lmdbDisk!, others) === null) return false;
    const result = await this.compact().catch(() => undefined);
    if (!result?.compacted) this.#retryAt = Date.now() + RETRY_AFTER_MS;
    return result?.compacted ?? false;
  }
}

/**
 * Open (creating if needed) a local backend over `opts.dataDirs`: takes every dir's `LOCK`
 * (StorageErrors.LOCKED if another live process holds one), checks that the dirs are the store's
 * data dir set in a right order (StorageErrors.DATA_DIRS otherwise, before anything is changed:
 * data-dirs.ts), opens LMDB (finishing an interrupted compaction first), records the set (a new
 * empty dir joins it; a store without markers is adopted), empties each `tmp/`, and compacts LMDB
 * when worthwhile (compaction.ts).
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
  let files: ChunkFiles | undefined;
  let handles: LmdbHandles | undefined;
  try {
    for (const dir of dirs) {
      await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
        throw mapFsError(e, `creating ${dir}`);
      });
      locks.push(await acquireOwnerLock(dir));
    }
    // Before LMDB is opened: opening it makes meta/ in the first dir, right or wrong.
    const survey = await surveyDirs(dirs);
    checkBeforeMeta(survey);
    const cfg: LmdbConfig = { path: join(dirs[0]!, 'meta'), mapSize: opts.mapSize ?? LOCAL_DEFAULTS.mapSize, relaxed };
    await recoverCompaction(cfg.path);
    handles = await openLmdb(cfg);
    // Before anything acts on the dirs: emptying tmp/ and scratch dirs, a compaction, the sweeps.
    const { set: store } = await settleDataDirs(handles.disks, survey, survey[0]!.hasMeta, cfg.path);
    const fillLimit = opts.fillLimit ?? LOCAL_DEFAULTS.fillLimit;
    const disks = new DiskSet(dirs, fillLimit, opts.faults);
    files = new ChunkFiles(!relaxed, opts.faults, opts.directIo ?? true);
    for (const d of disks.disks) await files.prepare(d).catch((e: unknown) => Promise.reject(mapFsError(e, `preparing ${d.path}`)));
    handles = await compactOnOpen(handles, { cfg, faults: opts.faults, store }, disks, fillLimit, opts.compactOnOpen !== false);
    return new LocalBackend({ handles, cfg, disks, files, locks, smallChunkMax: opts.smallChunkMax ?? LOCAL_DEFAULTS.smallChunkMax, fillLimit, faults: opts.faults, store });
  } catch (e) {
    // The O_DIRECT probe handle too: nothing of a backend that did not open stays open.
    await handles?.env.close().catch(() => undefined);
    await files?.close().catch(() => undefined);
    await Promise.allSettled(locks.map((l) => l.release()));
    throw e;
  }
}

/**
 * Once LMDB is open (after recovering from a compaction a crash interrupted: §13 recovery,
 * compact-scratch.ts): delete the scratch copies of compactions that died before their marker was
 * written, and compact LMDB when worthwhile (`worthCompacting`: its disk is past the fill limit and
 * the free pages would bring it back under) and a disk has room for the copy. This is what gives
 * the space back after `ccow gc` freed it offline; the copy costs the live pages only.
 */
async function compactOnOpen(handles: LmdbHandles, ctx: CompactContext, disks: DiskSet, fillLimit: number, enabled: boolean): Promise<LmdbHandles> {
  // Copies of compactions that died before their marker was written: garbage once recovered.
  for (const d of disks.disks) {
    await rm(join(d.path, SCRATCH_DIR), { recursive: true, force: true }).catch((e: unknown) => Promise.reject(mapFsError(e, `emptying ${join(d.path, SCRATCH_DIR)}`)));
  }
  if (!enabled) return handles;
  try {
    const [lmdbDisk, ...others] = await Promise.all(disks.disks.map((d) => disks.space(d, true)));
    const u = lmdbUsage(handles);
    if (!worthCompacting(u, lmdbDisk!, fillLimit)) return handles;
    const target = copyTarget(u, lmdbDisk!, others);
    if (target === null) return handles;
    return (await compactLmdb(handles, { ...ctx, scratch: target })).handles;
  } catch (e) {
    // A compaction that failed is no reason not to start: the old file is complete (or the new
    // one is); the next chance is the next start, or online.
    if (e instanceof CompactFailed) return e.handles;
    throw e;
  }
}

/**
 * LMDB compaction: giving the LMDB file's free pages back to the disk (issue #3; shared/spec/ccow.md
 * §13, §17). LMDB's data file never shrinks; pages freed by deletes and GC stay in its free list,
 * reusable by LMDB only, so after a disk was filled by small objects (which live in LMDB) and they
 * were deleted, the chunk files' fill limit still sees a full disk and 1 MiB writes stay refused.
 *
 * How: LMDB's own compacting copy, mdb_env_copy2(env, path, MDB_CP_COMPACT) ("omit free space from
 * copy, and renumber all pages sequentially", lmdb.h), which lmdb-js exposes as `env.backup(path,
 * true)`. The copy runs in a read transaction of the open env, so it is a consistent snapshot and
 * readers go on meanwhile; writes committed after it started would be missing from the copy, so
 * the caller keeps writes out from the start of the copy to the reopen (op-gate.ts). It costs a
 * copy of the live pages, and as much free space (LMDB has no way to shrink its file in place).
 *
 * Crash safety (§13; a SIGKILL at any point leaves either the old or the new file, complete):
 *   1. copy into `meta/compact.tmp/data.mdb` (the temp dir is in the env's directory: same file
 *      system, so the rename is atomic). mdb_env_copy2 closes the file without syncing it, so
 *   2. fsync the copy;
 *   3. close the env;
 *   4. rename the copy over `meta/data.mdb` — before this the old file is the database and the temp
 *      dir is garbage, after it the new (complete, synced) one is; the old file's space is freed;
 *   5. fsync `meta/`, so the rename is durable before any write goes to the new file (otherwise a
 *      power cut could bring back the old file and lose writes acknowledged after the reopen);
 *   6. remove the temp dir, reopen.
 * On open, a leftover `compact.tmp` (a crash before step 6) is deleted: it never holds the only
 * copy. lock.mdb is left alone: LMDB re-initialises it when the first process opens the env.
 * When the env's disk has no room for the copy, it is made in a scratch dir on another file system
 * and copied back (compact-scratch.ts, with its own marker and recovery).
 */
import { mkdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { COMPACT_TMP, DATA_FILE, dropStarted, finishScratch, PENDING, recoverCompaction, scratchName, transferBack, writePending, writeStarted } from './compact-scratch.js';
import { fsyncPath } from './durable-file.js';
import type { DiskSpace } from './disks.js';
import { mapFsError } from './fs-errors.js';
import { lmdbUsage, openLmdb, type LmdbConfig, type LmdbHandles, type LmdbUsage } from './lmdb-env.js';
import type { LocalFaults } from './options.js';

export { COMPACT_TMP, PENDING, STARTED, decodePending, encodePending, recoverCompaction } from './compact-scratch.js';

/**
 * The steps of a compaction, in order (LocalFaults.beforeCompactStep: crash and fault tests).
 * `mark`, `unlink` and `transfer` (write the marker, delete the old file, copy the scratch copy
 * back) happen only with a scratch dir.
 */
export type CompactStep = 'copy' | 'fsync' | 'close' | 'mark' | 'unlink' | 'transfer' | 'rename' | 'dirsync' | 'reopen';

/** Outcome of `LocalBackend.compact()`. */
export interface CompactionResult {
  /** False when the compaction gave up (see `reason`); the old file is then still in use. */
  compacted: boolean;
  /** LMDB file size before and after (equal when not compacted). */
  beforeBytes: number;
  afterBytes: number;
  /** Why it did not compact. */
  reason?: string;
}

const MIN_FREE_BYTES = 4 * 1024 * 1024;

/**
 * Is a compaction worth it (the automatic ones: at open and online, never `ccow compact`)? The free
 * pages matter only to writers other than LMDB, so only when LMDB's disk is past the fill limit
 * (then 1 MiB writes are refused anyway, and holding writes for the copy costs little), and only
 * when it helps:
 *  - the disk ends up under the fill limit again (otherwise LMDB's own writes would just lose the
 *    free pages they could reuse, and nobody else could use them),
 *  - at least MIN_FREE_BYTES and a quarter of the file are free (the copy costs the live pages:
 *    at most three bytes copied per byte given back).
 */
export function worthCompacting(u: LmdbUsage, disk: DiskSpace, fillLimit: number): boolean {
  if (disk.total <= 0) return false;
  const used = disk.total - disk.free;
  if (used / disk.total < fillLimit) return false;
  if (u.freeBytes < MIN_FREE_BYTES || u.freeBytes * 4 < u.fileBytes) return false;
  return (used - u.freeBytes) / disk.total < fillLimit;
}

/**
 * Where the copy can go: undefined (next to data.mdb) when LMDB's disk has room for it, else the
 * first other data dir with room (then its `compact.scratch` dir), else null: no room anywhere
 * (an operator can name a scratch dir: `ccow compact --scratch`). Room = the live pages and an
 * eighth more; a copy that runs out of space anyway fails with NO_SPACE and is deleted.
 */
export function copyTarget(u: LmdbUsage, lmdbDisk: DiskSpace, others: readonly DiskSpace[]): string | undefined | null {
  const live = u.fileBytes - u.freeBytes;
  const fits = (d: DiskSpace): boolean => d.free >= live + live / 8;
  if (fits(lmdbDisk)) return undefined;
  const other = others.find(fits);
  return other ? join(other.path, SCRATCH_DIR) : null;
}

/** The scratch dir a compaction uses in another data dir (emptied at open, after recovery). */
export const SCRATCH_DIR = 'compact.scratch';

/** What `compactLmdb` needs besides the open env. */
export interface CompactContext {
  cfg: LmdbConfig;
  faults?: LocalFaults | undefined;
  /**
   * Called after the copy is synced, before the env is closed: must make sure nothing touches LMDB
   * until the function returns (false: give up, the old env stays in use).
   */
  quiesce?: () => Promise<boolean>;
  /** A directory on another file system for the copy (created if missing); see compact-scratch.ts. */
  scratch?: string | undefined;
  /** The store's id (its data dir set's), in the name of a copy's dir in a scratch dir. */
  store: string;
}

/** Result of `compactLmdb`: the handles to use from now on (the same ones when not compacted). */
export interface CompactOutcome {
  handles: LmdbHandles;
  result: CompactionResult;
}

/**
 * A compaction failed; `handles` is the env to use from now on: the untouched one when it failed
 * before closing it, else the reopened one (old or new file). When even the reopen fails, that
 * error is thrown instead (the env is then closed: nothing more can be done in this process).
 */
export class CompactFailed extends Error {
  override readonly name = 'CompactFailed';
  constructor(readonly handles: LmdbHandles, cause: Error) {
    super(cause.message, { cause });
  }
}

/** Made copy: where it is, and how to remove it when giving up. */
interface Copy {
  file: string;
  scratch: boolean;
  discard(): Promise<void>;
}

/**
 * Compact the env of `h` (steps in the file comment). Writes must be held by the caller from
 * before the call until it returns. Failures are thrown as `CompactFailed`, carrying the handles to
 * use from then on (once the env was closed, it is reopened first: old or new file).
 */
export async function compactLmdb(h: LmdbHandles, ctx: CompactContext): Promise<CompactOutcome> {
  const before = lmdbUsage(h).fileBytes;
  const step = async (s: CompactStep): Promise<void> => {
    await ctx.faults?.beforeCompactStep?.(s);
  };
  let copy: Copy | undefined;
  try {
    copy = await makeCopy(h, ctx, step);
    if (ctx.quiesce && !(await ctx.quiesce())) {
      await copy.discard();
      return { handles: h, result: { compacted: false, beforeBytes: before, afterBytes: before, reason: 'scans in progress did not end in time' } };
    }
    await step('close');
  } catch (e) {
    await copy?.discard().catch(() => undefined);
    await rm(join(ctx.cfg.path, COMPACT_TMP), { recursive: true, force: true }).catch(() => undefined);
    throw new CompactFailed(h, mapFsError(e, 'compacting the metadata store (copy)'));
  }
  try {
    await h.env.close();
    await swapIn(ctx.cfg.path, copy, step);
    await step('reopen');
  } catch (e) {
    // The env must come back whatever happened: recovery finishes or discards the swap (a scratch
    // copy whose marker is written is the database until it is back), then the old or new file opens.
    const marked = await stat(join(ctx.cfg.path, PENDING)).then(() => true, () => false);
    if (!marked) await copy.discard().catch(() => undefined);
    await recoverCompaction(ctx.cfg.path);
    throw new CompactFailed(await openLmdb(ctx.cfg), mapFsError(e, 'compacting the metadata store (swap)'));
  }
  const handles = await openLmdb(ctx.cfg);
  return { handles, result: { compacted: true, beforeBytes: before, afterBytes: lmdbUsage(handles).fileBytes } };
}

/** Steps 1–2: the compacted copy, synced, next to data.mdb or in the scratch dir. */
async function makeCopy(h: LmdbHandles, ctx: CompactContext, step: (s: CompactStep) => Promise<void>): Promise<Copy> {
  const envDir = ctx.cfg.path;
  let dir: string;
  // The copy an earlier compaction left in a scratch dir when it could not delete it (recovery at
  // open deletes it too, but does not fail the open when it cannot).
  await dropStarted(envDir);
  if (ctx.scratch) {
    const scratch = resolve(ctx.scratch);
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    dir = join(scratch, scratchName(ctx.store));
    // Recorded before it exists: a crash before the marker leaves a copy the next open can find.
    await writeStarted(envDir, join(dir, DATA_FILE));
  } else {
    dir = join(envDir, COMPACT_TMP);
    await rm(dir, { recursive: true, force: true });
  }
  const copy: Copy = {
    file: join(dir, DATA_FILE),
    scratch: ctx.scratch !== undefined,
    discard: async () => {
      await rm(dir, { recursive: true, force: true });
      if (ctx.scratch) await dropStarted(envDir);
    },
  };
  try {
    await mkdir(dir, { mode: 0o700 });
    await step('copy');
    await h.env.backup(dir, true);
    await step('fsync');
    await fsyncPath(copy.file);
    // In a scratch dir the copy must survive a power cut on its own: its directory entries too.
    if (copy.scratch) {
      await fsyncPath(dir);
      await fsyncPath(resolve(ctx.scratch!));
    }
    return copy;
  } catch (e) {
    await copy.discard().catch(() => undefined);
    throw e;
  }
}

/** Steps 4–6 with the env closed: the copy becomes data.mdb. */
async function swapIn(envDir: string, copy: Copy, step: (s: CompactStep) => Promise<void>): Promise<void> {
  if (!copy.scratch) {
    await step('rename');
    await rename(copy.file, join(envDir, DATA_FILE));
    await step('dirsync');
    await fsyncPath(envDir);
    await copy.discard();
    return;
  }
  // From the marker on, the scratch copy is the database until it is back (compact-scratch.ts).
  await step('mark');
  await writePending(envDir, copy.file);
  await step('unlink');
  await unlink(join(envDir, DATA_FILE));
  await step('transfer');
  await transferBack(envDir, copy.file, step);
  await finishScratch(envDir, copy.file);
  await dropStarted(envDir);
}

/**
 * LMDB compaction through a scratch directory on another file system (compaction.ts), for when
 * LMDB's own disk has no room for the compacted copy. That is the usual case right after small
 * objects filled the disk and were deleted: what stays live (their tombstones and change-feed
 * records, retained for a while, §14) can be as large as the headroom the fill limit leaves.
 *
 * The copy cannot be renamed across file systems, so it is copied back, after the old file is
 * deleted (there is no room for both). Crash safety (§13) rests on a marker, `meta/compact.pending`,
 * written durably once the scratch copy is synced and before the old file is deleted: while it
 * exists, the scratch copy is a complete database. `data.mdb` only ever appears by the rename of a
 * synced file, so whenever it exists it is complete (the old one or the new one). Recovery at
 * open (`recoverCompaction`): marker and data.mdb → drop the marker and the scratch copy; marker
 * without data.mdb → copy the scratch copy back first; marker without either → refuse to open
 * (opening would create an empty database in place of the real one).
 *
 * Marker format (text, like the LOCK file): `ccow-compact/1`, the scratch copy's absolute path,
 * each on its own line (fixture: test/fixtures/storage/compact-pending-v1.txt).
 *
 * Before the marker, the copy is garbage, but the scratch dir may be an operator's (`ccow compact
 * --scratch`), which open cannot empty: it may hold another store's copies, one of them that
 * store's only database. So the copy's dir is named after the store (`ccow-compact-<set id>-<random>`,
 * the data dir set id of data-dirs.ts: an operator can tell whose it is) and recorded, before it is
 * made, in `meta/compact.started` (the marker's format); recovery and the next compaction delete the
 * dir it names, unless a marker names it, and then the record. Nothing else in a scratch dir is
 * ever deleted.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { StorageErrors } from '../contract/index.js';
import { fsyncPath, writeFileDurably } from './durable-file.js';
import { errnoCode, mapFsError } from './fs-errors.js';

/** The marker of a compaction whose only complete copy may be in a scratch dir. */
export const PENDING = 'compact.pending';
/** The temp dir of a compaction inside the env directory (compaction.ts). */
export const COMPACT_TMP = 'compact.tmp';
/** The record of a compaction's scratch copy before its marker (file comment). */
export const STARTED = 'compact.started';
/** Prefix of the dir made in a scratch dir; recovery removes only dirs named so. */
export const SCRATCH_PREFIX = 'ccow-compact-';
/** The env's data file (lmdb-js opens `meta/` as a directory: no MDB_NOSUBDIR). */
export const DATA_FILE = 'data.mdb';

const MARKER_FORMAT = 'ccow-compact/1';

/** The marker's bytes for a scratch copy at `copy` (an absolute path). */
export function encodePending(copy: string): string {
  return `${MARKER_FORMAT}\n${copy}\n`;
}

/** The scratch copy's path from a marker; IO error when the marker is not one this code wrote. */
export function decodePending(text: string): string {
  const [format, copy] = text.split('\n');
  if (format !== MARKER_FORMAT || !copy || !isAbsolute(copy) || basename(copy) !== DATA_FILE || !basename(dirname(copy)).startsWith(SCRATCH_PREFIX)) {
    throw StorageErrors.IO(`unreadable compaction marker (expected ${MARKER_FORMAT})`);
  }
  return copy;
}

/** The name of a compaction's dir in a scratch dir: the store's (data dir set) id and a random one. */
export function scratchName(store: string): string {
  return `${SCRATCH_PREFIX}${store}-${randomBytes(6).toString('hex')}`;
}

/** A file's text, undefined when it does not exist. */
async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** Write the marker durably (temp file, fsync, rename, directory fsync). */
export async function writePending(envDir: string, copy: string): Promise<void> {
  await writeFileDurably(join(envDir, PENDING), encodePending(copy));
}

/** Record durably that a compaction is about to make its copy at `copy` in a scratch dir. */
export async function writeStarted(envDir: string, copy: string): Promise<void> {
  await writeFileDurably(join(envDir, STARTED), encodePending(copy));
}

/**
 * Delete the scratch copy `compact.started` names (a compaction that did not reach its marker, or
 * one that finished: its dir is then gone already), unless the marker names it, then the record.
 * A record this code did not write names nothing to delete: it is just removed.
 */
export async function dropStarted(envDir: string): Promise<void> {
  await rm(join(envDir, `${STARTED}.tmp`), { force: true });
  const text = await readText(join(envDir, STARTED));
  if (text === undefined) return;
  let copy: string | undefined;
  try {
    copy = decodePending(text);
  } catch {
    copy = undefined;
  }
  const marked = await readText(join(envDir, PENDING));
  if (copy !== undefined && (marked === undefined || marked !== encodePending(copy))) await rm(dirname(copy), { recursive: true, force: true });
  await unlink(join(envDir, STARTED));
}

/** Delete the marker (durably) and the scratch dir holding `copy`. */
async function dropPending(envDir: string, copy: string): Promise<void> {
  await unlink(join(envDir, PENDING));
  await fsyncPath(envDir);
  await rm(dirname(copy), { recursive: true, force: true });
}

/**
 * Copy the scratch copy back into the env dir: to `compact.tmp/data.mdb`, fsync, rename over
 * `data.mdb`, fsync the directory. `step` runs fault hooks before the rename and the fsync.
 */
export async function transferBack(envDir: string, copy: string, step: (s: 'rename' | 'dirsync') => Promise<void>): Promise<void> {
  const tmp = join(envDir, COMPACT_TMP);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { mode: 0o700 });
  await copyFile(copy, join(tmp, DATA_FILE));
  await fsyncPath(join(tmp, DATA_FILE));
  await step('rename');
  await rename(join(tmp, DATA_FILE), join(envDir, DATA_FILE));
  await step('dirsync');
  await fsyncPath(envDir);
}

/** The last step of a scratch compaction (and of its recovery): marker and scratch copy go. */
export async function finishScratch(envDir: string, copy: string): Promise<void> {
  await dropPending(envDir, copy);
  await rm(join(envDir, COMPACT_TMP), { recursive: true, force: true });
}

/**
 * Before opening the env: finish or discard a compaction that a crash interrupted (file comment),
 * and delete leftover temp files. Throws IO when the database is gone (marker, no data.mdb, no
 * scratch copy): then the env must not be opened.
 */
export async function recoverCompaction(envDir: string): Promise<void> {
  try {
    await rm(join(envDir, `${PENDING}.tmp`), { force: true });
    const text = await readText(join(envDir, PENDING));
    if (text !== undefined) {
      const copy = decodePending(text);
      if (!(await exists(join(envDir, DATA_FILE)))) {
        if (!(await exists(copy))) {
          throw StorageErrors.IO(`metadata store lost: ${join(envDir, DATA_FILE)} is missing and the compaction's copy ${copy} is gone (${join(envDir, PENDING)})`);
        }
        await transferBack(envDir, copy, async () => undefined);
      }
      await finishScratch(envDir, copy);
    }
    await rm(join(envDir, COMPACT_TMP), { recursive: true, force: true });
  } catch (e) {
    throw mapFsError(e, `recovering the metadata store's compaction in ${envDir}`);
  }
  // A copy that never became the database: garbage, no reason not to open when it cannot be
  // deleted (an unmounted or failing scratch disk); the record stays, the next compaction retries.
  await dropStarted(envDir).catch(() => undefined);
}

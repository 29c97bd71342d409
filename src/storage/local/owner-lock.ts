/**
 * One owner per data dir (shared/spec/ccow.md §13): `<dir>/LOCK` is created with O_EXCL ('wx') and
 * holds the owner's pid. A LOCK whose pid is no longer alive (`process.kill(pid, 0)` fails with
 * ESRCH) is stale — the owner crashed — and is taken over. Why a pid file and not flock(2): Node has
 * no flock, and a native addon for it is not worth a dependency. Known limits: (1) if the dead
 * owner's pid was reused by an unrelated live process, the dir stays locked until the LOCK file is
 * removed by hand; (2) two processes taking over the same stale LOCK at the same instant can race;
 * (3) on a network file system, pids of other hosts are meaningless. A second open in the *same*
 * process also fails (its own pid is alive), which is what the in-process per-id locks need.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageErrors } from '../contract/index.js';
import { errnoCode, mapFsError } from './fs-errors.js';

const LOCK_FORMAT = 'ccow-lock/1';
/** Age after which a LOCK without a readable pid is taken to be left over from a crash. */
const MALFORMED_STALE_MS = 10_000;

/** A held LOCK file. */
export interface OwnerLock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(e) === 'EPERM';
  }
}

/** The pid recorded in a LOCK file, or undefined when the file is unreadable or malformed. */
function parsePid(text: string): number | undefined {
  const [format, pid] = text.split('\n');
  const n = Number(pid);
  return format === LOCK_FORMAT && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Take `<dir>/LOCK` for this process; StorageErrors.LOCKED when a live process holds it. */
export async function acquireOwnerLock(dir: string): Promise<OwnerLock> {
  const path = join(dir, 'LOCK');
  const body = `${LOCK_FORMAT}\n${process.pid}\n${new Date().toISOString()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { path, release: () => releaseOwnerLock(path) };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw mapFsError(e, `creating ${path}`);
    }
    const holder = parsePid(await readFile(path, 'utf8').catch(() => ''));
    // A malformed LOCK may be one being written right now: held, unless it is old (an owner that
    // died between creating and writing it).
    if (holder === undefined ? !(await olderThan(path, MALFORMED_STALE_MS)) : alive(holder)) {
      throw StorageErrors.LOCKED(`data dir ${dir} is locked by ${holder === undefined ? 'another process' : `pid ${holder}`} (${path})`);
    }
    await unlink(path).catch((e: unknown) => {
      if (errnoCode(e) !== 'ENOENT') throw mapFsError(e, `removing stale ${path}`);
    });
  }
  throw StorageErrors.LOCKED(`data dir ${dir}: could not take ${path}`);
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return true;
  }
}

/** Remove the LOCK if it is still ours. */
async function releaseOwnerLock(path: string): Promise<void> {
  const holder = parsePid(await readFile(path, 'utf8').catch(() => ''));
  if (holder === process.pid) await unlink(path).catch(() => undefined);
}

/**
 * One owner per data dir (shared/spec/ccow.md §13): `<dir>/LOCK` is linked into place from a
 * complete temp file (link(2) fails if it exists, like O_EXCL) and holds the owner's pid. A LOCK
 * whose pid is no longer alive (`process.kill(pid, 0)` fails with ESRCH) is stale — the owner crashed — and is taken over. Why a pid file and not flock(2): Node has
 * no flock, and a native addon for it is not worth a dependency. Known limits: (1) if the dead
 * owner's pid was reused by an unrelated live process, the dir stays locked until the LOCK file is
 * removed by hand; (2) two processes taking over the same stale LOCK at the same instant can race;
 * (3) on a network file system, pids of other hosts are meaningless. A second open in the *same*
 * process also fails (this process remembers the LOCKs it holds), which is what the in-process
 * per-id locks need.
 *
 * A LOCK naming this process's own pid that this process does not hold is the container case: the
 * gateway is pid 1 of every run (the image's ENTRYPOINT execs node), so after a crash, an OOM kill
 * or `docker kill` the next start found "locked by pid 1" — itself — and exited, every time. Such a
 * LOCK was left either by an earlier process with our pid (dead) or by a live process in another pid
 * namespace (a second container on the same volume, e.g. during a rolling update), which the pid
 * cannot tell apart. So the owner refreshes its LOCK's mtime every REFRESH_MS, and such a LOCK is
 * stale once it has not been refreshed for OWN_PID_STALE_MS: the start waits for that, at most
 * that long after the crash, and refuses if the LOCK keeps being refreshed.
 */
import { link, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StorageErrors } from '../contract/index.js';
import { writeSyncedFile } from './durable-file.js';
import { errnoCode, mapFsError } from './fs-errors.js';

const LOCK_FORMAT = 'ccow-lock/1';
/** Age after which a LOCK without a readable pid is taken to be left over from a crash. */
const MALFORMED_STALE_MS = 10_000;

/** How often an owner refreshes its LOCK's mtime (its heartbeat). */
const REFRESH_MS = 5_000;
/** A LOCK naming our own pid, not held by us, unrefreshed this long, is stale (see above). */
const OWN_PID_STALE_MS = 30_000;
/** Numbers the temp files LOCKs are written to (see acquireOwnerLock). */
let tempSeq = 0;

/** LOCK paths this process holds (resolved) and their heartbeat timers. */
const held = new Map<string, NodeJS.Timeout>();

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

/** What a LOCK file records (golden fixture test/fixtures/storage/owner-lock-v1.txt). */
export interface OwnerLockInfo {
  pid: number;
  /** ISO time the owner took the LOCK (diagnostics only: liveness is the pid and the mtime). */
  startedAt: string;
}

/** A LOCK file's text: `ccow-lock/1`, the owner's pid, the ISO time it was taken, one a line. */
export function encodeOwnerLock(info: OwnerLockInfo): string {
  return `${LOCK_FORMAT}\n${info.pid}\n${info.startedAt}\n`;
}

/**
 * A LOCK file's owner, or undefined when the text is not `ccow-lock/1` with a positive integer
 * pid (such a LOCK is held until it is old: see acquireOwnerLock). Only the first two lines are
 * checked, as they always were: a stricter reader would call a live owner's LOCK malformed and
 * take it over once it is MALFORMED_STALE_MS old.
 */
export function decodeOwnerLock(text: string): OwnerLockInfo | undefined {
  const [format, pid, startedAt] = text.split('\n');
  const n = Number(pid);
  return format === LOCK_FORMAT && Number.isInteger(n) && n > 0 ? { pid: n, startedAt: startedAt ?? '' } : undefined;
}

/** The pid recorded in a LOCK file, or undefined when the file is unreadable or malformed. */
const parsePid = (text: string): number | undefined => decodeOwnerLock(text)?.pid;

/** Take `<dir>/LOCK` for this process; StorageErrors.LOCKED when a live process holds it. */
export async function acquireOwnerLock(dir: string): Promise<OwnerLock> {
  const path = resolve(dir, 'LOCK');
  const body = encodeOwnerLock({ pid: process.pid, startedAt: new Date().toISOString() });
  // The LOCK appears with its content or not at all: written to a temp file, then linked into
  // place (link(2) fails with EEXIST like O_EXCL). Created empty and then written, a LOCK of an
  // owner killed in between was "held" for MALFORMED_STALE_MS, and the next start refused
  // (the engine crash test hit it on a fresh clone).
  // One temp name per attempt: two opens of one dir in this process must not share it.
  const tmp = `${path}.${process.pid}-${++tempSeq}.tmp`;
  try {
    await writeSyncedFile(tmp, body);
  } catch (e) {
    throw mapFsError(e, `creating ${tmp}`);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, path);
        const beat = setInterval(() => {
          const now = new Date();
          void utimes(path, now, now).catch(() => undefined);
        }, REFRESH_MS);
        beat.unref();
        held.set(path, beat);
        await removeDeadTemps(path);
        return { path, release: () => releaseOwnerLock(path) };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw mapFsError(e, `creating ${path}`);
      }
      const holder = parsePid(await readFile(path, 'utf8').catch(() => ''));
      // A malformed LOCK (from an older version, which created it empty and then wrote it) may be
      // one being written right now: held, unless it is old (an owner that died in between).
      const live = holder === undefined ? !(await olderThan(path, MALFORMED_STALE_MS)) : holder === process.pid ? held.has(path) || (await refreshedWithin(path, OWN_PID_STALE_MS)) : alive(holder);
      if (live) {
        const who = holder === undefined ? 'another process' : holder === process.pid && !held.has(path) ? `pid ${holder} of another pid namespace (another container?), which keeps refreshing it` : `pid ${holder}`;
        throw StorageErrors.LOCKED(`data dir ${dir} is locked by ${who} (${path})`);
      }
      await unlink(path).catch((e: unknown) => {
        if (errnoCode(e) !== 'ENOENT') throw mapFsError(e, `removing stale ${path}`);
      });
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  throw StorageErrors.LOCKED(`data dir ${dir}: could not take ${path}`);
}

/** Remove `LOCK.<pid>-<n>.tmp` files of processes no longer alive (killed while taking the LOCK). */
async function removeDeadTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const m = name.startsWith(prefix) && name.endsWith('.tmp') ? /^(\d+)-\d+$/.exec(name.slice(prefix.length, -4)) : null;
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

/**
 * Whether the LOCK at `path` is still being refreshed: false as soon as it is `ms` old (or gone),
 * true when it is still fresh after waiting `ms` (its owner keeps it alive).
 */
async function refreshedWithin(path: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    let age: number;
    try {
      age = Date.now() - (await stat(path)).mtimeMs;
    } catch {
      return false;
    }
    if (age >= ms) return false;
    if (Date.now() >= until) return true;
    await sleep(Math.min(1000, ms - age, until - Date.now()) + 10);
  }
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
  clearInterval(held.get(path));
  held.delete(path);
  if (holder === process.pid) await unlink(path).catch(() => undefined);
}

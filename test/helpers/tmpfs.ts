/**
 * A small tmpfs for disk-full tests: the tests run as root in CI, so a real file system can be made
 * to fill up (fault hooks cannot make LMDB's own writes fail). `withTmpfsBackend` opens a local
 * backend on one; `fillUntilCommitFails` fills it by metadata commits until one fails.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { MetaStore, StorageBackend } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';

/** A mounted tmpfs; `release()` unmounts (lazily if still busy) and removes the mount point. */
export interface Tmpfs {
  path: string;
  release(): Promise<void>;
}

/** Mount a fresh tmpfs of `mib` MiB, or undefined when this machine does not allow it. */
export async function mountTmpfs(mib: number, prefix = 'ccow-tmpfs-'): Promise<Tmpfs | undefined> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', path], { stdio: 'pipe' });
  } catch {
    await rm(path, { recursive: true, force: true });
    return undefined;
  }
  return {
    path,
    async release() {
      try {
        execFileSync('umount', [path], { stdio: 'pipe' });
      } catch {
        // Still busy (a killed child's handles): detach it; the kernel frees it once unused.
        execFileSync('umount', ['-l', path], { stdio: 'pipe' });
      }
      await rm(path, { recursive: true, force: true });
    },
  };
}

/**
 * A local backend on a fresh tmpfs of `mib` MiB (data dir `<mount>/d`) for the length of `fn`;
 * closed and unmounted afterwards. Skips the test when no tmpfs can be mounted.
 */
export async function withTmpfsBackend(t: TestContext, mib: number, prefix: string, fn: (backend: StorageBackend) => Promise<void>): Promise<void> {
  const mnt = await mountTmpfs(mib, prefix);
  if (!mnt) {
    t.skip('cannot mount a tmpfs here (the tests run as root in CI)');
    return;
  }
  try {
    const backend = await createLocalBackend({ dataDirs: [join(mnt.path, 'd')] });
    try {
      await fn(backend);
    } finally {
      await backend.close();
    }
  } finally {
    await mnt.release();
  }
}

/** How `fillUntilCommitFails` ended: the round whose commit failed, and what each transaction of it did. */
export interface FilledDisk<T> {
  failedAt: number;
  /** The round's large commit (`n = v<failedAt>`, `big<failedAt>`). */
  big: PromiseSettledResult<void>;
  /** The transactions `alongside(failedAt)` started, in their order. */
  alongside: PromiseSettledResult<T>[];
}

/**
 * Fill the disk under `meta` by metadata commits until one fails. `n` is set to `start`; then round
 * i commits `n = v<i>` with a 200 KB row `big<i>` (not `grows`: the fill limit does not stop it,
 * the disk does) and, while that commit is in flight, starts the transactions `alongside(i)`. Rounds
 * go on while all of them are fulfilled (`check(i, values)` is called for each such round), at most
 * 200; the first round with a rejection is returned, and it must not be the first round.
 */
export async function fillUntilCommitFails<T>(
  meta: MetaStore,
  alongside: (i: number) => Promise<T>[],
  check?: (i: number, values: T[]) => void,
): Promise<FilledDisk<T>> {
  const b = (s: string): Buffer => Buffer.from(s);
  await meta.transaction((tx) => tx.put(b('n'), b('start')));
  for (let i = 0; i < 200; i++) {
    const big = meta.transaction((tx) => {
      tx.put(b('n'), b(`v${i}`));
      tx.put(b(`big${i}`), Buffer.alloc(200_000, i));
    });
    const others = alongside(i);
    const [bigResult, ...results] = await Promise.allSettled([big, ...others]);
    const round = { failedAt: i, big: bigResult, alongside: results as PromiseSettledResult<T>[] };
    if ([round.big, ...round.alongside].some((r) => r.status === 'rejected')) {
      assert.ok(i > 0, 'the first round already failed');
      return round;
    }
    check?.(i, round.alongside.map((r) => (r as PromiseFulfilledResult<T>).value));
  }
  assert.fail('the disk did not fill up');
}

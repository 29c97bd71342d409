/**
 * A small tmpfs for disk-full tests: the tests run as root in CI, so a real file system can be made
 * to fill up (fault hooks cannot make LMDB's own writes fail).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

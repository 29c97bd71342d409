/**
 * Temporary directories for tests that need real files (local backend, LMDB). Each lives under
 * os.tmpdir() and is removed by `cleanup()` (or by `removeTempDirs()` for everything made so far).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A created temp dir and a function that removes it (idempotent). */
export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

const made = new Set<string>();

/** Create a fresh empty directory `<os.tmpdir()>/ccow-<prefix>-XXXXXX`. */
export async function makeTempDir(prefix = 'test'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `ccow-${prefix.replace(/[^a-zA-Z0-9_-]/g, '_')}-`));
  made.add(path);
  return {
    path,
    cleanup: async () => {
      made.delete(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Remove every temp dir made by this process that was not cleaned up yet (an `after()` hook). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all([...made].map((p) => rm(p, { recursive: true, force: true })));
  made.clear();
}

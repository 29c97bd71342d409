/**
 * A fake disk for the local backend's `faults.statfs`: a small total size whose used part is the
 * bytes of every file under the data dir, so a test fills it by writing real files.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of every file under `dir`: the fake disk's "used". */
export function usedBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) n += statSync(join(e.parentPath, e.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return n;
}

/** A statfs fault answering a disk of `total` bytes holding the files under `dir`. */
export function fakeStatfs(dir: string, total: number): () => { total: number; free: number } {
  return () => ({ total, free: Math.max(0, total - usedBytes(dir)) });
}

/**
 * Small files that must survive a crash whole (markers): written next to their final name, synced,
 * renamed into place, and the directory synced, so a reader finds the old file or the new one,
 * never a part (rename(2) is atomic; the directory fsync makes the rename itself durable).
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a file or directory. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Create (or truncate) `path` with `bytes` (mode 0600) and fsync it before closing. */
export async function writeSyncedFile(path: string, bytes: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replace `file` with `bytes` durably (mode 0600); a failure leaves no temp file behind. */
export async function writeFileDurably(file: string, bytes: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await writeSyncedFile(tmp, bytes);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncPath(dirname(file));
}

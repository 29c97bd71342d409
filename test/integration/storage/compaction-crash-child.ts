/**
 * Child process of compaction-crash.test.ts: a local backend whose LMDB compaction is killed with
 * SIGKILL (shared/spec/ccow.md §13: a crash at any point leaves the old or the new file complete).
 *
 *   node compaction-crash-child.js <dataDir> <killAt> [<scratchDir>]
 *
 * Stores the deterministic `BASE` data set (blobs and rows, then deletes most blobs so the file is
 * mostly free pages), prints `ready`, then loops: one more row (printed as `ack <i>` once durable)
 * and a compaction. `killAt` is a compaction step (the process kills itself just before it on the
 * first compaction), `during-copy` (once the first copy has written something), or `none` (the parent kills it).
 * With a scratch dir, the compactions copy through it (compact-scratch.ts).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkIdOf, type ChunkId } from '../../../src/common/index.js';
import { COMPACT_TMP, createLocalBackend, type CompactStep, type LocalBackend } from '../../../src/storage/local/index.js';

/** Blobs stored, of which the first `KEPT` survive (12 KiB: LMDB `blobs`). */
export const BLOBS = 200;
export const KEPT = 60;
export const ROWS = 40;

/** Deterministic, incompressible bytes: AES-128-CTR of zeros under a key derived from `label`. */
function bytesOf(label: string, size: number): Buffer {
  const key = createHash('sha256').update(label).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

const blobs = new Map<number, { id: ChunkId; bytes: Buffer }>();

/** The i-th blob of the base data set. */
export function baseBlob(i: number): { id: ChunkId; bytes: Buffer } {
  let b = blobs.get(i);
  if (!b) {
    const bytes = bytesOf(`blob-${i}`, 12 * 1024);
    blobs.set(i, (b = { id: chunkIdOf(bytes), bytes }));
  }
  return b;
}

/** The i-th row of the base data set. */
export function baseRow(i: number): [Buffer, Buffer] {
  return [Buffer.from(`row-${String(i).padStart(3, '0')}`), bytesOf(`row-${i}`, 200 + i)];
}

/** The row the loop writes before its i-th compaction. */
export function loopRow(i: number): [Buffer, Buffer] {
  return [Buffer.from(`loop-${String(i).padStart(5, '0')}`), bytesOf(`loop-${i}`, 64)];
}

/** Blobs and rows, then most blobs deleted: the file is then mostly free pages. */
async function storeBase(backend: LocalBackend): Promise<void> {
  const ids = Array.from({ length: BLOBS }, (_, i) => baseBlob(i));
  for (let i = 0; i < BLOBS; i += 16) await Promise.all(ids.slice(i, i + 16).map((b) => backend.chunks.put(b.id, b.bytes)));
  await backend.meta.transaction((tx) => {
    for (let i = 0; i < ROWS; i++) tx.put(...baseRow(i));
  });
  const gone = ids.slice(KEPT);
  for (let i = 0; i < gone.length; i += 16) await Promise.all(gone.slice(i, i + 16).map((b) => backend.chunks.delete(b.id)));
}

async function main(dir: string, killAt: string, scratch: string | undefined): Promise<void> {
  const die = (): void => void process.kill(process.pid, 'SIGKILL');
  // The base data set is stored in relaxed mode (fast; close() syncs it), the loop runs strict.
  const filling = await createLocalBackend({ dataDirs: [dir], durability: 'relaxed' });
  await storeBase(filling);
  await filling.close();
  const backend = await createLocalBackend({
    dataDirs: [dir],
    faults: {
      beforeCompactStep: (step: CompactStep) => {
        if (step === killAt) die();
        // The copy runs on a native thread: die once it has written something.
        if (killAt === 'during-copy' && step === 'copy') {
          const copying = (): number => {
            if (!scratch) return statSync(join(dir, 'meta', COMPACT_TMP, 'data.mdb'), { throwIfNoEntry: false })?.size ?? 0;
            return readdirSync(scratch).reduce((n, d) => n + (statSync(join(scratch, d, 'data.mdb'), { throwIfNoEntry: false })?.size ?? 0), 0);
          };
          const poll = (): void => void (copying() > 0 ? die() : setImmediate(poll));
          poll();
        }
      },
    },
  });
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    await backend.meta.transaction((tx) => tx.put(...loopRow(i)));
    process.stdout.write(`ack ${i}\n`);
    const r = await backend.compact(scratch ? { scratch } : {});
    process.stdout.write(`compacted ${r.compacted} ${r.beforeBytes} ${r.afterBytes}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, killAt, scratch] = process.argv.slice(2);
  main(dir!, killAt ?? 'none', scratch || undefined).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

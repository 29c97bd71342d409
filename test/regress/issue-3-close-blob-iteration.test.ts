/**
 * Regress (issue #3): `LocalChunkStore.iterate()` walks the LMDB `blobs` database with a cursor
 * that stays open while its consumer works between rows (the orphan sweep deletes there). close()
 * gives scans 2 s to end, then closes the env. A consumer that came back later and stopped (its
 * `for await` broke or threw) made lmdb-js close that cursor, whose read transaction the env's
 * close had freed: SIGSEGV in mdb_cursor_unref (core dump of a close stress run; when a write had
 * committed since the iteration began, so the cursor was on a superseded read transaction). One
 * that stepped on failed with an I/O error (MDB_BAD_TXN) instead of CLOSED.
 *
 * Each case runs on four backends at once (the crash is a use after free: it needs the freed
 * memory reused, which four make likely; the old code crashed this file's process most runs).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { chunkIdOf } from '../../src/common/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend, type LocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

async function backendWithBlobs(): Promise<LocalBackend> {
  const dir = await makeTempDir('close-blobs');
  const b = await createLocalBackend({ dataDirs: [dir.path] });
  for (let i = 0; i < 50; i++) {
    const bytes = Buffer.alloc(100 + i, i);
    await b.chunks.put(chunkIdOf(bytes), bytes);
  }
  return b;
}

/** Start an iteration, commit a write, close past the scan deadline; then `end` the iteration. */
async function closeUnderIteration(end: (it: AsyncIterator<unknown>) => Promise<unknown>): Promise<void> {
  const b = await backendWithBlobs();
  const it = b.chunks.iterate()[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  // lmdb-js moves its shared read snapshot on: the cursor stays on the superseded one.
  await b.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
  await b.close();
  await end(it);
  // Whatever the freed memory now holds, later allocations must not trip over the cursor.
  for (let i = 0; i < 200; i++) Buffer.alloc(64 + i).fill(0xaa);
}

test('a blob iteration stepped after close() fails with CLOSED', async () => {
  await Promise.all(
    Array.from({ length: 4 }, () =>
      closeUnderIteration((it) => assert.rejects(it.next(), (e: unknown) => StorageErrors.CLOSED.is(e))),
    ),
  );
});

test('a blob iteration abandoned after close() leaves its cursor alone', async () => {
  await Promise.all(Array.from({ length: 4 }, () => closeUnderIteration(async (it) => assert.deepEqual(await it.return?.(), { done: true, value: undefined }))));
});

test('a blob iteration abandoned before close() still closes its cursor (compaction can proceed)', async () => {
  const b = await backendWithBlobs();
  for await (const _ of b.chunks.iterate()) break;
  // A scan left open would make the compaction give up after 2 s.
  const r = await b.compact();
  assert.equal(r.compacted, true, r.reason);
  await b.close();
});

/**
 * Regress (review of 1d6b310): the fill-limit check of the local backend (`lmdbRoom`) stopped being
 * an async function so that it can answer without a promise, and with that a failure of its LMDB
 * usage read (env/db getStats: a read transaction, which LMDB refuses with MDB_PANIC once a failed
 * write left the env fatal) became a synchronous throw. The meta store asks `room` again after a
 * commit failed with IO (`#spaceOr`, to tell NO_SPACE from IO) and maps a *rejection* back to the
 * commit's own IO error; a synchronous throw escaped it instead, so the failed commit was never
 * recorded (`#fail`) and its caller got the raw LMDB error. `room` must report such a failure as a
 * rejected promise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiskSet } from '../../src/storage/local/disks.js';
import { lmdbRoom, LmdbRef, type LmdbHandles } from '../../src/storage/local/lmdb-env.js';

test('lmdbRoom: a failing LMDB usage read is a rejection, not a synchronous throw', async () => {
  let broken = false;
  const getStats = (): Record<string, number> => {
    if (broken) throw new Error('MDB_PANIC: Update of meta page failed or environment had fatal error');
    return { pageSize: 4096, lastPageNumber: 10 };
  };
  const db = { getStats };
  const handles = { env: { getStats }, meta: db, blobs: db, disks: db, chain: db, slab: {} } as unknown as LmdbHandles;
  const room = lmdbRoom(new LmdbRef(handles), new DiskSet(['/nonexistent-ccow-dir'], 0.95));
  broken = true;
  let answer: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    answer = room();
  });
  assert.ok(answer, 'a failed usage read is not "room"');
  await assert.rejects(answer, /MDB_PANIC/);
});

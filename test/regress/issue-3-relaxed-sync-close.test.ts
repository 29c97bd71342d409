/**
 * Regress (issue #3): in relaxed durability the local backend syncs LMDB every second with lmdb-js's
 * asynchronous `env.sync` (mdb_env_sync on libuv's pool). `close()` closed the env without waiting
 * for a sync in flight, and the sync then ran on a closed env: SIGSEGV in mdb_env_pick_meta(env=0x0)
 * (a core dump of an engine test process under load, 1 run in 16). Close must wait for it.
 *
 * The native sync is too short to race on demand (and lmdb-js's Env methods are read-only), so the
 * test widens the window with the `afterEnvSync` fault hook: the sync counts as done 400 ms after
 * LMDB finished, as on a slow disk. Close must resolve only after that.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

test('relaxed mode: close waits for the periodic LMDB sync in flight', async () => {
  const dir = await makeTempDir('relaxed-close');
  const events: string[] = [];
  const backend = await createLocalBackend({
    dataDirs: [dir.path],
    durability: 'relaxed',
    faults: {
      async afterEnvSync() {
        events.push('sync');
        await new Promise((r) => setTimeout(r, 400));
        events.push('sync done');
      },
    },
  });
  await backend.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
  // The timer fires after 1 s; close while its sync is still out.
  const deadline = Date.now() + 5000;
  while (!events.includes('sync') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events, ['sync'], 'the periodic sync ran');
  await backend.close();
  events.push('closed');
  assert.deepEqual(events, ['sync', 'sync done', 'closed']);
});

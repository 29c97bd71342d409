/**
 * Issue #3 (a gateway restarted on a large store sat at ~600 MiB RSS before serving a request):
 * the readiness probe (`GET /_ccow/health/ready`, which the container's HEALTHCHECK asks every
 * 30 s from the start) called `backend.stats()` and threw its answer away. The first `stats()`
 * seeds the local backend's chunk counters by a scan: every small payload read out of LMDB's
 * `blobs` database (values and all) and every chunk file stat'ed. On a scratch store of 80,000
 * chunks the first probe took 2.6-3.6 s and the gateway's RssFile grew by ~920 MiB. The probe now
 * reads one metadata row and the disks' free space (LocalBackend.probe).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { chunkIdOf } from '../../src/common/index.js';
import { readinessOf } from '../../src/cli/serve.js';
import { createLocalBackend, type LocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

/** Chunks `fn` made the chunk store count or walk (counters() scans every chunk at its first call). */
async function chunkScans(b: LocalBackend, fn: () => Promise<unknown>): Promise<number> {
  const chunks = b.chunks;
  const real = { counters: chunks.counters.bind(chunks), iterate: chunks.iterate.bind(chunks) };
  let scans = 0;
  chunks.counters = async () => {
    scans++;
    return real.counters();
  };
  chunks.iterate = () => {
    scans++;
    return real.iterate();
  };
  try {
    await fn();
  } finally {
    Object.assign(chunks, real);
  }
  return scans;
}

test('the readiness probe reads no chunk statistics, and says not ready once the backend is closed', async () => {
  const dir = await makeTempDir('readiness');
  const b = await createLocalBackend({ dataDirs: [dir.path], durability: 'relaxed' });
  // Small payloads (LMDB blobs) and large ones (chunk files).
  for (let i = 0; i < 40; i++) {
    const bytes = Buffer.alloc(i % 2 === 0 ? 100 + i : 20_000 + i, i);
    await b.chunks.put(chunkIdOf(bytes), bytes);
  }
  const ready = readinessOf(b);
  const scans = await chunkScans(b, async () => {
    for (let i = 0; i < 3; i++) assert.deepEqual(await ready(), { ready: true });
  });
  assert.equal(scans, 0, 'the probe counted or walked the chunks');
  await b.close();
  await assert.rejects(ready(), { code: 'CCOW_ERR_CLOSED' });
});

/**
 * Regress (issue #4): listings (and the other calls that scan with `meta.range` / `meta.visit`)
 * let the storage layer's CLOSED / IO errors through unmapped, so during shutdown or on a failing
 * metadata disk a ListObjects answered 500 InternalError where every other call answers 503
 * ServiceUnavailable (retryable; s3-surface.md error table, ccow.md §17). The Engine facade now
 * maps the outcome of every call. Checked on the local backend (real LMDB) and the memory one.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Readable } from 'node:stream';
import { createEngine, EngineErrors, type Engine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { mapError } from '../../src/s3/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const calls: Array<[string, (e: Engine) => Promise<unknown>]> = [
  ['listObjects', (e) => e.listObjects('b', { limit: 1000 })],
  ['listObjects with delimiter', (e) => e.listObjects('b', { limit: 1000, delimiter: '/' })],
  ['listVersions', (e) => e.listVersions('b', { limit: 1000 })],
  ['listUploads', (e) => e.listUploads('b', { limit: 1000 })],
  ['listBuckets', (e) => e.listBuckets()],
  ['listUsers', (e) => e.listUsers()],
  ['snapshotList', (e) => e.snapshotList('b')],
  ['head', (e) => e.head({ bucket: 'b', key: 'k' })],
  ['feedRead', (e) => e.feedRead(0n, 10)],
];

async function closedEngine(backend: StorageBackend): Promise<Engine> {
  const e = await createEngine(backend, { holdMs: 0 });
  await e.createBucket('b', { owner: 't' });
  await e.putObject({ bucket: 'b', key: 'k' }, Readable.from([Buffer.from('hello')]));
  await e.close();
  await backend.close();
  return e;
}

for (const [kind, open] of [
  ['memory', async () => createMemoryBackend()],
  ['local', async () => createLocalBackend({ dataDirs: [(await makeTempDir('closed-listing')).path] })],
] as const) {
  test(`${kind}: every scan of a closed store fails with UNAVAILABLE (S3: 503 ServiceUnavailable)`, async () => {
    const e = await closedEngine(await open());
    for (const [name, call] of calls) {
      await assert.rejects(call(e), (err: unknown) => {
        assert.ok(EngineErrors.UNAVAILABLE.is(err), `${name}: ${String(err)}`);
        const s3 = mapError(err);
        assert.equal(s3.code, 'ServiceUnavailable', name);
        assert.equal(s3.statusCode, 503, name);
        return true;
      });
    }
  });
}

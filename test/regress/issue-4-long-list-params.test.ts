/**
 * Issue #4 (found by exploratory testing with boto3): a listing whose prefix, marker, start-after or
 * key-marker was longer than any stored key can be (~1980 bytes once encoded) answered 500
 * InternalError — the local backend handed the bound to LMDB, which cannot position a cursor on a
 * key over 1978 bytes ("Key of size 2017 was too large", "offset is out of bounds"). No object key
 * is longer than 1024 bytes, so such a prefix matches nothing and such a marker sorts like its first
 * 1978 bytes; the store now compares over-long bounds that way (storage contract, `fitBound`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../src/engine/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ALICE, BOB, makeService, send, xmlAll } from '../integration/s3/helpers.js';

test('listings with prefixes and markers longer than any key answer 200 with the right keys (local backend)', async (t) => {
  const dir = await makeTempDir('issue-4-long-list');
  const backend = await createLocalBackend({ dataDirs: [dir.path], mapSize: 64 * 1024 * 1024 });
  const engine = await createEngine(backend, { digestWorker: false });
  t.after(async () => {
    await engine.close();
    await backend.close();
    await dir.cleanup();
  });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  const { service, logged } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const longKey = 'a'.repeat(1000);
  for (const key of [longKey, 'b']) {
    assert.equal((await send(service, { method: 'PUT', path: `/bkt/${key}`, body: 'x' })).status, 200);
    assert.equal((await send(service, { method: 'POST', path: `/bkt/${key}?uploads` })).status, 200);
  }
  const list = async (query: string, element: string): Promise<string[]> => {
    const r = await send(service, { method: 'GET', path: `/bkt?${query}` });
    assert.equal(r.status, 200, `${query.slice(0, 40)}…: ${r.text.slice(0, 300)}`);
    return xmlAll(r.text, element);
  };
  for (const n of [1980, 2017, 4500]) {
    const a = 'a'.repeat(n);
    assert.deepEqual(await list(`list-type=2&prefix=${a}`, 'Key'), [], `V2 prefix of ${n}`);
    assert.deepEqual(await list(`list-type=2&prefix=${a}&encoding-type=url`, 'Key'), []);
    assert.deepEqual(await list(`list-type=2&start-after=${a}`, 'Key'), ['b'], `V2 start-after of ${n}`);
    assert.deepEqual(await list(`list-type=2&start-after=${a}&delimiter=%2F`, 'Key'), ['b']);
    assert.deepEqual(await list(`prefix=${a}`, 'Key'), [], `V1 prefix of ${n}`);
    assert.deepEqual(await list(`marker=${a}`, 'Key'), ['b'], `V1 marker of ${n}`);
    assert.deepEqual(await list(`versions&prefix=${a}`, 'Key'), []);
    assert.deepEqual(await list(`versions&key-marker=${a}`, 'Key'), ['b'], `versions key-marker of ${n}`);
    assert.deepEqual(await list(`uploads&prefix=${a}`, 'Key'), []);
    assert.deepEqual(await list(`uploads&key-marker=${a}`, 'Key'), ['b'], `uploads key-marker of ${n}`);
  }
  // Shorter bounds still select as before.
  assert.deepEqual(await list(`list-type=2&start-after=${'a'.repeat(999)}`, 'Key'), [longKey, 'b']);
  assert.deepEqual(await list(`list-type=2&prefix=${longKey}`, 'Key'), [longKey]);
  assert.deepEqual(logged, []);
});

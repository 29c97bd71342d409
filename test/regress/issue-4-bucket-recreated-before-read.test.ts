/**
 * Issue #4 (the reads left by the review of f27025d): GetObject, HeadObject and a ranged GET loaded
 * the bucket, authorised the caller on it, and then the engine looked the bucket up again by name.
 * A bucket deleted and re-created under the name by another tenant in between was read: alice, who
 * had just deleted her empty bucket, got bob's object from his new one. The reads now carry the
 * authorised bucket's id (ObjectAddr.bucketId) and answer NoSuchBucket.
 *
 * The interleaving is forced by wrapping engine.getBucket, which loads the bucket before authz.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

/** Once, right after engine.getBucket(name) answered: run `then`. */
function afterGetBucket(engine: Engine, name: string, then: () => Promise<void>): void {
  const orig = engine.getBucket.bind(engine);
  engine.getBucket = async (n) => {
    const b = await orig(n);
    if (n === name) {
      engine.getBucket = orig;
      await then();
    }
    return b;
  };
}

for (const [kind, method, headers] of [
  ['GetObject', 'GET', {}],
  ['HeadObject', 'HEAD', {}],
  ['ranged GetObject', 'GET', { range: 'bytes=0-1' }],
] as const) {
  test(`${kind} of a bucket re-created by another tenant after it was authorised: NoSuchBucket, not the other tenant's object`, async () => {
    const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
    await engine.putUser(ALICE);
    await engine.putUser(BOB);
    const { service } = await makeService({ engine });
    assert.equal((await send(service, { method: 'PUT', path: '/shared' })).status, 200);
    afterGetBucket(engine, 'shared', async () => {
      assert.equal((await send(service, { method: 'DELETE', path: '/shared' })).status, 204);
      assert.equal((await send(service, { method: 'PUT', path: '/shared', as: BOB })).status, 200);
      assert.equal((await send(service, { method: 'PUT', path: '/shared/k', body: 'bob', as: BOB })).status, 200);
    });
    const r = await send(service, { method, path: '/shared/k', headers });
    assert.equal(r.status, 404, r.text);
    assert.notEqual(r.text, 'bob');
    if (method === 'GET') assert.equal(xmlText(r.text, 'Code'), 'NoSuchBucket');
    // Bob's object is untouched and still his.
    const his = await send(service, { method: 'GET', path: '/shared/k', as: BOB });
    assert.equal(his.text, 'bob');
  });
}

/**
 * Issue #4 (found in session 25): every lookup of a bucket name that does not exist was remembered
 * in the engine's bucket cache, an unbounded Map. Any client names any bucket, signed or not: 100,000
 * anonymous HEADs of random names grew a gateway by ~14 MiB (94 → 202 MiB after 800,000), without
 * end. Names found absent now go to a bounded LRU (core.ts #absent); existing buckets and the changes
 * transactions record stay exact. Checked by the store reads a lookup makes, not by memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, EngineErrors, type Engine } from '../../src/engine/index.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { eachBackend } from '../integration/engine/harness.js';

const OWNER = 'a'.repeat(64);

/** Store reads (meta.get) one getBucket of `name` makes. */
function storeReadsOf(engine: Engine, backend: StorageBackend): (name: string) => Promise<number> {
  let gets = 0;
  const get = backend.meta.get.bind(backend.meta);
  backend.meta.get = (k) => {
    gets++;
    return get(k);
  };
  return async (name) => {
    const before = gets;
    await engine.getBucket(name);
    return gets - before;
  };
}

test('lookups of absent bucket names are remembered in a bounded cache; existing buckets stay cached', async (t) => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false });
  t.after(() => engine.close());
  await engine.createBucket('kept', { owner: OWNER });
  await engine.createBucket('gone', { owner: OWNER });
  assert.ok(await engine.getBucket('kept'));

  const readsOf = storeReadsOf(engine, backend);

  assert.equal(await readsOf('absent-0'), 1);
  assert.equal(await readsOf('absent-0'), 0, 'an absent name is remembered');
  assert.equal(await readsOf('kept'), 0);
  for (let i = 1; i <= 5000; i++) assert.equal(await engine.getBucket(`absent-${i}`), undefined);
  // Before: the 5,001 names were all kept, and this read nothing.
  assert.equal(await readsOf('absent-0'), 1, 'the oldest absent names are forgotten');
  assert.equal(await readsOf('kept'), 0, 'an existing bucket is not pushed out by absent names');

  // A name remembered as absent, then created: found. A deleted bucket: gone at once.
  assert.equal(await engine.getBucket('absent-5000'), undefined);
  await engine.createBucket('absent-5000', { owner: OWNER });
  assert.equal((await engine.getBucket('absent-5000'))?.name, 'absent-5000');
  await engine.deleteBucket('gone');
  assert.equal(await engine.getBucket('gone'), undefined);
  const body = (async function* () { yield Buffer.from('x'); })();
  await assert.rejects(engine.putObject({ bucket: 'gone', key: 'k' }, body), (e) => EngineErrors.NO_SUCH_BUCKET.is(e));
});

test('a deleted bucket\'s name is forgotten like any absent one once the delete has committed', async (t) => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false });
  t.after(() => engine.close());
  for (let i = 0; i <= 4200; i++) {
    await engine.createBucket(`churn-${i}`, { owner: OWNER });
    await engine.deleteBucket(`churn-${i}`);
  }
  const readsOf = storeReadsOf(engine, backend);
  // Before: every deleted name stayed in the exact map for the life of the process (0 reads here).
  assert.equal(await readsOf('churn-0'), 1, 'the oldest deleted name was forgotten');
  assert.equal(await readsOf('churn-4200'), 0, 'the latest is still remembered as absent');
});

eachBackend('a lookup while a bucket delete is recorded but not yet committed answers "gone", and stays so', async (h) => {
  const OWNER2 = 'b'.repeat(64);
  const meta = h.backend.meta;
  const real = meta.transaction.bind(meta);
  for (let i = 0; i < 20; i++) {
    const name = `pending-${i}`;
    await h.engine.createBucket(name, { owner: OWNER2 });
    assert.ok(await h.engine.getBucket(name));
    // Look the name up right after the delete's callback recorded it, before the commit is durable.
    let during: Promise<unknown> | undefined;
    meta.transaction = ((fn, o) => real((tx) => {
      const r = fn(tx);
      during ??= h.engine.getBucket(name);
      return r;
    }, o));
    try {
      await h.engine.deleteBucket(name);
    } finally {
      meta.transaction = real;
    }
    assert.equal(await during, undefined, 'the recorded delete answers');
    // Before the fix a pending delete's null read as "unknown": the lookup read the not yet
    // committed store, found the bucket and cached it, for good.
    assert.equal(await h.engine.getBucket(name), undefined, 'and the cache does not bring it back');
  }
});


/**
 * Users are cached by access key (engine core.ts `users`: every signed request looks its user
 * up). The cache must never answer with a key that was changed or deleted, also when the change
 * overlaps a lookup in flight.
 */
import assert from 'node:assert/strict';
import { eachBackend } from './harness.js';

eachBackend('users: a changed secret and a deleted user show at once, also to lookups in flight', async (h) => {
  const e = h.engine;
  await e.putUser({ accessKey: 'AK1', secretKey: 's1', tenantId: 't', name: 'one' });
  assert.equal((await e.getUser('AK1'))?.secretKey, 's1');
  await e.putUser({ accessKey: 'AK1', secretKey: 's2', tenantId: 't', name: 'one' });
  assert.equal((await e.getUser('AK1'))?.secretKey, 's2', 'rotated key');
  // A lookup that read the record before a delete committed, and finishes after it, must not put
  // the deleted user back into the cache: the store's answer is held back until the delete is done.
  await e.putUser({ accessKey: 'AK1', secretKey: 's2', tenantId: 't', name: 'one' }); // not cached now
  const meta = h.backend.meta;
  const get = meta.get.bind(meta);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  meta.get = async (k) => {
    const v = await get(k);
    await gate;
    return v;
  };
  const inFlight = e.getUser('AK1');
  await new Promise((r) => setImmediate(r));
  meta.get = get;
  assert.equal(await e.deleteUser('AK1'), true);
  release();
  assert.equal((await inFlight)?.secretKey, 's2', 'the lookup read the record before the delete');
  assert.equal(await e.getUser('AK1'), undefined);
  // Nor one started before a re-create with another secret.
  const before = e.getUser('AK1');
  await e.putUser({ accessKey: 'AK1', secretKey: 's3', tenantId: 't', name: 'one' });
  await before;
  assert.equal((await e.getUser('AK1'))?.secretKey, 's3');
  // Unknown keys stay unknown; the cache hands out copies the caller may change.
  assert.equal(await e.getUser('nobody'), undefined);
  const u = (await e.getUser('AK1'))!;
  u.secretKey = 'mutated';
  assert.equal((await e.getUser('AK1'))?.secretKey, 's3');
});

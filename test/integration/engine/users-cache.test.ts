/**
 * Users are cached by access key (engine core.ts `users`: every signed request looks its user
 * up). The cache must never answer with a key that was changed or deleted, also when the change
 * overlaps a lookup in flight.
 */
import assert from 'node:assert/strict';
import { eachBackend } from './harness.js';

eachBackend('users: a changed secret and a deleted user show at once, also to lookups in flight', async ({ engine: e }) => {
  await e.putUser({ accessKey: 'AK1', secretKey: 's1', tenantId: 't', name: 'one' });
  assert.equal((await e.getUser('AK1'))?.secretKey, 's1');
  await e.putUser({ accessKey: 'AK1', secretKey: 's2', tenantId: 't', name: 'one' });
  assert.equal((await e.getUser('AK1'))?.secretKey, 's2', 'rotated key');
  // A lookup started before a delete must not put the deleted user back into the cache.
  const inFlight = e.getUser('AK1');
  assert.equal(await e.deleteUser('AK1'), true);
  await inFlight;
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

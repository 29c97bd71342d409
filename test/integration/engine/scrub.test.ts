/**
 * Damaged chunk files on the local backend (real LMDB, real files): a read that meets a corrupt or
 * missing chunk quarantines it (quarantine.ts), the scrub worker finds damage nobody reads
 * (scrub.ts, ccow.md §17), and a new put of the same content repairs every object that shares the
 * chunk — before quarantine, the put deduplicated onto the damaged bytes and stayed broken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createEngine, EngineErrors, type DamageReport } from '../../../src/engine/index.js';
import type { ChunkId } from '../../../src/common/index.js';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { CHUNK, chunkFiles, flipByte, openDamageable, readAll } from './damage.js';
import { body, bytes, fakeClock, TEST_OPTS } from './harness.js';

test('a read of a corrupt chunk fails, quarantines it, and re-uploading the content repairs the object', async (t) => {
  const { e, dir, damage } = await openDamageable(t, 'scrub');
  const data = bytes(4 * CHUNK, 7);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data, 10_000));
  const files = await chunkFiles(dir);
  assert.equal(files.length, 4);
  await flipByte(files[1]!);

  await assert.rejects(readAll(e, 'k'), (err: unknown) => EngineErrors.CHUNK_CORRUPT.is(err));
  assert.deepEqual(damage.map((d) => [d.problem, d.foundBy, d.quarantined]), [['corrupt', 'read', true]]);
  assert.equal((await chunkFiles(dir)).length, 3, 'the damaged bytes were removed');
  await assert.rejects(readAll(e, 'k'), (err: unknown) => EngineErrors.CHUNK_MISSING.is(err), 'still an error, never wrong bytes');
  assert.equal(damage.length, 1, 'an already quarantined chunk is not reported again');
  const report = await e.fsck();
  assert.equal(report.missing.length, 1);
  assert.deepEqual(report.damaged, [{ bucket: 'b', key: 'k', versionId: 'null' }], 'fsck names the object that cannot be read');

  // The same content again (a client re-uploading the file): the chunk is stored anew.
  await e.putObject({ bucket: 'b', key: 'again' }, body(data, 10_000));
  assert.ok((await readAll(e, 'k')).equals(data), 'the first object reads again');
  assert.ok((await readAll(e, 'again')).equals(data));
  const f = await e.fsck();
  assert.deepEqual({ missing: f.missing, corrupt: f.corrupt, leaked: f.leaked, danglingRefs: f.danglingRefs, damaged: f.damaged }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], damaged: [] });
});

test('the scrub finds corrupt and missing chunks nobody reads, one pass per interval, a schedule that survives a restart', async (t) => {
  const { e, dir, clock, damage } = await openDamageable(t, 'scrub');
  const data = bytes(4 * CHUNK, 9);
  await e.putObject({ bucket: 'b', key: 'cold' }, body(data, 10_000));
  const scrub = () => e.workers().find((w) => w.name === 'scrub')!;
  const w = scrub();
  assert.equal(await w.step(), 'idle');
  const files = await chunkFiles(dir);
  await flipByte(files[0]!);
  await rm(files[3]!);
  assert.equal(await w.step(), 'idle');
  assert.equal(damage.length, 0, 'a new store scrubs one interval after its first start');

  clock.advance(30 * 86_400_000 + 1);
  for (let i = 0; i < 5; i++) await w.step();
  assert.deepEqual(damage.map((d) => [d.problem, d.foundBy, d.quarantined]).sort(), [['corrupt', 'scrub', true], ['missing', 'scrub', true]]);
  // The pass is over: the next starts 30 days after this one started.
  clock.advance(86_400_000);
  await flipByte((await chunkFiles(dir))[0]!);
  for (let i = 0; i < 5; i++) await w.step();
  assert.equal(damage.length, 2);
  // A new worker (as after a restart) knows when the next pass is due and finds the new damage then.
  const w2 = scrub();
  await w2.step();
  assert.equal(damage.length, 2);
  clock.advance(30 * 86_400_000);
  for (let i = 0; i < 5; i++) await w2.step();
  assert.equal(damage.length, 3);

  await e.putObject({ bucket: 'b', key: 'fresh' }, body(data, 10_000));
  assert.ok((await readAll(e, 'cold')).equals(data), 'repaired by the new put');
});

test('the scrub reports a chunk it cannot read (I/O error) without quarantining it, and goes on', async () => {
  const backend = createMemoryBackend();
  const clock = fakeClock();
  const damage: DamageReport[] = [];
  const e = await createEngine(backend, { ...TEST_OPTS, clock, digestWorker: false, onDamage: (d) => damage.push(d) });
  try {
    await e.createBucket('b', { owner: 't', chunkSize: 1024 });
    const data = bytes(5000, 3); // over the 4 KiB inline limit: five stored chunks
    await e.putObject({ bucket: 'b', key: 'k' }, body(data));
    const get = backend.chunks.get.bind(backend.chunks);
    let failed = '';
    backend.chunks.get = async (id: ChunkId) => {
      if (!failed) failed = Buffer.from(id).toString('hex');
      if (Buffer.from(id).toString('hex') === failed) throw StorageErrors.IO('EIO: injected bad sector');
      return get(id);
    };
    const w = e.workers().find((x) => x.name === 'scrub')!;
    await w.step();
    clock.advance(30 * 86_400_000 + 1);
    for (let i = 0; i < 3; i++) await w.step();
    assert.deepEqual(damage, [{ chunk: failed, problem: 'unreadable', foundBy: 'scrub', quarantined: false }]);
    backend.chunks.get = get;
    assert.ok((await readAll(e, 'k')).equals(data), 'not quarantined: the bytes are still there');
  } finally {
    await e.close();
  }
});

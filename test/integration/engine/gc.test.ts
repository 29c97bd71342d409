/**
 * Space reclamation, snapshots, clones and dedup (shared/spec/ccow.md §9, §10, §12, §18 (6)(7)):
 * every test ends with a clean fsck.
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../../src/engine/index.js';
import { body, bytes, eachBackend, readAll, type Harness } from './harness.js';

async function assertClean(e: Engine): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [] });
}

const HOLD = 60_000;
const chunks = async (h: Harness) => (await h.backend.stats()).chunkCount;

eachBackend('overwritten chunks are collected after the hold, not before', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(10 * 1024, 1)));
  await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(10 * 1024, 2)));
  assert.equal(await chunks(h), 20);
  assert.equal(await e.gc(), 0, 'held');
  clock.advance(HOLD - 1);
  assert.equal(await e.gc(), 0, 'still held');
  clock.advance(1);
  // Fan-out 4 (TEST_OPTS): 10 chunks hang off 3 CMs.
  assert.equal(await e.gc(), 1 + 3 + 10, 'old VM + its CMs + 10 payload chunks, in one cascade');
  assert.equal(await chunks(h), 10);
  assert.deepEqual(await readAll(e, 'b', 'k'), bytes(10 * 1024, 2));
  await assertClean(e);
  // Deleting the object frees the rest.
  await e.deleteObject({ bucket: 'b', key: 'k' });
  clock.advance(HOLD);
  assert.equal(await e.gc(), 14);
  assert.equal(await chunks(h), 0);
  assert.deepEqual((await e.bucketStats('b')), { objects: 0, logicalBytes: 0, physicalBytes: 0 });
  await assertClean(e);
});

eachBackend('shared chunks are kept while any version still uses them', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const common = bytes(8 * 1024, 5);
  await e.putObject({ bucket: 'b', key: 'a' }, body(common));
  await e.putObject({ bucket: 'b', key: 'b' }, body(Buffer.concat([common, bytes(2048, 6)])));
  assert.equal(await chunks(h), 10);
  await e.deleteObject({ bucket: 'b', key: 'a' });
  clock.advance(HOLD);
  assert.equal(await e.gc(), 1, 'only the VM of a');
  assert.equal(await chunks(h), 10);
  assert.deepEqual(await readAll(e, 'b', 'b'), Buffer.concat([common, bytes(2048, 6)]));
  await assertClean(e);
});

eachBackend('dedup: a second put of the same data stores no payload and grows storage once', async (h) => {
  const { engine: e, backend } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  let puts = 0;
  const put = backend.chunks.put.bind(backend.chunks);
  backend.chunks.put = async (id, b) => {
    puts++;
    return put(id, b);
  };
  const data = bytes(64 * 1024 + 17, 3);
  await e.putObject({ bucket: 'b', key: 'one' }, body(data, 4000));
  const first = { puts, stats: await backend.stats(), counters: await e.bucketStats('b') };
  assert.equal(first.puts, 65);
  await e.putObject({ bucket: 'b', key: 'two' }, body(data, 3000));
  assert.equal(puts, first.puts, 'the second put sends no payload to the store');
  assert.deepEqual(await backend.stats().then((s) => [s.chunkCount, s.chunkBytes]), [first.stats.chunkCount, first.stats.chunkBytes]);
  const c = await e.bucketStats('b');
  assert.equal(c.logicalBytes, 2 * data.length);
  assert.equal(c.physicalBytes, first.counters.physicalBytes, 'physical bytes unchanged (the VM is shared too)');
  assert.equal(c.objects, 2);
  assert.deepEqual(await readAll(e, 'b', 'two'), data);
  backend.chunks.put = put;
  await assertClean(e);
});

eachBackend('clones share the VM: zero bytes copied, and survive deletion of the source', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const data = bytes(12_000, 4);
  const src = await e.putObject({ bucket: 'b', key: 'src' }, body(data));
  const n = await chunks(h);
  const c = await e.clone({ bucket: 'b', key: 'src' }, { bucket: 'b', key: 'copy' });
  assert.equal(c.vmId, src.vmId);
  assert.equal(await chunks(h), n);
  await e.deleteObject({ bucket: 'b', key: 'src' });
  clock.advance(HOLD);
  assert.equal(await e.gc(), 0);
  assert.deepEqual(await readAll(e, 'b', 'copy'), data);
  await e.deleteObject({ bucket: 'b', key: 'copy' });
  clock.advance(HOLD);
  assert.equal(await e.gc(), 1 + 3 + 12);
  await assertClean(e);
});

eachBackend('bucket snapshots pin what the bucket showed; deleting the snapshot releases it', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const v1 = bytes(5000, 1);
  await e.putObject({ bucket: 'b', key: 'k' }, body(v1));
  await e.putObject({ bucket: 'b', key: 'gone' }, body(Buffer.from('bye')));
  const s = await e.snapshotCreate('b', 'snap');
  await assert.rejects(e.snapshotCreate('b', 'snap'), { code: 'CCOW_ERR_SNAPSHOT_EXISTS' });
  assert.deepEqual((await e.snapshotList('b')).map((x) => x.name), ['snap']);
  assert.equal(s.uvid.length, 26);
  // Overwrite and delete after the snapshot: the live bucket changes, the view does not.
  await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('v2')));
  await e.deleteObject({ bucket: 'b', key: 'gone' });
  await e.putObject({ bucket: 'b', key: 'new' }, body(Buffer.from('new')));
  clock.advance(HOLD);
  assert.equal(await e.gc(), 0, 'pinned versions keep their chunks');
  assert.deepEqual(await readAll(e, 'b', 'k'), Buffer.from('v2'));
  assert.deepEqual(await collectRead(e, 'k', 'snap'), v1);
  assert.deepEqual((await e.listObjects('b', { limit: 100, snapshot: 'snap' })).entries.map((x) => x.key), ['gone', 'k']);
  assert.deepEqual((await e.listObjects('b', { limit: 100 })).entries.map((x) => x.key), ['k', 'new']);
  assert.deepEqual((await e.listVersions('b', { limit: 100 })).entries.map((x) => x.key), ['k', 'new'], 'hidden entries are not listed');
  await assert.rejects(e.head({ bucket: 'b', key: 'new' }, { snapshot: 'snap' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  // Clone an object out of the snapshot: zero bytes copied.
  const restored = await e.clone({ bucket: 'b', key: 'k', snapshot: 'snap' }, { bucket: 'b', key: 'restored' });
  assert.equal(restored.size, 5000);
  assert.deepEqual(await readAll(e, 'b', 'restored'), v1);
  await e.snapshotDelete('b', 'snap');
  await assert.rejects(e.snapshotDelete('b', 'snap'), { code: 'CCOW_ERR_NO_SUCH_SNAPSHOT' });
  clock.advance(HOLD);
  // 'gone' was inline (its VM lived in its own index entry, nothing to collect); v1 stays, the
  // restored clone still uses it.
  assert.equal(await e.gc(), 0);
  await e.deleteObject({ bucket: 'b', key: 'restored' });
  clock.advance(HOLD);
  assert.equal(await e.gc(), 1 + 2 + 5);
  await assertClean(e);
});

async function collectRead(e: Engine, key: string, snapshot: string): Promise<Buffer> {
  const r = await e.read({ bucket: 'b', key }, { snapshot });
  const parts: Buffer[] = [];
  for await (const c of r.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

eachBackend('versions purged by version id are collected; counters follow', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const a = await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 1)));
  await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 2)));
  clock.advance(HOLD);
  assert.equal(await e.gc(), 0, 'versioned: nothing is garbage');
  assert.equal((await e.bucketStats('b')).logicalBytes, 12_000);
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: a.versionId });
  assert.equal((await e.bucketStats('b')).logicalBytes, 6000);
  clock.advance(HOLD);
  assert.equal(await e.gc(), 1 + 2 + 6);
  await assertClean(e);
});

eachBackend('a crashed put (process gone mid-body) is expired at restart and its chunks collected', async (h) => {
  await h.engine.createBucket('b', { owner: 't', chunkSize: 1024 });
  let release!: () => void;
  const never = new Promise<void>((r) => (release = r));
  async function* hanging(): AsyncGenerator<Uint8Array> {
    yield bytes(5 * 1024 + 10, 1);
    await never;
  }
  const pending = h.engine.putObject({ bucket: 'b', key: 'k' }, hanging()).catch((e: unknown) => e);
  for (let i = 0; i < 200 && (await chunks(h)) < 5; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await chunks(h), 5);
  // "Crash": a new process epoch over the same data, the old writer never commits.
  await h.restart();
  release();
  await pending;
  h.clock.advance(HOLD);
  assert.equal(await h.engine.gc(), 5);
  assert.equal(await chunks(h), 0);
  await assertClean(h.engine);
});

eachBackend('fsck reports a missing chunk and a leaked one', async (h) => {
  const { engine: e } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(5000, 1)));
  const ids: string[] = [];
  for await (const id of h.backend.chunks.iterate()) ids.push(Buffer.from(id).toString('hex'));
  await h.backend.chunks.delete(Buffer.from(ids[0]!, 'hex') as never);
  const r = await e.fsck();
  assert.deepEqual(r.missing, [ids[0]]);
  await assert.rejects(readAll(e, 'b', 'k'), { code: 'CCOW_ERR_CHUNK_MISSING' });
});

eachBackend('a put whose intent lease ran out fails instead of committing chunks GC may take', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield bytes(5 * 1024, 1);
    await gate;
    yield bytes(3 * 1024, 2);
  }
  const put = e.putObject({ bucket: 'b', key: 'slow' }, slow()).then(() => 'ok', (err: { code?: string }) => err.code);
  for (let i = 0; i < 200 && (await chunks(h)) < 5; i++) await new Promise((r) => setTimeout(r, 5));
  clock.advance(2 * 3_600_000);
  const expiry = e.workers().find((w) => w.name === 'intent-expiry')!;
  assert.equal(await expiry.step(), 'busy');
  release();
  assert.equal(await put, 'CCOW_ERR_UNAVAILABLE');
  await assert.rejects(e.head({ bucket: 'b', key: 'slow' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  clock.advance(HOLD);
  await e.gc();
  await e.sweepOrphans();
  assert.equal(await chunks(h), 0);
  await assertClean(e);
});

eachBackend('concurrent writers: same key, shared data, overwrites and deletes stay consistent', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const shared = bytes(6 * 1024, 42);
  await Promise.all(Array.from({ length: 24 }, async (_, i) => {
    const key = `k${i % 3}`;
    if (i % 5 === 4) await e.deleteObject({ bucket: 'b', key });
    else await e.putObject({ bucket: 'b', key }, body(i % 2 ? shared : Buffer.concat([shared, bytes(100, i)]), 700));
  }));
  const versions = (await e.listVersions('b', { limit: 1000 })).entries;
  assert.equal(versions.length, 24 + 0);
  assert.equal(new Set(versions.map((v) => v.uvid)).size, 24, 'unique UVIDs');
  for (const k of ['k0', 'k1', 'k2']) {
    const mine = versions.filter((v) => v.key === k);
    assert.equal(mine.filter((v) => v.isLatest).length, 1);
    assert.ok(mine[0]!.isLatest, 'newest first');
  }
  await e.putBucketConfig('b', 'versioning', 'Suspended');
  for (const v of versions) await e.deleteObject({ bucket: 'b', key: v.key }, { versionId: v.versionId });
  clock.advance(HOLD);
  await e.gc();
  assert.equal(await chunks(h), 0);
  assert.deepEqual(await e.bucketStats('b'), { objects: 0, logicalBytes: 0, physicalBytes: 0 });
  await assertClean(e);
  await e.deleteBucket('b');
});

eachBackend('a put budget of two chunks: concurrent multi-chunk puts and failed ones all settle, the budget comes back', async (h) => {
  const { engine: e } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const data = (i: number): Buffer => bytes(1024 * 7 + 100, i);
  const ok = Array.from({ length: 8 }, (_, i) => e.putObject({ bucket: 'b', key: `k${i}` }, body(data(i), 700)));
  // Bodies that turn out short of what they announced: they fail mid-way with chunks in flight.
  const bad = Array.from({ length: 4 }, (_, i) => e.putObject({ bucket: 'b', key: `bad${i}` }, body(data(50 + i), 700), { expectedSize: 1024 * 20 }).then(() => 'ok', (err: { code?: string }) => err.code));
  await Promise.all(ok);
  assert.deepEqual(await Promise.all(bad), Array(4).fill('CCOW_ERR_INCOMPLETE_BODY'));
  // The budget was returned by the failed puts too: more puts go through.
  for (let i = 0; i < 8; i++) await e.putObject({ bucket: 'b', key: `again${i}` }, body(data(100 + i), 700));
  for (let i = 0; i < 8; i++) assert.ok((await readAll(e, 'b', `k${i}`)).equals(data(i)));
}, { putBudget: 2048 });

/**
 * Issue #3: "bucket snapshot (a read-only, point-in-time view by UVID; clone a bucket or object
 * from it)". Objects could be cloned from a snapshot, whole buckets could not (shared/spec/ccow.md
 * §10: "a whole bucket = a new bucket whose ni/cur are filled with version records pointing at the
 * view's VMs — O(number of objects), no payload"). Engine.bucketClone (src/engine/bucket-clone.ts):
 * the view's versions, no payload copied, invisible until whole, finished by a worker after a
 * failure or a crash, and the snapshot kept while it fills.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { faultyBackend } from '../helpers/faulty-backend.js';
import { bsnapKey } from '../../src/engine/keys.js';
import { body, bytes, eachBackend, openHarness, readAll, TEST_OPTS, type Harness } from '../integration/engine/harness.js';

async function assertClean(e: Engine): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [] });
}

const keysOf = async (e: Engine, bucket: string): Promise<string[]> => (await e.listObjects(bucket, { limit: 1000 })).entries.map((x) => x.key);

/** A source bucket `src` with a snapshot `s` of a known view, changed after it. Returns the view. */
async function sourceWithSnapshot(e: Engine, n = 6): Promise<Map<string, Buffer>> {
  await e.createBucket('src', { owner: 'alice', chunkSize: 1024, codec: 'zstd' });
  await e.putBucketConfig('src', 'versioning', 'Enabled');
  await e.putBucketConfig('src', 'policy', { Statement: [] });
  const view = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    // Multi-chunk, inline (≤ 4 KiB) and compressible objects.
    const data = i % 3 === 0 ? bytes(5000 + i, i + 1) : i % 3 === 1 ? Buffer.from(`small ${i}`) : Buffer.alloc(3000, i);
    await e.putObject({ bucket: 'src', key: `k${i}` }, body(data), { tags: { n: String(i) } });
    view.set(`k${i}`, data);
  }
  // A key deleted before the snapshot: its delete marker is the view's entry, so it is not cloned.
  await e.putObject({ bucket: 'src', key: 'dead' }, body(Buffer.from('x')));
  await e.deleteObject({ bucket: 'src', key: 'dead' });
  await e.snapshotCreate('src', 's');
  // After the snapshot: overwrite, delete and add. The clone must not see any of it.
  await e.putObject({ bucket: 'src', key: 'k0' }, body(Buffer.from('k0 after')));
  await e.deleteObject({ bucket: 'src', key: 'k1' });
  await e.putObject({ bucket: 'src', key: 'later' }, body(Buffer.from('later')));
  return view;
}

eachBackend('bucketClone makes a bucket of the snapshot view: its versions, no payload copied', async (h) => {
  const e = h.engine;
  const view = await sourceWithSnapshot(e);
  const chunksBefore = (await h.backend.stats()).chunkCount;
  const info = await e.bucketClone('src', 's', 'copy', { owner: 'bob' });
  assert.equal(info.name, 'copy');
  assert.equal(info.owner, 'bob');
  assert.equal(info.versioning, 'Unversioned');
  assert.equal(info.chunkSize, 1024);
  assert.equal(info.codec, 'zstd');
  assert.deepEqual(info.configs, {}, "none of the source's configuration (its policy names its principals)");
  assert.deepEqual(await keysOf(e, 'copy'), [...view.keys()].sort());
  for (const [k, data] of view) assert.deepEqual(await readAll(e, 'copy', k), data, k);
  assert.deepEqual((await e.head({ bucket: 'copy', key: 'k2' })).tags, { n: '2' }, 'tags kept');
  assert.equal((await h.backend.stats()).chunkCount, chunksBefore, 'no payload chunk written');
  assert.equal((await e.bucketStats('copy')).objects, view.size);
  assert.ok((await e.listBuckets()).some((b) => b.name === 'copy'));
  // The clone is a bucket like any other: written independently of its source.
  await e.putObject({ bucket: 'copy', key: 'k3' }, body(Buffer.from('changed in the copy')));
  assert.deepEqual(await readAll(e, 'src', 'k3'), view.get('k3'));
  // Its data outlives the source's snapshot and objects.
  await e.snapshotDelete('src', 's');
  for (const k of await keysOf(e, 'src')) await e.deleteObject({ bucket: 'src', key: k });
  h.clock.advance(TEST_OPTS.holdMs!);
  await e.gc();
  for (const [k, data] of view) if (k !== 'k3') assert.deepEqual(await readAll(e, 'copy', k), data, k);
  await assertClean(e);
});

eachBackend('bucketClone refuses a missing source, snapshot or a taken name, and creates nothing', async (h) => {
  const e = h.engine;
  await sourceWithSnapshot(e, 2);
  await e.createBucket('taken', { owner: 'bob' });
  await assert.rejects(e.bucketClone('nope', 's', 'copy'), { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
  await assert.rejects(e.bucketClone('src', 'nope', 'copy'), { code: 'CCOW_ERR_NO_SUCH_SNAPSHOT' });
  await assert.rejects(e.bucketClone('src', 's', 'taken'), { code: 'CCOW_ERR_BUCKET_EXISTS' });
  assert.equal(await e.getBucket('copy'), undefined);
  assert.deepEqual((await e.listBuckets()).map((b) => b.name).sort(), ['src', 'taken']);
  assert.deepEqual(await keysOf(e, 'taken'), []);
  await assertClean(e);
});

/** The engine over `inner` whose `meta.transaction` calls fail while `fail()` says so (EIO). */
async function failingEngine(inner: Harness['backend'], opts: Harness['opts'], fail: () => boolean): Promise<Engine> {
  return createEngine(faultyBackend(inner, (call) => (call === 'meta.transaction' && fail() ? { error: Object.assign(new Error('injected'), { code: 'EIO' }) } : undefined)), opts);
}

/** Step the bucket-clone worker until it is idle; the number of busy steps. */
async function runCloneWorker(e: Engine): Promise<number> {
  const worker = e.workers().find((w) => w.name === 'bucket-clone');
  assert.ok(worker, 'a bucket-clone worker runs');
  for (let busy = 0; busy < 50; busy++) if ((await worker.step()) === 'idle') return busy;
  throw new Error('the bucket-clone worker never went idle');
}

test('a clone a crash interrupted stays invisible, holds its source, and the worker finishes it a page per step after a restart', async () => {
  const h = await openHarness('local');
  try {
    const view = await sourceWithSnapshot(h.engine, 600);
    await h.engine.snapshotCreate('src', 'other');
    // The store fails after the fill's first page (the create, 256 commits, the cursor, 10 more)
    // and stays failing, so the call cannot remove what it made either: as after a crash.
    let left = 1 + 256 + 1 + 10;
    const e = await failingEngine(h.backend, h.opts, () => --left < 0);
    try {
      await assert.rejects(e.bucketClone('src', 's', 'copy'));
      left = Infinity;
      assert.equal(await e.getBucket('copy'), undefined, 'not visible while filling');
      assert.ok(!(await e.listBuckets()).some((b) => b.name === 'copy'));
      await assert.rejects(e.listObjects('copy', { limit: 10 }), { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
      await assert.rejects(e.putObject({ bucket: 'copy', key: 'x' }, body(Buffer.from('x'))), { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
      await assert.rejects(e.deleteBucket('copy'), { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
      await assert.rejects(e.createBucket('copy', { owner: 'x' }), { code: 'CCOW_ERR_BUCKET_EXISTS' }, 'the name is taken');
      await assert.rejects(e.snapshotDelete('src', 's'), { code: 'CCOW_ERR_SNAPSHOT_IN_USE' });
      await assert.rejects(e.deleteBucket('src'), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
      await assert.rejects(e.bucketClone('src', 'other', 'copy'), { code: 'CCOW_ERR_BUCKET_EXISTS' }, 'another view into the name');
      await e.snapshotDelete('src', 'other');
    } finally {
      await e.close();
    }
    await h.restart();
    assert.equal(await h.engine.getBucket('copy'), undefined);
    // 344 keys were left: two pages, one per step (a worker step is bounded).
    assert.equal(await runCloneWorker(h.engine), 2);
    assert.equal((await h.engine.getBucket('copy'))?.name, 'copy');
    assert.deepEqual(await keysOf(h.engine, 'copy'), [...view.keys()].sort());
    for (const k of ['k0', 'k299', 'k599']) assert.deepEqual(await readAll(h.engine, 'copy', k), view.get(k), k);
    assert.equal((await h.engine.bucketStats('copy')).objects, view.size, 'keys cloned twice across the failure count once');
    await h.engine.snapshotDelete('src', 's');
    await assertClean(h.engine);
  } finally {
    await h.close();
  }
});

eachBackend('the same bucketClone call made again finishes an interrupted clone', async (h) => {
  const view = await sourceWithSnapshot(h.engine, 300);
  let left = 1 + 100;
  const e = await failingEngine(h.backend, h.opts, () => --left < 0);
  try {
    await assert.rejects(e.bucketClone('src', 's', 'copy'));
    left = Infinity;
    const info = await e.bucketClone('src', 's', 'copy');
    assert.equal(info.name, 'copy');
    assert.deepEqual(await keysOf(e, 'copy'), [...view.keys()].sort());
    assert.equal((await e.bucketStats('copy')).objects, view.size);
    await assertClean(e);
  } finally {
    await e.close();
  }
});

eachBackend('a fill that fails is removed again: the name is free, no reference is left', async (h) => {
  await sourceWithSnapshot(h.engine, 300);
  // One transaction of the fill fails; the removal's go through.
  let n = 0;
  const e = await failingEngine(h.backend, h.opts, () => ++n === 1 + 50);
  try {
    await assert.rejects(e.bucketClone('src', 's', 'copy'), /injected/);
    assert.equal(await e.getBucket('copy'), undefined);
    await e.snapshotDelete('src', 's');
    await e.createBucket('copy', { owner: 'bob' });
    assert.deepEqual(await keysOf(e, 'copy'), []);
    assert.equal((await e.bucketStats('copy')).objects, 0);
    await assertClean(e);
  } finally {
    await e.close();
  }
});

eachBackend('the worker removes a clone whose view cannot be read, and goes on to the next clone', async (h) => {
  await sourceWithSnapshot(h.engine, 300);
  await h.engine.snapshotCreate('src', 's2');
  const view2 = (await h.engine.listObjects('src', { limit: 1000, snapshot: 's2' })).entries.map((x) => x.key);
  let left = Infinity;
  const e = await failingEngine(h.backend, h.opts, () => --left < 0);
  try {
    // Two clones interrupted (the store failing from the second page on, removal included).
    left = 1 + 256 + 1 + 5;
    await assert.rejects(e.bucketClone('src', 's', 'aa'));
    left = 1 + 256 + 1 + 5;
    await assert.rejects(e.bucketClone('src', 's2', 'bb'));
    left = Infinity;
    // Damage: the snapshot row of the first is lost (no API can do that: snapshotDelete refuses).
    const src = await e.getBucket('src');
    await h.backend.meta.transaction((tx) => tx.del(bsnapKey(Buffer.from(src!.id, 'hex'), 's')));
    await runCloneWorker(e);
    assert.equal(await e.getBucket('aa'), undefined, 'removed: its view is gone');
    await e.createBucket('aa', { owner: 'bob' });
    assert.deepEqual(await keysOf(e, 'bb'), view2, 'the next clone was finished');
    assert.equal((await e.bucketStats('bb')).objects, view2.length);
    assert.deepEqual(await readAll(e, 'bb', 'k0'), Buffer.from('k0 after'), "s2's view");
    await e.snapshotDelete('src', 's2');
  } finally {
    await e.close();
  }
});

eachBackend('the source of a filling clone cannot be deleted', async (h) => {
  await h.engine.createBucket('src', { owner: 'alice' });
  await h.engine.putObject({ bucket: 'src', key: 'a' }, body(Buffer.from('a')));
  await h.engine.putObject({ bucket: 'src', key: 'b' }, body(Buffer.from('b')));
  await h.engine.snapshotCreate('src', 'full');
  let left = 1 + 1;
  const e = await failingEngine(h.backend, h.opts, () => --left < 0);
  try {
    await assert.rejects(e.bucketClone('src', 'full', 'copy'));
    left = Infinity;
    for (const k of ['a', 'b']) await e.deleteObject({ bucket: 'src', key: k });
    await assert.rejects(e.deleteBucket('src'), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
    await runCloneWorker(e);
    assert.deepEqual(await keysOf(e, 'copy'), ['a', 'b']);
    assert.deepEqual([await readAll(e, 'copy', 'a'), await readAll(e, 'copy', 'b')], [Buffer.from('a'), Buffer.from('b')]);
  } finally {
    await e.close();
  }
});

eachBackend('a snapshot deleted just before its clone starts: NO_SUCH_SNAPSHOT, no bucket (it was an empty clone that reported success)', async (h) => {
  await sourceWithSnapshot(h.engine, 3);
  const src = await h.engine.getBucket('src');
  const inner = h.backend;
  // The snapshot's row goes in a transaction of its own right before the clone's first one (the
  // creation): what a snapshotDelete committed between bucketClone's lookups and its create does.
  let armed = false;
  const racing: Harness['backend'] = {
    ...inner,
    meta: {
      ...inner.meta,
      get: (k) => inner.meta.get(k),
      range: (o) => inner.meta.range(o),
      visit: (o, fn) => inner.meta.visit(o, fn),
      transaction: async (fn, o) => {
        if (armed) {
          armed = false;
          await inner.meta.transaction((tx) => tx.del(bsnapKey(Buffer.from(src!.id, 'hex'), 's')));
        }
        return inner.meta.transaction(fn, o);
      },
    },
  };
  const e = await createEngine(racing, h.opts);
  try {
    armed = true;
    await assert.rejects(e.bucketClone('src', 's', 'copy'), { code: 'CCOW_ERR_NO_SUCH_SNAPSHOT' });
    assert.equal(armed, false, 'the row went right before a transaction of the clone');
    assert.equal(await e.getBucket('copy'), undefined);
    await e.createBucket('copy', { owner: 'bob' });
    await assertClean(e);
  } finally {
    await e.close();
  }
});

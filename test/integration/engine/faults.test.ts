/**
 * A store that fails at every step (shared/spec/ccow.md §13, §18 (6)): for each operation index N,
 * storage operation N throws — before it happens, or after it happened (the acknowledgement lost).
 * Whatever the workload saw, after a restart, upload aborts, the hold and GC + orphan sweep, the
 * audit must find nothing missing, corrupt, dangling or leaked, and every listed object must read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { StorageErrors, type ChunkStore, type MetaStore, type StorageBackend } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { body, bytes, fakeClock, TEST_OPTS } from './harness.js';

interface Faults {
  armed: boolean;
  count: number;
  failAt: number;
  after: boolean;
}

/** Wrap a backend so that its `failAt`-th mutating operation throws. */
function faulty(inner: StorageBackend, f: Faults): StorageBackend {
  const hit = (): boolean => f.armed && ++f.count === f.failAt;
  const step = async <T>(op: () => Promise<T>): Promise<T> => {
    if (!f.after && hit()) throw StorageErrors.IO('injected fault (before)');
    const r = await op();
    if (f.after && hit()) throw StorageErrors.IO('injected fault (after)');
    return r;
  };
  const chunks: ChunkStore = {
    put: (id, b) => step(() => inner.chunks.put(id, b)),
    get: (id) => inner.chunks.get(id),
    has: (ids) => inner.chunks.has(ids),
    delete: (id) => step(() => inner.chunks.delete(id)),
    iterate: () => inner.chunks.iterate(),
  };
  const meta: MetaStore = {
    get: (k) => inner.meta.get(k),
    range: (o) => inner.meta.range(o),
    visit: (o, fn) => inner.meta.visit(o, fn),
    transaction: (fn) => step(() => inner.meta.transaction(fn)),
  };
  return { kind: 'faulty', chunks, meta, stats: () => inner.stats(), close: () => inner.close() };
}

/** A workload touching every write path: put, overwrite, multipart, copy, delete, GC. */
async function workload(e: Engine): Promise<void> {
  const soft = async (p: Promise<unknown>) => void (await p.catch(() => undefined));
  await soft(e.putObject({ bucket: 'b', key: 'a' }, body(bytes(6000, 1))));
  await soft(e.putObject({ bucket: 'b', key: 'a' }, body(bytes(7000, 2))));
  await soft(e.putObject({ bucket: 'b', key: 'small' }, body(Buffer.from('tiny'))));
  const up = await e.createUpload({ bucket: 'b', key: 'mp' }, {}).catch(() => undefined);
  if (up) {
    const p1 = await e.putPart('b', up.uploadId, 1, body(bytes(9000, 3))).catch(() => undefined);
    const p2 = await e.putPart('b', up.uploadId, 2, body(bytes(2000, 4))).catch(() => undefined);
    if (p1 && p2) await soft(e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]));
  }
  await soft(e.copyObject({ bucket: 'b', key: 'a' }, { bucket: 'b', key: 'c' }, { replace: { contentType: 'x/y' } }));
  await soft(e.deleteObject({ bucket: 'b', key: 'small' }));
  await soft(e.gc({ graceMs: 0 }));
}

async function run(failAt: number, after: boolean): Promise<number> {
  const inner = createMemoryBackend();
  const f: Faults = { armed: false, count: 0, failAt, after };
  const clock = fakeClock();
  const opts = { ...TEST_OPTS, clock, digestWorker: false };
  let e = await createEngine(faulty(inner, f), opts);
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  f.armed = true;
  await workload(e);
  f.armed = false;
  // Restart: put intents of the dead epoch expire; uploads left behind are aborted.
  await e.close();
  e = await createEngine(inner, opts);
  for (const u of (await e.listUploads('b', { limit: 100 })).uploads) await e.abortUpload('b', u.uploadId);
  clock.advance(2 * TEST_OPTS.holdMs!);
  await e.gc();
  await e.sweepOrphans();
  const r = await e.fsck();
  const where = `fault at op ${failAt} (${after ? 'after' : 'before'})`;
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs, missingRefs: r.missingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [] }, where);
  for (const o of (await e.listObjects('b', { limit: 100 })).entries) {
    const rr = await e.read({ bucket: 'b', key: o.key });
    let n = 0;
    for await (const c of rr.body) n += c.length;
    assert.equal(n, o.size, `${where}: ${o.key} reads back`);
  }
  await e.close();
  return f.count;
}

test('a store failing at any step leaves nothing missing and, after the hold, nothing leaked', async () => {
  const total = await run(Number.MAX_SAFE_INTEGER, false);
  assert.ok(total > 20, `workload made ${total} storage operations`);
  for (let n = 1; n <= total; n++) {
    await run(n, false);
    await run(n, true);
  }
});

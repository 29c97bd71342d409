/**
 * Regress (issue #3, scale at 10^4 parts): CompleteMultipartUpload dropped everything its upload
 * held — every part row and, per chunk and per CM, the intent's membership row and reference — in
 * its one commit transaction: 10^4 parts of 5 chunks, ~10^5 rows, 608 ms and +83 MiB of lmdb-js
 * pending writes with every other write of the store waiting. Now the commit drops at most 4,096
 * holds (the common upload still ends there), a batch of part rows, and leaves the rest to the
 * drain an Abort uses (its intent marked ended, resumed after a restart). Counted in rows written
 * per transaction, never in time.
 */
import assert from 'node:assert/strict';
import { EngineErrors, type Engine, type Worker } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { DRAIN_BATCH } from '../../src/engine/refs.js';
import { writesPerTx } from '../helpers/counting-backend.js';
import { body, bytes, eachBackend, readAll, type Harness } from '../integration/engine/harness.js';

const B = 'bkt';
/** 1 KiB chunks, 8 KiB parts: 8 chunks a part, 4,800 holds for 600 parts (one transaction of 13,415 writes before). */
const PART = 8192;

async function upload(e: Engine, parts: number): Promise<{ uploadId: string; list: { partNumber: number; etag: string }[]; data: Buffer }> {
  await e.createBucket(B, { owner: 't', chunkSize: 1024 }).catch(() => undefined);
  const up = await e.createUpload({ bucket: B, key: 'big' }, {});
  const list = [];
  for (let n = 1; n <= parts; n++) list.push({ partNumber: n, etag: (await e.putPart(B, up.uploadId, n, body(bytes(PART, n)))).etag });
  return { uploadId: up.uploadId, list, data: Buffer.concat(list.map((p) => bytes(PART, p.partNumber))) };
}

async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

async function stepUntilIdle(w: Worker): Promise<void> {
  for (let i = 0; i < 10_000 && (await w.step()) === 'busy'; i++);
}

/** Nothing of the upload is left, the object reads back, fsck is clean, nothing it uses is collected. */
async function assertSettled(h: Harness, uploadId: string, data: Buffer): Promise<void> {
  assert.equal(await rows(h, T.MEMBER), 0, 'intent members dropped');
  assert.equal(await rows(h, T.INTENT), 0, 'the intent dropped');
  assert.equal(await rows(h, T.PART), 0, 'part rows deleted');
  await h.engine.gc({ graceMs: 0 });
  assert.ok((await readAll(h.engine, B, 'big')).equals(data), 'the object reads back after GC');
  await assert.rejects(h.engine.listParts(B, uploadId), { code: EngineErrors.NO_SUCH_UPLOAD.code });
  const f = await h.engine.fsck();
  assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs, missingRefs: f.missingRefs }, { missing: [], leaked: [], dangling: [], missingRefs: [] });
  await h.engine.deleteObject({ bucket: B, key: 'big' });
  await h.engine.gc({ graceMs: 0 });
  assert.equal((await h.engine.bucketStats(B)).physicalBytes, 0, 'deleted, every chunk is collected');
}

eachBackend('Complete of a large upload: no transaction drops everything it held', async (h) => {
  const { uploadId, list, data } = await upload(h.engine, 600);
  const members = await rows(h, T.MEMBER);
  assert.ok(members > 4096 + DRAIN_BATCH, `the upload holds ${members} chunks and CMs`);
  let drained!: number[];
  const completed = await writesPerTx(h.backend.meta, async () => {
    await h.engine.completeUpload(B, uploadId, list);
    drained = await writesPerTx(h.backend.meta, () => h.engine.gc({ graceMs: 0 }));
  });
  // Before: one transaction of 2 writes per hold plus the part rows (13,415 here).
  const most = Math.max(...completed, ...drained);
  assert.ok(most <= 2 * 4096 + 4 * DRAIN_BATCH + 64, `largest transaction ${most} rows (holds: ${members})`);
  assert.ok(most < 2 * members, `largest transaction ${most} rows < 2 × ${members}`);
  // The answer stays the same for a retried Complete while the drain runs or after.
  const again = await h.engine.completedUpload(B, uploadId, list);
  assert.ok(again, 'a retried Complete is answered');
  await assertSettled(h, uploadId, data);
});

eachBackend('Complete, then a restart before the drain ran: the intent-expiry worker finishes it', async (h) => {
  const { uploadId, list, data } = await upload(h.engine, 600);
  await h.engine.completeUpload(B, uploadId, list);
  // close() stops the background drain at its next transaction: work is left.
  await h.restart();
  assert.equal(await rows(h, T.INTENT), 1, 'the drain was stopped with work left');
  assert.ok((await readAll(h.engine, B, 'big')).equals(data), 'the object reads back meanwhile');
  await stepUntilIdle(h.engine.workers().find((w) => w.name === 'intent-expiry')!);
  await assertSettled(h, uploadId, data);
});

eachBackend('Complete of an ordinary upload still ends in its own transaction: nothing is left to drain', async (h) => {
  const { uploadId, list, data } = await upload(h.engine, 40);
  await h.engine.completeUpload(B, uploadId, list);
  assert.equal(await rows(h, T.INTENT), 0, 'no intent left for a drain');
  assert.equal(await rows(h, T.MEMBER), 0);
  assert.equal(await rows(h, T.PART), 0);
  await assertSettled(h, uploadId, data);
});

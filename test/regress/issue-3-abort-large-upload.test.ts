/**
 * Regress (issue #3, scale hunt): AbortMultipartUpload dropped everything its upload held — every
 * part row and, per chunk, the intent's membership row and back-reference — in one write
 * transaction, ~27 µs per chunk with every other write of the store waiting: 10^4 parts of two
 * chunks, one 426 ms transaction; a real 10^4 × 5 MiB upload ~1.4 s. Now the Abort's transaction
 * deletes the upload's records and marks its intent aborted (3 rows), and what the intent holds is
 * dropped DRAIN_BATCH rows per transaction afterwards: in the background at once, by the
 * intent-expiry worker after a restart, by GC's run. Counted in rows written per transaction, never
 * in time. The upload is gone when the Abort answers (API_AbortMultipartUpload: a later UploadPart,
 * ListParts or Complete fails with NoSuchUpload), and nothing leaks; the kill -9 half is in
 * issue-3-abort-large-upload-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { EngineErrors, type Engine, type Worker } from '../../src/engine/index.js';
import { DRAIN_BATCH } from '../../src/engine/refs.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { rowsRead, writesPerTx } from '../helpers/counting-backend.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const B = 'bkt';
/** 1 KiB chunks, 8 KiB parts (TEST_OPTS.minPartSize): 8 chunks a part, 1,280 in all (5 drain batches). */
const PARTS = 160;
const PART = 8192;

async function bigUpload(e: Engine): Promise<string> {
  await e.createBucket(B, { owner: 't', chunkSize: 1024 });
  const up = await e.createUpload({ bucket: B, key: 'big' }, {});
  for (let n = 1; n <= PARTS; n++) await e.putPart(B, up.uploadId, n, body(bytes(PART, n)));
  return up.uploadId;
}

/** Rows left in a table (the part rows, the intents). */
async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

async function stepUntilIdle(w: Worker): Promise<number> {
  let steps = 0;
  while ((await w.step()) === 'busy') steps++;
  return steps + 1;
}

/** Gone for every call that names it (as S3: NoSuchUpload). */
async function assertGone(e: Engine, uploadId: string): Promise<void> {
  const gone = { code: EngineErrors.NO_SUCH_UPLOAD.code };
  await assert.rejects(e.listParts(B, uploadId), gone);
  await assert.rejects(e.putPart(B, uploadId, PARTS + 1, body(bytes(PART, 999))), gone);
  await assert.rejects(e.completeUpload(B, uploadId, [{ partNumber: 1, etag: '"x"' }]), gone);
  await assert.rejects(e.abortUpload(B, uploadId), gone);
  assert.deepEqual((await e.listUploads(B, { limit: 100 })).uploads, []);
  assert.equal(await e.getUpload(B, uploadId), undefined);
}

/** Everything the upload held is collected, and fsck finds nothing wrong. */
async function assertFreed(h: Harness): Promise<void> {
  await h.engine.gc({ graceMs: 0 });
  assert.equal((await h.engine.bucketStats(B)).physicalBytes, 0, 'every chunk of the aborted upload collected');
  const f = await h.engine.fsck();
  assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs }, { missing: [], leaked: [], dangling: [] });
}

eachBackend('Abort of a large upload: its transaction and the drain\'s each write at most a batch', async (h) => {
  const uploadId = await bigUpload(h.engine);
  assert.ok((await h.engine.bucketStats(B)).physicalBytes >= PARTS * PART, 'the parts are stored');
  let drained!: number[];
  const aborted = await writesPerTx(h.backend.meta, async () => {
    await h.engine.abortUpload(B, uploadId);
    // The background drain started by the Abort, and GC's run that finishes it.
    drained = await writesPerTx(h.backend.meta, () => h.engine.gc({ graceMs: 0 }));
  });
  // Before: one transaction of 5,283 writes (160 part rows; per chunk a membership row and a
  // reference deleted, an unreferenced stamp and a GC queue row written).
  // Now: the upload record, its key index row, one batch of the drain and the intent marked aborted.
  assert.ok(aborted[0]! <= 3 + 4 * DRAIN_BATCH, `the Abort itself wrote ${aborted[0]} rows`);
  const most = Math.max(...aborted, ...drained);
  assert.ok(most <= 4 * DRAIN_BATCH, `at most a drain batch per transaction (largest ${most} rows)`);
  await assertGone(h.engine, uploadId);
  assert.equal(await rows(h, T.PART), 0, 'part rows deleted');
  assert.equal(await rows(h, T.INTENT), 0, 'the intent dropped');
  await assertFreed(h);
});

eachBackend('Abort, then a restart before the drain ran: the intent-expiry worker finishes it', async (h) => {
  const uploadId = await bigUpload(h.engine);
  await h.engine.abortUpload(B, uploadId);
  // close() stops the background drain at its next transaction: most of it is left.
  await h.restart();
  assert.equal(await rows(h, T.INTENT), 1, 'the drain was stopped with work left');
  await assertGone(h.engine, uploadId);
  const worker = h.engine.workers().find((w) => w.name === 'intent-expiry')!;
  const steps = await stepUntilIdle(worker);
  assert.ok(steps >= 1);
  assert.equal(await rows(h, T.PART), 0, 'the worker deleted the part rows');
  assert.equal(await rows(h, T.INTENT), 0, 'the worker dropped the intent');
  await assertFreed(h);
});

eachBackend('UploadPart in flight across the Abort fails with NoSuchUpload and leaks nothing', async (h) => {
  const uploadId = await bigUpload(h.engine);
  let resume!: () => void;
  const gate = new Promise<void>((r) => (resume = r));
  let started!: () => void;
  const halfway = new Promise<void>((r) => (started = r));
  const data = bytes(4 * PART, 7);
  const late = h.engine.putPart(B, uploadId, PARTS + 1, (async function* () {
    yield data.subarray(0, 2 * PART);
    started();
    await gate;
    yield data.subarray(2 * PART);
  })());
  await halfway;
  await h.engine.abortUpload(B, uploadId);
  resume();
  await assert.rejects(late, { code: EngineErrors.NO_SUCH_UPLOAD.code });
  await assertGone(h.engine, uploadId);
  // Bytes stored after the Abort have no row (refused): the orphan sweep removes them.
  await h.engine.gc({ graceMs: 0 });
  await h.engine.sweepOrphans();
  await assertFreed(h);
});

eachBackend('Aborts of small uploads are finished in their own transaction: nothing queues behind them', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: 1024 });
  // A client aborting small uploads faster than one drain transaction per upload could follow
  // (soak25: ~470 a second against ~190, 34,000 aborted intents queued and rising).
  for (let i = 0; i < 200; i++) {
    const up = await h.engine.createUpload({ bucket: B, key: `small-${i}` }, {});
    if (i % 2 === 0) await h.engine.putPart(B, up.uploadId, 1, body(bytes(PART, i)));
    await h.engine.abortUpload(B, up.uploadId);
    assert.equal(await rows(h, T.INTENT), 0, 'no aborted intent is left for a drain');
  }
  assert.equal(await rows(h, T.PART), 0);
  await assertFreed(h);
});

eachBackend('The intent-expiry worker reads the intent table again only after an Abort left an aborted intent', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: 1024 });
  // Open uploads: each has an intent the scan for aborted ones reads.
  for (let i = 0; i < 50; i++) await h.engine.createUpload({ bucket: B, key: `open-${i}` }, {});
  const worker = h.engine.workers().find((w) => w.name === 'intent-expiry')!;
  const readBy = (): Promise<number> => rowsRead(h.backend.meta, () => worker.step());
  // The scan for aborted upload intents read the table every step (10^4 open uploads: 10^4 rows a
  // step, beside expireIntents' own scan, which reads none of them now: issue-3-intent-expiry-open-uploads).
  const first = await readBy();
  assert.ok(first >= 50, `the first step after opening looks for aborted intents (${first} rows)`);
  const lean = await readBy();
  assert.equal(lean, 0, `nothing aborted since: no scan (${lean} rows)`);
  const uploadId = await (async () => {
    const up = await h.engine.createUpload({ bucket: B, key: 'big' }, {});
    for (let n = 1; n <= 40; n++) await h.engine.putPart(B, up.uploadId, n, body(bytes(PART, n)));
    return up.uploadId;
  })();
  await h.engine.abortUpload(B, uploadId);
  await stepUntilIdle(worker);
  await h.engine.gc({ graceMs: 0 });
  assert.equal(await rows(h, T.INTENT), 50, 'the aborted upload\'s intent is gone, the open ones stay');
  assert.ok((await readBy()) <= lean, 'drained and looked once more: no second scan again');
});


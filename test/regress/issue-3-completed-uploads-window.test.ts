/**
 * Issue #3 (periodic reads of a running gateway): the completed-uploads worker
 * (src/engine/housekeeping.ts) read every completed-upload answer (`D`, bucketId ‖ uploadId) at
 * each pass, every 15 minutes, to delete those older than 6 hours: each answer was read 24 times
 * before it was due. Upload ids start with their creation time (formats.md "Upload ids"), so a pass
 * now skips, per bucket, the ids stamped since the cut-off. Ids of older builds (16 random bytes)
 * are still read and deleted when due.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Worker } from '../../src/engine/index.js';
import { encodeCompletedUploadRecord } from '../../src/engine/format/records.js';
import { prefixRange, T, uploadDoneKey } from '../../src/engine/keys.js';
import { COMPLETED_UPLOAD_TTL_MS } from '../../src/engine/multipart.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { body, eachBackend, type Harness } from '../integration/engine/harness.js';

const UPLOADS = 150;
const PASS_MS = 15 * 60_000;

async function answers(h: Harness): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([T.UPLOAD_DONE])))) n++;
  return n;
}

/** One pass of `w` (until idle); the rows it read. */
async function pass(h: Harness, w: Worker): Promise<number> {
  return rowsRead(h.backend.meta, async () => {
    for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);
  });
}

eachBackend('a pass of the completed-uploads worker reads only the answers that can be due', async (h) => {
  const e = h.engine;
  const ids: Record<string, string[]> = { a: [], b: [] };
  for (const bucket of ['a', 'b']) {
    await e.createBucket(bucket, { owner: 't' });
    for (let i = 0; i < UPLOADS / 2; i++) {
      const { uploadId } = await e.createUpload({ bucket, key: `k${i}` }, {});
      const p = await e.putPart(bucket, uploadId, 1, body(Buffer.from(`part ${i}`)));
      await e.completeUpload(bucket, uploadId, [{ partNumber: 1, etag: p.etag }]);
      ids[bucket]!.push(uploadId);
    }
  }
  // Answers an older build left, with random ids: one due, one not; one not due whose random
  // bytes read as a stamp before the cut-off.
  const bid = Buffer.from((await e.getBucket('a'))!.id, 'hex');
  const answer = (completedAt: number): Buffer => encodeCompletedUploadRecord({ key: 'old', partsDigest: '0'.repeat(64), versionId: 'v', etag: '"e"', completedAt });
  const oldDue = Buffer.concat([Buffer.from([0xf0]), randomBytes(15)]);
  const oldKept = Buffer.concat([Buffer.from([0xf1]), randomBytes(15)]);
  const lowKept = Buffer.concat([Buffer.alloc(8), randomBytes(8)]);
  await h.backend.meta.transaction((tx) => {
    tx.put(uploadDoneKey(bid, oldDue), answer(h.clock.now() - COMPLETED_UPLOAD_TTL_MS - 1));
    tx.put(uploadDoneKey(bid, oldKept), answer(h.clock.now() - 1000));
    tx.put(uploadDoneKey(bid, lowKept), answer(h.clock.now() - 1000));
  });
  const w = e.workers().find((x) => x.name === 'completed-uploads')!;

  await pass(h, w);
  assert.equal(await answers(h), UPLOADS + 2, 'the old answer that was due is gone, nothing else');

  // The next passes within the 6 hours: a row per bucket (where the skip starts), the two old ids.
  for (let i = 0; i < 3; i++) {
    h.clock.advance(PASS_MS);
    const rows = await pass(h, w);
    // Without the skip every pass read all UPLOADS + 2 answers.
    assert.ok(rows <= 2 + 2, `pass ${i}: ${rows} rows read for ${UPLOADS} answers not due`);
  }
  assert.equal(await answers(h), UPLOADS + 2);
  // Newer answers in bucket a; then the first ones (and the old ids) come due, the newer not yet.
  for (let i = 0; i < 10; i++) {
    const { uploadId } = await e.createUpload({ bucket: 'a', key: `n${i}` }, {});
    const p = await e.putPart('a', uploadId, 1, body(Buffer.from(`part ${i}`)));
    await e.completeUpload('a', uploadId, [{ partNumber: 1, etag: p.etag }]);
  }
  h.clock.advance(COMPLETED_UPLOAD_TTL_MS - 3 * PASS_MS + 1);
  const rows = await pass(h, w);
  assert.equal(await answers(h), 10, 'the answers older than 6 hours are deleted, the newer kept');
  assert.ok(rows <= UPLOADS + 2 + 1, `${rows} rows read`);
  assert.ok(await e.completedUpload('a', ids.a![0]!, []) === undefined);

  h.clock.advance(3 * PASS_MS);
  await pass(h, w);
  assert.equal(await answers(h), 0, 'every answer older than 6 hours is deleted');
});

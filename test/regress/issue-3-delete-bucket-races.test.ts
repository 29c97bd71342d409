/**
 * Issue #3 (found by exploratory concurrency testing: CreateMultipartUpload racing DeleteBucket over
 * real sockets): a CreateMultipartUpload whose bucket lookup came before a DeleteBucket's commit and
 * whose own transaction came after it answered 200 with an upload id in a bucket that no longer
 * existed; its upload records and its intent (upload intents never expire) stayed in the store for
 * good. A snapshot taken in the same window left a snapshot row of the deleted bucket, and a bucket
 * configuration change could land on a bucket re-created under the name meanwhile. Each transaction
 * now re-checks, inside itself, that the bucket it looked up still exists.
 *
 * The interleaving is forced with a gate on the metadata store: the racing call's transaction is
 * held until the DeleteBucket (and a re-create) has committed.
 */
import assert from 'node:assert/strict';
import { T } from '../../src/engine/keys.js';
import { eachBackend, type Harness } from '../integration/engine/harness.js';
import { gateNextTransaction } from '../helpers/gates.js';

async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range({ gte: Buffer.from([table]), lt: Buffer.from([table + 1]) })) n++;
  return n;
}

eachBackend('CreateMultipartUpload racing DeleteBucket: NoSuchBucket, and no upload or intent is left behind', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  const before = { uploads: await rows(h, T.UPLOAD), byKey: await rows(h, T.UPLOAD_BY_KEY), intents: await rows(h, T.INTENT) };
  const gate = gateNextTransaction(h.backend.meta);
  const create = e.createUpload({ bucket: 'b', key: 'k' }, {});
  create.catch(() => undefined);
  await gate.reached;
  await e.deleteBucket('b');
  gate.release();
  await assert.rejects(create, { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
  assert.deepEqual({ uploads: await rows(h, T.UPLOAD), byKey: await rows(h, T.UPLOAD_BY_KEY), intents: await rows(h, T.INTENT) }, before);
  // The name is free and the new bucket is empty and deletable.
  await e.createBucket('b', { owner: 't' });
  assert.equal((await e.listUploads('b', { limit: 10 })).uploads.length, 0);
  await e.deleteBucket('b');
});

eachBackend('a snapshot racing DeleteBucket: NoSuchBucket, no snapshot row left behind', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  const gate = gateNextTransaction(h.backend.meta);
  const snap = e.snapshotCreate('b', 's1');
  snap.catch(() => undefined);
  await gate.reached;
  await e.deleteBucket('b');
  gate.release();
  await assert.rejects(snap, { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
  assert.equal(await rows(h, T.BSNAP), 0);
});

eachBackend('a bucket configuration change racing DeleteBucket + CreateBucket of the name: not applied to the new bucket', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 'alice' });
  const gate = gateNextTransaction(h.backend.meta);
  const put = e.putBucketConfig('b', 'policy', { Version: '2012-10-17', Statement: [] });
  put.catch(() => undefined);
  await gate.reached;
  await e.deleteBucket('b');
  await e.createBucket('b', { owner: 'bob' });
  gate.release();
  await assert.rejects(put, { code: 'CCOW_ERR_NO_SUCH_BUCKET' });
  const now = await e.getBucket('b');
  assert.equal(now?.owner, 'bob');
  assert.equal(now?.configs.policy, undefined);
});

/**
 * Issue #3 (spec15e, engine spec audit): every change-feed record carries `tenant` (ccow.md §14:
 * `{seq, uvid, op, tenant, bucket, key, vmId, generation, deleted, size, etag, originSegment,
 * viaIsgw, at}`), which the feed's consumers need: ISGW serves `tenant/bucket` pairs and routes by
 * the NHID, a hash of tenant, bucket and key (isgw.md §2, ccow.md §2). Only `bucket` records had it;
 * version, purge and meta records had none, and feedRead returned neither tenant, originSegment nor
 * viaIsgw of any record. A consumer could look the owner up by bucket name, but not once the bucket
 * was deleted, or re-created by another tenant, before it read the record. Now each object record
 * names its bucket's owner, purge records also the purged version's originSegment, and feedRead
 * returns the three fields.
 */
import assert from 'node:assert/strict';
import { body, eachBackend } from '../integration/engine/harness.js';

eachBackend('version, purge and meta records name the tenant; feedRead returns tenant, originSegment and viaIsgw', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 'tenant-1' });
  const v1 = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('one')));
  await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('two'))); // purges v1 (unversioned)
  await e.updateVersionMeta({ bucket: 'b', key: 'k' }, undefined, { tags: { a: '1' } });
  await e.deleteObject({ bucket: 'b', key: 'k' });
  await e.deleteBucket('b');
  // The name goes to another tenant before the consumer reads the feed.
  await e.createBucket('b', { owner: 'tenant-2' });
  await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('three')));

  const recs = await e.feedRead(0n, 100);
  assert.deepEqual(recs.map((r) => `${r.op}:${r.tenant}`), [
    'bucket:tenant-1', 'version:tenant-1', 'version:tenant-1', 'purge:tenant-1', 'meta:tenant-1',
    'version:tenant-1', 'purge:tenant-1', 'bucket:tenant-1', 'bucket:tenant-2', 'version:tenant-2',
  ]);
  for (const r of recs) assert.equal(r.viaIsgw, false);
  const first = recs[1]!;
  assert.equal(first.uvid, v1.uvid);
  assert.equal(typeof first.originSegment, 'number');
  const purge = recs[3]!;
  assert.equal(purge.uvid, v1.uvid);
  assert.equal(purge.originSegment, first.originSegment, 'a purge names the purged version\'s origin segment');
});

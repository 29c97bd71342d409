/**
 * Engine paths the coverage run (issue #3 coverage hunt) found untested, each driven for real on
 * both backends:
 * - fsck on an embedded VM (formats.md "Embedded VMs") whose bytes were damaged in its `ni2` row:
 *   reported corrupt and the version listed as damaged, not called clean (fsck.ts checkEmbedded);
 * - fsck on a version whose VM bytes (`C ‖ id ‖ 0x01`) are gone: reported missing, version damaged;
 * - DeleteObject of a given version with If-Match (objects.ts): the ETag compared is that
 *   version's, a mismatch is 412 and deletes nothing. AWS DeleteObject: "If-Match: Deletes the object
 *   if the ETag (entity tag) value provided during the delete operation matches the ETag of the
 *   object in S3. If the ETag values do not match, the operation returns a 412 Precondition Failed
 *   error." (docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html)
 */
import assert from 'node:assert/strict';
import { EngineErrors } from '../../../src/engine/index.js';
import type { StorageBackend } from '../../../src/storage/contract/index.js';
import { body, bytes, eachBackend, readAll } from './harness.js';

/** Every metadata row whose key starts with `prefix`. */
async function rows(backend: StorageBackend, prefix: string): Promise<[Buffer, Buffer][]> {
  const p = Buffer.from(prefix);
  const out: [Buffer, Buffer][] = [];
  const upper = Buffer.from(p);
  upper[upper.length - 1]!++;
  for await (const [k, v] of backend.meta.range({ gte: p, lt: upper })) out.push([Buffer.from(k), Buffer.from(v)]);
  return out;
}

eachBackend('fsck reports an embedded VM damaged in its name-index row as corrupt, and its version as damaged', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't' });
  const data = bytes(300, 7);
  const v = await e.putObject({ bucket: 'b', key: 'small' }, body(data));
  assert.deepEqual((await e.fsck()).corrupt, []);
  const embedded = (await rows(backend, 'n')).filter(([, val]) => val.subarray(0, 3).toString() === 'ni2');
  assert.equal(embedded.length, 1, 'a small object embeds its VM');
  const [key, val] = embedded[0]!;
  const damaged = Buffer.from(val);
  // The last byte is the inline data's: the VM still decodes, but no longer hashes to its id.
  damaged[damaged.length - 1]! ^= 0xff;
  await backend.meta.transaction((tx) => tx.put(key, damaged));
  const r = await e.fsck();
  const vmId = JSON.parse(val.subarray(7, 7 + val.readUInt32LE(3)).toString()).vmId as string;
  assert.deepEqual(r.corrupt, [vmId]);
  assert.deepEqual(r.damaged, [{ bucket: 'b', key: 'small', versionId: v.versionId }]);
});

eachBackend('fsck reports a version whose VM bytes are gone as missing and damaged', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't' });
  const v = await e.putObject({ bucket: 'b', key: 'big' }, body(bytes(20_000, 8)));
  const vms = (await rows(backend, 'C')).filter(([k, val]) => k.length === 34 && k[33] === 1 && val.subarray(0, 4).toString() === 'CCVM');
  assert.equal(vms.length, 1);
  const [key] = vms[0]!;
  await backend.meta.transaction((tx) => tx.del(key));
  const r = await e.fsck();
  assert.deepEqual(r.missing, [key.subarray(1, 33).toString('hex')]);
  assert.deepEqual(r.damaged, [{ bucket: 'b', key: 'big', versionId: v.versionId }]);
});

eachBackend('DeleteObject of a version with If-Match compares that version\'s ETag: a mismatch is 412 and deletes nothing', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const d1 = bytes(5000, 1);
  const v1 = await e.putObject({ bucket: 'b', key: 'k' }, body(d1));
  const v2 = await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(5000, 2)));
  const v3 = await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(5000, 3)));
  assert.notEqual(v1.etag, v2.etag);
  const versions = async (): Promise<string[]> => (await e.listVersions('b', { limit: 10 })).entries.map((x) => x.versionId);

  // The current version's ETag does not delete an older version.
  await assert.rejects(e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v1.versionId, condition: { ifMatch: v3.etag } }), (err) => EngineErrors.PRECONDITION.is(err));
  assert.deepEqual(await versions(), [v3.versionId, v2.versionId, v1.versionId]);
  assert.ok((await readAll(e, 'b', 'k', { versionId: v1.versionId })).equals(d1));

  // Its own ETag does, quoted or not (with spaces around, as a header may carry it).
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v1.versionId, condition: { ifMatch: ` ${v1.etag} ` } });
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v2.versionId, condition: { ifMatch: v2.etag.replace(/"/g, '') } });
  assert.deepEqual(await versions(), [v3.versionId]);
  // `*` matches any existing version.
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v3.versionId, condition: { ifMatch: '*' } });
  assert.deepEqual(await versions(), []);
  await assert.rejects(e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v3.versionId, condition: { ifMatch: '*' } }), (err) => EngineErrors.NO_SUCH_VERSION.is(err));
});

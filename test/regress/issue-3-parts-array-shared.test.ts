/**
 * Regress (issue #3, scale hunt): every HEAD and GET of a multipart object rebuilt its parts list
 * (resolve.ts toObjectVersion), one object per part, even with the version manifest cached: a
 * 10^4-part object's engine HEAD took 0.35 ms instead of 0.04. The list is now built once per
 * decoded VM and frozen, and the requests share it. Counted in part objects built per request
 * (none once the VM is cached), never in time; frozen, a caller that changed it would throw.
 */
import assert from 'node:assert/strict';
import { body, bytes, collect, eachBackend } from '../integration/engine/harness.js';

const B = 'bkt';
const PARTS = 200;
const PART = 8192;

eachBackend('HEAD and GET of a cached multipart version share one frozen parts list', async (h) => {
  const e = h.engine;
  await e.createBucket(B, { owner: 't', chunkSize: 4096 });
  const up = await e.createUpload({ bucket: B, key: 'mp' }, {});
  const parts = [];
  for (let n = 1; n <= PARTS; n++) parts.push({ partNumber: n, etag: (await e.putPart(B, up.uploadId, n, body(bytes(PART, n)))).etag });
  await e.completeUpload(B, up.uploadId, parts);

  const first = (await e.head({ bucket: B, key: 'mp' })).parts!;
  assert.equal(first.length, PARTS);
  assert.deepEqual(first[PARTS - 1], { partNumber: PARTS, size: PART, etag: parts[PARTS - 1]!.etag });
  // Before: a new array of 200 new part objects per call.
  const again = await e.head({ bucket: B, key: 'mp' });
  assert.equal(again.parts, first, 'a second HEAD builds no parts list');
  const r = await e.read({ bucket: B, key: 'mp' }, { offset: 0, length: 10 });
  await collect(r.body);
  assert.equal(r.version.parts, first, 'a GET shares it too');
  assert.ok(Object.isFrozen(first) && first.every((p) => Object.isFrozen(p)), 'the shared list and its parts are frozen');
  assert.throws(() => ((first as unknown as { size: number }[])[0]!.size = 1), TypeError);
  assert.throws(() => (first as unknown[]).push({}), TypeError);
});

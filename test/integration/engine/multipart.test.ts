/** Multipart uploads (s3-surface.md §4.5; ccow.md §9 intents): parts, complete, abort, restart. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { body, bytes, eachBackend, readAll } from './harness.js';

const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

eachBackend('upload parts, list them, complete: tree from the parts refs, ETag md5-of-md5s-N', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const up = await e.createUpload({ bucket: 'b', key: 'obj' }, { attrs: { contentType: 'video/mp4', userMeta: { a: 'b' } }, checksumAlgorithm: 'CRC32', checksumType: 'COMPOSITE' });
  assert.match(up.uploadId, /^[0-9a-f]{32}$/);
  assert.deepEqual((await e.getUpload('b', up.uploadId))?.key, 'obj');
  const parts = [bytes(9000, 1), bytes(8192, 2), bytes(100, 3)];
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    const p = await e.putPart('b', up.uploadId, i + 1, body(parts[i]!, 700));
    assert.equal(p.etag, `"${md5hex(parts[i]!)}"`);
    assert.equal(p.checksum?.algorithm, 'CRC32');
    done.push(p);
  }
  const listed = await e.listParts('b', up.uploadId, { limit: 2 });
  assert.deepEqual(listed.parts.map((p) => p.partNumber), [1, 2]);
  assert.equal(listed.truncated, true);
  assert.equal(listed.next, 2);
  assert.deepEqual((await e.listParts('b', up.uploadId, { marker: 2 })).parts.map((p) => p.size), [100]);
  const before = { puts: e.payloadPuts, chunks: (await backend.stats()).chunkCount };
  const v = await e.completeUpload('b', up.uploadId, done.map((p) => ({ partNumber: p.partNumber, etag: p.etag })), { checksum: { algorithm: 'CRC32', type: 'COMPOSITE', value: 'AAAAAA==-3' } });
  // No part byte is copied or re-read: nothing new in the chunk store.
  assert.equal(e.payloadPuts, before.puts);
  assert.equal((await backend.stats()).chunkCount, before.chunks);
  const all = Buffer.concat(parts);
  const want = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex');
  assert.equal(v.etag, `"${want}-3"`);
  assert.equal(v.size, all.length);
  assert.deepEqual(v.parts?.map((p) => [p.partNumber, p.size]), [[1, 9000], [2, 8192], [3, 100]]);
  assert.deepEqual(v.checksum, { algorithm: 'CRC32', type: 'COMPOSITE', value: 'AAAAAA==-3' });
  assert.equal(v.contentType, 'video/mp4');
  assert.deepEqual(await readAll(e, 'b', 'obj'), all);
  assert.deepEqual(await readAll(e, 'b', 'obj', { offset: 8500, length: 1000 }), all.subarray(8500, 9500));
  assert.equal(await e.getUpload('b', up.uploadId), undefined);
  await assert.rejects(e.putPart('b', up.uploadId, 4, body(Buffer.from('x'))), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });
  const r = await e.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.danglingRefs], [[], [], []]);
});

eachBackend('complete validates the part list: order, ETags, minimum size', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const up = await e.createUpload({ bucket: 'b', key: 'k' }, {});
  const p1 = await e.putPart('b', up.uploadId, 1, body(bytes(8192, 1)));
  const p2 = await e.putPart('b', up.uploadId, 2, body(bytes(100, 2)));
  const p3 = await e.putPart('b', up.uploadId, 3, body(bytes(100, 3)));
  await assert.rejects(e.completeUpload('b', up.uploadId, [{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1.etag }]), { code: 'CCOW_ERR_INVALID_PART_ORDER' });
  await assert.rejects(e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 1, etag: p1.etag }]), { code: 'CCOW_ERR_INVALID_PART_ORDER' });
  await assert.rejects(e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p2.etag }]), { code: 'CCOW_ERR_INVALID_PART' });
  await assert.rejects(e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 5, etag: p1.etag }]), { code: 'CCOW_ERR_INVALID_PART' });
  await assert.rejects(e.completeUpload('b', up.uploadId, [{ partNumber: 2, etag: p2.etag }, { partNumber: 3, etag: p3.etag }]), { code: 'CCOW_ERR_ENTITY_TOO_SMALL' });
  await assert.rejects(e.putPart('b', up.uploadId, 0, body(Buffer.from('x'))), { code: 'CCOW_ERR_INVALID_ARGUMENT' });
  await assert.rejects(e.putPart('b', up.uploadId, 10001, body(Buffer.from('x'))), { code: 'CCOW_ERR_INVALID_ARGUMENT' });
  // Re-uploading a part number replaces it; unlisted parts are dropped with the upload.
  const p1b = await e.putPart('b', up.uploadId, 1, body(bytes(9000, 9)));
  const v = await e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p1b.etag }, { partNumber: 3, etag: `${p3.etag.slice(1, -1)}` }]);
  assert.equal(v.size, 9100);
  assert.deepEqual(await readAll(e, 'b', 'k'), Buffer.concat([bytes(9000, 9), bytes(100, 3)]));
});

eachBackend('abort frees every chunk the parts stored; unknown uploads are NO_SUCH_UPLOAD', async ({ engine: e, backend, clock }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const base = (await backend.stats()).chunkCount;
  const up = await e.createUpload({ bucket: 'b', key: 'k' }, {});
  await e.putPart('b', up.uploadId, 1, body(bytes(10_000, 1)));
  await e.putPart('b', up.uploadId, 2, body(bytes(10_000, 2)));
  assert.equal((await backend.stats()).chunkCount - base, 20);
  await e.abortUpload('b', up.uploadId);
  await assert.rejects(e.abortUpload('b', up.uploadId), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });
  await assert.rejects(e.listParts('b', up.uploadId), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });
  await assert.rejects(e.putPart('b', 'f'.repeat(32), 1, body(Buffer.from('x'))), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });
  await assert.rejects(e.completeUpload('b', 'nonsense', [{ partNumber: 1, etag: 'x' }]), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });
  assert.equal(await e.gc({ graceMs: 60_000 }), 0, 'the hold protects freshly unreferenced chunks');
  clock.advance(60_000);
  assert.equal(await e.gc(), 20);
  assert.equal((await backend.stats()).chunkCount, base);
  const r = await e.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.leaked, r.danglingRefs], [[], [], [], []]);
  await e.deleteBucket('b');
});

eachBackend('uploads and their parts survive a restart; listUploads pages by key and upload id', async (h) => {
  const e0 = h.engine;
  await e0.createBucket('b', { owner: 't', chunkSize: 1024 });
  const ups = [];
  for (const k of ['x/1', 'x/2', 'y', 'y', 'z']) ups.push(await e0.createUpload({ bucket: 'b', key: k }, {}));
  const target = ups[2]!;
  const p1 = await e0.putPart('b', target.uploadId, 1, body(bytes(9000, 1)));
  await assert.rejects(h.engine.deleteBucket('b'), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
  await h.restart();
  const e = h.engine;
  const p2 = await e.putPart('b', target.uploadId, 2, body(bytes(500, 2)));
  const all = await e.listUploads('b', { limit: 1000 });
  assert.deepEqual(all.uploads.map((u) => u.key), ['x/1', 'x/2', 'y', 'y', 'z']);
  const byPrefix = await e.listUploads('b', { limit: 1000, delimiter: '/' });
  assert.deepEqual(byPrefix.commonPrefixes, ['x/']);
  assert.deepEqual(byPrefix.uploads.map((u) => u.key), ['y', 'y', 'z']);
  const seen: string[] = [];
  let km: string | undefined;
  let um: string | undefined;
  for (;;) {
    const p = await e.listUploads('b', { limit: 2, keyMarker: km, uploadIdMarker: um });
    seen.push(...p.uploads.map((u) => u.uploadId));
    if (!p.truncated) break;
    km = p.nextKeyMarker;
    um = p.nextUploadIdMarker;
  }
  assert.deepEqual(seen, all.uploads.map((u) => u.uploadId));
  const v = await e.completeUpload('b', target.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
  assert.equal(v.key, 'y');
  assert.deepEqual(await readAll(e, 'b', 'y'), Buffer.concat([bytes(9000, 1), bytes(500, 2)]));
});

eachBackend('copyPart: a byte range of an existing version becomes a part', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const src = bytes(30_000, 7);
  await e.putObject({ bucket: 'b', key: 'src' }, body(src));
  const up = await e.createUpload({ bucket: 'b', key: 'dst' }, {});
  const a = await e.copyPart('b', up.uploadId, 1, { bucket: 'b', key: 'src' }, { offset: 0, length: 10_240 });
  const b = await e.copyPart('b', up.uploadId, 2, { bucket: 'b', key: 'src' }, { offset: 12_345, length: 5000 });
  assert.equal(a.etag, `"${md5hex(src.subarray(0, 10_240))}"`);
  await e.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: a.etag }, { partNumber: 2, etag: b.etag }]);
  assert.deepEqual(await readAll(e, 'b', 'dst'), Buffer.concat([src.subarray(0, 10_240), src.subarray(12_345, 17_345)]));
});

eachBackend('an upload outlives any lease: days later, after intent expiry and GC, its parts complete and read back (ccow.md §9)', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const up = await e.createUpload({ bucket: 'b', key: 'k' }, {});
  const p1 = await e.putPart('b', up.uploadId, 1, body(bytes(9000, 3)));
  // Multipart intents never expire by time (§9); single-PUT intents would have after a lease.
  clock.advance(3 * 24 * 3_600_000);
  for (const w of e.workers().filter((x) => x.name === 'intent-expiry')) await w.step();
  assert.equal(await e.gc({ graceMs: 0 }), 0, 'nothing of the upload is collected');
  await h.restart();
  assert.equal(await h.engine.gc({ graceMs: 0 }), 0, 'nor after a restart');
  const p2 = await h.engine.putPart('b', up.uploadId, 2, body(bytes(700, 4)));
  await h.engine.completeUpload('b', up.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
  assert.deepEqual(await readAll(h.engine, 'b', 'k'), Buffer.concat([bytes(9000, 3), bytes(700, 4)]));
  const r = await h.engine.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.danglingRefs, r.missingRefs], [[], [], [], []]);
});

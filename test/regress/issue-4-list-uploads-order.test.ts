/**
 * Regression (issue #4, conformance "multipart/eight uploads of one key are all listed, in the order
 * they were created"): ListMultipartUploads listed a key's uploads in upload-id order, and upload ids
 * were 16 random bytes, so their order was random. AWS (API_ListMultipartUploads): "Uploads are
 * sorted by key. If your application has initiated more than one multipart upload using the same
 * object key, then uploads in the response are first sorted by key. Additionally, uploads are sorted
 * in ascending order within each key by the upload initiation time." Upload ids now start with a
 * µs timestamp that strictly increases per engine (src/engine/formats.md, "Upload ids"), so the
 * `W` index sorts them by initiation and an upload-id-marker stays a plain seek.
 *
 * Real local backend (LMDB + chunk files); one gateway with a frozen clock, so every id is issued in
 * the same µs and only the per-engine bump keeps them in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand,
  type S3Client, UploadPartCommand, type MultipartUpload,
} from '@aws-sdk/client-s3';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { decodeUploadRecord, encodeUploadRecord } from '../../src/engine/format/records.js';
import { encodeObjectKey, uploadByKeyKey, uploadKey } from '../../src/engine/keys.js';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const FROZEN = Date.parse('2026-11-26T12:00:00Z');

async function create(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  return out.UploadId!;
}

/** Every upload, one ListMultipartUploads page of `max` at a time (key-marker + upload-id-marker). */
async function listAll(s3: S3Client, bucket: string, max: number): Promise<MultipartUpload[]> {
  const all: MultipartUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: max, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    all.push(...(page.Uploads ?? []));
    if (!page.IsTruncated) return all;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  throw new Error('listing did not end');
}

/**
 * Re-key an upload under a 16-random-byte id, the layout every id had before this fix (same `U`
 * and `W` keys and `up1` record, only the id's bytes differ). 0xff first: it sorts after every
 * time-ordered id, as almost every old id does.
 */
async function makeLegacy(backend: StorageBackend, bucketIdHex: string, key: string, uploadId: string): Promise<string> {
  const bid = Buffer.from(bucketIdHex, 'hex');
  const oldId = Buffer.from(uploadId, 'hex');
  const legacy = randomBytes(16);
  legacy[0] = 0xff;
  await backend.meta.transaction((tx) => {
    const raw = tx.get(uploadKey(bid, oldId));
    assert.ok(raw, 'upload record exists');
    const rec = decodeUploadRecord(raw);
    tx.del(uploadKey(bid, oldId));
    tx.del(uploadByKeyKey(bid, encodeObjectKey(key), oldId));
    tx.put(uploadKey(bid, legacy), encodeUploadRecord({ ...rec, uploadId: legacy.toString('hex') }));
    tx.put(uploadByKeyKey(bid, encodeObjectKey(key), legacy), Buffer.alloc(0));
  });
  return legacy.toString('hex');
}

test('ListMultipartUploads: a key\'s uploads in creation order, also across pages and with a frozen clock', async (t) => {
  const { s3 } = await gatewayWithClient(t, { backend: 'local', engine: { clock: { now: () => FROZEN }, minPartSize: 1 } });
  const b = 'order';
  await s3.send(new CreateBucketCommand({ Bucket: b }));

  const a = [];
  const same = [];
  for (let i = 0; i < 3; i++) a.push(await create(s3, b, 'a'));
  for (let i = 0; i < 8; i++) same.push(await create(s3, b, 'same'));
  const z = await create(s3, b, 'z');
  for (const id of [...a, ...same, z]) assert.match(id, /^[0-9a-f]{32}$/);

  const expected = [...a.map((id) => ['a', id]), ...same.map((id) => ['same', id]), ['z', z]];
  const whole = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
  assert.deepEqual((whole.Uploads ?? []).map((u) => [u.Key, u.UploadId]), expected);
  for (const max of [1, 3, 5]) {
    assert.deepEqual((await listAll(s3, b, max)).map((u) => [u.Key, u.UploadId]), expected, `pages of ${max}`);
  }
  // A marker in the middle of one key's uploads resumes right after it.
  const rest = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: 'same', UploadIdMarker: same[3] }));
  assert.deepEqual((rest.Uploads ?? []).map((u) => u.UploadId), [...same.slice(4), z]);
});

test('ListMultipartUploads: an upload id from before the fix (random bytes) still lists, pages and completes', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { backend: 'local', engine: { minPartSize: 1 } });
  const b = 'legacy';
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const bucket = (await gw.engine.getBucket(b))!;

  const legacy = await makeLegacy(gw.backend, bucket.id, 'k', await create(s3, b, 'k'));
  const fresh = [];
  for (let i = 0; i < 4; i++) fresh.push(await create(s3, b, 'k'));
  const expected = [...fresh, legacy];
  assert.deepEqual((await listAll(s3, b, 1000)).map((u) => u.UploadId), expected);
  assert.deepEqual((await listAll(s3, b, 2)).map((u) => u.UploadId), expected);
  const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: 'k', UploadIdMarker: legacy }));
  assert.deepEqual(after.Uploads ?? [], []);

  const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: legacy, PartNumber: 1, Body: 'legacy bytes' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: legacy, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
  assert.equal(await got.Body!.transformToString(), 'legacy bytes');
  assert.deepEqual((await listAll(s3, b, 1000)).map((u) => u.UploadId), fresh);
});

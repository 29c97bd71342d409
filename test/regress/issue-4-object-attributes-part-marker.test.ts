/**
 * Issue #4 (found by reading GetObjectAttributes while probing ObjectParts paging): the
 * `x-amz-part-number-marker` header was clamped to 1000 like `x-amz-max-parts`, so on an object of
 * more than 1001 parts (S3 allows 10,000) a marker of 1001 answered parts 1001… again instead of
 * 1002…, and a client paging with NextPartNumberMarker never got past part 2000. AWS
 * (API_GetObjectAttributes): "x-amz-part-number-marker: Specifies the part after which listing
 * should begin. Only parts with higher part numbers will be listed."
 *
 * The 1,002 one-byte parts are written through the engine (fast); the reads go through SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectAttributesCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const PARTS = 1002;

async function* one(b: number): AsyncIterable<Uint8Array> {
  await Promise.resolve();
  yield Buffer.from([b]);
}

test('GetObjectAttributes: x-amz-part-number-marker above 1000 pages on (not clamped)', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } });
  const Bucket = 'many-parts';
  const Key = 'k';
  await s3.send(new CreateBucketCommand({ Bucket }));
  // Parts with checksums: S3 lists the parts of such objects only (API_GetObjectAttributesParts).
  const up = await gw.engine.createUpload({ bucket: Bucket, key: Key }, { checksumAlgorithm: 'CRC32', checksumType: 'COMPOSITE' });
  const parts = [];
  for (let n = 1; n <= PARTS; n++) {
    const p = await gw.engine.putPart(Bucket, up.uploadId, n, one(n & 0xff));
    parts.push({ partNumber: n, etag: p.etag });
  }
  await gw.engine.completeUpload(Bucket, up.uploadId, parts);

  const page = async (marker?: string, max?: number) => (await s3.send(new GetObjectAttributesCommand({
    Bucket, Key, ObjectAttributes: ['ObjectParts'], PartNumberMarker: marker, MaxParts: max,
  }))).ObjectParts;

  const after1001 = await page('1001');
  assert.deepEqual(after1001?.Parts?.map((p) => p.PartNumber), [1002]);
  assert.equal(after1001?.PartNumberMarker, '1001');
  assert.equal(after1001?.IsTruncated, false);

  // Paging with the answers' NextPartNumberMarker visits every part once.
  const seen: number[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 10; i++) {
    const p = await page(marker, 400);
    seen.push(...(p?.Parts ?? []).map((x) => x.PartNumber!));
    if (!p?.IsTruncated) break;
    marker = p.NextPartNumberMarker;
  }
  assert.equal(seen.length, PARTS);
  assert.deepEqual(seen, Array.from({ length: PARTS }, (_, i) => i + 1));
});

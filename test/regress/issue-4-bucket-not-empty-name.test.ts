/**
 * Issue #4 (spec-conformance audit, s3-surface.md §9 BucketNotEmpty, with the elements "where AWS
 * adds them"): DeleteBucket of a bucket that is not empty answered 409 BucketNotEmpty without
 * naming the bucket. S3 names it (`…You must delete all versions in the bucket.</Message>
 * <BucketName>versity-gwtest-bucket-…</BucketName><RequestId>…`, captured in
 * versity/versitygw#1780), as it does in its other bucket errors (NoSuchBucket, NoSuchTagSet…).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('BucketNotEmpty names the bucket, versioned or not', async () => {
  const { service } = await makeService();
  for (const [bucket, versioned] of [['plain-full', false], ['versioned-full', true]] as const) {
    await send(service, { method: 'PUT', path: `/${bucket}` });
    if (versioned) await send(service, { method: 'PUT', path: `/${bucket}?versioning`, body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    await send(service, { method: 'PUT', path: `/${bucket}/k`, body: 'x' });
    const r = await send(service, { method: 'DELETE', path: `/${bucket}` });
    assert.equal(r.status, 409, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'BucketNotEmpty');
    assert.equal(xmlText(r.text, 'BucketName'), bucket, r.text);
  }
});

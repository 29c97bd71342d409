/**
 * Issue #4 (session 13 gap): a retried CompleteMultipartUpload (the upload already completed; the
 * gateway answers the first result again, as S3 does) lacked the `x-amz-expiration` header the first
 * Complete sent when a lifecycle Expiration rule applies to the object. A client whose first answer
 * was lost saw `Expiration` undefined. The retry now answers the same headers as the first. SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a retried CompleteMultipartUpload answers the x-amz-expiration of the first', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  for (const versioned of [false, true]) {
    const Bucket = versioned ? 'retry-exp-versioned' : 'retry-exp';
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket, LifecycleConfiguration: { Rules: [{ ID: 'mpu/rule', Status: 'Enabled', Filter: { Prefix: 'mpu/' }, Expiration: { Days: 4 } }] },
    }));
    const Key = 'mpu/object';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'the only part' }));
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    const first = await complete();
    assert.match(first.Expiration ?? '', /^expiry-date=".+", rule-id="mpu%2Frule"$/, 'the first Complete shows it');
    const retry = await complete();
    assert.equal(retry.ETag, first.ETag);
    assert.equal(retry.VersionId, first.VersionId);
    assert.equal(retry.Expiration, first.Expiration, `versioned=${versioned}: the retry shows the same`);
  }
});

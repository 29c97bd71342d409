/**
 * Issue #4 (found by exploratory testing with boto3 1.43, list_buckets(BucketRegion='eu-west-1')):
 * ListBuckets ignored `bucket-region` and listed every bucket, each shown with BucketRegion
 * us-east-1, to a client that asked for the buckets in eu-west-1. S3: "Limits the response to
 * buckets that are located in the specified Amazon Web Services Region" (API_ListBuckets). Every
 * bucket here is in the gateway's region (--region), so another region now lists none; the
 * gateway's own region lists them all, as without the parameter. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('ListBuckets bucket-region: another region lists no bucket, the gateway region all', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  for (const Bucket of ['region-a', 'region-b']) await s3.send(new CreateBucketCommand({ Bucket }));

  const other = await s3.send(new ListBucketsCommand({ BucketRegion: 'eu-west-1' }));
  assert.deepEqual(other.Buckets ?? [], []);
  assert.equal(other.ContinuationToken, undefined);

  const own = await s3.send(new ListBucketsCommand({ BucketRegion: 'us-east-1' }));
  assert.deepEqual(own.Buckets?.map((b) => [b.Name, b.BucketRegion]), [['region-a', 'us-east-1'], ['region-b', 'us-east-1']]);
  const all = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(all.Buckets?.map((b) => b.Name), ['region-a', 'region-b']);
});

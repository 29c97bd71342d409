/**
 * Issue #4 (found by users14 with s3cmd: `s3cmd ws-delete s3://b` failed). DeleteBucketWebsite,
 * DeleteBucketEncryption and DeletePublicAccessBlock answered 501 NotImplemented, although no bucket
 * here can hold those configurations (their GETs answer what AWS answers for a bucket without one),
 * so the bucket is already in the state the delete asks for. AWS answers such a delete with success
 * ("You will get a 200 OK response if the website configuration you are trying to delete does not
 * exist on the bucket", API_DeleteBucketWebsite; 204 No Content in the examples of all three).
 * Now: 204 for the bucket owner, 403 for another tenant, 404 NoSuchBucket for a missing bucket; the
 * PUTs stay 501 and the GETs keep answering "none". Real HTTP, SDK v3, two tenants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, DeleteBucketEncryptionCommand, DeleteBucketWebsiteCommand, DeletePublicAccessBlockCommand,
  GetBucketWebsiteCommand, PutBucketWebsiteCommand, S3Client,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const BOB = { name: 'bob', accessKey: 'BOBABSENTCONFIG00001', secretKey: 'bob-absent-config-secret-00000000000001' };

const DELETES = [
  ['DeleteBucketWebsite', (Bucket: string) => new DeleteBucketWebsiteCommand({ Bucket })],
  ['DeleteBucketEncryption', (Bucket: string) => new DeleteBucketEncryptionCommand({ Bucket })],
  ['DeletePublicAccessBlock', (Bucket: string) => new DeletePublicAccessBlockCommand({ Bucket })],
] as const;

test('deletes of configurations no bucket holds: 204 for the owner, 403 for another tenant, 404 for a missing bucket', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { users: [BOB] }, { maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => bob.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'absent-config' }));
  for (const [name, make] of DELETES) {
    const out = await s3.send(make('absent-config') as never);
    assert.equal(out.$metadata.httpStatusCode, 204, name);
    const other = await errorOf(bob.send(make('absent-config') as never));
    assert.equal(other.$metadata.httpStatusCode, 403, `${name} by another tenant`);
    assert.equal(other.name, 'AccessDenied', `${name} by another tenant`);
    const missing = await errorOf(s3.send(make('no-such-bucket-here') as never));
    assert.equal(missing.name, 'NoSuchBucket', `${name} on a missing bucket`);
  }
  // Still nothing to hold: the GET answers "none", the PUT is not implemented.
  assert.equal((await errorOf(s3.send(new GetBucketWebsiteCommand({ Bucket: 'absent-config' })))).name, 'NoSuchWebsiteConfiguration');
  const put = await errorOf(s3.send(new PutBucketWebsiteCommand({ Bucket: 'absent-config', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } })));
  assert.equal(put.$metadata.httpStatusCode, 501);
});

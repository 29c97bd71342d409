/**
 * Issue #4 (presigned URLs): the AWS SDK for JavaScript v3 presigner moves `x-amz-*` request
 * headers into the URL's query ("hoisting": `x-amz-meta-*`, `x-amz-acl`, `x-amz-tagging` …) so the
 * holder need not send them, and S3 applies them as headers (aws-sdk-js-v3#4694: the object got its
 * metadata). The gateway ignored them: a browser upload through such a URL lost the object's
 * metadata, ACL and tags without any error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectAclCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a PutObject presigned with Metadata, ACL and Tagging stores all three', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'hoist' }));
  const url = await getSignedUrl(s3, new PutObjectCommand({
    Bucket: 'hoist', Key: 'up.txt', Metadata: { origin: 'browser' }, ACL: 'public-read', Tagging: 'team=web', ContentType: 'text/plain',
  }), { expiresIn: 300 });
  assert.match(url, /x-amz-meta-origin=browser/, 'the SDK hoists metadata into the query');
  // The SDK also hoists x-amz-checksum-crc32 of the empty body it saw at presign time; the
  // upload of a real body must still work (the checksum parameter is not applied).
  const put = await fetch(url, { method: 'PUT', body: 'hello', headers: { 'content-type': 'text/plain' } });
  assert.equal(put.status, 200, await put.text());

  const head = await s3.send(new HeadObjectCommand({ Bucket: 'hoist', Key: 'up.txt' }));
  assert.deepEqual(head.Metadata, { origin: 'browser' });
  assert.equal(head.ContentType, 'text/plain');
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'hoist', Key: 'up.txt' }));
  assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'web' }]);
  const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'hoist', Key: 'up.txt' }));
  assert.ok(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'), JSON.stringify(acl.Grants));
  const anon = await fetch(`${gw.url}/hoist/up.txt`);
  assert.equal(anon.status, 200, 'public-read applied');
  assert.equal(await anon.text(), 'hello');
});

test('hoisted parameters are signed: changing one breaks the signature', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'hoist' }));
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'hoist', Key: 'k', ACL: 'private' }), { expiresIn: 300 });
  const forged = await fetch(url.replace('x-amz-acl=private', 'x-amz-acl=public-read-write'), { method: 'PUT', body: 'x' });
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /SignatureDoesNotMatch/);
});

/**
 * Issue #4 (found by the property fuzz of test/integration/fuzz/headers-query.test.ts, then over
 * real HTTP): a SigV4 presigned PUT carries hoisted `x-amz-meta-*` and
 * `x-amz-website-redirect-location` in its query, and a query parameter, unlike a header, may hold
 * any character. `x-amz-meta-note=a%0Ab`, `=%F0%9F%98%80` (the SDK's own hoisting of
 * Metadata: { note: '😀' }) or a name like `x-amz-meta-%C3%BC` were stored as they were; the PUT
 * answered 200 and every later GET and HEAD of the object answered 500 (Node refuses such a header).
 * Now they get PostObject's treatment of form fields: a name that is not an HTTP token or a control
 * character in a value is 400 InvalidArgument, nothing stored; a non-ASCII value is kept and sent
 * back as an RFC 2047 encoded-word, as AWS presents non-ASCII metadata (UsingMetadata.html).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('presigned PUT with hoisted metadata the response headers cannot carry: 400 and nothing stored, or an encoded-word', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'hoistmeta' }));
  const refused: [string, Record<string, string>][] = [['lf', { note: 'a\nb' }], ['nul', { note: 'a\u0000b' }], ['name', { 'ü': 'v' }], ['space', { 'a b': 'v' }]];
  for (const [key, Metadata] of refused) {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'hoistmeta', Key: key, Metadata }), { expiresIn: 300 });
    const put = await fetch(url, { method: 'PUT', body: 'data' });
    const text = await put.text();
    assert.equal(put.status, 400, `${key}: ${text}`);
    assert.match(text, /<Code>InvalidArgument<\/Code>/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'hoistmeta', Key: key })).then(() => 200, (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    assert.equal(head, 404, `${key}: nothing stored`);
  }

  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'hoistmeta', Key: 'emoji', Metadata: { note: '😀', plain: 'ok' } }), { expiresIn: 300 });
  const put = await fetch(url, { method: 'PUT', body: 'data' });
  assert.equal(put.status, 200, await put.text());
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'hoistmeta', Key: 'emoji' }));
  assert.equal(head.Metadata?.note, `=?UTF-8?B?${Buffer.from('😀').toString('base64')}?=`);
  assert.equal(head.Metadata?.plain, 'ok');
  const get = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'hoistmeta', Key: 'emoji' }), { expiresIn: 300 }));
  assert.equal(get.status, 200);
  assert.equal(await get.text(), 'data');
});

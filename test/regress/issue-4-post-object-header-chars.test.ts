/**
 * Issue #4 (PostObject): a form field, unlike a request header, may hold any character. The fields
 * that become object headers were stored raw, and Node refuses to write CR/LF, other control
 * characters or characters past U+00FF in a header, so every GET and HEAD of such an object answered
 * 500 — a form could store an object nobody could read. A `success_action_redirect` with CR/LF
 * stored the object and then answered 500. Now: control characters in a value or an invalid
 * `x-amz-meta-*` name → 400 InvalidArgument and nothing stored; a non-ASCII value is stored as an
 * RFC 2047 encoded-word (how AWS presents non-ASCII metadata, UsingMetadata.html) and reads back;
 * the redirect goes out in the URL parser's form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const BUCKET = 'form-chars';

test('PostObject: form fields that cannot be header values leave no unreadable object', async (t) => {
  const { s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  const post = async (key: string, extra: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket: BUCKET, Key: key, Expires: 600, Fields: extra });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob(['data']), 'f.txt');
    const res = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  };
  const stored = async (key: string): Promise<boolean> => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
    return (listed.Contents ?? []).some((o) => o.Key === key);
  };

  await t.test('CR/LF in a metadata value or Content-Type: 400 InvalidArgument, nothing stored', async () => {
    for (const [key, extra] of [['crlf-meta', { 'x-amz-meta-a': 'v\r\nx-evil: 1' }], ['crlf-type', { 'Content-Type': 'text/plain\r\nX-Evil: 1' }]] as const) {
      const a = await post(key, extra);
      assert.equal(a.status, 400, a.text);
      assert.match(a.text, /<Code>InvalidArgument<\/Code>/);
      assert.equal(await stored(key), false);
    }
  });

  await t.test('a metadata name that is no HTTP token: 400 InvalidArgument, nothing stored', async () => {
    const a = await post('bad-name', { 'x-amz-meta-a b': 'v' });
    assert.equal(a.status, 400, a.text);
    assert.match(a.text, /<Code>InvalidArgument<\/Code>/);
    assert.equal(await stored('bad-name'), false);
  });

  await t.test('a non-ASCII metadata value is stored RFC 2047 encoded and the object reads back', async () => {
    const a = await post('unicode', { 'x-amz-meta-city': '東京' });
    assert.equal(a.status, 204, a.text);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'unicode' }));
    assert.equal(await got.Body?.transformToString(), 'data');
    const word = got.Metadata?.city ?? '';
    assert.equal(word, `=?UTF-8?B?${Buffer.from('東京').toString('base64')}?=`);
  });

  await t.test('a success_action_redirect with CR/LF: 303 to the parsed URL', async () => {
    const a = await post('redirect', { success_action_redirect: 'https://app.example.com/done\r\nX-Evil: 1' });
    assert.equal(a.status, 303, a.text);
    assert.ok(a.location?.startsWith('https://app.example.com/doneX-Evil:%201?bucket=form-chars&key=redirect&etag='), a.location ?? '');
  });
});

/**
 * Issue #4 (PostObject): a form part whose Content-Disposition has no `name` (or `name=""`) — busboy
 * reports its name as undefined — reached the handler's `name.toLowerCase()` and the upload was
 * answered 500 InternalError, before or after the file. Such a part is no form field: it is skipped,
 * as Go's mime/multipart ReadForm skips it, and the form is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, PutBucketAclCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('PostObject: parts without a name are skipped, not a 500', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'open-forms' }));
  await s3.send(new PutBucketAclCommand({ Bucket: 'open-forms', ACL: 'public-read-write' }));

  const b = 'nameless';
  const part = (disposition: string, value: string): string => `--${b}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;
  const body = part('form-data; name=""', 'empty name') + part('form-data', 'no name') + part('form-data; name="key"', 'kept')
    + part('form-data; filename="x.txt"', 'nameless file') + part('form-data; name="file"; filename="f.txt"', 'the file')
    + part('form-data', 'after the file') + `--${b}--\r\n`;
  const res = await fetch(`${gw.url}/open-forms`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${b}` } });
  assert.equal(res.status, 204, await res.text());
  const got = await s3.send(new GetObjectCommand({ Bucket: 'open-forms', Key: 'kept' }));
  assert.equal(await got.Body?.transformToString(), 'the file');
});

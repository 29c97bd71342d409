/**
 * Issue #4: a PostObject form whose `file` is a plain field (no filename: a string, not a file
 * part) and whose key holds `${filename}` stored the object under the key with `${filename}`
 * replaced by nothing (`file-as-field-`). S3 keeps `${filename}` as written when there is no file
 * name: the AWS recording in LocalStack's tests/aws/services/s3/test_s3.snapshot.json
 * (TestS3PresignedPost::test_post_object_with_file_as_string, list-objects) lists the key
 * `file-as-field-${filename}` with the field's 44 bytes. A file part's name is still put in.
 * Real HTTP, SDK v3 presigned POST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('PostObject: ${filename} stays as written when the file is a plain field', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'post-filename-field';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const post = async (Key: string, file: (form: FormData) => void): Promise<Response> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket, Key, Expires: 600 });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    file(form);
    return fetch(url, { method: 'POST', body: form });
  };
  const asField = await post('file-as-field-${filename}', (f) => f.append('file', 'x'.repeat(44)));
  assert.equal(asField.status, 204, await asField.text());
  const asFile = await post('file-part-${filename}', (f) => f.append('file', new Blob(['abc']), 'named.txt'));
  assert.equal(asFile.status, 204, await asFile.text());
  const listed = (await s3.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((o) => [o.Key, o.Size]);
  assert.deepEqual(listed, [['file-as-field-${filename}', 44], ['file-part-named.txt', 3]]);
});

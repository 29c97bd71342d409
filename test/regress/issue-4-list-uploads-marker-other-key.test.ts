/**
 * Issue #4: ListMultipartUploads with an upload-id-marker naming an upload of another key than
 * key-marker answered 200 with whatever followed. S3 refuses it: 400 InvalidArgument "Invalid
 * uploadId marker", ArgumentName upload-id-marker (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_list_operations.py test_list_multiparts_next_marker,
 * list-multiparts-wrong-id-for-key). A marker of the key itself pages on as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('ListMultipartUploads: an upload-id-marker of another key is 400 InvalidArgument', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/lum' });
  const ids: Record<string, string> = {};
  for (const k of ['test_c', 'test_b']) ids[k] = xmlText((await send(service, { method: 'POST', path: `/lum/${k}?uploads` })).text, 'UploadId')!;
  const r = await send(service, { method: 'GET', path: `/lum?uploads&max-uploads=1&key-marker=test_c&upload-id-marker=${ids.test_b}` });
  assert.equal(r.status, 400, r.text);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText(r.text, 'Message'), 'Invalid uploadId marker');
  assert.equal(xmlText(r.text, 'ArgumentName'), 'upload-id-marker');
  assert.equal(xmlText(r.text, 'ArgumentValue'), ids.test_b);
  const own = await send(service, { method: 'GET', path: `/lum?uploads&max-uploads=1&key-marker=test_b&upload-id-marker=${ids.test_b}` });
  assert.equal(own.status, 200, own.text);
  assert.deepEqual(xmlAll(own.text, 'UploadId'), [ids.test_c]);
});

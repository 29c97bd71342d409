/**
 * Issue #4: CompleteMultipartUpload sent without a body (boto3's complete_multipart_upload with no
 * MultipartUpload argument) answered 400 MalformedXML. S3 answers 400 InvalidRequest 'You must
 * specify at least one part' (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
 * test_multipart_complete_multipart_too_small, snapshot complete-exc-no-parts). An upload id that
 * names no upload is still 404 NoSuchUpload first (test_multipart_no_such_upload complete-exc), and
 * a document listing no part stays MalformedXML (ceph s3-tests test_multipart_upload_empty).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('CompleteMultipartUpload without a body is InvalidRequest, not MalformedXML', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/cnb' });
  const id = xmlText((await send(service, { method: 'POST', path: '/cnb/k?uploads' })).text, 'UploadId')!;
  await send(service, { method: 'PUT', path: `/cnb/k?partNumber=1&uploadId=${id}`, body: 'data' });

  const noBody = await send(service, { method: 'POST', path: `/cnb/k?uploadId=${id}` });
  assert.equal(noBody.status, 400, noBody.text);
  assert.equal(xmlText(noBody.text, 'Code'), 'InvalidRequest');
  assert.equal(xmlText(noBody.text, 'Message'), 'You must specify at least one part');

  const noPart = await send(service, { method: 'POST', path: `/cnb/k?uploadId=${id}`, body: '<CompleteMultipartUpload></CompleteMultipartUpload>' });
  assert.equal(noPart.status, 400, noPart.text);
  assert.equal(xmlText(noPart.text, 'Code'), 'MalformedXML');

  const gone = await send(service, { method: 'POST', path: '/cnb/k?uploadId=fakeid' });
  assert.equal(gone.status, 404, gone.text);
  assert.equal(xmlText(gone.text, 'Code'), 'NoSuchUpload');

  // The upload is still there to complete.
  assert.equal((await send(service, { method: 'GET', path: `/cnb/k?uploadId=${id}` })).status, 200);
});

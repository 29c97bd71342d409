/**
 * Issue #4: a conditional write that failed (PutObject, CompleteMultipartUpload with If-None-Match
 * or If-Match) answered 412 PreconditionFailed without saying which condition. S3 names it:
 * `<Condition>If-None-Match</Condition>` / `<Condition>If-Match</Condition>` (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3_api.py TestS3ObjectWritePrecondition:
 * put-obj-if-none-match, put-obj-if-match-wrong-etag, complete-multipart-if-none-match,
 * complete-multipart-if-match-put-before), as it does for GET's conditions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('a failed write condition names its header in <Condition>', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/wpc' });
  assert.equal((await send(service, { method: 'PUT', path: '/wpc/k', body: 'test', headers: { 'if-none-match': '*' } })).status, 200);
  const checks: { name: string; r: Awaited<ReturnType<typeof send>>; condition: string }[] = [];
  checks.push({ name: 'PutObject If-None-Match', condition: 'If-None-Match', r: await send(service, { method: 'PUT', path: '/wpc/k', body: 'x', headers: { 'if-none-match': '*' } }) });
  checks.push({ name: 'PutObject If-Match', condition: 'If-Match', r: await send(service, { method: 'PUT', path: '/wpc/k', body: 'x', headers: { 'if-match': '"d41d8cd98f00b204e9800998ecf8427e"' } }) });
  const id = xmlText((await send(service, { method: 'POST', path: '/wpc/k?uploads' })).text, 'UploadId')!;
  const etag = String((await send(service, { method: 'PUT', path: `/wpc/k?partNumber=1&uploadId=${id}`, body: 'test' })).headers.etag);
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
  checks.push({ name: 'Complete If-None-Match', condition: 'If-None-Match', r: await send(service, { method: 'POST', path: `/wpc/k?uploadId=${id}`, body: complete, headers: { 'if-none-match': '*' } }) });
  checks.push({ name: 'Complete If-Match', condition: 'If-Match', r: await send(service, { method: 'POST', path: `/wpc/k?uploadId=${id}`, body: complete, headers: { 'if-match': '"d41d8cd98f00b204e9800998ecf8427e"' } }) });
  for (const { name, r, condition } of checks) {
    assert.equal(r.status, 412, `${name}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'PreconditionFailed', name);
    assert.equal(xmlText(r.text, 'Condition'), condition, name);
  }
  assert.equal((await send(service, { method: 'GET', path: '/wpc/k' })).text, 'test', 'nothing was written');
});

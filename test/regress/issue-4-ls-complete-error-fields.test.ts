/**
 * Issue #4 (CompleteMultipartUpload errors, LocalStack's AWS recordings): InvalidPart echoed the
 * part's ETag with the quotes the client listed it with, and InvalidPartOrder did not name the
 * upload. LocalStack's tests/aws/services/s3/test_s3.snapshot.json (recorded against AWS):
 * test_multipart_complete_multipart_wrong_part lists the quoted ETag boto3 returned under part
 * number 2 and S3 answers `<ETag>8d777f385d3dfec8815d20f7496026dc</ETag>` (no quotes), with
 * UploadId and PartNumber; test_complete_multipart_parts_order's parts in reverse order answer
 * InvalidPartOrder with `<UploadId>`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('CompleteMultipartUpload: InvalidPart ETag unquoted, InvalidPartOrder names the upload', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/cmpfields' })).status, 200);
  const uploadId = xmlText((await send(service, { method: 'POST', path: '/cmpfields/k?uploads' })).text, 'UploadId')!;
  const etags: string[] = [];
  for (const n of [1, 2]) {
    const part = await send(service, { method: 'PUT', path: `/cmpfields/k?partNumber=${n}&uploadId=${uploadId}`, body: Buffer.alloc(n === 1 ? 5 * 1024 * 1024 : 4, 1) });
    assert.equal(part.status, 200);
    etags.push(String(part.headers.etag));
  }
  const partXml = (n: number, etag: string): string => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`;
  const complete = (parts: string): ReturnType<typeof send> => send(service, { method: 'POST', path: `/cmpfields/k?uploadId=${uploadId}`, body: `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>` });

  assert.match(etags[0]!, /^"[0-9a-f]{32}"$/);
  const wrongNumber = await complete(partXml(1, etags[0]!) + partXml(3, etags[1]!));
  assert.equal(wrongNumber.status, 400);
  assert.equal(xmlText(wrongNumber.text, 'Code'), 'InvalidPart');
  assert.equal(xmlText(wrongNumber.text, 'ETag'), etags[1]!.replaceAll('"', ''));
  assert.equal(xmlText(wrongNumber.text, 'PartNumber'), '3');
  assert.equal(xmlText(wrongNumber.text, 'UploadId'), uploadId);

  const reversed = await complete(partXml(2, etags[1]!) + partXml(1, etags[0]!));
  assert.equal(reversed.status, 400);
  assert.equal(xmlText(reversed.text, 'Code'), 'InvalidPartOrder');
  assert.equal(xmlText(reversed.text, 'UploadId'), uploadId);

  // The upload is still usable.
  assert.equal((await complete(partXml(1, etags[0]!) + partXml(2, etags[1]!))).status, 200);
});

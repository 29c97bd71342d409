/**
 * Issue #4: CompleteMultipartUpload of an upload that declared no checksum algorithm, listing a
 * ChecksumSHA256 for a part uploaded without any checksum, completed (200) and ignored the listed
 * value. S3 answers 400 InvalidPart naming the upload, the part and its ETag (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3.py test_multipart_parts_checksum_exceptions, snapshot
 * complete-part-with-checksum: the right SHA-256 of the part's bytes 'abc', still InvalidPart). A
 * listed checksum the stored part does have, with its value, still completes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const complete = (etag: string, checksum: string): string =>
  `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag>${checksum}</Part></CompleteMultipartUpload>`;

test('a listed part checksum the stored part lacks is InvalidPart', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/cku' });
  const id = xmlText((await send(service, { method: 'POST', path: '/cku/k?uploads' })).text, 'UploadId')!;
  const etag = String((await send(service, { method: 'PUT', path: `/cku/k?partNumber=1&uploadId=${id}`, body: 'abc' })).headers.etag);
  const sha = createHash('sha256').update('abc').digest('base64');

  const r = await send(service, { method: 'POST', path: `/cku/k?uploadId=${id}`, body: complete(etag, `<ChecksumSHA256>${sha}</ChecksumSHA256>`) });
  assert.equal(r.status, 400, r.text);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidPart');
  assert.equal(xmlText(r.text, 'UploadId'), id);
  assert.equal(xmlText(r.text, 'PartNumber'), '1');
  assert.equal(xmlText(r.text, 'ETag'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal((await send(service, { method: 'HEAD', path: '/cku/k' })).status, 404, 'nothing completed');

  // A part stored with a CRC32 (SDKs send one by default) listed with that CRC32 completes.
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc32('abc'));
  const crc = be.toString('base64');
  const id2 = xmlText((await send(service, { method: 'POST', path: '/cku/k2?uploads' })).text, 'UploadId')!;
  const etag2 = String((await send(service, { method: 'PUT', path: `/cku/k2?partNumber=1&uploadId=${id2}`, body: 'abc', headers: { 'x-amz-checksum-crc32': crc } })).headers.etag);
  const ok = await send(service, { method: 'POST', path: `/cku/k2?uploadId=${id2}`, body: complete(etag2, `<ChecksumCRC32>${crc}</ChecksumCRC32>`) });
  assert.equal(ok.status, 200, ok.text);
});

/**
 * Issue #4 (found by exploratory multipart testing at the S3 limits): a CompleteMultipartUpload list
 * naming part 0 answered 400 InvalidPartOrder, and a negative PartNumber 400 MalformedXML. S3
 * answers both with 400 InvalidArgument 'PartNumber must be >= 1' (versitygw#1072 quotes it; its
 * CompleteMultipartUpload_invalid_part_number test sends -4). Order and missing-part errors are
 * unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const completeBody = (parts: [string, string][]): string =>
  `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;

test('Complete naming part 0 or a negative part: InvalidArgument, not InvalidPartOrder / MalformedXML', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/pn0' });
  const id = xmlText((await send(service, { method: 'POST', path: '/pn0/k?uploads' })).text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/pn0/k?partNumber=1&uploadId=${id}`, body: 'only part' });
  const etag = String(part.headers.etag);
  const complete = (parts: [string, string][]) => send(service, { method: 'POST', path: `/pn0/k?uploadId=${id}`, body: completeBody(parts) });

  for (const parts of [[['0', etag]], [['-4', etag]], [['1', etag], ['0', etag]], [['-0', etag]]] as [string, string][][]) {
    const r = await complete(parts);
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', JSON.stringify(parts));
    assert.equal(xmlText(r.text, 'Message')?.replace('&gt;', '>'), 'PartNumber must be >= 1');
  }
  const order = await complete([['1', etag], ['1', etag]]);
  assert.equal(xmlText(order.text, 'Code'), 'InvalidPartOrder');
  const missing = await complete([['1', etag], ['2', etag]]);
  assert.equal(xmlText(missing.text, 'Code'), 'InvalidPart');
  const notANumber = await complete([['x', etag]]);
  assert.equal(xmlText(notANumber.text, 'Code'), 'MalformedXML');
  // The upload is intact after the refusals.
  const ok = await complete([['1', etag]]);
  assert.equal(ok.status, 200, ok.text);
});

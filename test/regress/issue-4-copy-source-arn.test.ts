/**
 * Issue #4: an access point ARN as `x-amz-copy-source` (API_CopyObject allows
 * `arn:aws:s3:<Region>:<account-id>:accesspoint/<name>/object/<key>`, URL-encoded or not) answered
 * 404 NoSuchBucket naming the bucket "arn:aws:s3:…:accesspoint", which sends a user looking for a
 * bucket. The gateway has no access points: 501 NotImplemented saying so, for CopyObject and
 * UploadPartCopy alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const ARN = 'arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap/object/src';

test('copy source given as an access point ARN: 501 NotImplemented, not NoSuchBucket', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/apb' });
  await send(service, { method: 'PUT', path: '/apb/src', body: 'x' });
  const id = xmlText((await send(service, { method: 'POST', path: '/apb/mp?uploads' })).text, 'UploadId')!;
  for (const source of [ARN, `/${ARN}`, encodeURIComponent(ARN)]) {
    for (const path of ['/apb/dst', `/apb/mp?partNumber=1&uploadId=${id}`]) {
      const r = await send(service, { method: 'PUT', path, headers: { 'x-amz-copy-source': source } });
      assert.equal(r.status, 501, `${path} ${source}`);
      assert.equal(xmlText(r.text, 'Code'), 'NotImplemented');
      assert.equal(xmlText(r.text, 'Header'), 'x-amz-copy-source');
      assert.match(xmlText(r.text, 'Message') ?? '', /access point/);
    }
  }
});

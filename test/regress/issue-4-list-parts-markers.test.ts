/**
 * Issue #4 (ListParts markers): the last page had no NextPartNumberMarker, and a
 * part-number-marker above 10000 came back as 10000. S3 sends NextPartNumberMarker (the last part
 * of the page) on the last page too — a recorded AWS answer reads
 * `<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker>…<IsTruncated>false</IsTruncated>`,
 * and the Go v2 / Rust / Swift / Kotlin SDKs had to stop their ListParts paginators on
 * IsTruncated for it (aws/aws-sdk-go-v2#1140, awslabs/aws-sdk-rust#1143) — and echoes the
 * request's PartNumberMarker (an int32; moto and Ceph RGW echo it). A page with no part still has
 * no NextPartNumberMarker (S3 sends "0"): the JS SDK v3 paginator, which has no IsTruncated check,
 * would start over for ever on it. Invalid markers stay 400 InvalidArgument.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, CreateMultipartUploadCommand, paginateListParts, UploadPartCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('ListParts: NextPartNumberMarker on the last page, the request marker echoed past 10000', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/lpm' });
  const id = xmlText((await send(service, { method: 'POST', path: '/lpm/k?uploads' })).text, 'UploadId')!;
  for (const n of [1, 2, 3]) assert.equal((await send(service, { method: 'PUT', path: `/lpm/k?partNumber=${n}&uploadId=${id}`, body: `p${n}` })).status, 200);

  const all = await send(service, { method: 'GET', path: `/lpm/k?uploadId=${id}` });
  assert.equal(all.status, 200, all.text);
  assert.equal(xmlText(all.text, 'PartNumberMarker'), '0');
  assert.equal(xmlText(all.text, 'NextPartNumberMarker'), '3');
  assert.equal(xmlText(all.text, 'IsTruncated'), 'false');

  const tail = await send(service, { method: 'GET', path: `/lpm/k?uploadId=${id}&max-parts=2&part-number-marker=1` });
  assert.equal(xmlText(tail.text, 'NextPartNumberMarker'), '3');
  assert.equal(xmlText(tail.text, 'IsTruncated'), 'false');

  const far = await send(service, { method: 'GET', path: `/lpm/k?uploadId=${id}&part-number-marker=20000` });
  assert.equal(far.status, 200, far.text);
  assert.equal(xmlText(far.text, 'PartNumberMarker'), '20000');
  assert.equal(xmlText(far.text, 'NextPartNumberMarker'), undefined);
  assert.equal(xmlText(far.text, 'IsTruncated'), 'false');

  for (const bad of ['-1', 'abc', '1.5']) {
    const r = await send(service, { method: 'GET', path: `/lpm/k?uploadId=${id}&part-number-marker=${bad}` });
    assert.equal(r.status, 400, `${bad}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(r.text, 'ArgumentName'), 'part-number-marker');
  }
});

test('ListParts: the JS SDK v3 paginator still ends and sees every part once', async (t) => {
  const { s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'lpm-sdk' }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lpm-sdk', Key: 'k' }));
  for (const n of [1, 2, 3]) await s3.send(new UploadPartCommand({ Bucket: 'lpm-sdk', Key: 'k', UploadId, PartNumber: n, Body: `p${n}` }));
  for (const MaxParts of [2, 3, 1000]) {
    const seen: number[] = [];
    let pages = 0;
    for await (const page of paginateListParts({ client: s3 }, { Bucket: 'lpm-sdk', Key: 'k', UploadId, MaxParts })) {
      for (const p of page.Parts ?? []) seen.push(p.PartNumber!);
      assert.ok(++pages <= 4, `MaxParts ${MaxParts}: the paginator does not end`);
    }
    assert.deepEqual(seen, [1, 2, 3], `MaxParts ${MaxParts}`);
  }
});

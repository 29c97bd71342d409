/**
 * Multipart uploads at S3's documented limits (AWS qfacts: 10,000 parts, part numbers 1–10,000),
 * through the S3 service: UploadPart at the bounds, ListParts paging over 10,000 parts,
 * CompleteMultipartUpload of 10,000 parts, GET/HEAD `partNumber` at and past the count.
 *
 * Kept fast for CI (a few seconds): the engine allows 1-byte parts here (`minPartSize: 1`; the
 * paging and completion logic do not depend on part sizes) and parts 1–9,999 are stored through
 * the engine; part 10,000 and every listing, completion and read go through the S3 layer. The same
 * checks with 5 MiB parts over real sockets (aws CLI, boto3, @aws-sdk/client-s3) were run by hand;
 * see the mp9 report (session 9).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../src/engine/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { ALICE, makeService, send, xmlAll, xmlText } from './helpers.js';

const PARTS = 10_000;

test('10,000 parts: UploadPart bounds, ListParts paging, Complete, partNumber reads', async () => {
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false, minPartSize: 1 });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/lim' })).status, 200);
  const id = xmlText((await send(service, { method: 'POST', path: '/lim/big?uploads' })).text, 'UploadId')!;

  for (const n of ['0', '10001']) {
    const r = await send(service, { method: 'PUT', path: `/lim/big?partNumber=${n}&uploadId=${id}`, body: 'x' });
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(r.text, 'Message'), 'Part number must be an integer between 1 and 10000, inclusive');
    assert.equal(xmlText(r.text, 'ArgumentValue'), n);
  }
  const last = await send(service, { method: 'PUT', path: `/lim/big?partNumber=${PARTS}&uploadId=${id}`, body: 'last part' });
  assert.equal(last.status, 200, last.text);
  const etags: string[] = [];
  etags[PARTS - 1] = String(last.headers.etag);
  const body = (i: number) => (async function* () { yield Buffer.from(String(i % 10)); })();
  for (let i = 1; i < PARTS; i++) etags[i - 1] = (await engine.putPart('lim', id, i, body(i))).etag;

  // ListParts: ten pages of 1000, each going on from NextPartNumberMarker; the last one not truncated.
  let marker = 0;
  let seen = 0;
  for (let page = 1; ; page++) {
    const r = await send(service, { method: 'GET', path: `/lim/big?uploadId=${id}&max-parts=1000&part-number-marker=${marker}` });
    assert.equal(r.status, 200, r.text);
    const nums = xmlAll(r.text, 'PartNumber').map(Number);
    assert.deepEqual(nums, Array.from({ length: 1000 }, (_, i) => marker + i + 1), `page ${page}`);
    seen += nums.length;
    if (xmlText(r.text, 'IsTruncated') === 'false') {
      assert.equal(page, 10);
      break;
    }
    assert.equal(Number(xmlText(r.text, 'NextPartNumberMarker')), marker + 1000);
    marker += 1000;
  }
  assert.equal(seen, PARTS);
  const tail = await send(service, { method: 'GET', path: `/lim/big?uploadId=${id}&max-parts=3&part-number-marker=9996` });
  assert.deepEqual(xmlAll(tail.text, 'PartNumber'), ['9997', '9998', '9999']);
  assert.equal(xmlText(tail.text, 'IsTruncated'), 'true');
  assert.equal(xmlText(tail.text, 'NextPartNumberMarker'), '9999');
  const end = await send(service, { method: 'GET', path: `/lim/big?uploadId=${id}&part-number-marker=10000` });
  assert.deepEqual(xmlAll(end.text, 'PartNumber'), []);
  assert.equal(xmlText(end.text, 'IsTruncated'), 'false');

  // Complete with all 10,000 parts (a ~0.9 MB body, as the SDKs send it).
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await send(service, { method: 'POST', path: `/lim/big?uploadId=${id}`, body: xml });
  assert.equal(done.status, 200, done.text.slice(0, 500));
  assert.match(xmlText(done.text, 'ETag')!, /-10000&quot;$|-10000"$/);
  const size = PARTS - 1 + 'last part'.length;

  const head = await send(service, { method: 'HEAD', path: `/lim/big?partNumber=${PARTS}` });
  assert.equal(head.status, 206);
  assert.equal(head.headers['x-amz-mp-parts-count'], String(PARTS));
  assert.equal(head.headers['content-range'], `bytes ${PARTS - 1}-${size - 1}/${size}`);
  const mid = await send(service, { method: 'GET', path: '/lim/big?partNumber=5000' });
  assert.equal(mid.status, 206);
  assert.equal(mid.text, '0');
  assert.equal(mid.headers['content-range'], `bytes 4999-4999/${size}`);
  const past = await send(service, { method: 'GET', path: '/lim/big?partNumber=10001' });
  assert.equal(past.status, 400);
  assert.equal(xmlText(past.text, 'Code'), 'InvalidArgument');
  const whole = await send(service, { method: 'GET', path: '/lim/big' });
  assert.equal(whole.body.length, size);
  assert.equal(whole.text.slice(-'9last part'.length), '9last part');
  await engine.close();
});

test('partNumber past the part count of a multipart object: 416 InvalidPartNumber', async () => {
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false, minPartSize: 1 });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  await send(service, { method: 'PUT', path: '/lim2' });
  const id = xmlText((await send(service, { method: 'POST', path: '/lim2/k?uploads' })).text, 'UploadId')!;
  const parts: string[] = [];
  for (const n of [1, 2, 3]) parts.push(String((await send(service, { method: 'PUT', path: `/lim2/k?partNumber=${n}&uploadId=${id}`, body: `p${n}` })).headers.etag));
  const xml = `<CompleteMultipartUpload>${parts.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  assert.equal((await send(service, { method: 'POST', path: `/lim2/k?uploadId=${id}`, body: xml })).status, 200);
  for (const method of ['GET', 'HEAD']) {
    const r = await send(service, { method, path: '/lim2/k?partNumber=4' });
    assert.equal(r.status, 416, method);
    if (method === 'GET') assert.equal(xmlText(r.text, 'Code'), 'InvalidPartNumber');
  }
  await engine.close();
});

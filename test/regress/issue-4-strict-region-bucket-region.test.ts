/**
 * Issue #4 (real clients, sdk16): with `--strict-region`, a request signed for another region is
 * refused with AuthorizationHeaderMalformed and `<Region>` in the body, but had no
 * `x-amz-bucket-region` header. A HEAD answer has no body, and the SDKs redirect HeadBucket by that
 * header only (boto3 also asks HeadBucket when a HeadObject fails so): a boto3 client set to
 * another region could GET objects but not HEAD them (download_file, waiters), and the JS SDK's
 * followRegionRedirects did nothing for HeadBucket. Bucket requests now carry the header, as on S3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startGateway } from '../helpers/gateway.js';
import { makeService, send } from '../integration/s3/helpers.js';

test('a request signed for another region gets x-amz-bucket-region when it names a bucket', async () => {
  const { engine } = await makeService();
  const { service: plain } = await makeService({ engine });
  assert.equal((await send(plain, { method: 'PUT', path: '/regioned' })).status, 200);
  // The test helper signs for us-east-1; this gateway is eu-west-1 and strict.
  const { service } = await makeService({ engine, region: 'eu-west-1', strictRegion: true });
  for (const [method, path] of [['HEAD', '/regioned'], ['HEAD', '/regioned/k'], ['GET', '/regioned?list-type=2'], ['GET', '/regioned/k']] as const) {
    const r = await send(service, { method, path });
    assert.equal(r.status, 400, `${method} ${path}`);
    assert.equal(r.headers['x-amz-bucket-region'], 'eu-west-1', `${method} ${path}`);
    if (method === 'GET') assert.match(r.text, /<Code>AuthorizationHeaderMalformed<\/Code>.*<Region>eu-west-1<\/Region>/s);
  }
  // ListBuckets names no bucket: the error alone.
  const list = await send(service, { method: 'GET', path: '/' });
  assert.equal(list.status, 400);
  assert.equal(list.headers['x-amz-bucket-region'], undefined);
});

test('the JS SDK with followRegionRedirects reaches HeadBucket on a strict gateway of another region', async (t) => {
  const gw = await startGateway({ region: 'eu-west-1', s3: { strictRegion: true } });
  t.after(() => gw.close());
  const right = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => right.destroy());
  await right.send(new CreateBucketCommand({ Bucket: 'redirected' }));
  await right.send(new PutObjectCommand({ Bucket: 'redirected', Key: 'k', Body: 'v' }));
  const wrong = new S3Client({ ...gw.clientConfig(), region: 'us-east-1', followRegionRedirects: true, maxAttempts: 1 });
  t.after(() => wrong.destroy());
  const head = await wrong.send(new HeadBucketCommand({ Bucket: 'redirected' }));
  assert.equal(head.BucketRegion, 'eu-west-1');
});

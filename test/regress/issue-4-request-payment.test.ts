/**
 * Issue #4 (Get/PutBucketRequestPayment): PUT /{b}?requestPayment answered 501 NotImplemented, so
 * a tool that sets a bucket's Payer (Terraform's aws_s3_bucket_request_payment_configuration,
 * `aws s3api put-bucket-request-payment`) failed. It is now stored with the bucket: Payer
 * BucketOwner or Requester (anything else MalformedXML), owner-only as the other bucket configs,
 * and GET reports it. On a Requester Pays bucket S3 refuses anyone but the owner who does not send
 * `x-amz-request-payer: requester` (403), and every anonymous request (user guide,
 * RequesterPaysBuckets.html / ObjectsinRequesterPaysBuckets.html); the owner needs no header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const conf = (payer: string): string => `<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>${payer}</Payer></RequestPaymentConfiguration>`;

test('PutBucketRequestPayment stores the Payer; GetBucketRequestPayment reports it', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/rpay' });
  const dflt = await send(service, { method: 'GET', path: '/rpay?requestPayment' });
  assert.equal(dflt.status, 200, dflt.text);
  assert.match(dflt.text, /<RequestPaymentConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><Payer>BucketOwner<\/Payer><\/RequestPaymentConfiguration>/);

  const put = await send(service, { method: 'PUT', path: '/rpay?requestPayment', body: conf('Requester') });
  assert.equal(put.status, 200, put.text);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/rpay?requestPayment' })).text, 'Payer'), 'Requester');

  for (const body of [conf('Someone'), conf(''), '<RequestPaymentConfiguration/>', '<Payment><Payer>Requester</Payer></Payment>', 'not xml']) {
    const bad = await send(service, { method: 'PUT', path: '/rpay?requestPayment', body });
    assert.equal(bad.status, 400, body);
    assert.equal(xmlText(bad.text, 'Code'), 'MalformedXML', body);
  }
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/rpay?requestPayment' })).text, 'Payer'), 'Requester', 'a refused PUT changes nothing');

  assert.equal((await send(service, { method: 'PUT', path: '/rpay?requestPayment', body: conf('BucketOwner') })).status, 200);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/rpay?requestPayment' })).text, 'Payer'), 'BucketOwner');

  // Owner-only, as the other bucket configurations.
  const other = await send(service, { method: 'PUT', path: '/rpay?requestPayment', body: conf('Requester'), as: BOB });
  assert.equal(other.status, 403, other.text);
  assert.equal(xmlText(other.text, 'Code'), 'AccessDenied');
  assert.equal((await send(service, { method: 'GET', path: '/rpay?requestPayment', as: BOB })).status, 403);
});

test('a Requester Pays bucket: others must send x-amz-request-payer: requester; anonymous never; the owner needs nothing', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/rpp', headers: { 'x-amz-acl': 'public-read' } });
  assert.equal((await send(service, { method: 'PUT', path: '/rpp/k', body: 'data', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  const payer = { 'x-amz-request-payer': 'requester' };
  const get = (as: typeof BOB | null | undefined, headers?: Record<string, string>) => send(service, { method: 'GET', path: '/rpp/k', as, headers });
  const list = (as: typeof BOB | null | undefined, headers?: Record<string, string>) => send(service, { method: 'GET', path: '/rpp', as, headers });

  // BucketOwner (the default): the public-read grants apply as before.
  assert.equal((await get(BOB)).status, 200);
  assert.equal((await get(null)).status, 200);

  assert.equal((await send(service, { method: 'PUT', path: '/rpp?requestPayment', body: conf('Requester') })).status, 200);
  for (const r of [await get(BOB), await list(BOB), await get(null), await get(null, payer), await list(null, payer)]) {
    assert.equal(r.status, 403, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'AccessDenied');
  }
  const paid = await get(BOB, payer);
  assert.equal(paid.status, 200, paid.text);
  assert.equal(paid.text, 'data');
  assert.equal((await list(BOB, payer)).status, 200);
  assert.equal((await get(undefined)).status, 200, 'the owner needs no header');
  assert.equal((await list(undefined)).status, 200);

  // A copy out of a Requester Pays bucket is a request on it too.
  await send(service, { method: 'PUT', path: '/bobs', as: BOB });
  const copy = (headers: Record<string, string>) => send(service, { method: 'PUT', path: '/bobs/copy', as: BOB, headers: { 'x-amz-copy-source': '/rpp/k', ...headers } });
  assert.equal((await copy({})).status, 403);
  assert.equal((await copy(payer)).status, 200);

  // Back to BucketOwner: no header needed again.
  assert.equal((await send(service, { method: 'PUT', path: '/rpp?requestPayment', body: conf('BucketOwner') })).status, 200);
  assert.equal((await get(BOB)).status, 200);
  assert.equal((await get(null)).status, 200);
});

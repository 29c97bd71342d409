/**
 * Regression (issue #4): every XML-bodied operation accepted a body of up to 2 MiB, also the small
 * configuration documents whose largest legitimate form AWS's own limits bound far lower: Tagging
 * (≤ 50 tags on a bucket, ≤ 10 on an object; keys ≤ 128, values ≤ 256 characters), versioning,
 * request payment, CreateBucketConfiguration. A hostile 2 MiB body of empty elements held the one
 * XML worker ~0.8 s and the event loop for tens of ms. Those bodies are now capped at 256 KiB
 * (MalformedXML over it, as over 2 MiB before); the largest legitimate tag set, every character a
 * numeric reference, still fits. CompleteMultipartUpload (10,000 parts, ~1 MiB legitimately),
 * DeleteObjects, CORS, lifecycle and ACL bodies keep the 2 MiB cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SMALL_XML_BODY } from '../../src/s3/xml/codec.js';
import { errorCode, signedGateway } from '../integration/faults/helpers.js';

/** `n` characters of U+1D49C (a letter), each written as a 9-character numeric reference. */
const refs = (n: number): string => '&#119964;'.repeat(n);

const tagging = (tags: [string, string][], pad = ''): string =>
  `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet>${pad}</Tagging>`;

/** A comment that brings a document past the cap: well-formed, and nothing in it is refused but its size. */
const PAD = `<!--${'x'.repeat(MAX_SMALL_XML_BODY)}-->`;

test('small configuration bodies over 256 KiB: 400 MalformedXML, nothing changed; the largest legitimate tag set is accepted', async (t) => {
  const { call } = await signedGateway(t);
  const refused = async (method: string, path: string, body: string, what: string): Promise<void> => {
    assert.ok(Buffer.byteLength(body) > MAX_SMALL_XML_BODY && Buffer.byteLength(body) < 2 * 1024 * 1024);
    const r = await call(method, path, body);
    assert.equal(`${r.status} ${errorCode(r.body)}`, '400 MalformedXML', what);
  };

  assert.equal((await call('PUT', '/cap')).status, 200);
  assert.equal((await call('PUT', '/cap/o', 'x')).status, 200);

  // 50 tags of 128 + 256 characters, each a numeric reference: ~175 KB, under the cap.
  const most: [string, string][] = Array.from({ length: 50 }, (_, i) => [`k${String(i).padStart(2, '0')}${refs(125)}`, refs(256)]);
  assert.ok(Buffer.byteLength(tagging(most)) > 150_000);
  assert.equal((await call('PUT', '/cap?tagging', tagging(most))).status, 204, 'largest legitimate bucket tag set');
  assert.equal((await call('PUT', '/cap/o?tagging', tagging(most.slice(0, 10)))).status, 200, 'largest legitimate object tag set');

  await refused('PUT', '/cap?tagging', tagging([['a', 'b']], PAD), 'PutBucketTagging');
  await refused('PUT', '/cap/o?tagging', tagging([['a', 'b']], PAD), 'PutObjectTagging');
  await refused('PUT', '/cap?versioning', `<VersioningConfiguration><Status>Enabled</Status>${PAD}</VersioningConfiguration>`, 'PutBucketVersioning');
  await refused('PUT', '/cap?requestPayment', `<RequestPaymentConfiguration><Payer>Requester</Payer>${PAD}</RequestPaymentConfiguration>`, 'PutBucketRequestPayment');
  await refused('PUT', '/cap-new', `<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint>${PAD}</CreateBucketConfiguration>`, 'CreateBucket');

  // Nothing the refused requests carried was applied.
  const tags = (await call('GET', '/cap?tagging')).body.toString();
  assert.equal((tags.match(/<Tag>/g) ?? []).length, 50);
  assert.doesNotMatch((await call('GET', '/cap?versioning')).body.toString(), /Enabled/);
  assert.match((await call('GET', '/cap?requestPayment')).body.toString(), /<Payer>BucketOwner<\/Payer>/);
  assert.equal((await call('HEAD', '/cap-new')).status, 404);

  // DeleteObjects keeps the 2 MiB cap: a ~1 MiB body of 1000 long keys is an ordinary request.
  const keys = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'k'.repeat(1000)}`);
  const del = await call('POST', '/cap?delete', `<Delete><Quiet>true</Quiet>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`);
  assert.equal(del.status, 200);
});

/**
 * Issue #4 (review of 1b842e0): requests that read their body after they were authorised acted on
 * whatever bucket had the name once the body was in. 1b842e0 made putBucketConfig compare the
 * bucket's id inside its transaction, but with the id of its own lookup, made after the body: a
 * bucket deleted and re-created under the name (by anyone: names are global) while the body was
 * still arriving got the configuration. Alice, holding a PutBucketPolicy open, deleted her empty
 * bucket; bob created one under the name; alice's policy then landed on bob's bucket, granting her
 * his objects. DeleteObjects the same way deleted bob's objects (authorised on alice's bucket), and
 * PutObjectAcl / PutObjectTagging with a body changed them. The engine calls now carry the id of
 * the bucket the request was authorised on (ObjectAddr.bucketId, putBucketConfig's bucketId) and
 * answer NoSuchBucket when the name names another bucket by then.
 *
 * The interleaving is forced by a request body that arrives only after the delete and re-create.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import type { S3Service } from '../../src/s3/index.js';
import { ALICE, BOB, buildRequest, makeService, readResponse, send, xmlText, type TestRequest, type TestResponse } from '../integration/s3/helpers.js';

/** Send `r` with a body that is held back until `release()`; `reached` resolves once the handler reads it. */
function heldBody(service: S3Service, r: TestRequest): { reached: Promise<void>; release: () => void; response: Promise<TestResponse> } {
  const req = buildRequest(r);
  const bytes = Buffer.from(r.body ?? '');
  let arrive!: () => void;
  const reached = new Promise<void>((res) => (arrive = res));
  const body = new Readable({ read: () => arrive() });
  const release = (): void => {
    body.push(bytes);
    body.push(null);
  };
  req.body = body;
  const response = service.handle(req).then(readResponse);
  response.catch(() => undefined);
  return { reached, release, response };
}

async function setup(): Promise<{ service: S3Service; close: () => Promise<void> }> {
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  const { service } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/shared' })).status, 200);
  return { service, close: () => engine.close() };
}

/** Alice deletes her (empty) bucket, bob creates his own under the name and puts `k` in it. */
async function handOver(service: S3Service): Promise<void> {
  assert.equal((await send(service, { method: 'DELETE', path: '/shared' })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: '/shared', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/shared/k', body: 'bob', as: BOB })).status, 200);
}

test('PutBucketPolicy whose body arrives after the bucket was re-created by someone else: NoSuchBucket, the new bucket has no policy', async () => {
  const { service, close } = await setup();
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }],
  });
  const held = heldBody(service, { method: 'PUT', path: '/shared?policy', body: policy });
  await held.reached;
  await handOver(service);
  held.release();
  const res = await held.response;
  assert.equal(res.status, 404, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
  const got = await send(service, { method: 'GET', path: '/shared?policy', as: BOB });
  assert.equal(got.status, 404, got.text);
  assert.equal((await send(service, { method: 'GET', path: '/shared/k', as: null })).status, 403);
  await close();
});

test('DeleteObjects whose body arrives after the bucket was re-created by someone else: NoSuchBucket, nothing of the new bucket deleted', async () => {
  const { service, close } = await setup();
  const held = heldBody(service, { method: 'POST', path: '/shared?delete', body: '<Delete><Object><Key>k</Key></Object></Delete>' });
  await held.reached;
  await handOver(service);
  held.release();
  const res = await held.response;
  assert.equal(res.status, 404, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
  const got = await send(service, { method: 'GET', path: '/shared/k', as: BOB });
  assert.equal(got.status, 200, got.text);
  assert.equal(got.text, 'bob');
  await close();
});

test('PutObjectTagging / PutObjectAcl whose body arrives after the bucket was re-created: NoSuchBucket, the new object unchanged', async () => {
  for (const [query, body] of [
    ['tagging', '<Tagging><TagSet><Tag><Key>t</Key><Value>v</Value></Tag></TagSet></Tagging>'],
    ['acl', `<AccessControlPolicy><Owner><ID>${ALICE.tenantId}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`],
  ] as const) {
    const { service, close } = await setup();
    assert.equal((await send(service, { method: 'PUT', path: '/shared/k', body: 'alice' })).status, 200);
    const held = heldBody(service, { method: 'PUT', path: `/shared/k?${query}`, body });
    await held.reached;
    assert.equal((await send(service, { method: 'DELETE', path: '/shared/k' })).status, 204);
    await handOver(service);
    held.release();
    const res = await held.response;
    assert.equal(res.status, 404, `${query}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
    const tags = await send(service, { method: 'GET', path: '/shared/k?tagging', as: BOB });
    assert.equal(xmlText(tags.text, 'Key'), undefined, tags.text);
    assert.equal((await send(service, { method: 'GET', path: '/shared/k', as: null })).status, 403);
    await close();
  }
});

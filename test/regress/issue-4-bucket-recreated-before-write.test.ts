/**
 * Issue #4 (review of f27025d): f27025d pinned the engine calls of requests that read a body to the
 * bucket they were authorised on, but PutObject, CreateMultipartUpload and CopyObject (destination,
 * and the source of CopyObject / UploadPartCopy) still looked their bucket up by name in the engine.
 * A bucket deleted and re-created under the name (by anyone: names are global) between authz and
 * that lookup got the write: alice's PutObject with an `x-amz-acl` header (whose grantees are checked
 * against the user list in between) overwrote bob's object in his new bucket, and a copy authorised
 * on alice's source bucket read bob's object from his. The calls now carry the authorised bucket's
 * id and answer NoSuchBucket. DeleteBucket the same way deleted bob's new (empty) bucket.
 *
 * The interleaving is forced by wrapping an engine call the request makes between authz and the
 * write (listUsers, or getBucket of the copy source).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import type { S3Service } from '../../src/s3/index.js';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

async function setup(): Promise<{ engine: Engine; service: S3Service }> {
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  const { service } = await makeService({ engine });
  return { engine, service };
}

/** Alice deletes her (empty) bucket `name`, bob creates his own under the name and puts `k` in it. */
async function handOver(service: S3Service, name: string): Promise<void> {
  assert.equal((await send(service, { method: 'DELETE', path: `/${name}` })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: `/${name}`, as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${name}/k`, body: 'bob', as: BOB })).status, 200);
}

/** Run `then` once, right after the next call of engine.listUsers has answered. */
function afterNextListUsers(engine: Engine, then: () => Promise<void>): () => boolean {
  const orig = engine.listUsers.bind(engine);
  let fired = false;
  engine.listUsers = async () => {
    const users = await orig();
    engine.listUsers = orig;
    fired = true;
    await then();
    return users;
  };
  return () => fired;
}

/** Run `then` once, right after engine.getBucket(name) has answered. */
function afterGetBucket(engine: Engine, name: string, then: () => Promise<void>): () => boolean {
  const orig = engine.getBucket.bind(engine);
  let fired = false;
  engine.getBucket = async (n) => {
    const b = await orig(n);
    if (n === name && !fired) {
      fired = true;
      await then();
    }
    return b;
  };
  return () => fired;
}

async function bobsObjectIntact(service: S3Service, path: string): Promise<void> {
  const got = await send(service, { method: 'GET', path, as: BOB });
  assert.equal(got.status, 200, got.text);
  assert.equal(got.text, 'bob');
}

test('PutObject / CopyObject / CreateMultipartUpload into a bucket re-created before the write: NoSuchBucket, the new bucket unchanged', async () => {
  for (const kind of ['PutObject', 'CopyObject', 'CreateMultipartUpload'] as const) {
    const { engine, service } = await setup();
    assert.equal((await send(service, { method: 'PUT', path: '/shared' })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: '/src' })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: '/src/o', body: 'alice' })).status, 200);
    const fired = afterNextListUsers(engine, () => handOver(service, 'shared'));
    const headers = { 'x-amz-acl': 'private', ...(kind === 'CopyObject' ? { 'x-amz-copy-source': '/src/o' } : {}) };
    const res = kind === 'CreateMultipartUpload'
      ? await send(service, { method: 'POST', path: '/shared/k?uploads', headers })
      : await send(service, { method: 'PUT', path: '/shared/k', headers, body: kind === 'PutObject' ? 'alice' : undefined });
    assert.ok(fired(), kind);
    assert.equal(res.status, 404, `${kind}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
    await bobsObjectIntact(service, '/shared/k');
    const uploads = await send(service, { method: 'GET', path: '/shared?uploads', as: BOB });
    assert.equal(xmlText(uploads.text, 'UploadId'), undefined, uploads.text);
    await engine.close();
  }
});

test('CopyObject / UploadPartCopy whose source bucket is re-created after authz: NoSuchBucket, nothing of the new bucket copied', async () => {
  for (const kind of ['CopyObject', 'UploadPartCopy'] as const) {
    const { engine, service } = await setup();
    assert.equal((await send(service, { method: 'PUT', path: '/src' })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: '/dst' })).status, 200);
    const created = await send(service, { method: 'POST', path: '/dst/c?uploads' });
    const uploadId = xmlText(created.text, 'UploadId');
    const fired = afterGetBucket(engine, 'src', () => handOver(service, 'src'));
    const path = kind === 'CopyObject' ? '/dst/c' : `/dst/c?partNumber=1&uploadId=${uploadId}`;
    const res = await send(service, { method: 'PUT', path, headers: { 'x-amz-copy-source': '/src/k' } });
    assert.ok(fired(), kind);
    assert.equal(res.status, 404, `${kind}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
    assert.equal((await send(service, { method: 'GET', path: '/dst/c' })).status, 404);
    await bobsObjectIntact(service, '/src/k');
    await engine.close();
  }
});

test('DeleteBucket whose bucket is re-created after authz: NoSuchBucket, the new (empty) bucket stays', async () => {
  const { engine, service } = await setup();
  assert.equal((await send(service, { method: 'PUT', path: '/shared' })).status, 200);
  const fired = afterGetBucket(engine, 'shared', async () => {
    assert.equal((await send(service, { method: 'DELETE', path: '/shared' })).status, 204);
    assert.equal((await send(service, { method: 'PUT', path: '/shared', as: BOB })).status, 200);
  });
  const res = await send(service, { method: 'DELETE', path: '/shared' });
  assert.ok(fired());
  assert.equal(res.status, 404, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'NoSuchBucket');
  assert.equal((await send(service, { method: 'HEAD', path: '/shared', as: BOB })).status, 200);
  await engine.close();
});

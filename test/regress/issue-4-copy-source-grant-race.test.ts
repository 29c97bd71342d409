/**
 * Issue #4 (spec16; the copy-source side of 979d653): CopyObject and UploadPartCopy authorise the
 * source (s3:GetObject, object READ) on the version authz looks up, then look the source up again
 * to copy it. An overwrite committed in between was copied for a caller with no grant on it: bob,
 * granted READ on alice's first version, copied her private second one into his own bucket (200).
 * The grant must now hold on the version copied too (checkSourceGrantHolds), else
 * 403 AccessDenied, as if the request came after the overwrite; nothing copied.
 *
 * The interleaving is forced by wrapping engine.head: the overwrite commits right after authz's
 * lookup of the source has returned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

async function setup(): Promise<{ engine: Awaited<ReturnType<typeof createEngine>>; service: Awaited<ReturnType<typeof makeService>>['service'] }> {
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  const { service } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/alice-src' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bob-dst', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/alice-src/k', body: 'first', headers: { 'x-amz-grant-read': `id="${BOB.tenantId}"` } })).status, 200);
  return { engine, service };
}

/** Run `fn` with engine.head overwriting alice's key (private) right after its first lookup. */
async function racing<T>(engine: Awaited<ReturnType<typeof createEngine>>, service: Awaited<ReturnType<typeof makeService>>['service'], fn: () => Promise<T>): Promise<T> {
  const head = engine.head.bind(engine);
  let armed = true;
  engine.head = async (addr, opts) => {
    const v = await head(addr, opts);
    if (armed && addr.bucket === 'alice-src') {
      armed = false;
      assert.equal((await send(service, { method: 'PUT', path: '/alice-src/k', body: 'private second' })).status, 200);
    }
    return v;
  };
  try {
    return await fn();
  } finally {
    engine.head = head;
    assert.equal(armed, false, 'the race was run');
  }
}

test('CopyObject: the source overwritten (private) after authz read its ACL: 403, nothing copied', async () => {
  const { engine, service } = await setup();
  const before = await send(service, { method: 'PUT', path: '/bob-dst/c0', headers: { 'x-amz-copy-source': '/alice-src/k' }, as: BOB });
  assert.equal(before.status, 200, 'without the race bob copies');
  const res = await racing(engine, service, () => send(service, { method: 'PUT', path: '/bob-dst/c1', headers: { 'x-amz-copy-source': '/alice-src/k' }, as: BOB }));
  assert.equal(res.status, 403, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
  const got = await send(service, { method: 'GET', path: '/bob-dst/c1', as: BOB });
  assert.equal(got.status, 404, `nothing copied: ${got.text}`);
  await engine.close();
});

test('UploadPartCopy: the source overwritten (private) after authz read its ACL: 403, no part', async () => {
  const { engine, service } = await setup();
  const init = await send(service, { method: 'POST', path: '/bob-dst/m?uploads', as: BOB });
  const uploadId = xmlText(init.text, 'UploadId')!;
  const part = (n: number): Promise<Awaited<ReturnType<typeof send>>> =>
    send(service, { method: 'PUT', path: `/bob-dst/m?partNumber=${n}&uploadId=${uploadId}`, headers: { 'x-amz-copy-source': '/alice-src/k' }, as: BOB });
  assert.equal((await part(1)).status, 200, 'without the race bob copies a part');
  const res = await racing(engine, service, () => part(2));
  assert.equal(res.status, 403, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
  const parts = await send(service, { method: 'GET', path: `/bob-dst/m?uploadId=${uploadId}`, as: BOB });
  assert.deepEqual(parts.text.match(/<PartNumber>\d+<\/PartNumber>/g), ['<PartNumber>1</PartNumber>'], 'part 2 not stored');
  await engine.close();
});

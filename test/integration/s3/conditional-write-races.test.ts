/**
 * Conditional writes racing each other (S3 user guide, "How to prevent object overwrites with
 * conditional writes": when several conditional writes of one key run at once, the first to finish
 * succeeds and the others fail with 412 Precondition Failed). The condition must be evaluated in
 * the commit, not before it: every racer here is held at its commit transaction until all of them
 * have reached it, so an implementation that checked first and committed later would let several
 * win. Small bodies keep each write to that single transaction.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../../src/engine/index.js';
import type { MetaStore } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import type { S3Service } from '../../../src/s3/types.js';
import { ALICE, makeService, send, xmlText, type TestRequest, type TestResponse } from './helpers.js';

/** Hold the next `n` transactions until all `n` have been asked for, then let them run in order. */
function barrier(meta: MetaStore, n: number): void {
  const orig = meta.transaction.bind(meta);
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => (open = r));
  meta.transaction = async (fn, opts) => {
    if (++arrived === n) {
      meta.transaction = orig;
      open();
    }
    await all;
    return orig(fn, opts);
  };
}

async function race(service: S3Service, meta: MetaStore, reqs: TestRequest[]): Promise<TestResponse[]> {
  barrier(meta, reqs.length);
  return Promise.all(reqs.map((r) => send(service, r)));
}

const statuses = (rs: TestResponse[]): number[] => rs.map((r) => r.status).sort();

test('conditional writes of one key held at their commit together: exactly one wins, the rest are 412', async () => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false, minPartSize: 1 });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  const N = 6;
  const only = (n: number): number[] => [...[200], ...Array<number>(n - 1).fill(412)];
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);

  // If-None-Match: * — create once.
  const created = await race(service, backend.meta, Array.from({ length: N }, (_, i) => ({ method: 'PUT', path: '/bkt/k', headers: { 'if-none-match': '*' }, body: `writer ${i}` })));
  assert.deepEqual(statuses(created), only(N));
  const winner = created.findIndex((r) => r.status === 200);
  const got = await send(service, { method: 'GET', path: '/bkt/k' });
  assert.equal(got.text, `writer ${winner}`);
  assert.equal(got.headers.etag, created[winner]!.headers.etag);
  for (const r of created.filter((x) => x.status === 412)) assert.equal(xmlText(r.text, 'Code'), 'PreconditionFailed');

  // If-Match: the ETag every racer read — compare-and-swap.
  const etag = String(got.headers.etag);
  const swapped = await race(service, backend.meta, Array.from({ length: N }, (_, i) => ({ method: 'PUT', path: '/bkt/k', headers: { 'if-match': etag }, body: `swap ${i}` })));
  assert.deepEqual(statuses(swapped), only(N));
  assert.equal((await send(service, { method: 'GET', path: '/bkt/k' })).text, `swap ${swapped.findIndex((r) => r.status === 200)}`);

  // CopyObject with If-None-Match onto a new key.
  const copies = await race(service, backend.meta, Array.from({ length: N }, () => ({ method: 'PUT', path: '/bkt/copy', headers: { 'x-amz-copy-source': '/bkt/k', 'if-none-match': '*' } })));
  assert.deepEqual(statuses(copies), only(N));

  // CompleteMultipartUpload of N uploads of one key with If-None-Match.
  const uploads: { id: string; etag: string }[] = [];
  for (let i = 0; i < N; i++) {
    const id = xmlText((await send(service, { method: 'POST', path: '/bkt/mpu?uploads' })).text, 'UploadId')!;
    const part = await send(service, { method: 'PUT', path: `/bkt/mpu?partNumber=1&uploadId=${id}`, body: `upload ${i}` });
    uploads.push({ id, etag: String(part.headers.etag) });
  }
  const completes = await race(service, backend.meta, uploads.map((u) => ({
    method: 'POST', path: `/bkt/mpu?uploadId=${u.id}`, headers: { 'if-none-match': '*' },
    body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${u.etag}</ETag></Part></CompleteMultipartUpload>`,
  })));
  assert.deepEqual(statuses(completes), only(N));
  assert.equal((await send(service, { method: 'GET', path: '/bkt/mpu' })).text, `upload ${completes.findIndex((r) => r.status === 200)}`);

  // DeleteObject with If-Match in a versioned bucket: one marker, not N. The others find the key
  // deleted: 404, as the user guide says of a conditional delete that a concurrent delete beat
  // ("How to perform conditional deletes": "you will receive a 404 Not Found response because the
  // object key no longer exists").
  assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' })).status, 200);
  const current = String((await send(service, { method: 'PUT', path: '/bkt/v', body: 'versioned' })).headers.etag);
  const deletes = await race(service, backend.meta, Array.from({ length: N }, () => ({ method: 'DELETE', path: '/bkt/v', headers: { 'if-match': current } })));
  assert.deepEqual(deletes.map((r) => r.status).sort(), [204, ...Array<number>(N - 1).fill(404)]);
  const versions = await send(service, { method: 'GET', path: '/bkt?versions&prefix=v' });
  assert.equal(versions.text.split('<DeleteMarker>').length - 1, 1);
  await engine.close();
});

/**
 * Issue #4: CopyObject and UploadPartCopy decide the source's `x-amz-copy-source-if-*` conditions
 * (and the range) on one lookup, then the engine resolved the source again — by "null" for the null
 * version of an unversioned or suspended bucket, i.e. whatever null version was there by then. An
 * overwrite committed in between was copied although the condition had passed on the version it
 * replaced. The engine now copies the checked version by its UVID; if it was purged meanwhile the
 * request is decided afresh, once (here: the If-Match no longer holds → 412). lmdb-js reads are
 * synchronous, so the test forces the overwrite right after the handler's lookup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

/** Once, right after the next engine.head of `key` answered: run `then`. */
function afterNextHead(engine: Engine, key: string, then: () => Promise<void>): void {
  const orig = engine.head.bind(engine);
  engine.head = async (addr, opts) => {
    const v = await orig(addr, opts);
    if (addr.key === key) {
      engine.head = orig;
      await then();
    }
    return v;
  };
}

for (const versioning of ['unversioned', 'Suspended'] as const) {
  for (const kind of ['CopyObject', 'UploadPartCopy'] as const) {
    test(`${versioning} ${kind}: a source overwritten after its If-Match passed is not copied (412, decided on the new version)`, async () => {
      const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
      await engine.putUser(ALICE);
      const { service } = await makeService({ engine });
      assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
      if (versioning !== 'unversioned') {
        const body = `<VersioningConfiguration><Status>${versioning}</Status></VersioningConfiguration>`;
        assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body })).status, 200);
      }
      const first = await send(service, { method: 'PUT', path: '/bkt/src', body: 'aaaaaaaa' });
      assert.equal(first.status, 200);
      const uploadId = kind === 'UploadPartCopy' ? xmlText((await send(service, { method: 'POST', path: '/bkt/dst?uploads' })).text, 'UploadId') : undefined;
      // The handler checks If-Match on its lookup of the source (authorisation by the owner does
      // not look it up); the overwrite lands right after.
      afterNextHead(engine, 'src', async () => {
        assert.equal((await send(service, { method: 'PUT', path: '/bkt/src', body: 'bbbbbbbb' })).status, 200);
      });
      const path = uploadId ? `/bkt/dst?partNumber=1&uploadId=${uploadId}` : '/bkt/dst';
      const r = await send(service, { method: 'PUT', path, headers: { 'x-amz-copy-source': '/bkt/src', 'x-amz-copy-source-if-match': String(first.headers.etag) } });
      assert.equal(r.status, 412, r.text);
      assert.equal(xmlText(r.text, 'Code'), 'PreconditionFailed');
      if (!uploadId) assert.equal((await send(service, { method: 'GET', path: '/bkt/dst' })).status, 404, 'nothing was copied');
      else {
        const parts = await send(service, { method: 'GET', path: `/bkt/dst?uploadId=${uploadId}` });
        assert.equal(xmlText(parts.text, 'PartNumber'), undefined, 'no part was stored');
      }
    });
  }
}

/**
 * Issue #4 (found by the versioning-model fuzz's concurrent steps, fuzz16): a CopyObject or
 * UploadPartCopy from `?versionId=null` racing a PUT of the source in a never-versioned (or
 * suspended) bucket answered 404 NoSuchVersion, although the key had a null version at every moment.
 * The handler looked the null version up, then had the engine copy exactly that version (by its
 * UVID, so that its preconditions hold on what is copied); the PUT replaced the null version in
 * between, the engine found it purged, and only a request naming no version was run again. `null`
 * names whatever null version the key has when it is read: such a copy now runs again too and
 * copies the new null version (a real version id still gets NoSuchVersion when it is gone).
 *
 * The interleaving is forced: the engine's copy is held until the overwrite has committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type EngineApi } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

/** Hold the engine's next call of `method` until `release()`. */
function gateNext(engine: EngineApi, method: 'copyObject' | 'copyPart'): { reached: Promise<void>; release: () => void } {
  const target = engine as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const orig = target[method]!.bind(engine);
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  let arrive!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  target[method] = async (...args: unknown[]) => {
    target[method] = orig;
    arrive();
    await open;
    return orig(...args);
  };
  return { reached, release };
}

for (const versioning of ['Unversioned', 'Suspended'] as const) {
  test(`copies from ?versionId=null racing an overwrite of the source (${versioning}) copy the new null version, not 404 NoSuchVersion`, async () => {
    const backend = createMemoryBackend();
    const engine = await createEngine(backend, { digestWorker: false, minPartSize: 5 });
    await engine.putUser(ALICE);
    const { service } = await makeService({ engine });
    assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
    if (versioning === 'Suspended') {
      assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' })).status, 200);
    }
    const race = async (req: Parameters<typeof send>[1], method: 'copyObject' | 'copyPart', next: string): Promise<Awaited<ReturnType<typeof send>>> => {
      assert.equal((await send(service, { method: 'PUT', path: '/bkt/src', body: 'first' })).status, 200);
      const gate = gateNext(engine, method);
      const pending = send(service, req);
      await gate.reached;
      assert.equal((await send(service, { method: 'PUT', path: '/bkt/src', body: next })).status, 200);
      gate.release();
      return pending;
    };

    const copied = await race({ method: 'PUT', path: '/bkt/dst', headers: { 'x-amz-copy-source': '/bkt/src?versionId=null' } }, 'copyObject', 'second');
    assert.equal(copied.status, 200, copied.text);
    assert.equal((await send(service, { method: 'GET', path: '/bkt/dst' })).text, 'second');

    const init = await send(service, { method: 'POST', path: '/bkt/mp?uploads' });
    const uploadId = xmlText(init.text, 'UploadId')!;
    const part = await race({ method: 'PUT', path: `/bkt/mp?partNumber=1&uploadId=${uploadId}`, headers: { 'x-amz-copy-source': '/bkt/src?versionId=null' } }, 'copyPart', 'third');
    assert.equal(part.status, 200, part.text);
    const parts = await send(service, { method: 'GET', path: `/bkt/mp?uploadId=${uploadId}` });
    assert.equal(xmlText(parts.text, 'Size'), '5', parts.text);

    // A real version id that goes meanwhile is still NoSuchVersion (an Enabled bucket keeps ids).
    if (versioning === 'Suspended') {
      assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' })).status, 200);
      const v = String((await send(service, { method: 'PUT', path: '/bkt/real', body: 'real' })).headers['x-amz-version-id']);
      const gate = gateNext(engine, 'copyObject');
      const pending = send(service, { method: 'PUT', path: '/bkt/dst2', headers: { 'x-amz-copy-source': `/bkt/real?versionId=${v}` } });
      await gate.reached;
      assert.equal((await send(service, { method: 'DELETE', path: `/bkt/real?versionId=${v}` })).status, 204);
      gate.release();
      const r = await pending;
      assert.equal(r.status, 404, r.text);
      assert.equal(xmlText(r.text, 'Code'), 'NoSuchVersion');
    }
    await engine.close();
    await backend.close();
  });
}

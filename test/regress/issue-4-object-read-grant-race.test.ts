/**
 * Issue #4 (the read side of fe3e77a): a request authorised by an object ACL grant (READ for
 * GetObject / HeadObject / GetObjectAttributes, READ_ACP for GetObjectAcl) is decided on the
 * version authz looks up, but the handler then looks the key up again. An overwrite committed in
 * between was served to a caller with no grant on it: bob, granted READ on alice's first version,
 * read her private second one (200 "private second"). The handler now checks that the grant holds
 * on the version it found, else 403 AccessDenied, as if the request came after the overwrite.
 *
 * The interleaving is forced by wrapping engine.head: the overwrite commits right after authz's
 * lookup has returned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const CASES = [
  { name: 'GetObject', method: 'GET', query: '', grant: 'x-amz-grant-read' },
  { name: 'HeadObject', method: 'HEAD', query: '', grant: 'x-amz-grant-read' },
  { name: 'GetObjectAttributes', method: 'GET', query: '?attributes', grant: 'x-amz-grant-read', headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } },
  { name: 'GetObjectAcl', method: 'GET', query: '?acl', grant: 'x-amz-grant-read-acp' },
] as const;

for (const c of CASES) {
  test(`${c.name} authorised by the first version's ACL, the key overwritten (private) before the handler's lookup: 403, nothing of the new version`, async () => {
    const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
    await engine.putUser(ALICE);
    await engine.putUser(BOB);
    const { service } = await makeService({ engine });
    assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'first', headers: { [c.grant]: `id="${BOB.tenantId}"` } })).status, 200);
    // Without the race bob is served.
    const before = await send(service, { method: c.method, path: `/bkt/k${c.query}`, headers: 'headers' in c ? c.headers : {}, as: BOB });
    assert.equal(before.status, 200, before.text);

    const head = engine.head.bind(engine);
    let armed = true;
    engine.head = async (addr, opts) => {
      const v = await head(addr, opts);
      if (armed) {
        armed = false;
        assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'private second' })).status, 200);
      }
      return v;
    };
    const res = await send(service, { method: c.method, path: `/bkt/k${c.query}`, headers: 'headers' in c ? c.headers : {}, as: BOB });
    engine.head = head;
    assert.equal(armed, false);
    assert.equal(res.status, 403, res.text);
    if (c.method === 'GET') assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
    await engine.close();
  });
}

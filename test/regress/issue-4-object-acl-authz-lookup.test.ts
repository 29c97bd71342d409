/**
 * Issue #4 (review of fe3e77a): PutObjectAcl is authorised on the version that authz looks up
 * (its ACL's WRITE_ACP grant), but the handler then looked the version up a second time and passed
 * that one as `expect`, the version the change must land on. An overwrite committed between the
 * two lookups made the second one alice's new, private version: bob, granted WRITE_ACP on her
 * first version only, made the second public-read (anonymous GET 200), as before fe3e77a, in a
 * narrower window. The handler now uses the version authz decided on.
 *
 * The interleaving is forced by wrapping engine.head: the overwrite commits right after the
 * first lookup of bob's request (authz's) has returned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, BOB, makeService, send, xmlAll } from '../integration/s3/helpers.js';

for (const versioning of ['Unversioned', 'Enabled', 'Suspended'] as const) {
  for (const versionId of versioning === 'Enabled' ? [undefined] : [undefined, 'null']) {
    test(`S3 ${versioning}: PutObjectAcl${versionId ? '?versionId=null' : ''} with an overwrite between authz's lookup and the handler's: the new version's ACL unchanged`, async () => {
      const engine = await createEngine(createMemoryBackend(), { digestWorker: false });
      await engine.putUser(ALICE);
      await engine.putUser(BOB);
      const { service } = await makeService({ engine });
      assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
      if (versioning !== 'Unversioned') {
        const body = `<VersioningConfiguration><Status>${versioning}</Status></VersioningConfiguration>`;
        assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body })).status, 200);
      }
      const first = await send(service, { method: 'PUT', path: '/bkt/k', body: 'first', headers: { 'x-amz-grant-write-acp': `id="${BOB.tenantId}"` } });
      assert.equal(first.status, 200);

      // The first lookup of bob's request returns; alice's private overwrite commits before the next.
      const head = engine.head.bind(engine);
      let armed = true;
      engine.head = async (addr, opts) => {
        const v = await head(addr, opts);
        if (armed) {
          armed = false;
          assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'second' })).status, 200);
        }
        return v;
      };
      const path = versionId ? `/bkt/k?acl&versionId=${versionId}` : '/bkt/k?acl';
      const acl = await send(service, { method: 'PUT', path, headers: { 'x-amz-acl': 'public-read' }, as: BOB });
      engine.head = head;
      assert.equal(armed, false);
      assert.equal(acl.status, 200, acl.text);

      assert.equal((await send(service, { method: 'GET', path: '/bkt/k', as: null })).status, 403);
      const current = await send(service, { method: 'GET', path: '/bkt/k?acl' });
      assert.equal(current.status, 200, current.text);
      assert.deepEqual(xmlAll(current.text, 'Permission'), ['FULL_CONTROL']);
      if (versioning === 'Enabled') {
        // The version bob was allowed to change got the ACL (noncurrent by now).
        const v1 = String(first.headers['x-amz-version-id']);
        const old = await send(service, { method: 'GET', path: `/bkt/k?versionId=${v1}`, as: null });
        assert.equal(old.status, 200, old.text);
        assert.equal(old.text, 'first');
      }
      await engine.close();
    });
  }
}

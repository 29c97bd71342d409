/**
 * Issue #4 (review of d0f9cbe): PutObjectAcl without a version id is authorised on the version
 * current when the request is looked at (its ACL's WRITE_ACP grant, and the new ACL's owner is
 * taken from it), but the engine applied the new ACL to the version current at its commit. An
 * overwrite committed in between got an ACL its writer never set, from a caller with no WRITE_ACP
 * on it: bob, granted WRITE_ACP on alice's first version, made her second, private one
 * public-read. The change now lands on the version it was authorised for (noncurrent by then in a
 * versioned bucket); one an overwrite replaced meanwhile keeps it no more than if it had been made
 * just before that overwrite (200, nothing else changes).
 *
 * The interleaving is forced with a gate on the metadata store: the ACL change's transaction is
 * held until the overwrite has committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { ALICE, BOB, makeService, send, xmlAll } from '../integration/s3/helpers.js';
import { gateNextTransaction } from '../helpers/gates.js';

for (const versioning of ['Unversioned', 'Enabled', 'Suspended'] as const) {
  for (const versionId of versioning === 'Enabled' ? [undefined] : [undefined, 'null']) {
    test(`S3 ${versioning}: PutObjectAcl${versionId ? '?versionId=null' : ''} racing an overwrite does not change the new version's ACL`, async () => {
      const backend = createMemoryBackend();
      const engine = await createEngine(backend, { digestWorker: false });
      await engine.putUser(ALICE);
      await engine.putUser(BOB);
      const { service } = await makeService({ engine });
      assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
      if (versioning !== 'Unversioned') {
        const body = `<VersioningConfiguration><Status>${versioning}</Status></VersioningConfiguration>`;
        assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body })).status, 200);
      }
      // Alice's first version lets bob change its ACL.
      const first = await send(service, { method: 'PUT', path: '/bkt/k', body: 'first', headers: { 'x-amz-grant-write-acp': `id="${BOB.tenantId}"` } });
      assert.equal(first.status, 200);
      const path = versionId ? `/bkt/k?acl&versionId=${versionId}` : '/bkt/k?acl';

      const gate = gateNextTransaction(backend.meta);
      const pending = send(service, { method: 'PUT', path, headers: { 'x-amz-acl': 'public-read' }, as: BOB });
      await gate.reached;
      // Meanwhile alice overwrites the key with a private version.
      assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'second' })).status, 200);
      gate.release();
      const acl = await pending;
      assert.equal(acl.status, 200, acl.text);

      // The second version is as alice wrote it: private, bob cannot change its ACL, nobody reads it anonymously.
      assert.equal((await send(service, { method: 'GET', path: '/bkt/k', as: null })).status, 403);
      const current = await send(service, { method: 'GET', path: '/bkt/k?acl' });
      assert.equal(current.status, 200, current.text);
      assert.deepEqual(xmlAll(current.text, 'Permission'), ['FULL_CONTROL']);
      assert.equal((await send(service, { method: 'PUT', path: '/bkt/k?acl', headers: { 'x-amz-acl': 'public-read' }, as: BOB })).status, 403);
      if (versioning === 'Enabled') {
        // The version bob was allowed to change got the ACL (noncurrent by now).
        const v1 = String(first.headers['x-amz-version-id']);
        assert.equal(acl.headers['x-amz-version-id'], v1);
        const old = await send(service, { method: 'GET', path: `/bkt/k?versionId=${v1}`, as: null });
        assert.equal(old.status, 200, old.text);
        assert.equal(old.text, 'first');
      }
      await engine.close();
    });
  }
}

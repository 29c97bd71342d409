/**
 * test/helpers/gateway.ts is what other integration tests and the conformance suite stand on, so
 * its promises are tested here: users and tenants, client config, data kept across a restart on
 * the same dir, temp dirs removed, idempotent close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startGateway } from '../../helpers/gateway.js';

test('memory gateway: default user plus extra users, each with its own tenant and working keys', async (t) => {
  const gw = await startGateway({ accessKey: 'DEFAULTKEY', secretKey: 'default-secret', users: [{ name: 'alice' }, { name: 'bob', accessKey: 'BOBKEY' }] });
  t.after(() => gw.close());
  assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(gw.accessKey, 'DEFAULTKEY');
  assert.deepEqual(gw.users.map((u) => u.name), ['default', 'alice', 'bob']);
  assert.equal(gw.users[2]?.accessKey, 'BOBKEY');
  assert.equal(new Set(gw.users.map((u) => u.tenantId)).size, 3);
  assert.match(gw.tenantId, /^[0-9a-f]{64}$/);

  const alice = new S3Client(gw.clientConfig(gw.users[1]));
  const def = new S3Client(gw.clientConfig());
  t.after(() => { alice.destroy(); def.destroy(); });
  await alice.send(new CreateBucketCommand({ Bucket: 'alice-bucket' }));
  const mine = await alice.send(new ListBucketsCommand({}));
  const theirs = await def.send(new ListBucketsCommand({}));
  assert.deepEqual(mine.Buckets?.map((b) => b.Name), ['alice-bucket']);
  assert.deepEqual(theirs.Buckets ?? [], []);
  assert.equal(mine.Owner?.ID, gw.users[1]?.tenantId);

  await gw.close();
  await gw.close();
});

test('local gateway: a given data dir survives close() and a restart serves the same objects', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ccow-helper-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const keys = { accessKey: 'RESTARTKEY', secretKey: 'restart-secret' };

  const first = await startGateway({ backend: 'local', dataDir, ...keys });
  const c1 = new S3Client(first.clientConfig());
  await c1.send(new CreateBucketCommand({ Bucket: 'keep' }));
  await c1.send(new PutObjectCommand({ Bucket: 'keep', Key: 'k', Body: 'persisted' }));
  c1.destroy();
  await first.close();
  await stat(dataDir);

  const second = await startGateway({ backend: 'local', dataDir, ...keys });
  t.after(() => second.close());
  const c2 = new S3Client(second.clientConfig());
  t.after(() => c2.destroy());
  const got = await c2.send(new GetObjectCommand({ Bucket: 'keep', Key: 'k' }));
  assert.equal(await got.Body?.transformToString(), 'persisted');
});

test('local gateway without a data dir uses a temp dir and removes it on close', async () => {
  const gw = await startGateway({ backend: 'local' });
  const dir = gw.dataDir!;
  await stat(dir);
  await gw.close();
  await assert.rejects(stat(dir), /ENOENT/);
});

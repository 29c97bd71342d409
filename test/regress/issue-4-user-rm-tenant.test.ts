/**
 * Issue #4 (multi-user admin): buckets belong to a tenant, keys to users of that tenant. `ccow user
 * rm` of a tenant's only key left its buckets with no way to sign for them, silently, and `ccow
 * user add` always made a new tenant, so neither a re-added user nor key rotation could reach
 * them again (in AWS, deleting an access key never cuts an account off its buckets). Now `user rm`
 * names the buckets it leaves keyless, and `user add --tenant ID` adds a key to an existing tenant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { userAdd, userRemove } from '../../src/cli/admin.js';
import { startGateway } from '../helpers/gateway.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const BOB = { name: 'bob', accessKey: 'BOBOLDKEY00000000001', secretKey: 'bob-old-secret-0000000000000000000000001' };

test('user rm warns about keyless buckets; user add --tenant gives the tenant a key again', async (t) => {
  const dir = await makeTempDir('user-rm');
  t.after(() => dir.cleanup());
  let gw = await startGateway({ backend: 'local', dataDir: dir.path, users: [BOB] });
  const tenant = gw.users[1]!.tenantId;
  let s3 = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'bob-data' }));
  s3.destroy();
  await gw.close();

  const out: string[] = [];
  assert.equal(await userRemove({ dataDirs: [dir.path] }, BOB.accessKey, (l) => out.push(l)), 0);
  assert.match(out.join('\n'), new RegExp(`tenant ${tenant} has no access key left; its 1 bucket\\(s\\) \\(bob-data\\) are kept`));
  assert.match(out.join('\n'), new RegExp(`ccow user add bob --tenant ${tenant}`));

  await assert.rejects(userAdd({ dataDirs: [dir.path] }, 'x', { tenant: 'f'.repeat(64) }, () => {}), /no tenant/);
  await assert.rejects(userAdd({ dataDirs: [dir.path] }, 'x', { tenant: 'nope' }, () => {}), /64 lowercase hex/);
  const added: string[] = [];
  const fresh = { accessKey: 'BOBNEWKEY00000000001', secretKey: 'bob-new-secret-0000000000000000000000001' };
  assert.equal(await userAdd({ dataDirs: [dir.path] }, 'bob', { ...fresh, tenant }, (l) => added.push(l)), 0);
  assert.match(added.join('\n'), new RegExp(`tenant id: +${tenant}`));

  gw = await startGateway({ backend: 'local', dataDir: dir.path });
  t.after(() => gw.close());
  s3 = new S3Client({ ...gw.clientConfig(fresh), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const list = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(list.Buckets?.map((b) => b.Name), ['bob-data']);
  assert.equal(list.Owner?.ID, tenant);

  // A second key of a tenant that keeps one: no warning.
  const quiet: string[] = [];
  await gw.close();
  assert.equal(await userAdd({ dataDirs: [dir.path] }, 'bob', { accessKey: 'BOBTHIRDKEY000000001', secretKey: 'bob-third-secret-00000000000000000000001', tenant }, () => {}), 0);
  assert.equal(await userRemove({ dataDirs: [dir.path] }, fresh.accessKey, (l) => quiet.push(l)), 0);
  assert.deepEqual(quiet, [`user with access key ${fresh.accessKey} removed`]);
});

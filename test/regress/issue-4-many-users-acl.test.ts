/**
 * Regress (issue #3/#4, scale hunt): requests that resolve ACL grantees or owner names read every
 * user record. CreateBucket, a PUT with `x-amz-acl`, GetBucketAcl / GetObjectAcl and PutBucketAcl
 * each listed the whole user table from the store: with 1,000 users 1,001 rows per request, +2–4 ms
 * (real gateway over LMDB, SDK v3: GetBucketAcl 1.3 → 5.1 ms, PUT with an ACL 3.7 → 8.5 ms). The
 * engine keeps the table in memory until a user is added or removed. Counted in rows read, never in
 * time; and a user added or removed counts at the next request, as README promises.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CreateBucketCommand, GetBucketAclCommand, GetObjectAclCommand, PutBucketAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { rowsRead } from '../helpers/counting-backend.js';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const USERS = 200;

test('ACL requests do not read the user table each time; user changes count at the next request', async (t) => {
  const users = Array.from({ length: USERS }, (_, i) => ({ name: `u${i}` }));
  const { gw, s3 } = await gatewayWithClient(t, { users }, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'warm' }));
  let n = 0;
  const requests: [string, () => Promise<unknown>][] = [
    ['CreateBucket', () => s3.send(new CreateBucketCommand({ Bucket: `b-${n++}` }))],
    ['PutObject with x-amz-acl', () => s3.send(new PutObjectCommand({ Bucket: 'warm', Key: 'k', Body: 'x', ACL: 'private' }))],
    ['GetBucketAcl', () => s3.send(new GetBucketAclCommand({ Bucket: 'warm' }))],
    ['GetObjectAcl', () => s3.send(new GetObjectAclCommand({ Bucket: 'warm', Key: 'k' }))],
    ['PutBucketAcl', () => s3.send(new PutBucketAclCommand({ Bucket: 'warm', ACL: 'private' }))],
  ];
  for (const [name, send] of requests) {
    await send();
    const rows = await rowsRead(gw.backend.meta, async () => {
      for (let i = 0; i < 5; i++) await send();
    });
    // Before: 5 × (USERS + 1) = 1,005 rows.
    assert.ok(rows < USERS, `${name}: ${rows} rows for 5 requests with ${USERS + 1} users`);
  }

  // A grant to a tenant no user has is refused; once a user of it exists, accepted; once that user
  // is gone, refused again.
  const tenant = randomBytes(32).toString('hex');
  const grant = (): Promise<unknown> => s3.send(new PutBucketAclCommand({ Bucket: 'warm', GrantRead: `id="${tenant}"` }));
  assert.equal((await errorOf(grant())).name, 'InvalidArgument');
  const user = await gw.engine.putUser({ accessKey: 'AKNEWUSER0000000000X', secretKey: 's'.repeat(40), name: 'new', tenantId: tenant });
  await grant();
  const acl = await s3.send(new GetBucketAclCommand({ Bucket: 'warm' }));
  assert.ok(acl.Grants?.some((g) => g.Grantee?.ID === tenant && g.Grantee.DisplayName === 'new'), 'the new user names its grant');
  await gw.engine.deleteUser(user.accessKey);
  assert.equal((await errorOf(grant())).name, 'InvalidArgument');
});

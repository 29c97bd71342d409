/**
 * Issue #4 (found by s3cmd16: `s3cmd accesslog --no-access-logging s3://b` failed with 501).
 * PutBucketLogging answered 501 NotImplemented whatever the body, also for the empty
 * `<BucketLoggingStatus/>` that turns logging off ("To disable logging, you use an empty
 * BucketLoggingStatus request element", API_PutBucketLogging). No bucket here has logging on
 * (GetBucketLogging answers the empty status), so that request asks for the state the bucket is
 * already in, and AWS answers it 200. Now: 200 for the owner (with the SDK's namespace and with
 * s3cmd's body, whose namespace is the doc.s3.amazonaws.com one the API reference prints), 403 for
 * another tenant, 404 for a missing bucket, 400 MalformedXML for another root element; a
 * `LoggingEnabled` stays 501. Real HTTP, SDK v3 and a raw signed request, two tenants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketLoggingCommand, PutBucketLoggingCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';
import { send } from '../integration/faults/helpers.js';

const BOB = { name: 'bob', accessKey: 'BOBLOGGINGOFF0000001', secretKey: 'bob-logging-off-secret-0000000000000001' };

/** What s3cmd 2.3 sends for `accesslog --no-access-logging` (S3/AccessLog.py), byte for byte. */
const S3CMD_BODY = '<BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01" />';

test('PutBucketLogging with an empty BucketLoggingStatus turns logging off: 200 for the owner', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { users: [BOB] }, { maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => bob.destroy());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const sign = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  await s3.send(new CreateBucketCommand({ Bucket: 'logging-off' }));

  const out = await s3.send(new PutBucketLoggingCommand({ Bucket: 'logging-off', BucketLoggingStatus: {} }));
  assert.equal(out.$metadata.httpStatusCode, 200);
  const raw = await send(pool, gw.url, { method: 'PUT', path: '/logging-off?logging', body: S3CMD_BODY, sign });
  assert.equal(raw.status, 200, raw.body.toString());
  const status = await s3.send(new GetBucketLoggingCommand({ Bucket: 'logging-off' }));
  assert.equal(status.LoggingEnabled, undefined, 'still off');

  const other = await errorOf(bob.send(new PutBucketLoggingCommand({ Bucket: 'logging-off', BucketLoggingStatus: {} })));
  assert.equal(other.$metadata.httpStatusCode, 403);
  assert.equal(other.name, 'AccessDenied');
  const missing = await errorOf(s3.send(new PutBucketLoggingCommand({ Bucket: 'no-such-logging-bucket', BucketLoggingStatus: {} })));
  assert.equal(missing.name, 'NoSuchBucket');
  const wrongRoot = await send(pool, gw.url, { method: 'PUT', path: '/logging-off?logging', body: '<LoggingStatus/>', sign });
  assert.equal(wrongRoot.status, 400);
  assert.match(wrongRoot.body.toString(), /<Code>MalformedXML<\/Code>/);

  // Turning logging on stays unimplemented: there is no log delivery.
  const on = await errorOf(s3.send(new PutBucketLoggingCommand({
    Bucket: 'logging-off',
    BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logging-off', TargetPrefix: 'logs/' } },
  })));
  assert.equal(on.$metadata.httpStatusCode, 501);
  assert.equal(on.name, 'NotImplemented');
});

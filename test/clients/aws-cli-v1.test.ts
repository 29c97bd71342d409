/**
 * aws CLI v1 (the 1.45 line in pyenv's python3, botocore 1.43: the 2025+ default checksums) against
 * an in-process gateway on the local backend over HTTPS. Over TLS botocore sends uploads
 * aws-chunked with `STREAMING-UNSIGNED-PAYLOAD-TRAILER` and a CRC32 trailer (over plain HTTP it
 * signs the payload instead), which is what users pointing it at a TLS endpoint exercise.
 * The session itself is in aws-flow.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway } from '../helpers/gateway.js';
import { awsCliSession } from './aws-flow.js';
import { findAwsV1, watchRequests } from './harness.js';

test('aws CLI v1 (pyenv) over HTTPS: cp, sync, presign, s3api versioning, rm, rb', { concurrency: 3 }, async (t) => {
  const tool = await findAwsV1();
  if (!tool) {
    t.skip('aws CLI v1 not found: no python3 on PATH imports awscli 1.x (the machine image carries it in pyenv; `pip install awscli` to run this test)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const dir = join(process.cwd(), 'test/fixtures/http');
  const ca = readFileSync(join(dir, 'test-cert.pem'), 'utf8');
  const gw = await startGateway({ backend: 'local', http: { https: { cert: ca, key: readFileSync(join(dir, 'test-key.pem')) } } });
  t.after(() => gw.close());
  assert.match(gw.url, /^https:/);
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());

  await awsCliSession(t, tool, { url: gw.url, accessKey: gw.accessKey, secretKey: gw.secretKey, ca, seen: watch.seen }, 'awsv1');

  // The 2025+ botocore defaults really took the aws-chunked trailer path (not a signed payload).
  const chunked = watch.seen.filter((r) => r.method === 'PUT' && r.headers['x-amz-content-sha256'] === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
  assert.ok(chunked.length > 0, 'some uploads arrived aws-chunked with a trailer');
  assert.ok(chunked.every((r) => r.headers['x-amz-trailer'] === 'x-amz-checksum-crc32'), 'with a CRC32 trailer');
});

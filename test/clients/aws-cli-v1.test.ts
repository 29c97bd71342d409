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
import { access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startGateway } from '../helpers/gateway.js';
import { awsCliSession } from './aws-flow.js';
import { findPython, locate, watchRequests, which, type Tool } from './harness.js';

async function findAwsV1(): Promise<Tool | undefined> {
  const py = await findPython();
  // pyenv keeps the console script next to the interpreter (its version is the awscli the
  // interpreter imports: no second python start-up); PATH's `aws` may be a shim or v2.
  const nextToPython = py?.awscli?.startsWith('1.') ? join(dirname(py.executable), 'aws') : undefined;
  if (nextToPython && await isExecutable(nextToPython)) return { path: nextToPython, version: `aws-cli/${py!.awscli}` };
  return locate(await which('aws'), ['--version'], /aws-cli\/1\.\S+/);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

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

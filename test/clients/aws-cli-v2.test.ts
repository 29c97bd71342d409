/**
 * aws CLI v2 as Debian ships it (`apt-get install awscli`: 2.9 on bookworm, /usr/bin/aws, run by the
 * system python3) against an in-process gateway on the local backend over plain HTTP (payloads
 * signed with their SHA-256). Called by absolute path: pyenv's `aws` shim (v1) comes first on PATH.
 * The session itself is in aws-flow.ts.
 */
import { test } from 'node:test';
import { startGateway } from '../helpers/gateway.js';
import { awsCliSession } from './aws-flow.js';
import { findAwsV2, watchRequests } from './harness.js';

test('aws CLI v2 (Debian awscli) over HTTP: cp, sync, presign, s3api versioning, rm, rb', { concurrency: 3 }, async (t) => {
  const tool = await findAwsV2();
  if (!tool) {
    t.skip('aws CLI v2 not installed (.ci/run installs the Debian package: apt-get install -y awscli)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const gw = await startGateway({ backend: 'local' });
  t.after(() => gw.close());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  await awsCliSession(t, tool, { url: gw.url, accessKey: gw.accessKey, secretKey: gw.secretKey, seen: watch.seen }, 'awsv2');
});

/**
 * A TLS file that cannot be read was reported as "cannot read TLS certificate or key: EISDIR:
 * illegal operation on a directory, read": neither which of the two nor its path (Node names the
 * path for ENOENT but not for a directory). Found by giving `--tls-cert` a directory, as a new user
 * following README "Configuration" might. Now the line says which file it is and its path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';

const CERT = join(process.cwd(), 'test', 'fixtures', 'http', 'test-cert.pem');
const KEY = join(process.cwd(), 'test', 'fixtures', 'http', 'test-key.pem');

test('an unreadable --tls-cert or --tls-key is named in the one-line error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-tls-named-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  for (const [cert, key, expected] of [
    [dir, KEY, `cannot read TLS certificate ${dir}: EISDIR`],
    [CERT, dir, `cannot read TLS key ${dir}: EISDIR`],
    [CERT, join(dir, 'missing.pem'), `cannot read TLS key ${join(dir, 'missing.pem')}: ENOENT`],
  ] as const) {
    const r = await runCli(['serve', '--listen', '127.0.0.1:0', '--data', data, '--tls-cert', cert, '--tls-key', key], { env: cleanEnv(), cwd: dir });
    assert.equal(r.code, 2, r.stdout);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`ccow: ${expected}`), r.stderr);
  }
});

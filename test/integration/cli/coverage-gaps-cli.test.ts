/**
 * `ccow` paths no other test reached (coverage hunt, issue #4), run as an operator runs them: a
 * CCOW_ACCESS_KEY that already belongs to another user stops `ccow serve` before it serves, with
 * one `ccow:` line, and changes nothing (that user keeps the key and its secret).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { cleanEnv, runCli, serveCli } from '../../helpers/cli.js';

async function listBuckets(url: string, accessKeyId: string, secretAccessKey: string): Promise<number> {
  const u = new URL(url);
  const signed = aws4.sign({ host: u.host, path: '/', method: 'GET', service: 's3', region: 'us-east-1', headers: {} }, { accessKeyId, secretAccessKey });
  return (await fetch(`${url}/`, { headers: signed.headers as Record<string, string> })).status;
}

test('serve with CCOW_ACCESS_KEY of another user: refused before serving, one ccow: line, that user untouched', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'ccow-covgap-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const base = cleanEnv({ CCOW_DATA: data });
  const add = await runCli(['user', 'add', 'bob', '--access-key', 'BOBKEY0000000000000B', '--secret-key', 'bob-secret-0123456789'], { env: base });
  assert.equal(add.code, 0, add.stderr);

  const clash = await runCli(['serve', '--listen', '127.0.0.1:0'], { env: { ...base, CCOW_ACCESS_KEY: 'BOBKEY0000000000000B', CCOW_SECRET_KEY: 'another-secret-0123456789' } });
  assert.equal(clash.code, 2, clash.stderr); // a wrong setting (README)
  assert.equal(clash.stderr.trim(), 'ccow: access key BOBKEY0000000000000B already belongs to user "bob"; choose another CCOW_ACCESS_KEY');
  assert.doesNotMatch(clash.stdout, /listening on/);

  const ls = await runCli(['user', 'ls'], { env: base });
  assert.match(ls.stdout, /^BOBKEY0000000000000B\tbob\t/m);
  // bob's own secret still signs; the refused one does not.
  const gw = await serveCli(['--listen', '127.0.0.1:0'], { env: base, t });
  assert.equal(await listBuckets(gw.url, 'BOBKEY0000000000000B', 'bob-secret-0123456789'), 200);
  assert.equal(await listBuckets(gw.url, 'BOBKEY0000000000000B', 'another-secret-0123456789'), 403);
});

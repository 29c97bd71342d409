/**
 * `ccow user rm` of the default user's key (the one the banner prints) said "removed", and the next
 * `ccow serve` put the same key back from credentials.json: a leaked default key could not be
 * revoked, and the keyless warning told the operator to add a key the gateway then restored anyway.
 * Found by following README "Admin commands" from a fresh clone. Now the default user's generated
 * keys are forgotten, and the next start generates a new pair for the same tenant (its buckets stay
 * its own); a key from CCOW_ACCESS_KEY is said to come back while the variable names it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { cleanEnv, runCli, serveCli } from '../helpers/cli.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-user-rm-default-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A SigV4-signed request with the given keys (no body). */
async function signed(url: string, method: string, path: string, keys: { accessKey: string; secretKey: string }): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const req = aws4.sign({ host: u.host, path, method, service: 's3', region: 'us-east-1', headers: {} }, { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey });
  const res = await fetch(`${url}${path}`, { method, headers: req.headers as Record<string, string> });
  return { status: res.status, body: await res.text() };
}

function keysOf(stdout: string): { accessKey: string; secretKey: string } {
  const m = /access key: (\S+)\s+secret key: (\S+)/.exec(stdout);
  assert.ok(m, `banner with keys: ${stdout}`);
  return { accessKey: m[1]!, secretKey: m[2]! };
}

test('user rm of the generated default key stays removed; the next start has a new pair owning the same buckets', async (t) => {
  const data = join(await tempDir(t), 'data');
  const env = cleanEnv({ CCOW_DATA: data });
  const first = await serveCli(['--listen', '127.0.0.1:0'], { env, t });
  const old = keysOf(first.stdout());
  assert.equal((await signed(first.url, 'PUT', '/kept-bucket', old)).status, 200);
  assert.equal(await first.stop(), 0);

  const rmd = await runCli(['user', 'rm', old.accessKey], { env });
  assert.equal(rmd.code, 0, rmd.stderr);
  assert.match(rmd.stdout, /new key pair at the next `ccow serve`/);
  assert.doesNotMatch(rmd.stdout, /no access key left/, 'no advice to add a key the start restores');
  const file = await readFile(join(data, 'credentials.json'), 'utf8');
  assert.equal(file.includes(old.secretKey), false, 'the revoked secret is no longer on disk');

  const second = await serveCli(['--listen', '127.0.0.1:0'], { env, t });
  const now = keysOf(second.stdout());
  assert.notEqual(now.accessKey, old.accessKey, 'a new default key');
  assert.equal((await signed(second.url, 'GET', '/', old)).status, 403, 'the removed key stays removed');
  const list = await signed(second.url, 'GET', '/', now);
  assert.equal(list.status, 200);
  assert.match(list.body, /<Name>kept-bucket<\/Name>/, 'same tenant: the bucket is still the default user\'s');
  assert.equal(await second.stop(), 0);
  const ls = await runCli(['user', 'ls'], { env });
  assert.equal(ls.stdout.includes(old.accessKey), false, ls.stdout);
});

test('user rm of a default key from CCOW_ACCESS_KEY says it comes back with the variable', async (t) => {
  const data = join(await tempDir(t), 'data');
  const env = cleanEnv({ CCOW_DATA: data, CCOW_ACCESS_KEY: 'ENVDEFAULTKEY', CCOW_SECRET_KEY: 'env-secret-1' });
  const gw = await serveCli(['--listen', '127.0.0.1:0'], { env, t });
  assert.equal(await gw.stop(), 0);
  const rmd = await runCli(['user', 'rm', 'ENVDEFAULTKEY'], { env: cleanEnv({ CCOW_DATA: data }) });
  assert.equal(rmd.code, 0, rmd.stderr);
  assert.match(rmd.stdout, /from CCOW_ACCESS_KEY; a `ccow serve` with the same CCOW_ACCESS_KEY adds it again/);

  // Another user's removal never reads credentials.json: a damaged one does not stop it.
  const add = await runCli(['user', 'add', 'alice', '--access-key', 'ALICEKEY', '--secret-key', 'alice-secret'], { env: cleanEnv({ CCOW_DATA: data }) });
  assert.equal(add.code, 0, add.stderr);
  await writeFile(join(data, 'credentials.json'), '{ damaged');
  const other = await runCli(['user', 'rm', 'ALICEKEY'], { env: cleanEnv({ CCOW_DATA: data }) });
  assert.equal(other.code, 0, other.stderr);
});

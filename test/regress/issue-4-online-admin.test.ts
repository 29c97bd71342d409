/**
 * Issue #4 ("`ccow user add|ls|rm` to manage keys"): the admin commands refused while a gateway
 * held the data dir, so adding a user or revoking a leaked key meant stopping the gateway. Now
 * `ccow user …` and `ccow snapshot …` run through the running gateway's admin socket
 * (src/cli/admin-socket.ts): a key added works at the next request, a key removed is refused at the
 * next request, the socket is private to the data dir's owner and goes with the gateway, and the
 * whole-store commands (fsck, gc) still refuse. The built binary, a real gateway.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import aws4 from 'aws4';
import { cleanEnv, runCli, serveCli } from '../helpers/cli.js';

const BOB = { accessKeyId: 'ONLINEADMINBOB000001', secretAccessKey: 'onlineAdminBobSecret00000000000000000001' };

/** A signed ListBuckets with `keys`: status and body. */
async function listBuckets(url: string, keys: { accessKeyId: string; secretAccessKey: string }): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const signed = aws4.sign({ host: u.host, path: '/', method: 'GET', service: 's3', region: 'us-east-1', headers: {} }, keys);
  const res = await fetch(`${url}/`, { headers: signed.headers as Record<string, string> });
  return { status: res.status, text: await res.text() };
}

test('ccow user and ccow snapshot run through the running gateway; fsck and gc still refuse', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'ccow-oa-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const env = cleanEnv({ CCOW_DATA: data });
  const run = (...args: string[]) => runCli(args, { env });
  const gw = await serveCli(['--listen', '127.0.0.1:0'], { env });
  t.after(() => gw.stop().then(() => undefined));

  const sock = await stat(join(data, 'admin.sock'));
  assert.ok(sock.isSocket());
  assert.equal(sock.mode & 0o777, 0o600, 'only the data dir owner may use it');

  assert.equal((await listBuckets(gw.url, BOB)).status, 403);
  const add = await run('user', 'add', 'bob', '--access-key', BOB.accessKeyId, '--secret-key', BOB.secretAccessKey);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^user bob added$/m);
  assert.equal((await listBuckets(gw.url, BOB)).status, 200, 'the new key works at once');
  const again = await run('user', 'add', 'bob2', '--access-key', BOB.accessKeyId, '--secret-key', BOB.secretAccessKey);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^ccow: access key ONLINEADMINBOB000001 already exists$/m);
  const bad = await run('user', 'add', 'x'.repeat(65));
  assert.equal(bad.code, 2, 'a usage mistake is still exit 2');
  assert.match((await run('user', 'ls')).stdout, /^ONLINEADMINBOB000001\tbob\t/m);

  // Snapshots of a bucket bob made.
  const u = new URL(gw.url);
  const mk = aws4.sign({ host: u.host, path: '/bobs', method: 'PUT', service: 's3', region: 'us-east-1', headers: {} }, BOB);
  assert.equal((await fetch(`${gw.url}/bobs`, { method: 'PUT', headers: mk.headers as Record<string, string> })).status, 200);
  assert.equal((await run('snapshot', 'create', 'bobs', 'one')).code, 0);
  assert.match((await run('snapshot', 'ls', 'bobs')).stdout, /^one\t/m);
  // Without --owner (an option left out crosses the socket as null): the source's owner, bob.
  const cloned = await run('snapshot', 'clone', 'bobs', 'one', 'bobs-one');
  assert.equal(cloned.code, 0, cloned.stderr);
  assert.match((await listBuckets(gw.url, BOB)).text, /<Name>bobs-one<\/Name>/);
  const noBucket = await run('snapshot', 'create', 'nope', 'one');
  assert.equal(noBucket.code, 1);
  assert.match(noBucket.stderr, /^ccow: bucket nope does not exist$/m);

  for (const args of [['fsck'], ['gc']]) {
    const r = await run(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^ccow: data dir .* is in use by another ccow process/m, args.join(' '));
  }

  const gone = await run('user', 'rm', BOB.accessKeyId);
  assert.equal(gone.code, 0, gone.stderr);
  const refused = await listBuckets(gw.url, BOB);
  assert.equal(refused.status, 403, 'the removed key is refused at once');
  assert.match(refused.text, /<Code>InvalidAccessKeyId<\/Code>/);

  assert.equal(await gw.stop(), 0);
  await assert.rejects(stat(join(data, 'admin.sock')), { code: 'ENOENT' }, 'the socket goes with the gateway');
  // Offline again: the same commands open the data dir themselves.
  assert.match((await run('snapshot', 'ls', 'bobs')).stdout, /^one\t/m);
});

test('a gateway killed with SIGKILL leaves its socket; the next one starts and serves admin commands', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'ccow-oa-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const env = cleanEnv({ CCOW_DATA: data });
  const first = await serveCli(['--listen', '127.0.0.1:0'], { env });
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  assert.ok((await stat(join(data, 'admin.sock'))).isSocket(), 'left behind');
  // With no gateway, the left socket does not confuse the CLI: it opens the data dir itself.
  const offline = await runCli(['user', 'ls'], { env });
  assert.equal(offline.code, 0, offline.stderr);
  const gw = await serveCli(['--listen', '127.0.0.1:0'], { env });
  t.after(() => gw.stop().then(() => undefined));
  const ls = await runCli(['user', 'ls'], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /\tdefault\t/);
});

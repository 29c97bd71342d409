/**
 * The built `ccow` binary, spawned as a user would run it (shared/STYLE.md habit 9, black-box ring):
 * banner with endpoint and credentials, credentials kept across restarts, flag/env precedence,
 * health over the socket, signed requests with the printed keys, admin commands, and the data-dir
 * lock that keeps admin commands away from a running gateway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { cleanEnv, runCli, serveCli, type CliResult, type ServedCli } from '../../helpers/cli.js';

const BANNER = /^ccow-s3 listening on (\S+) {2}access key: (\S+) {2}secret key: (.+)$/m;

interface Served extends ServedCli {
  accessKey: string;
  secretKey: string;
}

/** Spawn `ccow serve …` and wait for its banner. */
async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const gw = await serveCli(args, { env });
  const m = BANNER.exec(gw.stdout());
  assert.ok(m, `banner: ${gw.stdout()}`);
  return { ...gw, url: m[1]!, accessKey: m[2]!, secretKey: m[3]! };
}

/** Run an admin command to completion. */
const run = (args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> => runCli(args, { env });

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A SigV4-signed ListBuckets with the given keys. */
async function listBuckets(url: string, accessKeyId: string, secretAccessKey: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const signed = aws4.sign({ host: u.host, path: '/', method: 'GET', service: 's3', region: 'us-east-1', headers: {} }, { accessKeyId, secretAccessKey });
  const res = await fetch(`${url}/`, { headers: signed.headers as Record<string, string> });
  return { status: res.status, body: await res.text() };
}

test('serve prints endpoint and generated credentials, answers health, and reuses the keys after a restart', async (t) => {
  const data = await tempDir(t);
  const env = cleanEnv();
  const first = await serve(['--listen', '127.0.0.1:0', '--data', data], env);
  t.after(() => first.stop().then(() => undefined));
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(first.accessKey, /^[A-Z0-9]{20}$/);
  assert.match(first.secretKey, /^[A-Za-z0-9]{40}$/);

  const live = await fetch(`${first.url}/_ccow/health/live`);
  assert.equal(live.status, 200);
  assert.deepEqual(await live.json(), { status: 'live' });
  const ready = await fetch(`${first.url}/_ccow/health/ready`);
  assert.equal(ready.status, 200);
  assert.equal((await listBuckets(first.url, first.accessKey, first.secretKey)).status, 200);
  assert.equal((await listBuckets(first.url, first.accessKey, 'X'.repeat(40))).status, 403);

  const file = join(data, 'credentials.json');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const doc = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(doc.v, 1);
  assert.equal(doc.generated.accessKey, first.accessKey);

  assert.equal(await first.stop(), 0, 'SIGTERM shuts down cleanly');
  const second = await serve(['--listen', '127.0.0.1:0', '--data', data], env);
  t.after(() => second.stop().then(() => undefined));
  assert.equal(second.accessKey, first.accessKey);
  assert.equal(second.secretKey, first.secretKey);
  assert.equal((await listBuckets(second.url, second.accessKey, second.secretKey)).status, 200);
  assert.equal(await second.stop(), 0);
});

test('flags override environment variables; CCOW_ACCESS_KEY/CCOW_SECRET_KEY set the default user', async (t) => {
  const envData = await tempDir(t);
  const flagData = await tempDir(t);
  const env = cleanEnv({ CCOW_DATA: envData, CCOW_LISTEN: '127.0.0.1:1', CCOW_ACCESS_KEY: 'ENVKEY0001', CCOW_SECRET_KEY: 'env-secret-0001' });
  const gw = await serve(['--listen', '127.0.0.1:0', '--data', flagData], env);
  t.after(() => gw.stop().then(() => undefined));
  assert.notEqual(new URL(gw.url).port, '1');
  assert.equal(gw.accessKey, 'ENVKEY0001');
  assert.equal(gw.secretKey, '(from CCOW_SECRET_KEY)', 'an operator-supplied secret is not echoed');
  assert.equal(gw.stdout().includes('env-secret-0001'), false);
  assert.equal((await listBuckets(gw.url, 'ENVKEY0001', 'env-secret-0001')).status, 200);
  await stat(join(flagData, 'credentials.json'));
  await assert.rejects(stat(join(envData, 'credentials.json')), /ENOENT/);
  assert.equal(await gw.stop(), 0);

  // Without the env keys the same data dir generates keys once, and the env key stops working.
  const again = await serve(['--listen', '127.0.0.1:0', '--data', flagData], cleanEnv());
  t.after(() => again.stop().then(() => undefined));
  assert.match(again.accessKey, /^[A-Z0-9]{20}$/);
  assert.equal((await listBuckets(again.url, again.accessKey, again.secretKey)).status, 200);
  assert.equal((await listBuckets(again.url, 'ENVKEY0001', 'env-secret-0001')).status, 403);
  assert.equal(await again.stop(), 0);
});

test('configuration mistakes exit 2 with a one-line message', async () => {
  const r = await run(['serve', '--listen', 'nonsense'], cleanEnv());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^ccow: invalid listen address "nonsense"/m);
  const half = await run(['serve', '--listen', '127.0.0.1:0'], cleanEnv({ CCOW_ACCESS_KEY: 'ONLYKEY' }));
  assert.equal(half.code, 2);
  assert.match(half.stderr, /must be set together/);
});

test('user add / ls / rm on a stopped gateway; the new user signs requests once it runs', async (t) => {
  const data = await tempDir(t);
  const env = cleanEnv({ CCOW_DATA: data });
  const add = await run(['user', 'add', 'alice'], env);
  assert.equal(add.code, 0, add.stderr);
  const ak = /access key: (\S+)/.exec(add.stdout)?.[1];
  const sk = /secret key: (\S+)/.exec(add.stdout)?.[1];
  assert.match(String(ak), /^[A-Z0-9]{20}$/);
  assert.match(String(sk), /^[A-Za-z0-9]{40}$/);

  const fixed = await run(['user', 'add', 'bob', '--access-key', 'BOBKEY', '--secret-key', 'bob-secret-1'], env);
  assert.equal(fixed.code, 0, fixed.stderr);
  const dup = await run(['user', 'add', 'bob2', '--access-key', 'BOBKEY', '--secret-key', 'bob-secret-2'], env);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);

  const ls = await run(['user', 'ls'], env);
  assert.equal(ls.code, 0);
  assert.match(ls.stdout, new RegExp(`^${ak}\\talice\\t[0-9a-f]{64}\\t`, 'm'));
  assert.match(ls.stdout, /^BOBKEY\tbob\t/m);
  assert.equal(ls.stdout.includes(String(sk)), false, 'ls never prints secrets');
  assert.equal(ls.stdout.includes('bob-secret-1'), false);

  const gw = await serve(['--listen', '127.0.0.1:0'], env);
  t.after(() => gw.stop().then(() => undefined));
  assert.equal((await listBuckets(gw.url, String(ak), String(sk))).status, 200);
  assert.equal(await gw.stop(), 0);

  assert.equal((await run(['user', 'rm', 'BOBKEY'], env)).code, 0);
  const again = await run(['user', 'rm', 'BOBKEY'], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no user with access key BOBKEY/);
  assert.equal((await run(['user', 'ls'], env)).stdout.includes('BOBKEY'), false);
});

test('whole-store admin commands refuse a data dir a running gateway holds; fsck and gc run once it stopped', async (t) => {
  const data = await tempDir(t);
  const env = cleanEnv({ CCOW_DATA: data });
  const gw = await serve(['--listen', '127.0.0.1:0'], env);
  t.after(() => gw.stop().then(() => undefined));
  // (`ccow user …` and `ccow snapshot …` run through the gateway instead: issue-4-online-admin.)
  for (const args of [['fsck'], ['gc']]) {
    const r = await run(args, env);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^ccow: data dir .* is in use by another ccow process/m, args.join(' '));
  }
  assert.equal(await gw.stop(), 0);

  const fsck = await run(['fsck'], env);
  assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
  assert.match(fsck.stdout, /^clean$/m);
  const gc = await run(['gc', '--grace', '0'], env);
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /^gc: \d+ chunk\(s\) deleted$/m);
});

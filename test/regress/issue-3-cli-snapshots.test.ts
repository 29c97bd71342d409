/**
 * Issue #3: bucket snapshots and clones from them were engine calls no user could reach. `ccow
 * snapshot create|ls|rm|clone` (offline, like every admin command): a snapshot taken between two
 * gateway runs, the bucket changed after it, and a bucket cloned from it that S3 clients then read
 * with the snapshot's content — the built binary, a real gateway, signed requests.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import aws4 from 'aws4';
// undici's own fetch: Node 20's fetch goes through undici 7's Agent once a module of the process has
// loaded undici (a test batch neighbour), and that Agent refuses the Content-Length aws4 signs.
import { fetch } from 'undici';
import { cleanEnv, runCli, serveCli } from '../helpers/cli.js';

const KEYS = { accessKeyId: 'SNAPSHOTCLIKEY000001', secretAccessKey: 'snapshotCliSecret0000000000000000000001' };

/** A signed request to the gateway at `url`; status and body text. */
async function s3(url: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const signed = aws4.sign({ host: u.host, path, method, service: 's3', region: 'us-east-1', headers, body }, KEYS);
  const res = await fetch(`${url}${path}`, { method, headers: signed.headers as Record<string, string>, body });
  return { status: res.status, text: await res.text() };
}

/** Run the gateway on `data`, do `fn` against it, stop it. */
async function withGateway(env: NodeJS.ProcessEnv, fn: (url: string) => Promise<void>): Promise<void> {
  const gw = await serveCli(['--listen', '127.0.0.1:0'], { env });
  try {
    await fn(gw.url);
  } finally {
    assert.equal(await gw.stop(), 0);
  }
}

test('ccow snapshot: create, ls, clone into a bucket S3 clients read with the snapshot content, rm', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'ccow-snapcli-'));
  t.after(() => rm(data, { recursive: true, force: true }));
  const env = cleanEnv({ CCOW_DATA: data, CCOW_ACCESS_KEY: KEYS.accessKeyId, CCOW_SECRET_KEY: KEYS.secretAccessKey });
  const run = (...args: string[]) => runCli(args, { env });

  await withGateway(env, async (url) => {
    assert.equal((await s3(url, 'PUT', '/photos')).status, 200);
    assert.equal((await s3(url, 'PUT', '/photos/a.txt', 'first a')).status, 200);
    assert.equal((await s3(url, 'PUT', '/photos/b.txt', 'first b')).status, 200);
  });
  const made = await run('snapshot', 'create', 'photos', 'monday');
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /^snapshot monday of photos created \(cut-off version id \S+\)$/m);
  await withGateway(env, async (url) => {
    assert.equal((await s3(url, 'PUT', '/photos/a.txt', 'second a')).status, 200);
    assert.equal((await s3(url, 'DELETE', '/photos/b.txt')).status, 204);
    assert.equal((await s3(url, 'PUT', '/photos/c.txt', 'after')).status, 200);
  });

  const ls = await run('snapshot', 'ls', 'photos');
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^NAME\tCUT-OFF VERSION ID\tCREATED\nmonday\t\S+\t\d{4}-\d\d-\d\dT/m);
  const cloned = await run('snapshot', 'clone', 'photos', 'monday', 'photos-monday');
  assert.equal(cloned.code, 0, cloned.stderr);
  assert.match(cloned.stdout, /^bucket photos-monday cloned from snapshot monday of photos: 2 object\(s\), no data copied$/m);

  // Mistakes: answered in one line, nothing changed.
  const noBucket = await run('snapshot', 'create', 'nope', 'x');
  assert.equal(noBucket.code, 1);
  assert.match(noBucket.stderr, /^ccow: bucket nope does not exist$/m);
  const badName = await run('snapshot', 'clone', 'photos', 'monday', 'Bad_Name');
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /invalid bucket name "Bad_Name"/);
  const taken = await run('snapshot', 'clone', 'photos', 'monday', 'photos');
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /^ccow: bucket photos exists$/m);
  const noSnap = await run('snapshot', 'clone', 'photos', 'tuesday', 'photos-tuesday');
  assert.equal(noSnap.code, 1);
  assert.match(noSnap.stderr, /^ccow: no snapshot tuesday in photos$/m);
  const noOwner = await run('snapshot', 'clone', 'photos', 'monday', 'photos-x', '--owner', 'f'.repeat(64));
  assert.equal(noOwner.code, 2);

  await withGateway(env, async (url) => {
    assert.equal((await s3(url, 'GET', '/photos-monday/a.txt')).text, 'first a');
    assert.equal((await s3(url, 'GET', '/photos-monday/b.txt')).text, 'first b');
    assert.equal((await s3(url, 'GET', '/photos-monday/c.txt')).status, 404);
    assert.equal((await s3(url, 'GET', '/photos/a.txt')).text, 'second a', 'the source is unchanged');
    const buckets = (await s3(url, 'GET', '/')).text;
    assert.match(buckets, /<Name>photos-monday<\/Name>/);
    assert.doesNotMatch(buckets, /photos-x|photos-tuesday|Bad_Name/);
  });
  const removed = await run('snapshot', 'rm', 'photos', 'monday');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await run('snapshot', 'rm', 'photos', 'monday')).code, 1);
  const fsck = await run('fsck');
  assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
});

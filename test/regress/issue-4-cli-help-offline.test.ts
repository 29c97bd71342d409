/**
 * `ccow --help` said the snapshot commands were "(offline)", while README (and the code since the
 * admin socket) runs `ccow snapshot …` through a gateway that holds the data dir; and it did not
 * say it of fsck and gc, which refuse while a gateway runs. A user reading the help stopped the
 * gateway for a snapshot, or ran gc against a live one and got a refusal. The help now says which
 * commands are offline, and a snapshot is taken through a running gateway as the help says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli, serveCli } from '../helpers/cli.js';

/** The description `ccow --help` gives the command `name`. */
function described(help: string, name: string): string {
  const i = help.search(new RegExp(`^  ${name}\\b`, 'm'));
  assert.ok(i >= 0, `${name} listed in:\n${help}`);
  // A description wraps onto indented lines up to the next command.
  return help.slice(i).split(/\n(?= {2}\S)/)[0]!.replace(/\s+/g, ' ');
}

test('ccow --help: fsck, gc and compact are offline; user and snapshot are not', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const c of ['fsck', 'gc', 'compact']) assert.match(described(r.stdout, c), /offline/, c);
  for (const c of ['user', 'snapshot']) assert.doesNotMatch(described(r.stdout, c), /offline/, c);
  assert.match(described(r.stdout, 'snapshot'), /through the gateway while one holds the data dir/);
});

test('ccow snapshot create runs while the gateway holds the data dir; ccow gc refuses then', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-help-offline-'));
  const data = join(dir, 'data');
  const gw = await serveCli(['--listen', '127.0.0.1:0', '--data', data], { t, cleanup: () => rm(dir, { recursive: true, force: true }) });
  const [, accessKeyId, secretAccessKey] = /access key: (\S+)\s+secret key: (\S+)/.exec(gw.stdout())!;
  const s3 = new S3Client({ endpoint: gw.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! } });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'snapped' }));
  const snap = await runCli(['snapshot', 'create', 'snapped', 's1', '--data', data]);
  assert.equal(snap.code, 0, snap.stderr);
  assert.match(snap.stdout, /snapshot s1 of snapped created/);
  const gc = await runCli(['gc', '--data', data]);
  assert.equal(gc.code, 1);
  assert.match(gc.stderr, /^ccow: data dir .* is in use by another ccow process/);
});

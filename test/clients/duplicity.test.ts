/**
 * duplicity (Debian package) with its boto3 backend (`boto3+s3://bucket/prefix`,
 * `--s3-endpoint-url`) on an in-process gateway (local backend, plain HTTP): a full backup of a
 * tree with a 7 MiB file (volumes uploaded in parts by boto3's transfer manager), an incremental
 * after changes, verify --compare-data, collection-status, restore of the latest state and of one
 * file as of the full backup, then a second full and remove-all-but-n-full (collection-status shows one chain left).
 *
 * --no-encryption: the S3 traffic is the same with gpg, and gpg would leave an agent running in the
 * test's HOME. The bucket is made with the SDK: the boto3 backend refuses a missing bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, locate, makeTree, partsUploaded, pseudoRandom, readTree, run, runOk, treeDigest, which, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'duplicity-b';
const PREFIX = 'backups/host one';

/** The interpreter duplicity's script runs (its `#!` line), if it can import boto3. */
async function boto3Python(duplicityPath: string): Promise<string | undefined> {
  const shebang = /^#!\s*(\S+)/.exec((await readFile(duplicityPath, 'utf8')).split('\n', 1)[0]!)?.[1];
  if (!shebang) return undefined;
  const r = await run(shebang, ['-c', 'import boto3'], { env: process.env, timeoutMs: 30_000 }).catch(() => undefined);
  return r?.code === 0 ? shebang : undefined;
}

test('duplicity (boto3+s3 backend): full, incremental, verify, restore, remove-all-but-n-full', async (t) => {
  const tool = await locate(await which('duplicity'), ['--version'], /duplicity \d+\.\d+\S*/);
  if (!tool) {
    t.skip('duplicity not installed (.ci/run installs the Debian packages: apt-get install -y duplicity python3-boto3)');
    return;
  }
  if (!await boto3Python(tool.path)) {
    t.skip(`${tool.path}'s python has no boto3 (.ci/run installs the Debian package: apt-get install -y python3-boto3)`);
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-duplicity');
  const s3 = new S3Client(gw.clientConfig());
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  const env = clientEnv(dir.path, { AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey });
  const url = `boto3+s3://${BUCKET}/${PREFIX}`;
  const common = ['--s3-endpoint-url', gw.url, '--s3-region-name', 'us-east-1', '--archive-dir', join(dir.path, 'cache'),
    '--no-encryption', '--volsize', '6', '--s3-multipart-chunk-size', '5'];
  const duplicity = (...args: string[]): Promise<RunResult> => runOk(tool.path, [...args.slice(0, 1), ...common, ...args.slice(1)], { env, cwd: dir.path });
  const stat = (r: RunResult, name: string): number => {
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(r.stdout);
    assert.ok(m, `${name} in:\n${r.stdout}`);
    return Number(m[1]);
  };
  const remoteNames = async (): Promise<string[]> => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
    return (out.Contents ?? []).map((o) => o.Key!.slice(PREFIX.length + 1)).sort();
  };

  const tree = await makeTree(join(dir.path, 'src'), 'duplicity-tree', 40);
  const big = pseudoRandom(7 * MiB, 'duplicity-big');
  await writeFile(join(dir.path, 'src', 'big.bin'), big);
  tree.set('big.bin', big);
  let fullTime = 0;

  await t.test('full backup: volumes up (the first in parts), stats count every file', async () => {
    const full = await duplicity('full', 'src', url);
    assert.equal(stat(full, 'Errors'), 0);
    assert.equal(stat(full, 'NewFiles'), new Set([...tree.keys()].flatMap((k) => k.split('/').map((_, i, a) => a.slice(0, i + 1).join('/')))).size + 1, 'files, their directories and the root');
    fullTime = stat(full, 'StartTime');
    const names = await remoteNames();
    const volumes = names.filter((n) => /^duplicity-full\.\d{8}T\d{6}Z\.vol\d+\.difftar\.gz$/.test(n));
    assert.ok(volumes.length >= 2, names.join(' '));
    assert.ok(names.some((n) => n.endsWith('.manifest')) && names.some((n) => n.endsWith('.sigtar.gz')), names.join(' '));
    const vol1 = volumes.find((n) => n.includes('.vol1.'))!;
    assert.deepEqual(partsUploaded(watch.seen, `/${BUCKET}/${encodeURIComponent(PREFIX).replace(/%2F/g, '/')}/${vol1}`), [1, 2]);
  });

  await t.test('incremental after a change, an addition and a removal; verify --compare-data', async () => {
    await writeFile(join(dir.path, 'src', 'a', 'file-009.bin'), 'changed\n');
    await writeFile(join(dir.path, 'src', 'added.txt'), 'added\n');
    await rm(join(dir.path, 'src', 'plus+sign.txt'));
    tree.set('a/file-009.bin', Buffer.from('changed\n'));
    tree.set('added.txt', Buffer.from('added\n'));
    const removed = tree.get('plus+sign.txt')!;
    tree.delete('plus+sign.txt');
    // duplicity names a backup set by the whole second it started in, and `--time T` below picks the
    // newest set at or before T: an incremental started in the full's second (a fast full) was
    // picked instead of the full, and the removed file was "not found in archive" (CI flake).
    while (Date.now() / 1000 < fullTime + 1) await sleep(50);
    const inc = await duplicity('incremental', 'src', url);
    assert.equal(stat(inc, 'Errors'), 0);
    assert.equal(stat(inc, 'DeletedFiles'), 1);
    assert.ok((await remoteNames()).some((n) => n.startsWith('duplicity-inc.')));
    assert.match((await duplicity('verify', '--compare-data', url, 'src')).stdout, /, 0 differences found/);

    await duplicity('restore', url, 'restore');
    assert.deepEqual(treeDigest(await readTree(join(dir.path, 'restore'))), treeDigest(tree));
    await duplicity('restore', '--time', String(fullTime), '--file-to-restore', 'plus+sign.txt', url, 'old.txt');
    assert.deepEqual(await readFile(join(dir.path, 'old.txt')), removed);
  });

  await t.test('a second full; remove-all-but-n-full 1 deletes the first chain', async () => {
    const before = (await remoteNames()).filter((n) => n.startsWith('duplicity-'));
    await duplicity('full', 'src', url);
    await duplicity('remove-all-but-n-full', '1', '--force', url);
    const after = await remoteNames();
    assert.deepEqual(after.filter((n) => before.includes(n)), [], `left of the first chain: ${after.join(' ')}`);
    assert.match((await duplicity('collection-status', url)).stdout, /Number of contained backup sets: 1/);
  });
});

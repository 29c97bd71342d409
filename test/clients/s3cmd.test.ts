/**
 * s3cmd (Debian package) against the shipped gateway: `ccow serve` as a child process, keys read
 * from its banner as a user would. A config file per run (path style: host_bucket without
 * `%(bucket)s`), signature v4; then the same operations once with `--signature-v2` (ccow serve
 * accepts SigV2: the S3 service's allowSigV2 defaults to true and serve does not turn it off).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, locate, makeTree, pseudoRandom, readTree, runOk, serveGateway, sha256, tempDir, treeDigest, which, writeS3cmdConfig, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
/** 12 MiB with `multipart_chunk_size_mb = 5`: 3 parts. */
const BIG = 12 * MiB;

test('s3cmd against `ccow serve`: mb, put, get, ls, del, sync (SigV4, and SigV2 once)', async (t) => {
  const tool = await locate(await which('s3cmd'), ['--version'], /s3cmd version \S+/);
  if (!tool) {
    t.skip('s3cmd not installed (.ci/run installs the Debian package: apt-get install -y s3cmd)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const gw = await serveGateway();
  t.after(() => gw.close());
  const dir = await tempDir('clients-s3cmd');
  t.after(() => dir.remove());
  const hostPort = new URL(gw.url).host;
  const cfg = await writeS3cmdConfig(join(dir.path, 's3cfg'), gw, hostPort, hostPort);
  const env = clientEnv(dir.path);
  const s3cmd = (...args: string[]): Promise<RunResult> => runOk(tool.path, ['-c', cfg, ...args], { env, cwd: dir.path });
  const s3 = new S3Client({ endpoint: gw.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey } });
  t.after(() => s3.destroy());
  const big = pseudoRandom(BIG, 's3cmd-big');
  await writeFile(join(dir.path, 'big.bin'), big);

  await t.test('mb', async () => {
    await s3cmd('mb', 's3://s3cmd-b');
    await s3.send(new HeadBucketCommand({ Bucket: 's3cmd-b' }));
  });

  await t.test('put 12 MiB (multipart), get it back', async () => {
    await s3cmd('put', 'big.bin', 's3://s3cmd-b/big.bin');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 's3cmd-b', Key: 'big.bin' }));
    assert.match(head.ETag ?? '', /-3"$/, 'multipart upload in 3 parts');
    await s3cmd('get', 's3://s3cmd-b/big.bin', 'big.out');
    assert.equal(sha256(await readFile(join(dir.path, 'big.out'))), sha256(big));
  });

  const tree = await makeTree(join(dir.path, 'tree'), 's3cmd-tree');
  await t.test('sync a 50-file tree up and down; a second sync transfers nothing', async () => {
    await s3cmd('sync', 'tree/', 's3://s3cmd-b/tree/');
    const again = await s3cmd('sync', 'tree/', 's3://s3cmd-b/tree/');
    assert.doesNotMatch(again.stdout, /^upload:/m, 'second upload sync sends nothing');
    await s3cmd('sync', 's3://s3cmd-b/tree/', 'down/');
    assert.deepEqual(treeDigest(await readTree(join(dir.path, 'down'))), treeDigest(tree));
    const againDown = await s3cmd('sync', 's3://s3cmd-b/tree/', 'down/');
    assert.doesNotMatch(againDown.stdout, /^download:/m, 'second download sync fetches nothing');
  });

  await t.test('ls (buckets, bucket, prefix)', async () => {
    assert.match((await s3cmd('ls')).stdout, /\ss3:\/\/s3cmd-b\n/);
    const top = (await s3cmd('ls', 's3://s3cmd-b')).stdout;
    assert.match(top, /DIR\s+s3:\/\/s3cmd-b\/tree\/\n/);
    assert.match(top, new RegExp(`\\s${BIG}\\s+s3://s3cmd-b/big\\.bin\\n`));
    const all = (await s3cmd('ls', '--recursive', 's3://s3cmd-b/tree/')).stdout.trim().split('\n');
    assert.equal(all.length, tree.size);
  });

  await t.test('del', async () => {
    await s3cmd('del', 's3://s3cmd-b/big.bin');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 's3cmd-b', Prefix: 'big' }));
    assert.equal(left.KeyCount, 0);
  });

  await t.test('--signature-v2: put (multipart), get, ls, sync, del', async () => {
    await s3cmd('--signature-v2', 'put', 'big.bin', 's3://s3cmd-b/v2/big.bin');
    await s3cmd('--signature-v2', 'get', 's3://s3cmd-b/v2/big.bin', 'big-v2.out');
    assert.equal(sha256(await readFile(join(dir.path, 'big-v2.out'))), sha256(big));
    await s3cmd('--signature-v2', 'sync', 'tree/', 's3://s3cmd-b/v2/tree/');
    const listed = (await s3cmd('--signature-v2', 'ls', '--recursive', 's3://s3cmd-b/v2/tree/')).stdout.trim().split('\n');
    assert.equal(listed.length, tree.size, 'awkward names survive SigV2 signing');
    await s3cmd('--signature-v2', 'del', '--recursive', '--force', 's3://s3cmd-b/v2/');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 's3cmd-b', Prefix: 'v2/' }));
    assert.equal(left.KeyCount, 0);
  });
});

/**
 * rclone (Debian package) with an S3 remote of `provider = Other` (what users pick for a
 * self-hosted S3), against an in-process gateway on the local backend over HTTP: mkdir, copy,
 * check, sync both ways, delete, lsf, purge. A multipart upload (upload cutoff and chunk size
 * lowered to 5 MiB) and a multi-thread (ranged) download are forced for the big file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, locate, makeTree, partsUploaded, pseudoRandom, rcloneConf, readTree, runOk, sha256, treeDigest, which, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
const BIG = 12 * MiB;

test('rclone (S3 remote, provider Other): copy, check, sync, delete, lsf', async (t) => {
  const tool = await locate(await which('rclone'), ['version'], /rclone v\S+/);
  if (!tool) {
    t.skip('rclone not installed (.ci/run installs the Debian package: apt-get install -y rclone)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-rclone');
  const conf = await rcloneConf(dir.path, gw);
  const env = clientEnv(dir.path, { RCLONE_CONFIG: conf });
  const rclone = (...args: string[]): Promise<RunResult> => runOk(tool.path, ['--config', conf, '--retries', '1', '--low-level-retries', '1', ...args], { env, cwd: dir.path });
  const lsf = async (path: string): Promise<string[]> => (await rclone('lsf', '-R', '--files-only', path)).stdout.split('\n').filter(Boolean).sort();

  const tree = await makeTree(join(dir.path, 'tree'), 'rclone-tree');
  const big = pseudoRandom(BIG, 'rclone-big');
  await writeFile(join(dir.path, 'big.bin'), big);

  await t.test('mkdir, copy a 50-file tree, check, lsf', async () => {
    await rclone('mkdir', 'gw:rclone-b');
    await rclone('copy', 'tree', 'gw:rclone-b/tree');
    await rclone('check', 'tree', 'gw:rclone-b/tree');
    assert.deepEqual(await lsf('gw:rclone-b/tree'), [...tree.keys()].sort());
  });

  await t.test('copy 12 MiB multipart up, multi-thread (ranged) download', async () => {
    await rclone('copy', 'big.bin', 'gw:rclone-b/', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M');
    assert.deepEqual(partsUploaded(watch.seen, '/rclone-b/big.bin'), [1, 2, 3], 'three UploadPart requests answered 200');
    await rclone('copyto', 'gw:rclone-b/big.bin', 'down-big.bin', '--multi-thread-cutoff', '5M', '--multi-thread-streams', '3');
    assert.equal(sha256(await readFile(join(dir.path, 'down-big.bin'))), sha256(big));
    const ranged = watch.seen.filter((r) => r.method === 'GET' && r.url.startsWith('/rclone-b/big.bin') && r.headers.range !== undefined);
    assert.ok(ranged.length >= 2, `ranged GETs: ${ranged.map((r) => r.headers.range).join(' ')}`);
    await rclone('check', '.', 'gw:rclone-b', '--include', '/big.bin');
  });

  await t.test('sync after local changes (one removed, one changed, one added); sync down; second sync transfers nothing', async () => {
    const [first, second] = [...tree.keys()];
    await rm(join(dir.path, 'tree', first!));
    await writeFile(join(dir.path, 'tree', second!), 'changed content\n');
    await writeFile(join(dir.path, 'tree', 'added.txt'), 'added\n');
    await rclone('sync', 'tree', 'gw:rclone-b/tree');
    await rclone('check', 'tree', 'gw:rclone-b/tree');
    const local = await readTree(join(dir.path, 'tree'));
    assert.deepEqual(await lsf('gw:rclone-b/tree'), [...local.keys()].sort());

    await rclone('sync', 'gw:rclone-b/tree', 'down');
    assert.deepEqual(treeDigest(await readTree(join(dir.path, 'down'))), treeDigest(local));
    const puts = watch.seen.filter((r) => r.method === 'PUT').length;
    const again = await rclone('sync', 'tree', 'gw:rclone-b/tree', '-v');
    assert.doesNotMatch(again.stderr, /: (Copied|Updated|Deleted)/, again.stderr);
    assert.equal(watch.seen.filter((r) => r.method === 'PUT').length, puts, 'no PUT during the second sync');
  });

  await t.test('delete with a filter, lsf, purge', async () => {
    await rclone('delete', 'gw:rclone-b/tree', '--include', 'a/**');
    const left = await lsf('gw:rclone-b/tree');
    assert.ok(left.length > 0 && left.every((k) => !k.startsWith('a/')), left.join(','));
    await rclone('purge', 'gw:rclone-b');
    assert.doesNotMatch((await rclone('lsf', 'gw:')).stdout, /rclone-b/);
  });
});

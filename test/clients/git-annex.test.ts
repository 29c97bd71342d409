/**
 * git-annex (Debian package; Haskell, the `aws` library inside) with S3 special remotes on an
 * in-process gateway (local backend, plain HTTP, path style): initremote (creates the bucket),
 * copy --to with a multipart upload, drop, get back, fsck --from, drop --from; then an export
 * remote with versioning=yes and importtree=yes: export, unexport, fsck by version id, an object
 * written by another client imported with `git annex import` (ListObjectVersions).
 *
 * The remotes use git-annex's default signature (SigV2). signature=v4 is not tried: git-annex
 * 10.20230126 signs `host:127.0.0.1` while it sends `Host: 127.0.0.1:<port>`, so every request
 * to a non-default port fails with SignatureDoesNotMatch, as it would on AWS (SigV4's canonical
 * host is the Host header sent; git-annex's S3 docs point at aristidb/aws#262 for its v4 doubts).
 * partsize is 6MiB, not 5MiB: git-annex cuts parts in 32,752-byte reads, so "5MiB" parts are
 * 5,240,320 bytes and S3 refuses them at Complete (EntityTooSmall, minimum 5 MiB,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html); its docs say as much.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, locate, makeTree, partsUploaded, pseudoRandom, runOk, sha256, treeDigest, which, type RunResult, type SeenRequest } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'annex-b';
const EXPORT_BUCKET = 'annex-export';

test('git-annex (S3 special remote, SigV2, path style): copy, drop, get, fsck; export and import with versioning', async (t) => {
  const tool = await locate(await which('git-annex'), ['version'], /git-annex version: \S+/);
  if (!tool) {
    t.skip('git-annex not installed (.ci/run installs the Debian package: apt-get install -y git-annex)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-git-annex');
  const port = new URL(gw.url).port;
  const repo = join(dir.path, 'repo');
  const env = clientEnv(dir.path, {
    AWS_ACCESS_KEY_ID: gw.accessKey,
    AWS_SECRET_ACCESS_KEY: gw.secretKey,
    GIT_AUTHOR_NAME: 'ccow test', GIT_AUTHOR_EMAIL: 'test@ccow.invalid',
    GIT_COMMITTER_NAME: 'ccow test', GIT_COMMITTER_EMAIL: 'test@ccow.invalid',
  });
  const git = (...args: string[]): Promise<RunResult> => runOk('git', args, { env, cwd: repo });
  const annex = (...args: string[]): Promise<RunResult> => runOk(tool.path, args, { env, cwd: repo });
  const remoteArgs = ['type=S3', 'host=127.0.0.1', `port=${port}`, 'protocol=http', 'requeststyle=path', 'encryption=none'];
  const answered = (method: string, prefix: string, from = 0): SeenRequest[] =>
    watch.seen.slice(from).filter((r) => r.method === method && r.url.startsWith(prefix) && r.status !== undefined && r.status < 300);

  const tree = await makeTree(repo, 'annex-tree', 20);
  const big = pseudoRandom(13 * MiB, 'annex-big');
  await writeFile(join(repo, 'big.bin'), big);
  tree.set('big.bin', big);
  await runOk('git', ['init', '-q', '-b', 'main', repo], { env, cwd: dir.path });
  await annex('init', 'ccow-test');
  // git-annex refuses private addresses unless allowed (annex.security.allowed-ip-addresses).
  await git('config', 'annex.security.allowed-ip-addresses', '127.0.0.1');
  await annex('add', '.');
  await git('commit', '-q', '-m', 'tree');

  await t.test('initremote creates the bucket; copy --to sends every file, the 13 MiB one in parts', async () => {
    await annex('initremote', 's3', ...remoteArgs, `bucket=${BUCKET}`, 'partsize=6MiB');
    assert.equal(answered('PUT', `/${BUCKET}/`).filter((r) => r.url === `/${BUCKET}/`).length, 1, 'CreateBucket');
    const from = watch.seen.length;
    await annex('copy', '--to', 's3', '.');
    assert.equal(answered('PUT', `/${BUCKET}/SHA256E-`, from).filter((r) => !r.url.includes('?')).length, tree.size - 1, 'one PutObject per file but the big one');
    const bigKey = (await annex('lookupkey', 'big.bin')).stdout.trim();
    assert.deepEqual(partsUploaded(watch.seen.slice(from), `/${BUCKET}/${bigKey}`), [1, 2, 3]);
    assert.deepEqual(answered('POST', `/${BUCKET}/${bigKey}?uploadId=`, from).length, 1, 'CompleteMultipartUpload answered 200');
  });

  await t.test('drop the local copies, get them back from the bucket, fsck --from', async () => {
    await annex('drop', '.');
    assert.equal((await annex('find', '.')).stdout.trim(), '', 'no file present locally');
    await annex('get', '.');
    // Annexed files are symlinks into .git/annex/objects: read them through the links.
    const back = new Map<string, Buffer>();
    for (const name of tree.keys()) back.set(name, await readFile(join(repo, name)));
    assert.deepEqual(treeDigest(back), treeDigest(tree));
    const fsck = await annex('fsck', '--from', 's3', '.');
    assert.doesNotMatch(fsck.stdout, /failed/);
  });

  await t.test('drop --from deletes the object; whereis then lists one copy', async () => {
    const key = (await annex('lookupkey', 'with space.txt')).stdout.trim();
    const from = watch.seen.length;
    await annex('drop', '--from', 's3', 'with space.txt');
    assert.equal(answered('DELETE', `/${BUCKET}/${key}`, from).length, 1);
    const where = JSON.parse((await annex('whereis', '--json', 'with space.txt')).stdout) as { whereis: unknown[] };
    assert.equal(where.whereis.length, 1);
  });

  await t.test('export remote with versioning: export, unexport, fsck by version id; import an outside write', async () => {
    await annex('initremote', 'exp', ...remoteArgs, `bucket=${EXPORT_BUCKET}`, 'exporttree=yes', 'importtree=yes', 'versioning=yes');
    assert.equal(answered('PUT', `/${EXPORT_BUCKET}/?versioning`).length, 1, 'PutBucketVersioning');
    await annex('export', 'main', '--to', 'exp');
    await git('rm', '-q', 'empty.txt');
    await git('commit', '-q', '-m', 'rm empty.txt');
    const from = watch.seen.length;
    await annex('export', 'main', '--to', 'exp');
    assert.equal(answered('DELETE', `/${EXPORT_BUCKET}/empty.txt`, from).length, 1, 'unexport deleted the object');
    const fsck = await annex('fsck', '--from', 'exp', 'big.bin');
    assert.doesNotMatch(fsck.stdout, /failed/);
    assert.ok(answered('GET', `/${EXPORT_BUCKET}/big.bin?versionId=`).length >= 1, 'fsck read big.bin by version id');

    // Another client writes into the bucket; git-annex imports it from the version listing.
    const s3 = new S3Client(gw.clientConfig());
    t.after(() => s3.destroy());
    const outside = pseudoRandom(70_000, 'annex-outside');
    await s3.send(new PutObjectCommand({ Bucket: EXPORT_BUCKET, Key: 'from outside/ü.bin', Body: outside }));
    const before = watch.seen.length;
    await annex('import', 'main', '--from', 'exp');
    assert.ok(answered('GET', `/${EXPORT_BUCKET}/?versions`, before).length >= 1, 'ListObjectVersions');
    const files = (await git('ls-tree', '-r', '-z', '--name-only', 'exp/main')).stdout.split('\0').filter(Boolean).sort();
    assert.deepEqual(files, [...tree.keys()].filter((k) => k !== 'empty.txt').concat('from outside/ü.bin').sort());
    await git('merge', '-q', '--allow-unrelated-histories', '-m', 'import', 'exp/main');
    assert.equal(sha256(await readFile(join(repo, 'from outside', 'ü.bin'))), sha256(outside));
  });
});

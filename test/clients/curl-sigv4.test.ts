/**
 * curl's built-in SigV4 signer (`--aws-sigv4 aws:amz:us-east-1:s3`, libcurl's http_aws_sigv4.c)
 * on an in-process gateway (local backend, plain HTTP, path style): CreateBucket, PutObject with
 * `-T` (signed payload hash and UNSIGNED-PAYLOAD), GetObject whole and ranged, HeadObject,
 * ListObjectsV2 with a prefix, DeleteObject, and a body whose hash does not match.
 *
 * What curl 7.88 (Debian 12) needs from its user, each also needed against AWS:
 * - it sends no `x-amz-content-sha256` (curl#8810; added by later curl), and S3 refuses SigV4
 *   header auth without it (400 InvalidRequest "Missing required header for this request:
 *   x-amz-content-sha256"), so every call passes it with -H; curl then signs it;
 * - it signs the query as written, neither sorted nor encoded (curl#9717), so queries are given
 *   sorted by name with values percent-encoded (`list-type=2&prefix=dir%2F`), as SigV4's
 *   canonical query string has them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, locate, pseudoRandom, run, sha256, which, type RunResult } from './harness.js';

const BUCKET = 'curl-b';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

test('curl --aws-sigv4: PUT (-T), GET, HEAD, ListObjectsV2, DELETE', async (t) => {
  const tool = await locate(await which('curl'), ['--version'], /^curl \d+\.\d+\.\d+/m);
  if (!tool) {
    t.skip('curl not installed (.ci/run installs the Debian package: apt-get install -y curl)');
    return;
  }
  const features = (await run(tool.path, ['--help', 'all'], { env: process.env, timeoutMs: 30_000 })).stdout;
  if (!features.includes('--aws-sigv4')) {
    t.skip(`${tool.version} has no --aws-sigv4 (added in curl 7.75.0)`);
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-curl');
  const env = clientEnv(dir.path);
  /** curl signing with the gateway's keys; prints the status code last (after a newline). */
  const curl = async (payloadHash: string, ...args: string[]): Promise<{ status: number; body: string; r: RunResult }> => {
    const r = await run(tool.path, ['-sS', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${gw.accessKey}:${gw.secretKey}`,
      '-H', `x-amz-content-sha256: ${payloadHash}`, '-w', '\\n%{http_code}', ...args], { env, cwd: dir.path });
    assert.equal(r.code, 0, `curl ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    const cut = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), r };
  };
  const small = Buffer.from('hello from curl\n');
  const big = pseudoRandom(3 * 1024 * 1024 + 17, 'curl-big');
  await writeFile(join(dir.path, 'small.txt'), small);
  await writeFile(join(dir.path, 'big.bin'), big);
  const hashOf = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  await t.test('CreateBucket; PutObject with a signed payload hash and with UNSIGNED-PAYLOAD', async () => {
    assert.equal((await curl(EMPTY_SHA256, '-X', 'PUT', `${gw.url}/${BUCKET}`)).status, 200);
    const put = await curl(hashOf(small), '-T', 'small.txt', `${gw.url}/${BUCKET}/dir/small.txt`);
    assert.equal(put.status, 200, put.body);
    const putBig = await curl('UNSIGNED-PAYLOAD', '-T', 'big.bin', `${gw.url}/${BUCKET}/big%20one.bin`);
    assert.equal(putBig.status, 200, putBig.body);
    assert.ok(watch.seen.some((r) => r.method === 'PUT' && r.url === `/${BUCKET}/big%20one.bin` && r.status === 200));
  });

  await t.test('GetObject whole and ranged, HeadObject', async () => {
    const get = await curl(EMPTY_SHA256, '-o', 'down.bin', `${gw.url}/${BUCKET}/big%20one.bin`);
    assert.equal(get.status, 200);
    assert.equal(sha256(await readFile(join(dir.path, 'down.bin'))), sha256(big));
    const ranged = await curl(EMPTY_SHA256, '-r', '6-10', `${gw.url}/${BUCKET}/dir/small.txt`);
    assert.equal(ranged.status, 206);
    assert.equal(ranged.body, 'from ');
    const head = await curl(EMPTY_SHA256, '-I', `${gw.url}/${BUCKET}/dir/small.txt`);
    assert.equal(head.status, 200);
    assert.match(head.body, new RegExp(`^content-length: ${small.length}\\r?$`, 'mi'));
    assert.match(head.body, new RegExp(`^etag: "${createHash('md5').update(small).digest('hex')}"\\r?$`, 'mi'));
  });

  await t.test('ListObjectsV2 with and without a prefix', async () => {
    const all = await curl(EMPTY_SHA256, `${gw.url}/${BUCKET}?list-type=2`);
    assert.equal(all.status, 200, all.body);
    assert.deepEqual([...all.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]), ['big one.bin', 'dir/small.txt']);
    const dir1 = await curl(EMPTY_SHA256, `${gw.url}/${BUCKET}?list-type=2&prefix=dir%2F`);
    assert.equal(dir1.status, 200, dir1.body);
    assert.deepEqual([...dir1.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]), ['dir/small.txt']);
    assert.match(dir1.body, /<KeyCount>1<\/KeyCount>/);
  });

  await t.test('a body that does not match its signed hash is refused and stores nothing', async () => {
    const bad = await curl(hashOf(small), '-T', 'big.bin', `${gw.url}/${BUCKET}/bad.bin`);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    assert.equal((await curl(EMPTY_SHA256, '-I', `${gw.url}/${BUCKET}/bad.bin`)).status, 404);
  });

  await t.test('DeleteObject, then HEAD is 404 and the listing is one key shorter', async () => {
    assert.equal((await curl(EMPTY_SHA256, '-X', 'DELETE', `${gw.url}/${BUCKET}/dir/small.txt`)).status, 204);
    assert.equal((await curl(EMPTY_SHA256, '-I', `${gw.url}/${BUCKET}/dir/small.txt`)).status, 404);
    const all = await curl(EMPTY_SHA256, `${gw.url}/${BUCKET}?list-type=2`);
    assert.deepEqual([...all.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]), ['big one.bin']);
  });
});

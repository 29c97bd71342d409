/**
 * rclone beyond rclone.test.ts (issue #4, real clients), as its users run it against one
 * in-process gateway on the local backend:
 *
 * - providers Other, Minio and Ceph (path style) with awkward names, ListObjects v1 and v2 with
 *   and without `encoding-type=url`, pages of 3 keys (`--s3-list-chunk`), `--fast-list`;
 * - `rcat` (stdin of unknown size: multipart), `hashsum MD5 --download`;
 * - server-side `copyto`/`moveto` inside a bucket and across buckets, single CopyObject and
 *   UploadPartCopy (`--s3-copy-cutoff 5M`), x-amz-meta-mtime kept;
 * - `touch`, `lsjson -M` after `--metadata --metadata-set`, a sub-second mtime round trip,
 *   `check --download`, `md5sum`;
 * - `--s3-use-multipart-etag` (rclone checks the composite ETag), `--s3-disable-checksum`,
 *   `--s3-upload-concurrency 8`;
 * - `backend list-multipart-uploads`, `cleanup` and `backend cleanup -o max-age`;
 * - `link` (a presigned GET, fetched);
 * - a versioned bucket: `backend versioning`, `--s3-versions`, `--s3-version-at`, deleting one
 *   version, `backend cleanup-hidden`, `purge --s3-versions`;
 * - `settier`;
 * - provider AWS, which rclone always addresses virtual-hosted style (it drops force_path_style
 *   for AWS): through a small forward proxy to a gateway with `--domain`.
 *
 * Not covered: `--s3-use-presigned-request` (see the todo test at the end), `--s3-directory-markers`
 * (rclone 1.62+; Debian 12 ships 1.60), SSE (not implemented: NotImplemented, as the spec says).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startGateway } from '../helpers/gateway.js';
import { clientEnv, locate, makeTree, partsUploaded, pseudoRandom, readTree, run, runOk, sha256, tempDir, treeDigest, watchRequests, which, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
const BIG = 11 * MiB;
const DOMAIN = 'gw.test';

/** A forward proxy for absolute-form http requests: sends each to `port` on loopback, Host kept. */
async function forwardProxy(port: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/');
    const out = request({ host: '127.0.0.1', port, method: req.method, path: u.pathname + u.search, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.rawHeaders);
      r.pipe(res);
    });
    out.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Wait into the next wall-clock second (S3 listings give LastModified in whole seconds). */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
}

test('rclone beyond copy/sync: providers, list options, rcat, server-side copy, metadata, multipart, versions, link', async (t) => {
  const tool = await locate(await which('rclone'), ['version'], /rclone v\S+/);
  if (!tool) {
    t.skip('rclone not installed (.ci/run installs the Debian package: apt-get install -y rclone)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const gw = await startGateway({ backend: 'local', domain: DOMAIN });
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const proxy = await forwardProxy(gw.port);
  t.after(() => new Promise<void>((resolve) => { proxy.server.closeAllConnections(); proxy.server.close(() => resolve()); }));
  const dir = await tempDir('clients-rclone-extra');
  t.after(() => dir.remove());

  const conf = join(dir.path, 'rclone.conf');
  const remote = (name: string, provider: string, endpoint: string): string[] => [
    `[${name}]`, 'type = s3', `provider = ${provider}`, `access_key_id = ${gw.accessKey}`, `secret_access_key = ${gw.secretKey}`,
    `endpoint = ${endpoint}`, 'region = us-east-1', 'force_path_style = true', '',
  ];
  await writeFile(conf, [
    ...remote('gw', 'Other', gw.url), ...remote('minio', 'Minio', gw.url), ...remote('ceph', 'Ceph', gw.url),
    ...remote('aws', 'AWS', `http://${DOMAIN}:${gw.port}`),
  ].join('\n'));
  // Only the AWS remote's host (a name, not loopback) goes through the proxy: Go never proxies 127.0.0.1.
  const env = clientEnv(dir.path, { RCLONE_CONFIG: conf, HTTP_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: '', no_proxy: '' });
  const args = (a: string[]): string[] => ['--config', conf, '--retries', '1', '--low-level-retries', '1', ...a];
  const rclone = (...a: string[]): Promise<RunResult> => runOk(tool.path, args(a), { env, cwd: dir.path });
  const rcloneIn = (input: Buffer, ...a: string[]): Promise<RunResult> => runOk(tool.path, args(a), { env, cwd: dir.path, input });
  const lines = (r: RunResult): string[] => r.stdout.split('\n').filter(Boolean).sort();
  const lsf = async (...a: string[]): Promise<string[]> => lines(await rclone('lsf', ...a));
  const lsjson = async <T = Record<string, unknown>>(...a: string[]): Promise<T[]> => JSON.parse((await rclone('lsjson', ...a)).stdout) as T[];

  const tree = await makeTree(join(dir.path, 'tree'), 'rclone-extra', 14);
  const names = [...tree.keys()].sort();
  const big = pseudoRandom(BIG, 'rclone-extra-big');
  await writeFile(join(dir.path, 'big.bin'), big);
  const bigMd5 = createHash('md5').update(big).digest('hex');

  await t.test('providers Other, Minio, Ceph: awkward names, ListObjects v1/v2 × encoding-type url on/off, pages of 3, --fast-list', async () => {
    for (const p of ['gw', 'minio', 'ceph']) {
      await rclone('mkdir', `${p}:prov-${p}`);
      await rclone('copy', 'tree', `${p}:prov-${p}/t`);
      await rclone('check', 'tree', `${p}:prov-${p}/t`);
    }
    for (const lv of ['1', '2']) {
      for (const enc of ['true', 'false']) {
        const opts = ['--s3-list-version', lv, '--s3-list-url-encode', enc, '--s3-list-chunk', '3'];
        assert.deepEqual(await lsf('-R', '--files-only', 'gw:prov-gw/t', ...opts), names, `list v${lv} url-encode ${enc}`);
        assert.deepEqual(await lsf('-R', '--files-only', '--fast-list', 'gw:prov-gw/t', ...opts), names, `fast-list v${lv} url-encode ${enc}`);
      }
    }
  });

  await t.test('rcat: stdin of unknown size goes multipart; hashsum --download, cat back', async () => {
    await rclone('mkdir', 'gw:rx-main');
    await rcloneIn(big, 'rcat', 'gw:rx-main/rcat.bin', '--s3-chunk-size', '5M');
    assert.deepEqual(partsUploaded(watch.seen, '/rx-main/rcat.bin'), [1, 2, 3]);
    assert.match((await rclone('hashsum', 'MD5', '--download', 'gw:rx-main/rcat.bin')).stdout, new RegExp(`^${bigMd5}  rcat.bin`));
    await rcloneIn(Buffer.from('small\n'), 'rcat', 'gw:rx-main/small.txt');
    assert.equal((await rclone('cat', 'gw:rx-main/small.txt')).stdout, 'small\n');
  });

  await t.test('server-side copyto/moveto in a bucket and across buckets; UploadPartCopy with --s3-copy-cutoff 5M', async () => {
    await rclone('copy', 'big.bin', 'gw:rx-main/', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M');
    await rclone('mkdir', 'gw:rx-other');
    const before = watch.seen.length;
    await rclone('copyto', 'gw:rx-main/big.bin', 'gw:rx-main/copy in.bin', '--s3-copy-cutoff', '5M');
    await rclone('copyto', 'gw:rx-main/big.bin', 'gw:rx-other/copy+across.bin', '--s3-copy-cutoff', '5M');
    await rclone('copyto', 'gw:rx-main/big.bin', 'gw:rx-other/single ü.bin');
    await rclone('moveto', 'gw:rx-main/copy in.bin', 'gw:rx-other/moved%.bin', '--s3-copy-cutoff', '5M');
    const copies = watch.seen.slice(before).filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined);
    const ranged = copies.filter((r) => r.headers['x-amz-copy-source-range'] !== undefined && r.status === 200);
    assert.equal(ranged.length, 9, `three UploadPartCopy per multipart copy: ${copies.map((r) => `${r.url} ${r.headers['x-amz-copy-source-range'] ?? ''}`).join(', ')}`);
    assert.ok(copies.some((r) => r.headers['x-amz-copy-source-range'] === undefined && r.status === 200), 'one CopyObject');
    assert.deepEqual(await lsf('gw:rx-other'), ['copy+across.bin', 'moved%.bin', 'single ü.bin']);
    assert.ok(!(await lsf('gw:rx-main')).includes('copy in.bin'), 'moveto removed its source');
    for (const k of ['copy+across.bin', 'moved%.bin', 'single ü.bin']) {
      assert.match((await rclone('hashsum', 'MD5', '--download', `gw:rx-other/${k}`)).stdout, new RegExp(`^${bigMd5} `), k);
    }
    const src = await lsjson<{ ModTime: string }>('gw:rx-main/big.bin');
    const dst = await lsjson<{ Name: string; ModTime: string }>('gw:rx-other');
    for (const o of dst) assert.equal(o.ModTime, src[0]!.ModTime, `${o.Name}: x-amz-meta-mtime copied`);
  });

  await t.test('touch, --metadata-set, lsjson -M, sub-second mtime round trip, md5sum, check --download', async () => {
    const f = join(dir.path, 'meta.txt');
    await writeFile(f, 'metadata\n');
    // .5 s: a binary fraction, so utimes (a double of seconds) sets it exactly on every Node.
    const mtime = new Date('2001-02-03T04:05:06.500Z');
    await utimes(f, mtime, mtime);
    await rclone('copyto', 'meta.txt', 'gw:rx-main/meta.txt', '--metadata', '--metadata-set', 'foo=bar', '--metadata-set', 'content-disposition=attachment',
      '--metadata-set', 'cache-control=no-cache', '--metadata-set', 'content-language=de');
    const [o] = await lsjson<{ ModTime: string; Metadata: Record<string, string> }>('-M', 'gw:rx-main/meta.txt');
    assert.equal(o!.ModTime, '2001-02-03T04:05:06.500000000Z');
    assert.equal(o!.Metadata.foo, 'bar');
    assert.equal(o!.Metadata['content-disposition'], 'attachment');
    assert.equal(o!.Metadata['cache-control'], 'no-cache');
    assert.equal(o!.Metadata['content-language'], 'de');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'rx-main', Key: 'meta.txt' }));
    assert.equal(head.Metadata?.mtime, '981173106.5', 'x-amz-meta-mtime as rclone wrote it');

    await rclone('touch', 'gw:rx-main/touched.txt', '-t', '2020-01-02T03:04:05');
    await rclone('touch', 'gw:rx-main/meta.txt', '-t', '2021-06-07T08:09:10');
    const after = await lsjson<{ Name: string; ModTime: string; Size: number }>('gw:rx-main', '--include', '{touched,meta}.txt');
    assert.deepEqual(after.map((x) => [x.Name, x.ModTime, x.Size]).sort(), [
      ['meta.txt', '2021-06-07T08:09:10.000000000Z', 9], ['touched.txt', '2020-01-02T03:04:05.000000000Z', 0],
    ]);
    assert.equal((await rclone('cat', 'gw:rx-main/meta.txt')).stdout, 'metadata\n', 'touch (CopyObject REPLACE onto itself) kept the body');

    await rclone('check', 'tree', 'gw:prov-gw/t', '--download');
    const sums = lines(await rclone('md5sum', 'gw:prov-gw/t'));
    assert.equal(sums.length, tree.size);
    const first = `${createHash('md5').update(tree.get(names[0]!)!).digest('hex')}  ${names[0]}`;
    assert.ok(sums.includes(first), `${first} in\n${sums.join('\n')}`);
  });

  await t.test('multipart: --s3-use-multipart-etag checks the composite ETag; --s3-disable-checksum; --s3-upload-concurrency 8', async () => {
    const r = await rclone('copyto', 'big.bin', 'gw:rx-main/etag.bin', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', '--s3-use-multipart-etag', 'true',
      '--s3-upload-concurrency', '8', '-vv');
    assert.match(r.stderr, /Multipart upload Etag: [0-9a-f]{32}-3 OK/);
    await rclone('copyto', 'big.bin', 'gw:rx-main/nosum.bin', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', '--s3-disable-checksum');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'rx-main', Key: 'nosum.bin' }));
    assert.equal(head.Metadata?.md5chksum, undefined);
    assert.match((await rclone('md5sum', 'gw:rx-main/etag.bin')).stdout, new RegExp(`^${bigMd5} `), 'md5 from x-amz-meta-md5chksum');
    await rclone('check', '.', 'gw:rx-main', '--include', '/big.bin', '--s3-use-multipart-etag', 'true');
  });

  await t.test('pending uploads: backend list-multipart-uploads, cleanup (24 h) keeps, backend cleanup -o max-age=0s aborts', async () => {
    await rclone('mkdir', 'gw:rx-mpu');
    for (const Key of ['pending one.bin', 'dir/p+two ü.bin']) await s3.send(new CreateMultipartUploadCommand({ Bucket: 'rx-mpu', Key }));
    const list = async (): Promise<string[]> => {
      const all = JSON.parse((await rclone('backend', 'list-multipart-uploads', 'gw:rx-mpu')).stdout) as Record<string, { Key: string }[]>;
      return (all['rx-mpu'] ?? []).map((u) => u.Key).sort();
    };
    assert.deepEqual(await list(), ['dir/p+two ü.bin', 'pending one.bin']);
    await rclone('cleanup', 'gw:rx-mpu');
    assert.equal((await list()).length, 2, 'younger than 24 h: kept');
    await rclone('backend', 'cleanup', 'gw:rx-mpu', '-o', 'max-age=0s');
    assert.deepEqual(await list(), []);
  });

  await t.test('link: a presigned GET of an awkward key, fetched without credentials', async () => {
    for (const k of names.slice(0, 6)) {
      const url = (await rclone('link', `gw:prov-gw/t/${k}`, '--expire', '1h')).stdout.trim();
      assert.match(url, /X-Amz-Signature=/);
      const res = await fetch(url);
      assert.equal(res.status, 200, `${k}: ${url}`);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(tree.get(k)!), k);
    }
  });

  await t.test('versioned bucket: --s3-versions, --s3-version-at, delete one version, cleanup-hidden, purge --s3-versions', async () => {
    await rclone('mkdir', 'gw:rx-vers');
    assert.equal((await rclone('backend', 'versioning', 'gw:rx-vers')).stdout.trim(), 'Unversioned');
    assert.equal((await rclone('backend', 'versioning', 'gw:rx-vers', 'Enabled')).stdout.trim(), 'Enabled');
    await rcloneIn(Buffer.from('v1\n'), 'rcat', 'gw:rx-vers/f ü+.txt');
    await nextSecond();
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 1).toISOString();
    await rcloneIn(Buffer.from('v2\n'), 'rcat', 'gw:rx-vers/f ü+.txt');
    await nextSecond();
    await rcloneIn(Buffer.from('v3\n'), 'rcat', 'gw:rx-vers/f ü+.txt');
    await rcloneIn(Buffer.from('gone\n'), 'rcat', 'gw:rx-vers/gone.txt');
    await rclone('deletefile', 'gw:rx-vers/gone.txt');

    assert.deepEqual(await lsf('gw:rx-vers'), ['f ü+.txt']);
    const versions = await lsf('gw:rx-vers', '--s3-versions');
    const old = versions.filter((v) => /^f ü\+-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/.test(v));
    assert.equal(old.length, 2, versions.join(', '));
    assert.ok(versions.includes('f ü+.txt') && versions.some((v) => v.startsWith('gone-v')), versions.join(', '));
    assert.deepEqual(await Promise.all(old.map(async (v) => (await rclone('cat', `gw:rx-vers/${v}`, '--s3-versions')).stdout)), ['v1\n', 'v2\n']);

    assert.equal((await rclone('cat', 'gw:rx-vers/f ü+.txt', '--s3-version-at', at)).stdout, 'v1\n');
    assert.deepEqual(await lsf('gw:rx-vers', '--s3-version-at', at), ['f ü+.txt'], 'gone.txt did not exist yet');
    await rclone('copyto', `gw:rx-vers/${old[0]!}`, 'gw:rx-vers/restored.txt', '--s3-versions');
    assert.equal((await rclone('cat', 'gw:rx-vers/restored.txt')).stdout, 'v1\n', 'CopyObject from ?versionId=');

    await rclone('deletefile', `gw:rx-vers/${old[0]!}`, '--s3-versions');
    assert.ok(!(await lsf('gw:rx-vers', '--s3-versions')).includes(old[0]!));
    await rclone('backend', 'cleanup-hidden', 'gw:rx-vers');
    assert.deepEqual(await lsf('gw:rx-vers', '--s3-versions'), ['f ü+.txt', 'restored.txt']);
    await rclone('purge', 'gw:rx-vers', '--s3-versions');
    assert.ok(!(await lsf('gw:')).includes('rx-vers/'));
  });

  await t.test('settier: STANDARD_IA stored and listed; GLACIER refused with InvalidStorageClass', async () => {
    await rclone('settier', 'STANDARD_IA', 'gw:rx-main/small.txt');
    const [o] = await lsjson<{ Tier: string }>('gw:rx-main/small.txt');
    assert.equal(o!.Tier, 'STANDARD_IA');
    // rclone logs the refusal and exits 0.
    const r = await run(tool.path, args(['settier', 'GLACIER', 'gw:rx-main/small.txt']), { env, cwd: dir.path });
    assert.match(r.stderr, /Failed to do SetTier, InvalidStorageClass/, r.stderr);
    assert.equal((await lsjson<{ Tier: string }>('gw:rx-main/small.txt'))[0]!.Tier, 'STANDARD_IA');
  });

  await t.test('provider AWS: virtual-hosted style ({bucket}.gw.test, gateway --domain) through a forward proxy', async () => {
    const before = watch.seen.length;
    await rclone('mkdir', 'aws:rx-aws');
    await rclone('copy', 'tree', 'aws:rx-aws/t');
    await rclone('check', 'tree', 'aws:rx-aws/t');
    await rclone('copy', 'big.bin', 'aws:rx-aws/', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M');
    await rclone('copyto', 'aws:rx-aws/big.bin', 'aws:rx-aws/copy.bin', '--s3-copy-cutoff', '5M');
    assert.match((await rclone('hashsum', 'MD5', '--download', 'aws:rx-aws/copy.bin')).stdout, new RegExp(`^${bigMd5} `));
    assert.deepEqual(await lsf('-R', '--files-only', 'aws:rx-aws/t', '--s3-list-chunk', '3'), names);
    await rclone('sync', 'aws:rx-aws/t', 'down-aws');
    assert.deepEqual(treeDigest(await readTree(join(dir.path, 'down-aws'))), treeDigest(tree));
    const seen = watch.seen.slice(before);
    assert.ok(seen.length > 0 && seen.every((r) => r.headers.host === `rx-aws.${DOMAIN}:${gw.port}` || r.headers.host === `${DOMAIN}:${gw.port}`),
      [...new Set(seen.map((r) => r.headers.host))].join(', '));
  });

  // rclone 1.59+ signs PutObject's Content-Length into the presigned URL and copies the signed
  // headers map (lower-case keys) onto its request, so Go's net/http writes `content-length` next to
  // its own `Content-Length`. Node's HTTP parser (llhttp, even with insecureHTTPParser) refuses a
  // repeated Content-Length, equal values or not, before any gateway code runs (400 BadRequest); Go
  // servers and RFC 9110 §8.6 accept equal duplicates. rclone's default (PutObject) is unaffected.
  await t.test('--s3-use-presigned-request (single-part PUT to a presigned URL)', { todo: 'Node\'s parser refuses the duplicate Content-Length rclone sends' }, async () => {
    await rclone('copy', 'tree', 'gw:rx-main/presigned', '--s3-use-presigned-request');
  });
});

/**
 * s3cmd beyond s3cmd.test.ts's mb/put/get/ls/del/sync (issue #4, real clients): the commands s3cmd
 * users run, against one in-process gateway on the local backend with a second tenant for grants.
 * Set-up and checks go through the SDK, anonymous fetches and the requests the gateway saw.
 *
 * - bucket configuration: `info`, `setacl --acl-public/--acl-private`, `setpolicy`/`delpolicy`,
 *   `setcors`/`delcors`, `expire`/`setlifecycle`/`getlifecycle`/`dellifecycle`, `payer`,
 *   `accesslog --no-access-logging`, `ws-delete`; `ws-create` and `restore` fail with S3's 501
 *   NotImplemented (a clear error, no traceback).
 * - objects: `put --add-header --mime-type --preserve`, a 0-byte put, `info`, `modify`, server-side
 *   `cp`/`mv` in and across buckets, `setacl --acl-grant/--acl-revoke` with the other tenant's
 *   canonical id and `--acl-public`, `signurl` (SigV2 presigned, fetched), `get --continue` (a Range
 *   GET), `--storage-class` (STANDARD_IA stored; GLACIER refused), `sync` down restoring the
 *   `--preserve`d mtime and mode.
 * - multipart and listing: `put -` from stdin (multipart), `multipart`/`listmp`/`abortmp`, `du`,
 *   `sync --check-md5` of awkward names (spaces, `+`, `%`, non-ASCII), a second sync sending
 *   nothing, `sync --delete-removed`.
 * - virtual-hosted style: the gateway's `domain` is `s3.localhost`, s3cmd's host_bucket
 *   `%(bucket)s.s3.localhost:PORT`; mb, put (multipart too), get, ls, cp, signurl, SigV2, del, rb.
 *   Nothing here resolves `*.s3.localhost` (no nss-myhostname, and /etc/hosts is the machine's),
 *   so s3cmd runs with a `sitecustomize.py` on PYTHONPATH that maps those names to 127.0.0.1 in
 *   socket.getaddrinfo; s3cmd still sends and signs the bucket's Host (checked on the requests).
 *
 * Not here, on purpose: `put --server-side-encryption` answers 501 NotImplemented (spec §3: no
 * at-rest encryption), and s3cmd retries every 5xx of an upload five times, 45 s in all, before it
 * reports it. The four groups run at once (51 s3cmd calls; python start-up dominates).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { chmod, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetBucketRequestPaymentCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startGateway } from '../helpers/gateway.js';
import {
  clientEnv, locate, makeTree, partsUploaded, pseudoRandom, run, runOk, sha256, tempDir, watchRequests, which, writeS3cmdConfig,
  type RunResult,
} from './harness.js';

const MiB = 1024 * 1024;
/** 12 MiB with `multipart_chunk_size_mb = 5`: 3 parts. */
const BIG = 12 * MiB;
const DOMAIN = 's3.localhost';
const BOB = { name: 'bob', accessKey: 'BOBS3CMDEXTRA0000001', secretKey: 'bob-s3cmd-extra-secret-000000000000001' };

/** Resolves the gateway's domain and its subdomains to 127.0.0.1 inside s3cmd's python. */
const SITECUSTOMIZE = [
  'import socket',
  '_getaddrinfo = socket.getaddrinfo',
  'def _resolve(host, *args, **kwargs):',
  `    if isinstance(host, str) and (host == '${DOMAIN}' or host.endswith('.${DOMAIN}')):`,
  "        host = '127.0.0.1'",
  '    return _getaddrinfo(host, *args, **kwargs)',
  'socket.getaddrinfo = _resolve',
  '',
].join('\n');

type S3cmd = (...args: string[]) => Promise<RunResult>;

/** An s3cmd call that must fail: exit status non-zero, S3's error on stderr, no python traceback. */
async function fails(r: Promise<RunResult>, error: RegExp): Promise<void> {
  const { code, stdout, stderr } = await r;
  assert.notEqual(code, 0, `expected a failure\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stderr, error);
  assert.doesNotMatch(stderr, /Traceback|unexpected error/);
}

/** Anonymous GET/OPTIONS through fetch (no signature). */
const anon = (url: string, init?: RequestInit): Promise<Response> => fetch(url, init);

/** GET `url` at 127.0.0.1:`port` with its own Host header (a virtual-hosted URL, names unresolved). */
function getViaLoopback(url: string, port: number): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: u.pathname + u.search, headers: { host: u.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('s3cmd beyond the basics: configs, ACLs, copies, signurl, multipart, sync modes, virtual-hosted style', { concurrency: 4 }, async (t) => {
  const tool = await locate(await which('s3cmd'), ['--version'], /s3cmd version \S+/);
  if (!tool) {
    t.skip('s3cmd not installed (.ci/run installs the Debian package: apt-get install -y s3cmd)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const gw = await startGateway({ backend: 'local', domain: DOMAIN, users: [BOB] });
  t.after(() => gw.close());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const bobId = gw.users[1]!.tenantId;
  const dir = await tempDir('clients-s3cmd-extra');
  t.after(() => dir.remove());
  const hostPort = new URL(gw.url).host;

  const config = (name: string, host: string, bucketHost: string): Promise<string> => writeS3cmdConfig(join(dir.path, name), gw, host, bucketHost);
  const pathCfg = await config('s3cfg', hostPort, hostPort);
  const vhostCfg = await config('s3cfg-vhost', `${DOMAIN}:${gw.port}`, `%(bucket)s.${DOMAIN}:${gw.port}`);
  await writeFile(join(dir.path, 'sitecustomize.py'), SITECUSTOMIZE);
  const env = clientEnv(dir.path, { PYTHONPATH: dir.path });
  const withCfg = (cfg: string, cwd: string) => ({
    ok: ((...args) => runOk(tool.path, ['-c', cfg, ...args], { env, cwd })) as S3cmd,
    run: ((...args) => run(tool.path, ['-c', cfg, ...args], { env, cwd })) as S3cmd,
    stdin: (input: Buffer, ...args: string[]) => runOk(tool.path, ['-c', cfg, ...args], { env, cwd, input }),
  });
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => { s3.destroy(); bob.destroy(); });
  const work = async (name: string): Promise<string> => {
    const d = join(dir.path, name);
    await mkdir(d, { recursive: true });
    return d;
  };

  const groups = [
    t.test('bucket configuration: info, setacl, setpolicy, setcors, lifecycle, payer, accesslog, ws-delete/ws-create, restore', async () => {
      const cwd = await work('cfg');
      const c = withCfg(pathCfg, cwd);
      await s3.send(new CreateBucketCommand({ Bucket: 'xcfg' }));
      await s3.send(new PutObjectCommand({ Bucket: 'xcfg', Key: 'pub.txt', Body: 'public bytes' }));
      const info = (await c.ok('info', 's3://xcfg')).stdout;
      for (const line of [/Location:\s+us-east-1/, /Payer:\s+BucketOwner/, /Expiration Rule: none/, /Policy:\s+none/, /CORS:\s+none/, /ACL:\s+default: FULL_CONTROL/]) assert.match(info, line);

      await c.ok('setacl', '--acl-public', 's3://xcfg');
      assert.equal((await anon(`${gw.url}/xcfg/`)).status, 200, 'public-read bucket lists anonymously');
      await c.ok('setacl', '--acl-private', 's3://xcfg');
      assert.equal((await anon(`${gw.url}/xcfg/`)).status, 403);

      await writeFile(join(cwd, 'policy.json'), JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'pub', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::xcfg/*' }],
      }));
      await writeFile(join(cwd, 'cors.xml'), '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin>'
        + '<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>');
      await c.ok('setpolicy', 'policy.json', 's3://xcfg');
      await c.ok('setcors', 'cors.xml', 's3://xcfg');
      await c.ok('expire', '--expiry-days=30', '--expiry-prefix=logs/', 's3://xcfg');
      const set = (await c.ok('info', 's3://xcfg')).stdout;
      assert.match(set, /Policy:\s+\{.*"Sid":"pub"/);
      assert.match(set, /CORS:\s+.*<AllowedOrigin>https:\/\/app\.example<\/AllowedOrigin>/s);
      assert.match(set, /Expiration Rule: objects with key prefix 'logs\/' will expire in '30' day\(s\) after creation/);
      assert.equal(await (await anon(`${gw.url}/xcfg/pub.txt`)).text(), 'public bytes', 'the policy lets anyone read');
      const pre = await anon(`${gw.url}/xcfg/pub.txt`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
      await c.ok('delpolicy', 's3://xcfg');
      await c.ok('delcors', 's3://xcfg');
      assert.equal((await anon(`${gw.url}/xcfg/pub.txt`)).status, 403);

      await writeFile(join(cwd, 'lifecycle.xml'), '<LifecycleConfiguration>'
        + '<Rule><ID>tmp</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'
        + '<Rule><ID>old</ID><Filter><And><Prefix>x/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter><Status>Enabled</Status>'
        + '<NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>');
      await c.ok('setlifecycle', 'lifecycle.xml', 's3://xcfg');
      const lc = (await c.ok('getlifecycle', 's3://xcfg')).stdout;
      assert.match(lc, /<ID>tmp<\/ID>/);
      assert.match(lc, /<NoncurrentDays>3<\/NoncurrentDays>/);
      await c.ok('dellifecycle', 's3://xcfg');

      await c.ok('--requester-pays', 'payer', 's3://xcfg');
      assert.equal((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: 'xcfg' }))).Payer, 'Requester');

      await c.ok('accesslog', '--no-access-logging', 's3://xcfg');
      await c.ok('ws-delete', 's3://xcfg');
      await fails(c.run('ws-create', 's3://xcfg'), /501 \(NotImplemented\)/);
      await fails(c.run('restore', 's3://xcfg/pub.txt'), /501 \(NotImplemented\)/);
    }),

    t.test('objects: headers, --preserve, 0 bytes, modify, cp/mv, setacl grants, signurl, get --continue, storage class', async () => {
      const cwd = await work('obj');
      const c = withCfg(pathCfg, cwd);
      await s3.send(new CreateBucketCommand({ Bucket: 'xobj' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'xobj2' }));
      const body = pseudoRandom(300_000, 's3cmd-extra-obj');
      await writeFile(join(cwd, 'a.bin'), body);
      const mtime = new Date('2020-01-02T03:04:05Z');
      await utimes(join(cwd, 'a.bin'), mtime, mtime);
      await chmod(join(cwd, 'a.bin'), 0o640);
      await writeFile(join(cwd, 'empty'), '');

      await c.ok('put', '--add-header=Cache-Control:max-age=60', '--mime-type=application/x-ccow', '--preserve', 'a.bin', 's3://xobj/a.bin');
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'xobj', Key: 'a.bin' }));
      assert.equal(head.CacheControl, 'max-age=60');
      assert.equal(head.ContentType, 'application/x-ccow');
      assert.match(head.Metadata?.['s3cmd-attrs'] ?? '', /mode:33184\/mtime:1577934245/);
      await c.ok('put', 'empty', 's3://xobj/empty');
      const e = await s3.send(new HeadObjectCommand({ Bucket: 'xobj', Key: 'empty' }));
      assert.equal(e.ContentLength, 0);
      assert.equal(e.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
      const info = (await c.ok('info', 's3://xobj/a.bin')).stdout;
      assert.match(info, /File size:\s+300000/);
      assert.match(info, /MIME type:\s+application\/x-ccow/);

      await c.ok('modify', '--add-header=x-amz-meta-color:blue', 's3://xobj/a.bin');
      const modified = await s3.send(new HeadObjectCommand({ Bucket: 'xobj', Key: 'a.bin' }));
      assert.equal(modified.Metadata?.color, 'blue');
      assert.equal(modified.ContentType, 'application/x-ccow');

      await c.ok('cp', 's3://xobj/a.bin', 's3://xobj/copy of a+ü.bin');
      await c.ok('cp', 's3://xobj/copy of a+ü.bin', 's3://xobj2/a%41.bin');
      await c.ok('mv', 's3://xobj2/a%41.bin', 's3://xobj/moved.bin');
      const copied = await s3.send(new GetObjectCommand({ Bucket: 'xobj', Key: 'moved.bin' }));
      assert.equal(sha256(Buffer.from(await copied.Body!.transformToByteArray())), sha256(body));
      assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'xobj2' }))).KeyCount, 0, 'mv removed the source');

      const bobHead = (): Promise<number | undefined> => statusOf(bob.send(new HeadObjectCommand({ Bucket: 'xobj', Key: 'a.bin' })));
      assert.equal(await bobHead(), 403, 'private to start with');
      await c.ok('setacl', `--acl-grant=read:${bobId}`, 's3://xobj/a.bin');
      assert.equal(await bobHead(), 200, 'granted to the other tenant by canonical id');
      await c.ok('setacl', `--acl-revoke=read:${bobId}`, 's3://xobj/a.bin');
      assert.equal(await bobHead(), 403, 'revoked');
      await c.ok('setacl', '--acl-public', 's3://xobj/a.bin');
      assert.equal((await anon(`${gw.url}/xobj/a.bin`)).status, 200);

      const url = (await c.ok('signurl', 's3://xobj/copy of a+ü.bin', '+300')).stdout.trim();
      const signed = await anon(url);
      assert.equal(signed.status, 200);
      assert.equal(sha256(Buffer.from(await signed.arrayBuffer())), sha256(body));

      await writeFile(join(cwd, 'partial.bin'), body.subarray(0, 100_000));
      await c.ok('get', '--continue', 's3://xobj/a.bin', 'partial.bin');
      assert.equal(sha256(await readFile(join(cwd, 'partial.bin'))), sha256(body));
      assert.ok(watch.seen.some((r) => r.method === 'GET' && r.url === '/xobj/a.bin' && r.headers.range === 'bytes=100000-' && r.status === 206), 'resumed with a Range GET');

      await c.ok('put', '--storage-class=STANDARD_IA', 'empty', 's3://xobj/ia');
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'xobj', Key: 'ia' }))).StorageClass, 'STANDARD_IA');
      await fails(c.run('put', '--storage-class=GLACIER', 'empty', 's3://xobj/glacier'), /400 \(InvalidStorageClass\)/);

      await c.ok('sync', 's3://xobj/a.bin', 'down/');
      const st = await stat(join(cwd, 'down', 'a.bin'));
      assert.equal(st.mtime.getTime(), mtime.getTime(), 'sync restores the --preserve mtime');
      assert.equal(st.mode & 0o777, 0o640);
    }),

    t.test('multipart and listing: put from stdin, multipart/listmp/abortmp, du, sync --check-md5 / --delete-removed', async () => {
      const cwd = await work('mp');
      const c = withCfg(pathCfg, cwd);
      await s3.send(new CreateBucketCommand({ Bucket: 'xmp' }));
      const big = pseudoRandom(BIG, 's3cmd-extra-big');
      await c.stdin(big, 'put', '-', 's3://xmp/stdin.bin');
      assert.deepEqual(partsUploaded(watch.seen, '/xmp/stdin.bin'), [1, 2, 3]);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'xmp', Key: 'stdin.bin' }));
      assert.match(got.ETag ?? '', /-3"$/);
      assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(big));

      const key = 'pending ü+%.bin';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'xmp', Key: key }));
      await s3.send(new UploadPartCommand({ Bucket: 'xmp', Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1000, 1) }));
      assert.match((await c.ok('multipart', 's3://xmp')).stdout, new RegExp(`s3://xmp/pending ü\\+%\\.bin\\t${UploadId}`));
      assert.match((await c.ok('listmp', `s3://xmp/${key}`, UploadId!)).stdout, /\t1\t"[0-9a-f]{32}"\t1000/);
      await c.ok('abortmp', `s3://xmp/${key}`, UploadId!);
      assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'xmp' }))).Uploads, undefined);

      const tree = await makeTree(join(cwd, 'tree'), 's3cmd-extra-tree', 30);
      const treeBytes = [...tree.values()].reduce((n, b) => n + b.length, 0);
      await c.ok('sync', '--check-md5', 'tree/', 's3://xmp/tree/');
      assert.doesNotMatch((await c.ok('sync', '--check-md5', 'tree/', 's3://xmp/tree/')).stdout, /^upload:/m, 'second sync sends nothing');
      assert.match((await c.ok('du', 's3://xmp/tree/')).stdout, new RegExp(`^\\s*${treeBytes}\\s+${tree.size} objects s3://xmp/tree/`));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'xmp', Prefix: 'tree/' }));
      assert.deepEqual(listed.Contents?.map((o) => o.Key).sort(), [...tree.keys()].map((k) => `tree/${k}`).sort(), 'awkward names kept');

      await rm(join(cwd, 'tree', 'with space.txt'));
      await rm(join(cwd, 'tree', 'plus+sign.txt'));
      const del = (await c.ok('sync', '--delete-removed', 'tree/', 's3://xmp/tree/')).stdout;
      assert.match(del, /^delete: 's3:\/\/xmp\/tree\/with space\.txt'$/m);
      assert.match(del, /^delete: 's3:\/\/xmp\/tree\/plus\+sign\.txt'$/m);
      const left = await s3.send(new ListObjectsV2Command({ Bucket: 'xmp', Prefix: 'tree/' }));
      assert.equal(left.KeyCount, tree.size - 2);
    }),

    t.test('virtual-hosted style (--domain, host_bucket %(bucket)s.domain): SigV4 and SigV2', async () => {
      const cwd = await work('vh');
      const c = withCfg(vhostCfg, cwd);
      const body = pseudoRandom(BIG, 's3cmd-extra-vhost');
      await writeFile(join(cwd, 'big.bin'), body);
      await writeFile(join(cwd, 'small.txt'), 'virtual host');
      await c.ok('mb', 's3://xvh');
      const key = 'a b+c%d ü.txt';
      await c.ok('put', 'small.txt', `s3://xvh/${key}`);
      await c.ok('put', 'big.bin', 's3://xvh/big.bin');
      await c.ok('--signature-v2', 'put', 'small.txt', 's3://xvh/v2 ü.txt');
      await c.ok('get', `s3://xvh/${key}`, 'got.txt');
      assert.equal(await readFile(join(cwd, 'got.txt'), 'utf8'), 'virtual host');
      const listed = (await c.ok('--signature-v2', 'ls', 's3://xvh')).stdout;
      for (const k of [key, 'big.bin', 'v2 ü.txt']) assert.ok(listed.includes(`s3://xvh/${k}\n`), `${k} listed:\n${listed}`);
      await c.ok('cp', `s3://xvh/${key}`, 's3://xvh/copied.txt');
      const url = (await c.ok('signurl', 's3://xvh/copied.txt', '+300')).stdout.trim();
      assert.match(url, new RegExp(`^http://xvh\\.${DOMAIN.replace('.', '\\.')}:${gw.port}/copied\\.txt\\?`));
      assert.deepEqual(await getViaLoopback(url, gw.port), { status: 200, body: 'virtual host' });
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'xvh', Key: 'big.bin' }));
      assert.match(head.ETag ?? '', /-3"$/, 'multipart through the virtual host');
      assert.match((await c.ok('ls')).stdout, /\ss3:\/\/xvh\n/, 'ListBuckets on the bare domain');

      const vhosted = watch.seen.filter((r) => r.headers.host === `xvh.${DOMAIN}:${gw.port}`);
      assert.ok(vhosted.length >= 8, 'requests went to the bucket host');
      assert.ok(vhosted.every((r) => !r.url.startsWith('/xvh')), 'no bucket in the path');
      assert.ok(vhosted.some((r) => /^AWS /.test(String(r.headers.authorization))), 'SigV2 signed too');
      await c.ok('del', '--recursive', '--force', 's3://xvh');
      await c.ok('rb', 's3://xvh');
    }),
  ];
  await Promise.all(groups);
});

/** The HTTP status an SDK call ended with (200 when it succeeded). */
async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
}

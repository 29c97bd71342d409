/**
 * libs3 2.0 (Debian's libs3-2: the C library on libcurl and libxml2, and its `s3` command-line
 * tool) against an in-process gateway (local backend, plain HTTP with `-u`, path style: the
 * Debian build's default, `-h` would be virtual-hosted). libs3 2.0 signs with AWS Signature
 * Version 2 (`Authorization: AWS key:signature`; SigV4 came with libs3 4.x) and has no multipart
 * upload: every put is one PutObject, whatever its size.
 *
 * The tool takes S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_HOSTNAME from the environment and
 * exits 0 even when a request failed (it prints `ERROR: <status>` on stderr), so every run is
 * checked for that line.
 *
 * Found here: libs3 matches response headers with strncmp against "Content-Type",
 * "Content-Length" and "ETag" (response_headers_handler.c), and the gateway wrote them in lower
 * case, so `s3 head` showed neither type, length nor ETag (regress issue-4-response-header-case).
 *
 * Client behaviour left alone (S3 does the same): libs3 2.0 URL-encodes a space in a key as `+`
 * (urlEncode in util.c), which S3 reads as a literal `+` in a path: `put b/a b` stores the key
 * `a+b`. A 304 (ifNotMatch, ifModifiedSince) is not a status libs3 2.0 knows: it reports
 * `HttpErrorUnknown`. An ifModifiedSince later than the server's clock is ignored (RFC 9110
 * §13.1.3), so the object is returned. `s3 list` without `marker=` sends `marker=(null)` (it
 * formats a NULL marker with "%s"), so on S3 as here a key that sorts before `(null)` (one
 * starting with a space, `!`, `"`, `#`, `$`, `%`, `&` or `'`) is left out of its listing.
 *
 * s3curl (Debian's s3curl, Amazon's Perl wrapper around curl that adds a SigV2 signature) is in
 * the same file: it signs path-style requests only for hosts listed in its `@endpoints` (any other
 * host is taken as a CNAME bucket and put in front of the signed resource); its config file
 * `~/.s3curl` is Perl evaluated by the script, so `push @endpoints, '127.0.0.1'` there makes it
 * sign for the gateway. It signs only the sub-resources of its own list (acl, delete, uploads,
 * uploadId, partNumber, versioning, …; not tagging, so a `?tagging` request fails with
 * SignatureDoesNotMatch on S3 too).
 *
 * Skips with a reason when a program is missing (.ci/run installs them:
 * apt-get install -y libs3-2 s3curl).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, pathExists, pseudoRandom, requestsTo, run, runOk, sha256, type RunResult, type SeenRequest } from './harness.js';

const MiB = 1024 * 1024;
const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const anonymousStatus = async (url: string): Promise<number> => (await fetch(url)).status;
/** SigV2 header signature, as libs3 2.0 and s3curl send it. */
const sigV2 = (r: SeenRequest | undefined): boolean => /^AWS [A-Z0-9]+:[A-Za-z0-9+/]+=*$/.test(String(r?.headers.authorization));

/** The `s3` of libs3: present at /usr/bin/s3 (or on PATH) and printing libs3's help. */
async function findLibs3(): Promise<string | undefined> {
  for (const p of ['/usr/bin/s3', '/usr/local/bin/s3']) {
    if (!await pathExists(p)) continue;
    const r = await run(p, ['help'], { env: clientEnv('/tmp'), timeoutMs: 30_000 });
    if (/S3_SECRET_ACCESS_KEY/.test(r.stdout + r.stderr)) return p;
  }
  return undefined;
}

test('libs3 2.0 `s3` tool (SigV2, path style): create, put, get, head, list with paging, copy, ACLs, presigned, delete', async (t) => {
  const tool = await findLibs3();
  if (!tool) {
    t.skip('libs3 `s3` tool missing (.ci/run installs it: apt-get install -y libs3-2)');
    return;
  }
  // Relaxed durability: the 1,001 keys of the paging test are written in ~1 s instead of ~5 s of fsyncs.
  const { gw, watch, dir } = await clientRig(t, 'clients-libs3', { backend: 'local', local: { durability: 'relaxed' } });
  const env = clientEnv(dir.path, { S3_ACCESS_KEY_ID: gw.accessKey, S3_SECRET_ACCESS_KEY: gw.secretKey, S3_HOSTNAME: new URL(gw.url).host });
  const raw = (args: string[], input?: Buffer): Promise<RunResult> => runOk(tool, ['-u', '-r', '1', ...args], { env, cwd: dir.path, input, timeoutMs: 60_000 });
  /** Run `s3`; fail on its `ERROR:` line (it exits 0 after a failed request). */
  const s3 = async (args: string[], input?: Buffer): Promise<string> => {
    const r = await raw(args, input);
    assert.doesNotMatch(r.stderr, /ERROR/, `s3 ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Run `s3` and return the libs3 status it printed (`ERROR: <status>`), failing when it succeeded. */
  const s3err = async (args: string[]): Promise<string> => {
    const r = await raw(args);
    const m = /ERROR: (\S+)/.exec(r.stderr);
    assert.ok(m, `s3 ${args.join(' ')} should fail: ${r.stdout}`);
    return m[1]!;
  };
  const sdk = new S3Client(gw.clientConfig());
  t.after(() => sdk.destroy());
  const seen = watch.seen;
  const B = 'libs3-b';
  const bodies = new Map<string, Buffer>([
    ['empty', Buffer.alloc(0)],
    ['one', Buffer.from('x')],
    ['dir/100k.bin', pseudoRandom(100_000, 'libs3-100k')],
    ['dir/sub/6m.bin', pseudoRandom(6 * MiB, 'libs3-6m')],
  ]);

  await t.test('create, list buckets, test', async () => {
    assert.match(await s3(['create', B]), /Bucket successfully created/);
    assert.ok(sigV2(requestsTo(seen, 'PUT', `/${B}/`)[0]), 'SigV2 Authorization header');
    assert.match(await s3(['list']), new RegExp(`^${B}\\s+\\d{4}-\\d\\d-\\d\\dT`, 'm'));
    assert.match(await s3(['test', B]), new RegExp(`^${B}\\s+USA\\s*$`, 'm'));
    assert.match(await s3(['test', 'libs3-none']), /^libs3-none\s+Does Not Exist\s*$/m);
  });

  await t.test('put from files (0 B, 100 KB, 6 MiB: one PutObject each, libs3 2.0 has no multipart) and stdin', async () => {
    for (const [key, body] of bodies) {
      if (key === 'one') continue;
      await writeFile(join(dir.path, 'in.bin'), body);
      await s3(['put', `${B}/${key}`, 'filename=in.bin', 'noStatus=1']);
      const puts = requestsTo(seen, 'PUT', `/${B}/${key}`);
      assert.equal(puts.length, 1, key);
      assert.equal(puts[0]!.status, 200);
      assert.equal(puts[0]!.headers['content-length'], String(body.length));
      assert.ok(sigV2(puts[0]), `${key}: SigV2`);
    }
    await s3(['put', `${B}/one`, 'contentLength=1', 'contentType=text/x-one', 'cacheControl=max-age=60', 'contentDispositionFilename=one.txt', 'x-amz-meta-color=blue'], Buffer.from('x'));
    assert.equal(seen.filter((q) => q.url.includes('uploads')).length, 0, 'no multipart');
  });

  await t.test('get byte-exact, a range, conditions', async () => {
    for (const [key, body] of bodies) {
      await s3(['get', `${B}/${key}`, 'filename=out.bin']);
      assert.equal(sha256(await readFile(join(dir.path, 'out.bin'))), sha256(body), key);
    }
    const big = bodies.get('dir/100k.bin')!;
    await s3(['get', `${B}/dir/100k.bin`, 'filename=range.bin', 'startByte=1000', 'byteCount=5000']);
    assert.deepEqual(await readFile(join(dir.path, 'range.bin')), big.subarray(1000, 6000));
    assert.equal(requestsTo(seen, 'GET', `/${B}/dir/100k.bin`).at(-1)?.headers.range, 'bytes=1000-5999');
    assert.equal(await s3(['get', `${B}/one`, `ifMatch="${md5hex(Buffer.from('x'))}"`]), 'x');
    assert.equal(await s3err(['get', `${B}/one`, 'ifMatch="0123"']), 'ErrorPreconditionFailed');
    assert.equal(await s3err(['get', `${B}/one`, 'ifNotmodifiedSince=2001-01-01T00:00:00']), 'ErrorPreconditionFailed');
    assert.equal(await s3err(['get', `${B}/none`]), 'ErrorNoSuchKey');
  });

  await t.test('head: Content-Type, Content-Length, ETag, metadata (libs3 reads them by their S3 spelling)', async () => {
    const out = await s3(['head', `${B}/one`]);
    assert.match(out, /^Content-Type: text\/x-one$/m);
    assert.match(out, /^Content-Length: 1$/m);
    assert.match(out, new RegExp(`^ETag: "${md5hex(Buffer.from('x'))}"$`, 'm'));
    assert.match(out, /^Last-Modified: \d{4}-/m);
    assert.match(out, /^x-amz-meta-color: blue$/m);
    const big = await s3(['head', `${B}/dir/sub/6m.bin`]);
    assert.match(big, new RegExp(`^Content-Length: ${6 * MiB}$`, 'm'));
    assert.match(big, new RegExp(`^ETag: "${md5hex(bodies.get('dir/sub/6m.bin')!)}"$`, 'm'));
  });

  await t.test('list: prefix and delimiter, maxkeys, marker, allDetails; a listing of 1,001 keys in two pages', async () => {
    const rows = (out: string): string[] => out.split('\n').filter((l) => /\s\d{4}-\d\d-\d\dT\S+Z\s/.test(l)).map((l) => l.split(/\s+/)[0]!);
    const top = await s3(['list', B, 'delimiter=/']);
    assert.deepEqual(rows(top), ['empty', 'one']);
    assert.match(top, /^Common Prefix: dir\/$/m);
    const sub = await s3(['list', B, 'prefix=dir/', 'delimiter=/']);
    assert.deepEqual(rows(sub), ['dir/100k.bin']);
    assert.match(sub, /^Common Prefix: dir\/sub\/$/m);
    assert.deepEqual(rows(await s3(['list', B, 'maxkeys=2'])), ['dir/100k.bin', 'dir/sub/6m.bin']);
    assert.match(requestsTo(seen, 'GET', `/${B}/`).at(-1)!.url, /[?&]max-keys=2(&|$)/);
    assert.deepEqual(rows(await s3(['list', B, 'marker=dir/sub/6m.bin'])), ['empty', 'one']);
    assert.match(requestsTo(seen, 'GET', `/${B}/`).at(-1)!.url, /[?&]marker=dir\/sub\/6m\.bin(&|$)/);
    const details = await s3(['list', B, 'prefix=one', 'allDetails=1']);
    assert.match(details, new RegExp(`^one\\s.*"${md5hex(Buffer.from('x'))}"\\s+[0-9a-f]{64}\\s`, 'm'));

    const keys = Array.from({ length: 1001 }, (_, i) => `page/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((Key) => sdk.send(new PutObjectCommand({ Bucket: B, Key, Body: '' }))));
    }
    const before = requestsTo(seen, 'GET', `/${B}/`).length;
    assert.deepEqual(rows(await s3(['list', B, 'prefix=page/'])), keys);
    const pages = requestsTo(seen, 'GET', `/${B}/`).slice(before);
    assert.equal(pages.length, 2, 'truncated after 1,000 keys, then one more page');
    assert.match(pages[0]!.url, /[?&]marker=\(null\)(&|$)/, 'the s3 tool\'s first page asks for keys after "(null)"');
    assert.match(pages[1]!.url, /[?&]marker=page\/0999(&|$)/);
  });

  await t.test('copy: metadata kept, or replaced when options are given', async () => {
    await s3(['copy', `${B}/one`, `${B}/copy-kept`]);
    const cp = requestsTo(seen, 'PUT', `/${B}/copy-kept`)[0];
    assert.equal(cp?.headers['x-amz-copy-source'], `/${B}/one`);
    assert.equal(cp?.headers['x-amz-metadata-directive'], undefined);
    const kept = await s3(['head', `${B}/copy-kept`]);
    assert.match(kept, /^Content-Type: text\/x-one$/m);
    assert.match(kept, /^x-amz-meta-color: blue$/m);
    await s3(['copy', `${B}/dir/100k.bin`, `${B}/copy-replaced`, 'contentType=application/x-new', 'x-amz-meta-shape=round']);
    assert.equal(requestsTo(seen, 'PUT', `/${B}/copy-replaced`)[0]?.headers['x-amz-metadata-directive'], 'REPLACE');
    const replaced = await s3(['head', `${B}/copy-replaced`]);
    assert.match(replaced, /^Content-Type: application\/x-new$/m);
    assert.match(replaced, /^x-amz-meta-shape: round$/m);
    await s3(['get', `${B}/copy-replaced`, 'filename=copy.bin']);
    assert.equal(sha256(await readFile(join(dir.path, 'copy.bin'))), sha256(bodies.get('dir/100k.bin')!));
  });

  await t.test('getacl, setacl (a grant to All Users), cannedAcl=public-read, a presigned URL (gqs)', async () => {
    const acl = await s3(['getacl', `${B}/one`]);
    const owner = /^OwnerID (\S+) (\S+)$/m.exec(acl);
    assert.ok(owner, acl);
    assert.match(acl, new RegExp(`^UserID\\s+${owner[1]} \\(${owner[2]}\\)\\s+FULL_CONTROL\\s*$`, 'm'));
    assert.equal(await anonymousStatus(`${gw.url}/${B}/one`), 403);
    await writeFile(join(dir.path, 'acl.txt'), `${acl}Group   All Users   READ\n`);
    await s3(['setacl', `${B}/one`, 'filename=acl.txt']);
    assert.equal(requestsTo(seen, 'PUT', `/${B}/one`).at(-1)?.url, `/${B}/one?acl`);
    assert.match(await s3(['getacl', `${B}/one`]), /^Group\s+All Users\s+READ\s*$/m);
    assert.equal(await anonymousStatus(`${gw.url}/${B}/one`), 200);
    await s3(['put', `${B}/public`, 'contentLength=1', 'cannedAcl=public-read'], Buffer.from('p'));
    assert.equal(requestsTo(seen, 'PUT', `/${B}/public`)[0]?.headers['x-amz-acl'], 'public-read');
    assert.equal(await anonymousStatus(`${gw.url}/${B}/public`), 200);
    assert.match(await s3(['getacl', B]), /FULL_CONTROL/);
    const url = (await s3(['gqs', `${B}/dir/100k.bin`, 'expires=2030-01-01T00:00:00'])).trim();
    assert.match(url, /[?&]AWSAccessKeyId=.*&Expires=1893456000&Signature=/);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(bodies.get('dir/100k.bin')!));
  });

  await t.test('a space in a key goes out as `+` (libs3 2.0), which S3 keeps as a `+`', async () => {
    await s3(['put', `${B}/sp ace`, 'contentLength=1'], Buffer.from('s'));
    assert.equal(requestsTo(seen, 'PUT', `/${B}/sp+ace`).length, 1);
    assert.deepEqual((await s3(['list', B, 'prefix=sp'])).match(/^sp\S*/gm), ['sp+ace']);
    await s3(['delete', `${B}/sp ace`]);
  });

  await t.test('delete: objects, a bucket not empty (BucketNotEmpty), then the bucket', async () => {
    await s3(['delete', `${B}/copy-kept`]);
    assert.equal(requestsTo(seen, 'DELETE', `/${B}/copy-kept`)[0]?.status, 204);
    assert.equal(await s3err(['get', `${B}/copy-kept`]), 'ErrorNoSuchKey');
    assert.equal(await s3err(['delete', B]), 'ErrorBucketNotEmpty');
    const left = (await s3(['list', B])).split('\n').filter((l) => /\s\d{4}-\d\d-\d\dT\S+Z\s/.test(l)).map((l) => l.split(/\s+/)[0]!);
    assert.equal(left.length, 1001 + 6);
    for (let i = 0; i < left.length; i += 1000) {
      await sdk.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: left.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    await s3(['delete', B]);
    assert.equal(requestsTo(seen, 'DELETE', `/${B}/`).at(-1)?.status, 204);
    assert.match(await s3(['test', B]), /Does Not Exist/);
  });
});

/** s3curl's config: one key and the gateway's host among the endpoints it signs path style for. */
async function writeS3curlConfig(home: string, keys: { accessKey: string; secretKey: string }): Promise<void> {
  const path = join(home, '.s3curl');
  await writeFile(path, [
    '%awsSecretAccessKeys = (',
    `    ccow => { id => '${keys.accessKey}', key => '${keys.secretKey}' },`,
    ');',
    "push @endpoints, '127.0.0.1';",
    '',
  ].join('\n'));
  // s3curl refuses a config file others can read.
  await chmod(path, 0o600);
}

test('s3curl (SigV2 over curl, path style): create, put, get, head, list, ACL, copy, multipart, multi-delete, delete', async (t) => {
  const tool = await pathExists('/usr/bin/s3curl') ? '/usr/bin/s3curl' : undefined;
  const curl = await pathExists('/usr/bin/curl');
  if (!tool || !curl) {
    t.skip('s3curl missing (.ci/run installs it: apt-get install -y s3curl)');
    return;
  }
  const { gw, watch, dir } = await clientRig(t, 'clients-s3curl');
  await writeS3curlConfig(dir.path, gw);
  const env = clientEnv(dir.path);
  const seen = watch.seen;
  const B = 's3curl-b';
  const u = (path: string): string => `${gw.url}/${path}`;
  /** Run s3curl; `curlArgs` go to curl. Returns the HTTP status curl printed and the body it wrote to stdout. */
  const s3curl = async (opts: string[], curlArgs: string[]): Promise<{ status: number; body: string }> => {
    const r = await runOk(tool, ['--id', 'ccow', ...opts, '--', '-s', '-S', '-w', '\n%{http_code}', ...curlArgs], { env, cwd: dir.path, timeoutMs: 60_000 });
    const at = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
  };
  const ok = async (opts: string[], curlArgs: string[], status = 200): Promise<string> => {
    const r = await s3curl(opts, curlArgs);
    assert.equal(r.status, status, `s3curl ${opts.join(' ')} ${curlArgs.join(' ')}: ${r.body}`);
    return r.body;
  };
  const files: Record<string, Buffer> = { 'empty.bin': Buffer.alloc(0), 'small.bin': pseudoRandom(100_000, 's3curl-small'), 'p1.bin': pseudoRandom(5 * MiB, 's3curl-p1'), 'p2.bin': pseudoRandom(1000, 's3curl-p2') };
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir.path, name), body);

  await t.test('createBucket, put (0 B, 100 KB; Content-Type and Content-MD5 signed), get byte-exact, head', async () => {
    await ok(['--createBucket'], [u(B)]);
    assert.ok(sigV2(requestsTo(seen, 'PUT', `/${B}`)[0]), 'SigV2');
    await ok(['--put', 'empty.bin'], [u(`${B}/empty`)]);
    await ok(['--put', 'small.bin', '--contentType', 'text/x-small', '--calculateContentMd5'], [u(`${B}/dir/small`)]);
    const put = requestsTo(seen, 'PUT', `/${B}/dir/small`)[0];
    assert.equal(put?.headers['content-md5'], createHash('md5').update(files['small.bin']!).digest('base64'));
    for (const [key, file] of [['empty', 'empty.bin'], ['dir/small', 'small.bin']] as const) {
      await ok([], ['-o', 'out.bin', u(`${B}/${key}`)]);
      assert.equal(sha256(await readFile(join(dir.path, 'out.bin'))), sha256(files[file]!), key);
    }
    const head = await ok(['--head'], [u(`${B}/dir/small`)]);
    assert.match(head, /^Content-Type: text\/x-small\r$/m);
    assert.match(head, /^Content-Length: 100000\r$/m);
    assert.match(head, new RegExp(`^ETag: "${md5hex(files['small.bin']!)}"\\r$`, 'm'));
  });

  await t.test('list with prefix, delimiter, max-keys and marker (not signed: S3 signs no list parameter in V2)', async () => {
    const keys = (xml: string): string[] => [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
    const top = await ok([], [u(`${B}?delimiter=/`)]);
    assert.deepEqual(keys(top), ['empty']);
    assert.match(top, /<CommonPrefixes><Prefix>dir\/<\/Prefix><\/CommonPrefixes>/);
    assert.deepEqual(keys(await ok([], [u(`${B}?prefix=dir/`)])), ['dir/small']);
    const first = await ok([], [u(`${B}?max-keys=1`)]);
    assert.deepEqual(keys(first), ['dir/small']);
    assert.match(first, /<IsTruncated>true<\/IsTruncated>/);
    assert.deepEqual(keys(await ok([], [u(`${B}?marker=dir/small`)])), ['empty']);
  });

  await t.test('?acl: get, put a canned ACL (x-amz-acl signed), anonymous read', async () => {
    assert.match(await ok([], [u(`${B}/dir/small?acl`)]), /<Permission>FULL_CONTROL<\/Permission>/);
    assert.equal((await fetch(u(`${B}/dir/small`))).status, 403);
    await ok(['--put', 'empty.bin', '--acl', 'public-read'], [u(`${B}/dir/small?acl`)]);
    assert.match(await ok([], [u(`${B}/dir/small?acl`)]), /AllUsers<\/URI><\/Grantee><Permission>READ</);
    assert.equal((await fetch(u(`${B}/dir/small`))).status, 200);
  });

  await t.test('copy (--copySrc)', async () => {
    assert.match(await ok(['--copySrc', `${B}/dir/small`], [u(`${B}/copy`)]), /<CopyObjectResult/);
    await ok([], ['-o', 'copy.bin', u(`${B}/copy`)]);
    assert.equal(sha256(await readFile(join(dir.path, 'copy.bin'))), sha256(files['small.bin']!));
  });

  await t.test('multipart by hand: ?uploads, ?partNumber&uploadId (5 MiB + 1000 B), complete; get byte-exact', async () => {
    const init = await ok(['--post'], [u(`${B}/mp?uploads`)]);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init)?.[1];
    assert.ok(uploadId, init);
    const etags: string[] = [];
    for (const [n, file] of [[1, 'p1.bin'], [2, 'p2.bin']] as const) {
      const head = await ok(['--put', file], ['-D', '-', '-o', '/dev/null', u(`${B}/mp?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`)]);
      etags.push(/^ETag: (\S+)\r$/m.exec(head)?.[1] ?? '');
    }
    assert.deepEqual(etags, [`"${md5hex(files['p1.bin']!)}"`, `"${md5hex(files['p2.bin']!)}"`]);
    await writeFile(join(dir.path, 'complete.xml'), `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
    assert.match(await ok(['--post', 'complete.xml'], [u(`${B}/mp?uploadId=${encodeURIComponent(uploadId)}`)]), /<ETag>&quot;[0-9a-f]{32}-2&quot;<\/ETag>/);
    await ok([], ['-o', 'mp.bin', u(`${B}/mp`)]);
    assert.equal(sha256(await readFile(join(dir.path, 'mp.bin'))), sha256(Buffer.concat([files['p1.bin']!, files['p2.bin']!])));
  });

  await t.test('delete: one object (204), several by ?delete (Content-MD5), the bucket (204)', async () => {
    await ok(['--delete'], [u(`${B}/copy`)], 204);
    await writeFile(join(dir.path, 'delete.xml'), '<Delete><Quiet>true</Quiet><Object><Key>empty</Key></Object><Object><Key>dir/small</Key></Object><Object><Key>mp</Key></Object></Delete>');
    const del = await ok(['--post', 'delete.xml', '--calculateContentMd5'], [u(`${B}?delete`)]);
    assert.doesNotMatch(del, /<Error>/);
    assert.doesNotMatch(await ok([], [u(B)]), /<Key>/);
    await ok(['--delete'], [u(B)], 204);
    assert.equal((await s3curl([], [u(B)])).status, 404);
    const mine = seen.filter((q) => q.url.startsWith(`/${B}`));
    const unsigned = mine.filter((q) => q.headers.authorization === undefined);
    assert.deepEqual(unsigned.map((q) => `${q.method} ${q.url}`), [`GET /${B}/dir/small`, `GET /${B}/dir/small`], 'only the anonymous reads are unsigned');
    assert.ok(mine.filter((q) => q.headers.authorization !== undefined).every((q) => sigV2(q)), 'every s3curl request signed with SigV2');
  });
});

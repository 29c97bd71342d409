/**
 * apt-transport-s3 (Debian package: /usr/lib/apt/methods/s3, Python with its own SigV4 signing)
 * letting apt fetch a flat Debian repository from a bucket (`deb [trusted=yes] s3://aptrepo/repo/ /`).
 * Not `s3://aptrepo/repo ./`, nor `./`-prefixed Filename fields as dpkg-scanpackages writes them:
 * apt then asks for `repo/./Release`, the method sends that path as it is, and S3 keeps `.`
 * segments in key names (SigV4 does not normalize paths for S3), so the gateway answers 404
 * NoSuchKey, as S3 does. The test strips the `./` from Filename.
 *
 * The method always speaks HTTPS to virtual-hosted `{bucket}.{Endpoint}` (Endpoint, Region and keys
 * from s3auth.conf: /etc/apt/s3auth.conf unless the method is started with a file as its argument).
 * So the test gives apt its own copy of the method (`Dir::Bin::Methods::s3`, a two-line wrapper
 * passing a private s3auth.conf; nothing in /etc is touched) and an `https_proxy`: a CONNECT proxy
 * in this process that ends TLS with a self-signed certificate for `aptrepo.s3.test` (trusted
 * through SSL_CERT_FILE) and hands the plain bytes to an in-process gateway run with
 * `domain: 's3.test'`, so the request log sees every request as the method signed it.
 *
 * apt runs with a private configuration only: its own sources list, state, cache, and
 * APT::Sandbox::User=root (the temp dir is 0700 and _apt could not enter it). `apt-get download`
 * only; nothing is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientRig, pathExists, pseudoRandom, requestsTo, run, runOk, which, type RunResult } from './harness.js';

const METHOD = '/usr/lib/apt/methods/s3';
const BUCKET = 'aptrepo';
const DOMAIN = 's3.test';
const PKG = 'ccow-apt-demo';

test('apt-transport-s3: apt-get update and apt-get download from an s3:// flat repository', async (t) => {
  const [aptGet] = await which('apt-get');
  const [dpkgDeb] = await which('dpkg-deb');
  const [scan] = await which('dpkg-scanpackages');
  const [openssl] = await which('openssl');
  if (!aptGet || !dpkgDeb || !scan || !openssl || !(await pathExists(METHOD))) {
    t.skip('needs apt-transport-s3, dpkg-dev and openssl (.ci/run installs the Debian packages: apt-get install -y apt-transport-s3 dpkg-dev openssl)');
    return;
  }
  if (process.getuid?.() !== 0) {
    t.skip('apt-get with a private state dir still wants root (its sandbox user switch)');
    return;
  }
  const { gw, watch, dir } = await clientRig(t, 'clients-apt-s3', { backend: 'local', domain: DOMAIN });
  const d = dir.path;
  const host = `${BUCKET}.${DOMAIN}`;
  const env: NodeJS.ProcessEnv = { HOME: d, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', PATH: process.env.PATH };

  // A certificate for the bucket's virtual host; the method's urllib checks it against SSL_CERT_FILE.
  await runOk(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'),
    '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], { env, cwd: d });
  const key = await readFile(join(d, 'key.pem'));
  const cert = await readFile(join(d, 'cert.pem'));

  // CONNECT proxy: TLS ends here, the request goes on as plain HTTP to the in-process gateway.
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const proxy = createServer((_req, res) => { res.statusCode = 405; res.end(); });
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length) client.unshift(head);
    const tls = new TLSSocket(client, { isServer: true, key, cert });
    const upstream = connect(gw.port, '127.0.0.1');
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    tls.pipe(upstream).pipe(tls);
    const end = (): void => { tls.destroy(); upstream.destroy(); };
    tls.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    proxy.close(() => resolve());
  }));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  // One small .deb, its Packages (dpkg-scanpackages) and a flat Release with the index hashes.
  const pkgRoot = join(d, 'pkg');
  await mkdir(join(pkgRoot, 'DEBIAN'), { recursive: true });
  await mkdir(join(pkgRoot, 'usr/share/ccow-apt-demo'), { recursive: true });
  await writeFile(join(pkgRoot, 'DEBIAN/control'), [
    `Package: ${PKG}`, 'Version: 1.0-1', 'Architecture: all', 'Maintainer: ccow tests <tests@example.invalid>',
    'Description: test package served from an S3 bucket', '',
  ].join('\n'));
  await writeFile(join(pkgRoot, 'usr/share/ccow-apt-demo/payload.bin'), pseudoRandom(40_000, 'apt-s3-payload'));
  const repo = join(d, 'repo');
  await mkdir(repo);
  const debName = `${PKG}_1.0-1_all.deb`;
  await runOk(dpkgDeb, ['--root-owner-group', '-Zgzip', '--build', pkgRoot, join(repo, debName)], { env, cwd: d });
  // Filename relative to the repository's URI without the `./` dpkg-scanpackages puts in front (see above).
  const scanned = (await runOk(scan, ['--multiversion', '.', '/dev/null'], { env, cwd: repo })).stdout;
  const packages = Buffer.from(scanned.replace(/^Filename: \.\//m, 'Filename: '));
  assert.match(packages.toString(), new RegExp(`^Package: ${PKG}$[\\s\\S]*^Filename: ${debName.replace(/[.+]/g, '\\$&')}$`, 'm'));
  const indexes: [string, Buffer][] = [['Packages', packages], ['Packages.gz', gzipSync(packages)]];
  const release = Buffer.from([
    'Origin: ccow', 'Label: ccow', 'Architectures: all amd64',
    `Date: ${new Date().toUTCString()}`, 'SHA256:',
    ...indexes.map(([n, b]) => ` ${createHash('sha256').update(b).digest('hex')} ${b.length} ${n}`), '',
  ].join('\n'));
  const deb = await readFile(join(repo, debName));

  const s3 = new S3Client(gw.clientConfig());
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const [name, body] of [...indexes, ['Release', release] as [string, Buffer], [debName, deb] as [string, Buffer]]) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `repo/${name}`, Body: body }));
  }

  // The method with a private s3auth.conf, and apt's private configuration.
  const auth = join(d, 's3auth.conf');
  await writeFile(auth, [`AccessKeyId = ${gw.accessKey}`, `SecretAccessKey = ${gw.secretKey}`, `Region = ${gw.region}`, `Endpoint = ${DOMAIN}`, ''].join('\n'));
  const wrapper = join(d, 's3-method');
  await writeFile(wrapper, `#!/bin/sh\nexec ${METHOD} ${auth}\n`);
  await chmod(wrapper, 0o755);
  const sources = join(d, 'sources.list');
  await writeFile(sources, `deb [trusted=yes] s3://${BUCKET}/repo/ /\n`);
  for (const p of ['state/lists/partial', 'cache/archives/partial', 'down']) await mkdir(join(d, p), { recursive: true });
  const aptOpts = [
    '-o', `Dir::Etc::SourceList=${sources}`, '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State=${join(d, 'state')}`, '-o', `Dir::Cache=${join(d, 'cache')}`,
    '-o', `Dir::Bin::Methods::s3=${wrapper}`, '-o', 'APT::Sandbox::User=root',
    '-o', 'Acquire::Languages=none', '-o', 'Acquire::AllowInsecureRepositories=true', '-o', 'Debug::NoLocking=true',
  ];
  const aptEnv = { ...env, https_proxy: proxyUrl, SSL_CERT_FILE: join(d, 'cert.pem') };
  const apt = async (...args: string[]): Promise<RunResult> => {
    const r = await run(aptGet, [...aptOpts, ...args], { env: aptEnv, cwd: join(d, 'down'), timeoutMs: 60_000 });
    if (r.code !== 0 || /^(E|W): /m.test(r.stderr)) {
      throw new Error(`apt-get ${args.join(' ')} → exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return r;
  };

  await t.test('apt-get update reads Release and Packages from the bucket', async () => {
    const r = await apt('update');
    assert.match(r.stdout, new RegExp(`Get:\\d+ s3://${BUCKET}/repo  Release`));
    const lists = await readdir(join(d, 'state/lists'));
    assert.ok(lists.some((f) => f.endsWith('_repo_Release')), `Release stored: ${lists.join(' ')}`);
    // apt keeps the index recompressed (Packages.lz4 on bookworm's apt).
    assert.ok(lists.some((f) => /_repo_Packages(\.\w+)?$/.test(f)), `Packages stored: ${lists.join(' ')}`);
    // Release lists Packages.gz: apt takes the compressed index.
    assert.deepEqual(requestsTo(watch.seen, 'GET', '/repo/Packages.gz').map((q) => q.status), [200]);
    // apt asks for InRelease first: a missing key is a 404, after which it fetches Release.
    assert.deepEqual(requestsTo(watch.seen, 'GET', '/repo/InRelease').map((q) => q.status), [404]);
    assert.equal(requestsTo(watch.seen, 'GET', '/repo/Release')[0]?.status, 200);
    assert.ok(tunnels.every((u) => u === `${host}:443`), `tunnels: ${tunnels.join(' ')}`);
  });

  await t.test('apt-get download fetches the .deb byte for byte', async () => {
    await apt('download', PKG);
    assert.deepEqual(await readdir(join(d, 'down')), [debName]);
    assert.ok((await readFile(join(d, 'down', debName))).equals(deb), 'downloaded .deb equals the uploaded one');
    const got = requestsTo(watch.seen, 'GET', `/repo/${debName}`);
    assert.deepEqual(got.map((q) => q.status), [200]);
  });

  await t.test('every request was a virtual-hosted GET signed with SigV4 by the method', () => {
    const fromApt = watch.seen.filter((q) => q.headers.host === host);
    assert.ok(fromApt.length >= 4, `requests: ${fromApt.map((q) => `${q.method} ${q.url} ${q.status}`).join(', ')}`);
    for (const q of fromApt) {
      assert.equal(q.method, 'GET');
      assert.match(String(q.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${gw.accessKey}/\\d{8}/${gw.region}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$`));
      assert.ok(q.status === 200 || q.status === 404, `${q.url} → ${q.status}`);
    }
  });
});

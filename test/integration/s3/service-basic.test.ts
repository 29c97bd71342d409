/**
 * The S3 service through its seam (service.handle), with SigV4-signed requests (aws4): buckets,
 * objects, listings, errors and common headers (shared/spec/s3-surface.md §1, §3, §4, §9).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { buildRequest, makeService, readResponse, send, xmlAll, xmlText, BOB } from './helpers.js';

test('every response has request id, id-2, Date and Server; errors are XML with Resource', async () => {
  const { service } = await makeService();
  const r = await send(service, { method: 'GET', path: '/nope' });
  assert.equal(r.status, 404);
  assert.match(String(r.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  assert.ok(r.headers['x-amz-id-2']);
  assert.ok(r.headers.date);
  assert.ok(r.headers.server);
  assert.equal(xmlText(r.text, 'Code'), 'NoSuchBucket');
  assert.equal(xmlText(r.text, 'Resource'), '/nope');
  assert.equal(xmlText(r.text, 'RequestId'), r.headers['x-amz-request-id']);
});

test('bucket lifecycle: create, duplicate, head, location, list, delete', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bk1' })).status, 200);
  const dup = await send(service, { method: 'PUT', path: '/bk1' });
  assert.equal(dup.status, 409);
  assert.equal(xmlText(dup.text, 'Code'), 'BucketAlreadyOwnedByYou');
  const other = await send(service, { method: 'PUT', path: '/bk1', as: BOB });
  assert.equal(xmlText(other.text, 'Code'), 'BucketAlreadyExists');
  const head = await send(service, { method: 'HEAD', path: '/bk1' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['x-amz-bucket-region'], 'us-east-1');
  const loc = await send(service, { method: 'GET', path: '/bk1?location' });
  assert.match(loc.text, /<LocationConstraint xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><\/LocationConstraint>/);
  const list = await send(service, { method: 'GET', path: '/' });
  assert.deepEqual(xmlAll(list.text, 'Name'), ['bk1']);
  assert.equal(xmlText(list.text, 'DisplayName'), 'alice');
  const bobList = await send(service, { method: 'GET', path: '/', as: BOB });
  assert.deepEqual(xmlAll(bobList.text, 'Name'), []);
  assert.equal((await send(service, { method: 'DELETE', path: '/bk1' })).status, 204);
  const gone = await send(service, { method: 'HEAD', path: '/bk1' });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.length, 0, 'HEAD errors have no body');
});

test('invalid bucket names → InvalidBucketName', async () => {
  const { service } = await makeService();
  for (const name of ['ab', 'Upper', 'a..b', '192.168.1.1', '-ab', 'a_b']) {
    const r = await send(service, { method: 'PUT', path: `/${name}` });
    assert.equal(xmlText(r.text, 'Code'), 'InvalidBucketName', name);
  }
});

test('object put/get/head/delete with metadata, range and conditionals', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bkt1' });
  const put = await send(service, { method: 'PUT', path: '/bkt1/dir/a%20b.txt', body: 'hello world', headers: { 'content-type': 'text/plain', 'x-amz-meta-color': 'blue', 'cache-control': 'no-cache' } });
  assert.equal(put.status, 200);
  assert.equal(put.headers.etag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
  assert.equal(put.headers['x-amz-version-id'], undefined, 'no version id in unversioned buckets');
  const get = await send(service, { method: 'GET', path: '/bkt1/dir/a%20b.txt' });
  assert.equal(get.status, 200);
  assert.equal(get.text, 'hello world');
  assert.equal(get.headers['content-type'], 'text/plain');
  assert.equal(get.headers['x-amz-meta-color'], 'blue');
  assert.equal(get.headers['cache-control'], 'no-cache');
  assert.equal(get.headers['content-length'], '11');
  const range = await send(service, { method: 'GET', path: '/bkt1/dir/a%20b.txt', headers: { range: 'bytes=6-' } });
  assert.equal(range.status, 206);
  assert.equal(range.text, 'world');
  assert.equal(range.headers['content-range'], 'bytes 6-10/11');
  const bad = await send(service, { method: 'GET', path: '/bkt1/dir/a%20b.txt', headers: { range: 'bytes=20-' } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers['content-range'], 'bytes */11');
  const nm = await send(service, { method: 'GET', path: '/bkt1/dir/a%20b.txt', headers: { 'if-none-match': put.headers.etag } });
  assert.equal(nm.status, 304);
  assert.equal(nm.body.length, 0);
  const pf = await send(service, { method: 'HEAD', path: '/bkt1/dir/a%20b.txt', headers: { 'if-match': '"nope"' } });
  assert.equal(pf.status, 412);
  const head = await send(service, { method: 'HEAD', path: '/bkt1/dir/a%20b.txt' });
  assert.equal(head.headers['content-length'], '11');
  assert.equal(head.body.length, 0);
  assert.equal((await send(service, { method: 'DELETE', path: '/bkt1/dir/a%20b.txt' })).status, 204);
  const missing = await send(service, { method: 'GET', path: '/bkt1/dir/a%20b.txt' });
  assert.equal(xmlText(missing.text, 'Code'), 'NoSuchKey');
  assert.equal((await send(service, { method: 'DELETE', path: '/bkt1/never-existed' })).status, 204);
});

test('Content-MD5 and x-amz-checksum-crc32 are verified before commit', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bkt2' });
  const badMd5 = await send(service, { method: 'PUT', path: '/bkt2/k', body: 'abc', headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } });
  assert.equal(xmlText(badMd5.text, 'Code'), 'BadDigest');
  const invalid = await send(service, { method: 'PUT', path: '/bkt2/k', body: 'abc', headers: { 'content-md5': 'nope' } });
  assert.equal(xmlText(invalid.text, 'Code'), 'InvalidDigest');
  const badCrc = await send(service, { method: 'PUT', path: '/bkt2/k', body: 'abc', headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
  assert.equal(xmlText(badCrc.text, 'Code'), 'BadDigest');
  assert.equal((await send(service, { method: 'HEAD', path: '/bkt2/k' })).status, 404, 'nothing committed');
  const ok = await send(service, { method: 'PUT', path: '/bkt2/k', body: 'abc', headers: { 'x-amz-checksum-crc32': 'NSRBwg==' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-amz-checksum-crc32'], 'NSRBwg==');
  const get = await send(service, { method: 'GET', path: '/bkt2/k', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
  assert.equal(get.headers['x-amz-checksum-crc32'], 'NSRBwg==');
  assert.equal(get.headers['x-amz-checksum-type'], 'FULL_OBJECT');
  const ranged = await send(service, { method: 'GET', path: '/bkt2/k', headers: { 'x-amz-checksum-mode': 'ENABLED', range: 'bytes=0-0' } });
  assert.equal(ranged.headers['x-amz-checksum-crc32'], undefined, 'no checksum on ranged reads (§5.4)');
});

test('ListObjectsV2 with delimiter, continuation tokens and encoding-type=url', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bkt3' });
  for (const k of ['a/1', 'a/2', 'b', 'c/x/y', 'd e', 'f+g']) {
    await send(service, { method: 'PUT', path: `/bkt3/${encodeURIComponent(k).replace(/%2F/g, '/')}`, body: 'x' });
  }
  const all = await send(service, { method: 'GET', path: '/bkt3?list-type=2&delimiter=%2F' });
  assert.deepEqual(xmlAll(all.text, 'Key'), ['b', 'd e', 'f+g']);
  assert.equal(xmlText(all.text, 'KeyCount'), '5');
  assert.match(all.text, /<CommonPrefixes><Prefix>a\/<\/Prefix><\/CommonPrefixes><CommonPrefixes><Prefix>c\/<\/Prefix><\/CommonPrefixes>/);
  const seen: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await send(service, { method: 'GET', path: `/bkt3?list-type=2&delimiter=%2F&max-keys=2${token ? '&continuation-token=' + encodeURIComponent(token) : ''}` });
    seen.push(...xmlAll(page.text, 'Key'), ...xmlAll(page.text, 'Prefix').filter((p) => p !== ''));
    token = xmlText(page.text, 'NextContinuationToken');
    if (xmlText(page.text, 'IsTruncated') === 'false') break;
  }
  assert.deepEqual(seen.sort(), ['a/', 'b', 'c/', 'd e', 'f+g']);
  const enc = await send(service, { method: 'GET', path: '/bkt3?list-type=2&encoding-type=url&prefix=d' });
  assert.deepEqual(xmlAll(enc.text, 'Key'), ['d%20e']);
  const badTok = await send(service, { method: 'GET', path: '/bkt3?list-type=2&continuation-token=zzz' });
  assert.equal(xmlText(badTok.text, 'Code'), 'InvalidArgument');
  const zero = await send(service, { method: 'GET', path: '/bkt3?list-type=2&max-keys=0' });
  assert.equal(xmlText(zero.text, 'IsTruncated'), 'false');
  assert.equal(xmlText(zero.text, 'KeyCount'), '0');
});

test('ListObjects V1 returns NextMarker when truncated; marker resumes', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bkt4' });
  for (const k of ['k1', 'k2', 'k3']) await send(service, { method: 'PUT', path: `/bkt4/${k}`, body: 'x' });
  const p1 = await send(service, { method: 'GET', path: '/bkt4?max-keys=2' });
  assert.deepEqual(xmlAll(p1.text, 'Key'), ['k1', 'k2']);
  assert.equal(xmlText(p1.text, 'NextMarker'), 'k2');
  assert.ok(xmlText(p1.text, 'ID'), 'V1 always lists the owner');
  const p2 = await send(service, { method: 'GET', path: '/bkt4?max-keys=2&marker=k2' });
  assert.deepEqual(xmlAll(p2.text, 'Key'), ['k3']);
  assert.equal(xmlText(p2.text, 'IsTruncated'), 'false');
});

test('NotImplemented and MethodNotAllowed', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bkt5' });
  const ni = await send(service, { method: 'GET', path: '/bkt5?replication' });
  assert.equal(ni.status, 501);
  assert.equal(xmlText(ni.text, 'Code'), 'NotImplemented');
  const mna = await send(service, { method: 'PATCH', path: '/bkt5' });
  assert.equal(mna.status, 405);
});

test('anonymous access: denied by default, allowed by public-read ACL', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/pub' });
  await send(service, { method: 'PUT', path: '/pub/o', body: 'data' });
  const denied = await send(service, { method: 'GET', path: '/pub/o', as: null });
  assert.equal(denied.status, 403);
  assert.equal(xmlText(denied.text, 'Code'), 'AccessDenied');
  await send(service, { method: 'PUT', path: '/pub/p', body: 'open', headers: { 'x-amz-acl': 'public-read' } });
  const open = await send(service, { method: 'GET', path: '/pub/p', as: null });
  assert.equal(open.status, 200);
  assert.equal(open.text, 'open');
  const list = await send(service, { method: 'GET', path: '/pub', as: null });
  assert.equal(list.status, 403, 'object ACL does not open the bucket listing');
  const bob = await send(service, { method: 'GET', path: '/pub/o', as: BOB });
  assert.equal(bob.status, 403, 'another tenant needs a grant');
});

test('bad signature → SignatureDoesNotMatch; unknown key → InvalidAccessKeyId', async () => {
  const { service } = await makeService();
  const wrong = await send(service, { method: 'GET', path: '/', as: { ...BOB, secretKey: 'x'.repeat(40) } });
  assert.equal(wrong.status, 403);
  assert.equal(xmlText(wrong.text, 'Code'), 'SignatureDoesNotMatch');
  const unknown = await send(service, { method: 'GET', path: '/', as: { ...BOB, accessKey: 'AKIANOBODY0000000000' } });
  assert.equal(xmlText(unknown.text, 'Code'), 'InvalidAccessKeyId');
});

test('admission control: beyond maxInflightRequests → 503 SlowDown at once (§10)', async () => {
  const { service } = await makeService({ maxInflightRequests: 1 });
  await send(service, { method: 'PUT', path: '/slow' });
  const body = new PassThrough();
  const req = buildRequest({ method: 'PUT', path: '/slow/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  req.headers['content-length'] = '4';
  const pending = service.handle({ ...req, body });
  await new Promise((r) => setImmediate(r));
  const refused = await send(service, { method: 'GET', path: '/slow/k' });
  assert.equal(refused.status, 503);
  assert.equal(xmlText(refused.text, 'Code'), 'SlowDown');
  body.end('data');
  const done = await pending;
  assert.equal(done.status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/slow/k' })).text, 'data');
});

test('a body that breaks mid-upload is IncompleteBody, not a logged InternalError; nothing is stored', async () => {
  const { service, logged } = await makeService();
  await send(service, { method: 'PUT', path: '/gone' });
  const body = new PassThrough();
  const req = buildRequest({ method: 'PUT', path: '/gone/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  req.headers['content-length'] = '100';
  const pending = service.handle({ ...req, body });
  body.write('partial');
  setImmediate(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
  const res = await readResponse(await pending);
  assert.equal(res.status, 400);
  assert.equal(xmlText(res.text, 'Code'), 'IncompleteBody');
  assert.equal(logged.length, 0);
  assert.equal((await send(service, { method: 'HEAD', path: '/gone/k' })).status, 404);
});

test('listing roll-up with a non-/ delimiter pages without repeating prefixes (§4.1)', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/roll' });
  for (const k of ['a-b-1', 'a-b-2', 'a-c', 'axxy', 'axxz', 'b']) await send(service, { method: 'PUT', path: `/roll/${k}`, body: 'x' });
  const page = async (q: string) => (await send(service, { method: 'GET', path: `/roll?${q}` })).text;
  const seen: string[] = [];
  let token = '';
  for (let i = 0; i < 10; i++) {
    const t = await page(`list-type=2&delimiter=-&max-keys=1${token}`);
    seen.push(...xmlAll(t, 'Key'), ...xmlAll(t, 'Prefix').filter(Boolean));
    if (xmlText(t, 'IsTruncated') !== 'true') break;
    token = `&continuation-token=${encodeURIComponent(xmlText(t, 'NextContinuationToken')!)}`;
  }
  assert.deepEqual(seen, ['a-', 'axxy', 'axxz', 'b']);
  const sub = await page('list-type=2&delimiter=-&prefix=a-');
  assert.deepEqual(xmlAll(sub, 'Key'), ['a-c']);
  assert.deepEqual(xmlAll(sub, 'Prefix'), ['a-', 'a-b-']);
  const multi = await page('list-type=2&delimiter=xx');
  assert.deepEqual(xmlAll(multi, 'Prefix').filter(Boolean), ['axx']);
  const v1 = await page('delimiter=-&marker=a-');
  assert.deepEqual([...xmlAll(v1, 'Key'), ...xmlAll(v1, 'Prefix').filter(Boolean)], ['axxy', 'axxz', 'b'], 'a common-prefix marker skips every key under it');
  const startAfter = await page('list-type=2&start-after=a-c');
  assert.deepEqual(xmlAll(startAfter, 'Key'), ['axxy', 'axxz', 'b']);
});

test('a body that stalls past bodyStallMs → 400 RequestTimeout, nothing stored (§10)', async () => {
  const { service, logged } = await makeService({ bodyStallMs: 50 });
  await send(service, { method: 'PUT', path: '/stall' });
  const body = new PassThrough();
  const req = buildRequest({ method: 'PUT', path: '/stall/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  req.headers['content-length'] = '100';
  body.write('only a little');
  const raw = await service.handle({ ...req, body });
  const res = await readResponse(raw);
  assert.equal(res.status, 400);
  assert.equal(xmlText(res.text, 'Code'), 'RequestTimeout');
  assert.equal(logged.length, 0);
  // The connection is closed after the answer; destroying the request itself would destroy the
  // socket before the 400 could be sent (test/regress/issue-5-unread-body-keepalive.test.ts).
  assert.equal(raw.closeConnection, true, 'the connection is closed after the answer');
  assert.equal((await send(service, { method: 'HEAD', path: '/stall/k' })).status, 404);
});

/**
 * Tenant isolation (issue #5 "Faults": isolation; s3-surface.md §8): two users, A and B, each with
 * their own tenant. User B tries every bucket and object operation the gateway routes against A's
 * private bucket, objects, versions and in-progress multipart upload — reads, writes, listings,
 * configuration, copies in both directions, part copies, presigned and SigV2 requests, and
 * anonymous ones. Every attempt must be refused with 403 AccessDenied as AWS answers a bucket owned
 * by another account (CreateBucket of A's name: 409 BucketAlreadyExists; HEAD: 403 without body),
 * no response may carry A's data, ListBuckets shows each user only their own buckets, and A's
 * bucket (versions, bytes, tags, ACLs, configuration, uploads) and B's bucket are exactly as before.
 *
 * Each request is first sent by the rightful owner (A, on an identical scratch bucket) and must not
 * be refused there: that proves the 403 comes from authorisation and not from a malformed request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import aws4 from 'aws4';
import { Pool, request } from 'undici';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { errorCode, send, type Keys, type RawResponse } from './helpers.js';

const SECRET = 'TOP-SECRET-PAYLOAD-OF-A';
const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

/** Names and ids one run of the operation table works on. */
interface Ctx {
  /** The bucket under attack (A's), with `secret.txt` (two versions) and an upload of `mpu.bin`. */
  victim: string;
  versionId: string;
  uploadId: string;
  partEtag: string;
  /** A bucket the caller owns, with `mine.txt` and an upload of `mp.bin`. */
  own: string;
  ownUploadId: string;
}

interface Op {
  name: string;
  method: string;
  path: (c: Ctx) => string;
  headers?: (c: Ctx) => Record<string, string>;
  body?: (c: Ctx) => string;
  /** Expected refusal of a signed caller when not AccessDenied (anonymous callers always get it). */
  refusal?: { status: number; code?: string };
}

const xmlOp = (name: string, method: string, q: string, body: string): Op => ({
  name, method, path: (c) => `/${c.victim}?${q}`, body: () => body, headers: () => ({ 'content-md5': md5(body) }),
});

const TAGGING = '<Tagging><TagSet><Tag><Key>owner</Key><Value>mallory</Value></Tag></TagSet></Tagging>';
const CORS = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
const LIFECYCLE = '<LifecycleConfiguration><Rule><ID>x</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>';
const policyFor = (bucket: string): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
});

/** Every operation the router knows, against `c.victim` (destructive ones last). */
const OPS: Op[] = [
  { name: 'HeadBucket', method: 'HEAD', path: (c) => `/${c.victim}` },
  { name: 'ListObjects', method: 'GET', path: (c) => `/${c.victim}` },
  { name: 'ListObjectsV2', method: 'GET', path: (c) => `/${c.victim}?list-type=2&fetch-owner=true` },
  { name: 'ListObjectVersions', method: 'GET', path: (c) => `/${c.victim}?versions` },
  { name: 'ListMultipartUploads', method: 'GET', path: (c) => `/${c.victim}?uploads` },
  ...['location', 'versioning', 'cors', 'policy', 'policyStatus', 'acl', 'tagging', 'lifecycle', 'encryption', 'object-lock',
    'notification', 'logging', 'requestPayment', 'accelerate', 'website', 'ownershipControls', 'publicAccessBlock'].map((q): Op => ({
    name: `GET ?${q}`, method: 'GET', path: (c) => `/${c.victim}?${q}`,
  })),
  { name: 'GetObject', method: 'GET', path: (c) => `/${c.victim}/secret.txt` },
  { name: 'GetObject versionId', method: 'GET', path: (c) => `/${c.victim}/secret.txt?versionId=${c.versionId}` },
  { name: 'GetObject Range', method: 'GET', path: (c) => `/${c.victim}/secret.txt`, headers: () => ({ range: 'bytes=0-3' }) },
  { name: 'GetObject partNumber', method: 'GET', path: (c) => `/${c.victim}/secret.txt?partNumber=1` },
  { name: 'GetObject response-content-type', method: 'GET', path: (c) => `/${c.victim}/secret.txt?response-content-type=text%2Fplain` },
  { name: 'HeadObject', method: 'HEAD', path: (c) => `/${c.victim}/secret.txt` },
  { name: 'HeadObject versionId', method: 'HEAD', path: (c) => `/${c.victim}/secret.txt?versionId=${c.versionId}` },
  { name: 'GetObjectAttributes', method: 'GET', path: (c) => `/${c.victim}/secret.txt?attributes`, headers: () => ({ 'x-amz-object-attributes': 'ETag,ObjectSize' }) },
  { name: 'GetObjectTagging', method: 'GET', path: (c) => `/${c.victim}/secret.txt?tagging` },
  { name: 'GetObjectAcl', method: 'GET', path: (c) => `/${c.victim}/secret.txt?acl` },
  { name: 'ListParts', method: 'GET', path: (c) => `/${c.victim}/mpu.bin?uploadId=${c.uploadId}` },
  // Writes.
  { name: 'PutObject (new key)', method: 'PUT', path: (c) => `/${c.victim}/injected.txt`, body: () => 'from the other tenant' },
  { name: 'PutObject (overwrite)', method: 'PUT', path: (c) => `/${c.victim}/secret.txt`, body: () => 'overwritten' },
  { name: 'PutObject If-None-Match', method: 'PUT', path: (c) => `/${c.victim}/fresh.txt`, body: () => 'x', headers: () => ({ 'if-none-match': '*' }) },
  { name: 'CopyObject victim → own', method: 'PUT', path: (c) => `/${c.own}/stolen.txt`, headers: (c) => ({ 'x-amz-copy-source': `/${c.victim}/secret.txt` }) },
  { name: 'CopyObject victim version → own', method: 'PUT', path: (c) => `/${c.own}/stolen-v1.txt`, headers: (c) => ({ 'x-amz-copy-source': `/${c.victim}/secret.txt?versionId=${c.versionId}` }) },
  { name: 'CopyObject own → victim', method: 'PUT', path: (c) => `/${c.victim}/planted.txt`, headers: (c) => ({ 'x-amz-copy-source': `/${c.own}/mine.txt` }) },
  { name: 'CopyObject victim → victim (REPLACE)', method: 'PUT', path: (c) => `/${c.victim}/secret.txt`, headers: (c) => ({ 'x-amz-copy-source': `/${c.victim}/secret.txt`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-pwned': '1' }) },
  { name: 'PutObjectTagging', method: 'PUT', path: (c) => `/${c.victim}/secret.txt?tagging`, body: () => TAGGING, headers: () => ({ 'content-md5': md5(TAGGING) }) },
  { name: 'DeleteObjectTagging', method: 'DELETE', path: (c) => `/${c.victim}/secret.txt?tagging` },
  { name: 'PutObjectAcl (canned)', method: 'PUT', path: (c) => `/${c.victim}/secret.txt?acl`, headers: () => ({ 'x-amz-acl': 'public-read' }) },
  { name: 'CreateMultipartUpload', method: 'POST', path: (c) => `/${c.victim}/new-mpu.bin?uploads` },
  { name: 'UploadPart (victim upload)', method: 'PUT', path: (c) => `/${c.victim}/mpu.bin?partNumber=2&uploadId=${c.uploadId}`, body: () => 'part from the other tenant' },
  { name: 'UploadPartCopy victim → own upload', method: 'PUT', path: (c) => `/${c.own}/mp.bin?partNumber=1&uploadId=${c.ownUploadId}`, headers: (c) => ({ 'x-amz-copy-source': `/${c.victim}/secret.txt` }) },
  { name: 'UploadPartCopy own → victim upload', method: 'PUT', path: (c) => `/${c.victim}/mpu.bin?partNumber=3&uploadId=${c.uploadId}`, headers: (c) => ({ 'x-amz-copy-source': `/${c.own}/mine.txt` }) },
  xmlOp('PutBucketVersioning', 'PUT', 'versioning', '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>'),
  xmlOp('PutBucketCors', 'PUT', 'cors', CORS),
  xmlOp('PutBucketTagging', 'PUT', 'tagging', TAGGING),
  xmlOp('PutBucketLifecycleConfiguration', 'PUT', 'lifecycle', LIFECYCLE),
  xmlOp('PutBucketOwnershipControls', 'PUT', 'ownershipControls', '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>'),
  { name: 'PutBucketPolicy (grant everyone)', method: 'PUT', path: (c) => `/${c.victim}?policy`, body: (c) => policyFor(c.victim) },
  { name: 'PutBucketAcl (public-read-write)', method: 'PUT', path: (c) => `/${c.victim}?acl`, headers: () => ({ 'x-amz-acl': 'public-read-write' }) },
  { name: 'CreateBucket (taken name)', method: 'PUT', path: (c) => `/${c.victim}`, refusal: { status: 409, code: 'BucketAlreadyExists' } },
  // Deletes.
  { name: 'DeleteBucketCors', method: 'DELETE', path: (c) => `/${c.victim}?cors` },
  { name: 'DeleteBucketTagging', method: 'DELETE', path: (c) => `/${c.victim}?tagging` },
  { name: 'DeleteBucketLifecycle', method: 'DELETE', path: (c) => `/${c.victim}?lifecycle` },
  { name: 'DeleteBucketPolicy', method: 'DELETE', path: (c) => `/${c.victim}?policy` },
  { name: 'DeleteBucketOwnershipControls', method: 'DELETE', path: (c) => `/${c.victim}?ownershipControls` },
  ...['website', 'encryption', 'publicAccessBlock'].map((q): Op => ({ name: `DELETE ?${q}`, method: 'DELETE', path: (c) => `/${c.victim}?${q}` })),
  {
    name: 'DeleteObjects', method: 'POST', path: (c) => `/${c.victim}?delete`,
    body: (c) => `<Delete><Object><Key>secret.txt</Key></Object><Object><Key>secret.txt</Key><VersionId>${c.versionId}</VersionId></Object></Delete>`,
    headers: (c) => ({ 'content-md5': md5(`<Delete><Object><Key>secret.txt</Key></Object><Object><Key>secret.txt</Key><VersionId>${c.versionId}</VersionId></Object></Delete>`) }),
  },
  { name: 'DeleteObject', method: 'DELETE', path: (c) => `/${c.victim}/secret.txt` },
  { name: 'DeleteObject versionId', method: 'DELETE', path: (c) => `/${c.victim}/secret.txt?versionId=${c.versionId}` },
  {
    name: 'CompleteMultipartUpload', method: 'POST', path: (c) => `/${c.victim}/mpu.bin?uploadId=${c.uploadId}`,
    body: (c) => `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${c.partEtag}</ETag></Part></CompleteMultipartUpload>`,
  },
  { name: 'AbortMultipartUpload', method: 'DELETE', path: (c) => `/${c.victim}/mpu.bin?uploadId=${c.uploadId}` },
  { name: 'DeleteBucket', method: 'DELETE', path: (c) => `/${c.victim}` },
];

class As {
  constructor(readonly gw: TestGateway, readonly pool: Pool, readonly keys: Keys | undefined) {}
  send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return send(this.pool, this.gw.url, { method, path, body: body === undefined ? undefined : Buffer.from(body), headers, sign: this.keys });
  }
  async ok(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const r = await this.send(method, path, body, headers);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.body.toString()}`);
    return r;
  }
}

/** A's bucket with everything an attacker could reach: versions, tags, ACL, configs, an upload. */
async function setUpVictim(a: As, bucket: string): Promise<Pick<Ctx, 'versionId' | 'uploadId' | 'partEtag'>> {
  await a.ok('PUT', `/${bucket}`);
  await a.ok('PUT', `/${bucket}?versioning`, '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  const v1 = await a.ok('PUT', `/${bucket}/secret.txt`, `${SECRET} v1`);
  await a.ok('PUT', `/${bucket}/secret.txt`, `${SECRET} v2`, { 'x-amz-tagging': 'class=secret' });
  await a.ok('PUT', `/${bucket}/dir/nested.bin`, `${SECRET} nested`);
  await a.ok('PUT', `/${bucket}?tagging`, '<Tagging><TagSet><Tag><Key>team</Key><Value>a</Value></Tag></TagSet></Tagging>', { 'content-md5': md5('<Tagging><TagSet><Tag><Key>team</Key><Value>a</Value></Tag></TagSet></Tagging>') });
  const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
  await a.ok('PUT', `/${bucket}?cors`, cors, { 'content-md5': md5(cors) });
  // A policy that names no other tenant and grants nothing an attacker could use.
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/readonly/*` }] });
  await a.ok('PUT', `/${bucket}?policy`, policy);
  const created = await a.ok('POST', `/${bucket}/mpu.bin?uploads`);
  const uploadId = /<UploadId>([^<]+)</.exec(created.body.toString())![1]!;
  const part = await a.ok('PUT', `/${bucket}/mpu.bin?partNumber=1&uploadId=${uploadId}`, `${SECRET} part`);
  return { versionId: String(v1.headers['x-amz-version-id']), uploadId, partEtag: String(part.headers.etag) };
}

/** A bucket the caller owns, with an object and an upload (the attacker's side of copies). */
async function setUpOwn(u: As, bucket: string): Promise<Pick<Ctx, 'ownUploadId'>> {
  await u.ok('PUT', `/${bucket}`);
  await u.ok('PUT', `/${bucket}/mine.txt`, 'my own data');
  const created = await u.ok('POST', `/${bucket}/mp.bin?uploads`);
  return { ownUploadId: /<UploadId>([^<]+)</.exec(created.body.toString())![1]! };
}

/** Everything A can observe about a bucket, as text; equal before and after the attacks. */
async function stateOf(a: As, bucket: string, uploadId?: string): Promise<string> {
  const parts: string[] = [];
  const add = async (what: string, path: string): Promise<void> => {
    const r = await a.send('GET', path);
    // Error bodies name their request: not part of the state.
    parts.push(`${what} ${r.status} ${r.body.toString().replace(/<RequestId>[^<]*<\/RequestId><HostId>[^<]*<\/HostId>/, '')}`);
  };
  for (const q of ['versions', 'uploads', 'acl', 'cors', 'policy', 'tagging', 'versioning', 'lifecycle']) await add(q, `/${bucket}?${q}`);
  if (uploadId) await add('parts', `/${bucket}/mpu.bin?uploadId=${uploadId}`);
  const versions = await a.send('GET', `/${bucket}?versions`);
  for (const m of versions.body.toString().matchAll(/<Version>[\s\S]*?<Key>([^<]+)<\/Key><VersionId>([^<]+)<\/VersionId>/g)) {
    const base = `/${bucket}/${m[1]}?versionId=${m[2]}`;
    const obj = await a.send('GET', base);
    parts.push(`${m[1]}@${m[2]} ${obj.status} ${obj.body.toString()} ${String(obj.headers['x-amz-meta-pwned'])}`);
    await add(`${m[1]} tags`, `${base}&tagging`);
    await add(`${m[1]} acl`, `${base}&acl`);
  }
  return parts.join('\n');
}

/** How answers were refused, for the report. */
const tally = new Map<string, number>();

function assertRefused(r: RawResponse, op: Op, who: string): void {
  const how = r.status === 200 ? '200 with per-key AccessDenied' : `${r.status} ${errorCode(r.body) ?? '(no body)'}`;
  tally.set(how, (tally.get(how) ?? 0) + 1);
  const want = (who === 'anonymous' ? undefined : op.refusal) ?? { status: 403, code: 'AccessDenied' };
  const what = `${who} ${op.name}: ${r.status} ${r.body.toString().slice(0, 300)}`;
  // A feature this gateway does not implement answers 501 before authorisation: it reveals nothing.
  if (r.status === 501 && errorCode(r.body) === 'NotImplemented') return;
  // DeleteObjects authorises per key, as AWS does: 200 with an AccessDenied <Error> per key.
  if (op.name === 'DeleteObjects' && r.status === 200) {
    const xml = r.body.toString();
    assert.doesNotMatch(xml, /<Deleted>/, what);
    assert.equal([...xml.matchAll(/<Error>[\s\S]*?<Code>AccessDenied<\/Code>/g)].length, 2, what);
    return;
  }
  assert.equal(r.status, want.status, what);
  if (op.method === 'HEAD') assert.equal(r.body.length, 0, what);
  else assert.equal(errorCode(r.body), want.code, what);
  assert.ok(!r.body.includes(SECRET), `${what}: the response carries A's data`);
  for (const [k, v] of Object.entries(r.headers)) {
    assert.ok(!/^x-amz-(meta-|tagging-count|version-id|mp-parts-count)/.test(k), `${what}: leaks header ${k}: ${String(v)}`);
  }
}

/** A presigned GET made with B's keys for A's object (query auth). */
async function presignedGet(gw: TestGateway, keys: Keys, path: string): Promise<RawResponse> {
  const host = new URL(gw.url).host;
  const signed = aws4.sign({ host, path: `${path}?X-Amz-Expires=300`, method: 'GET', service: 's3', region: 'us-east-1', signQuery: true, doNotEncodePath: true },
    { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey });
  const r = await request(gw.url + signed.path);
  return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
}

/** A SigV2 header-signed GET (older clients) with B's keys. */
async function sigV2Get(gw: TestGateway, keys: Keys, path: string): Promise<RawResponse> {
  const date = new Date().toUTCString();
  const sig = createHmac('sha1', keys.secretKey).update(`GET\n\n\n${date}\n${path}`).digest('base64');
  const r = await request(gw.url + path, { headers: { date, authorization: `AWS ${keys.accessKey}:${sig}` } });
  return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
}

function bucketsIn(r: RawResponse): string[] {
  return [...r.body.toString().matchAll(/<Bucket><Name>([^<]+)<\/Name>/g)].map((m) => m[1]!).sort();
}

test('two tenants: every operation by B (and anonymous) on A\'s private bucket is refused; nothing crosses', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway({ backend: 'local', users: [{ name: 'B' }], engine: { minPartSize: 1 } });
  t.after(() => gw.close());
  const pool = new Pool(gw.url, { connections: 4 });
  t.after(() => pool.close());
  const userA = gw.users[0]!;
  const userB = gw.users[1]!;
  assert.notEqual(userA.tenantId, userB.tenantId);
  const a = new As(gw, pool, userA);
  const b = new As(gw, pool, userB);
  const anon = new As(gw, pool, undefined);

  // The victim, an identical scratch copy for the owner's control run, and each side's own bucket.
  const victim = { victim: 'alpha-private', ...(await setUpVictim(a, 'alpha-private')) };
  const scratch = { victim: 'alpha-scratch', ...(await setUpVictim(a, 'alpha-scratch')) };
  const aOwn = { own: 'alpha-own', ...(await setUpOwn(a, 'alpha-own')) };
  const bOwn = { own: 'bravo-own', ...(await setUpOwn(b, 'bravo-own')) };
  const before = await stateOf(a, victim.victim, victim.uploadId);
  const bBefore = await stateOf(b, 'bravo-own');

  // Control: the owner's requests are well-formed (not refused).
  for (const op of OPS) {
    const c: Ctx = { ...scratch, ...aOwn };
    const r = await a.send(op.method, op.path(c), op.body?.(c), op.headers?.(c) ?? {});
    assert.ok(r.status !== 403 && r.status < 500, `owner control ${op.name}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  }

  // The attacks, signed by B and anonymous.
  let refused = 0;
  for (const op of OPS) {
    const c: Ctx = { ...victim, ...bOwn };
    assertRefused(await b.send(op.method, op.path(c), op.body?.(c), op.headers?.(c) ?? {}), op, 'B');
    refused++;
    if (op.path(c).startsWith(`/${victim.victim}`)) {
      assertRefused(await anon.send(op.method, op.path(c), op.body?.(c), op.headers?.(c) ?? {}), op, 'anonymous');
      refused++;
    }
  }
  const get: Op = { name: 'GetObject', method: 'GET', path: () => '' };
  assertRefused(await presignedGet(gw, userB, `/${victim.victim}/secret.txt`), { ...get, name: 'presigned GetObject' }, 'B');
  assertRefused(await sigV2Get(gw, userB, `/${victim.victim}/secret.txt`), { ...get, name: 'SigV2 GetObject' }, 'B');
  assertRefused(await sigV2Get(gw, userB, `/${victim.victim}`), { ...get, name: 'SigV2 ListObjects' }, 'B');
  t.diagnostic(`${OPS.length} operations; ${refused + 3} cross-tenant attempts refused: ${[...tally].map(([k, n]) => `${n}× ${k}`).join(', ')}`);

  // Listings: each tenant sees only its own buckets.
  assert.deepEqual(bucketsIn(await b.ok('GET', '/')), ['bravo-own']);
  assert.deepEqual(bucketsIn(await a.ok('GET', '/')), ['alpha-own', 'alpha-private', 'alpha-scratch']);
  assert.equal((await anon.send('GET', '/')).status, 403);

  // Nothing changed on either side.
  assert.equal(await stateOf(a, victim.victim, victim.uploadId), before, 'A\'s bucket changed');
  assert.equal(await stateOf(b, 'bravo-own'), bBefore, 'B\'s bucket changed (something was copied into it)');
  const bParts = await b.ok('GET', `/bravo-own/mp.bin?uploadId=${bOwn.ownUploadId}`);
  assert.doesNotMatch(bParts.body.toString(), /<Part>/, 'a part was copied from A into B\'s upload');
});

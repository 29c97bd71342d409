/**
 * Replays the recorded client requests of shared/fixtures/clients (JS SDK v3, boto3, aws-cli,
 * minio-go) through service.handle() with the clock fixed at each recording: SigV4 header and
 * presigned, SigV2 presigned, aws-chunked (unsigned trailer, signed chunks, signed trailer),
 * checksum headers and trailers, and the presigned-PUT empty-CRC leniency (s3-surface.md §6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { EngineApi } from '../../../src/engine/api.js';
import { createS3Service } from '../../../src/s3/index.js';
import type { S3Request } from '../../../src/s3/types.js';
import { createFakeEngine } from './fake-engine.js';
import { makeEngine, readResponse, xmlText, type TestResponse } from './helpers.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'clients');
const FIXTURE_USER = { accessKey: 'AKIAFIXTURE000000001', secretKey: 'fixtureSecretKey0123456789abcdefghijklmn', tenantId: 'f'.repeat(64), name: 'fixture' };

interface Fixture {
  method: string;
  url: string;
  recordedAt: string;
  headers: [string, string][];
  bodyBase64?: string;
  bodyFile?: string;
  bodySha256: string;
  awsChunked?: { decodedSha256: string; decodedLength: number };
}

function load(name: string): { fx: Fixture; body: Buffer } {
  const fx = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
  let body = Buffer.alloc(0);
  if (fx.bodyBase64 !== undefined) body = Buffer.from(fx.bodyBase64, 'base64');
  else if (fx.bodyFile !== undefined) {
    const raw = readFileSync(join(DIR, fx.bodyFile));
    body = fx.bodyFile.endsWith('.gz') ? gunzipSync(raw) : raw;
  }
  assert.equal(createHash('sha256').update(body).digest('hex'), fx.bodySha256, `${name}: body file`);
  return { fx, body };
}

function toRequest(fx: Fixture, body: Buffer): S3Request {
  const headers: Record<string, string> = {};
  for (const [k, v] of fx.headers) {
    const n = k.toLowerCase();
    headers[n] = headers[n] === undefined ? v : `${headers[n]},${v}`;
  }
  return { method: fx.method, url: fx.url, headers, body: Readable.from(body.length ? [body] : []), requestId: '00000000000000AA', secure: false };
}

/**
 * An engine with the fixture user and (unless told not to) its bucket. Multipart replays need the
 * upload id the recordings name (`FIXTURE-UPLOAD-ID-0001`, part of their signatures), which only
 * the test fake can be told to issue; everything else runs on the real engine.
 */
async function fixtureEngine(withBucket = true, fixedUploadIds = false): Promise<EngineApi> {
  const engine = fixedUploadIds ? createFakeEngine({ uploadId: () => 'FIXTURE-UPLOAD-ID-0001' }) : await makeEngine();
  await engine.putUser(FIXTURE_USER);
  if (withBucket) await engine.createBucket('fixture-bucket', { owner: FIXTURE_USER.tenantId });
  return engine;
}

async function replay(engine: EngineApi, name: string): Promise<TestResponse & { fx: Fixture }> {
  const { fx, body } = load(name);
  const service = createS3Service({ engine, clock: () => Date.parse(fx.recordedAt), logger: { error: (o) => { console.error(o); } } });
  return { ...(await readResponse(await service.handle(toRequest(fx, body)))), fx };
}

async function storedSha256(engine: EngineApi, bucket: string, key: string): Promise<string> {
  const r = await engine.read({ bucket, key });
  const h = createHash('sha256');
  for await (const c of r.body) h.update(c);
  return h.digest('hex');
}

function keyOf(url: string): string {
  return decodeURIComponent(url.split('?')[0]!.replace(/^\/fixture-bucket\//, ''));
}

const PUTS = [
  'aws-cli-s3-cp', 'aws-cli-s3api-put-object', 'boto3-put-object', 'boto3-put-object-payload-signing-enabled',
  'boto3-presigned-put-request-sigv4', 'boto3-presigned-put-request', 'js-sdk-v3-put-object-buffer',
  'js-sdk-v3-put-object-stream', 'js-sdk-v3-presigned-put-request', 'minio-go-put-object-signed-chunks',
  'minio-go-put-object-signed-chunks-multichunk',
];

for (const name of PUTS) {
  test(`replay ${name}: stored bytes are the decoded payload`, async () => {
    const engine = await fixtureEngine();
    const r = await replay(engine, name);
    assert.equal(r.status, 200, r.text);
    const want = r.fx.awsChunked?.decodedSha256 ?? r.fx.bodySha256;
    assert.equal(await storedSha256(engine, 'fixture-bucket', keyOf(r.fx.url)), want);
  });
}

for (const name of ['boto3-presigned-get-request-sigv4', 'boto3-presigned-get-request', 'js-sdk-v3-presigned-get-request']) {
  test(`replay ${name}`, async () => {
    const engine = await fixtureEngine();
    const { fx } = load(name);
    await engine.putObject({ bucket: 'fixture-bucket', key: keyOf(fx.url) }, Readable.from([Buffer.from('content')]));
    const r = await replay(engine, name);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'content');
  });
}

test('replay listings, deletes, copy and create-bucket', async () => {
  const engine = await fixtureEngine();
  for (const name of ['boto3-list-objects-v2', 'js-sdk-v3-list-objects-v2', 'boto3-delete-objects', 'js-sdk-v3-delete-objects']) {
    const r = await replay(engine, name);
    assert.equal(r.status, 200, `${name}: ${r.text}`);
  }
  const del = await replay(engine, 'js-sdk-v3-delete-objects');
  assert.deepEqual([...del.text.matchAll(/<Deleted><Key>([^<]*)<\/Key>/g)].map((m) => m[1]), ['js/a.txt', 'js/b c.txt', 'js/ü&amp;&lt;x&gt;.txt']);
  const { fx } = load('js-sdk-v3-copy-object');
  const src = fx.headers.find(([k]) => k.toLowerCase() === 'x-amz-copy-source')![1];
  await engine.putObject({ bucket: 'fixture-bucket', key: decodeURIComponent(src.replace(/^\/?fixture-bucket\//, '')) }, Readable.from([Buffer.from('src')]));
  const copy = await replay(engine, 'js-sdk-v3-copy-object');
  assert.equal(copy.status, 200, copy.text);
  assert.equal(await storedSha256(engine, 'fixture-bucket', keyOf(fx.url)), createHash('sha256').update('src').digest('hex'));
  const fresh = await fixtureEngine(false);
  assert.equal((await replay(fresh, 'js-sdk-v3-create-bucket')).status, 200);
});

test('replay JS SDK multipart: create, two parts (CRC32 headers), complete', async () => {
  const engine = await fixtureEngine(true, true);
  for (const step of ['js-sdk-v3-create-multipart-upload', 'js-sdk-v3-upload-part-1', 'js-sdk-v3-upload-part-2', 'js-sdk-v3-complete-multipart-upload']) {
    const r = await replay(engine, step);
    assert.equal(r.status, 200, `${step}: ${r.text}`);
  }
  const v = await engine.head({ bucket: 'fixture-bucket', key: 'js/multipart.bin' });
  assert.equal(v.size, 5 * 1024 * 1024 + 1024);
  assert.match(v.etag, /-2"$/);
});

test('replay boto3 multipart: CRC32 declared, parts out of order, checksums listed at Complete', async () => {
  const engine = await fixtureEngine(true, true);
  for (const step of ['boto3-upload-file-create-multipart-upload', 'boto3-upload-file-upload-part-2', 'boto3-upload-file-upload-part-1', 'boto3-upload-file-complete-multipart-upload']) {
    const r = await replay(engine, step);
    assert.equal(r.status, 200, `${step}: ${r.text}`);
  }
  const v = await engine.head({ bucket: 'fixture-bucket', key: 'boto3/nine mib.bin' });
  assert.equal(v.checksum?.type, 'COMPOSITE');
  assert.match(v.checksum?.value ?? '', /-2$/);
});

test('replay minio-go multipart with signed trailers: parts verify; Complete without part checksums is refused (§5.3)', async () => {
  const engine = await fixtureEngine(true, true);
  for (const step of ['minio-go-multipart-signed-trailer-create-multipart-upload', 'minio-go-multipart-signed-trailer-upload-part-1', 'minio-go-multipart-signed-trailer-upload-part-2']) {
    const r = await replay(engine, step);
    assert.equal(r.status, 200, `${step}: ${r.text}`);
  }
  const parts = await engine.listParts('fixture-bucket', 'FIXTURE-UPLOAD-ID-0001');
  assert.deepEqual(parts.parts.map((p) => p.checksum?.algorithm), ['CRC32C', 'CRC32C']);
  // The upload declared CRC32C, and the Complete XML lists no part checksums: s3-surface.md §5.3
  // says 400 InvalidRequest. Its `x-amz-checksum-crc32c: AAAAAA==` header is not a body checksum.
  const done = await replay(engine, 'minio-go-multipart-signed-trailer-complete-multipart-upload');
  assert.equal(done.status, 400, done.text);
  assert.equal(xmlText(done.text, 'Code'), 'InvalidRequest');
});

test('a tampered fixture body fails before anything is stored', async () => {
  const engine = await fixtureEngine();
  const { fx, body } = load('js-sdk-v3-put-object-buffer');
  const bad = Buffer.from(body);
  bad[10] = bad[10]! ^ 1;
  const service = createS3Service({ engine, clock: () => Date.parse(fx.recordedAt) });
  const r = await readResponse(await service.handle(toRequest(fx, bad)));
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.text, 'Code'), 'XAmzContentSHA256Mismatch');
  await assert.rejects(engine.head({ bucket: 'fixture-bucket', key: keyOf(fx.url) }));
});

/**
 * Issue #4: minio-go's CompleteMultipartUpload of a CRC32C upload.
 *
 * The recorded minio-go 7.0.46 Complete (test/fixtures/clients) lists no part checksums, and the
 * gateway refuses it with 400 InvalidRequest — as AWS does for a COMPOSITE upload ("The upload was
 * created using a crc32c checksum. The complete request must include the checksum for each part").
 * The recording server did not echo `x-amz-checksum-crc32c` on UploadPart; minio-go copies that
 * response header into the Complete XML and hashes the part checksums into its own
 * `x-amz-checksum-crc32c` header (minio-go api-put-object-multipart.go, uploadPart and
 * completeMultipartUpload). Against this gateway, which echoes the header, the real client's Complete
 * therefore succeeds: this file replays the recorded Create and UploadParts and sends the Complete
 * minio-go builds from our answers. (Also checked by hand with minio-go 7.0.46 from Debian against
 * `ccow serve`, with and without TrailingHeaders.)
 *
 * FULL_OBJECT uploads may omit part checksums at Complete (AWS requires them only for composite
 * uploads); the object checksum is combined from the stored part CRCs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import aws4 from 'aws4';
import type { EngineApi } from '../../src/engine/api.js';
import { checksumOf, createChecksum } from '../../src/s3/checksum/index.js';
import { createS3Service } from '../../src/s3/index.js';
import type { S3Request } from '../../src/s3/types.js';
import { createFakeEngine } from '../integration/s3/fake-engine.js';
import { makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'clients');
const FIXTURE_USER = { accessKey: 'AKIAFIXTURE000000001', secretKey: 'fixtureSecretKey0123456789abcdefghijklmn', tenantId: 'f'.repeat(64), name: 'fixture' };
const MINIO = 'minio-go-multipart-signed-trailer';

interface Fixture {
  method: string;
  url: string;
  recordedAt: string;
  headers: [string, string][];
  bodyBase64?: string;
  bodyFile?: string;
}

function load(name: string): { fx: Fixture; body: Buffer } {
  const fx = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
  let body = Buffer.alloc(0);
  if (fx.bodyBase64 !== undefined) body = Buffer.from(fx.bodyBase64, 'base64');
  else if (fx.bodyFile !== undefined) {
    const raw = readFileSync(join(DIR, fx.bodyFile));
    body = fx.bodyFile.endsWith('.gz') ? gunzipSync(raw) : raw;
  }
  return { fx, body };
}

function fixtureRequest(fx: Fixture, body: Buffer): S3Request {
  const headers: Record<string, string> = {};
  for (const [k, v] of fx.headers) headers[k.toLowerCase()] = v;
  return { method: fx.method, url: fx.url, headers, body: Readable.from(body.length ? [body] : []), requestId: '00000000000000AB', secure: false };
}

/** The recorded multipart upload (its signatures name the upload id, which only the fake engine can be told to issue). */
async function replayMinioParts(): Promise<{ engine: EngineApi; partChecksums: string[]; etags: string[]; recordedAt: string }> {
  const engine = createFakeEngine({ uploadId: () => 'FIXTURE-UPLOAD-ID-0001' });
  await engine.putUser(FIXTURE_USER);
  await engine.createBucket('fixture-bucket', { owner: FIXTURE_USER.tenantId });
  const partChecksums: string[] = [];
  const etags: string[] = [];
  let recordedAt = '';
  for (const step of ['create-multipart-upload', 'upload-part-1', 'upload-part-2']) {
    const { fx, body } = load(`${MINIO}-${step}`);
    recordedAt = fx.recordedAt;
    const service = createS3Service({ engine, clock: () => Date.parse(fx.recordedAt) });
    const r = await readResponse(await service.handle(fixtureRequest(fx, body)));
    assert.equal(r.status, 200, `${step}: ${r.text}`);
    if (step.startsWith('upload-part')) {
      // What minio-go reads back from UploadPart (ObjectPart.ChecksumCRC32C).
      const c = r.headers['x-amz-checksum-crc32c'];
      assert.equal(typeof c, 'string', `${step} answers x-amz-checksum-crc32c`);
      partChecksums.push(c as string);
      etags.push(String(r.headers.etag).replace(/"/g, ''));
    }
  }
  return { engine, partChecksums, etags, recordedAt };
}

test('the recorded minio-go Complete without part checksums is refused as AWS refuses it (COMPOSITE upload)', async () => {
  const { engine } = await replayMinioParts();
  const { fx, body } = load(`${MINIO}-complete-multipart-upload`);
  const service = createS3Service({ engine, clock: () => Date.parse(fx.recordedAt) });
  const r = await readResponse(await service.handle(fixtureRequest(fx, body)));
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidRequest');
  assert.match(xmlText(r.text, 'Message') ?? '', /crc32c checksum\. The complete request must include the checksum for each part\. It was missing for part 1/);
});

test('the Complete minio-go builds from this gateway\'s UploadPart answers succeeds with the COMPOSITE checksum', async () => {
  const { engine, partChecksums, etags, recordedAt } = await replayMinioParts();
  // minio-go: parts carry ChecksumCRC32C from the UploadPart answers; the header is the CRC32C of
  // the concatenated binary part checksums (its "hash of hashes", without AWS's "-N" suffix).
  const xml = '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag><ChecksumCRC32C>${partChecksums[i]}</ChecksumCRC32C></Part>`).join('') +
    '</CompleteMultipartUpload>';
  const hashOfHashes = checksumOf('CRC32C', Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64')))).toString('base64');
  const amzDate = new Date(recordedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const path = '/fixture-bucket/minio/multipart.bin?uploadId=FIXTURE-UPLOAD-ID-0001';
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'X-Amz-Checksum-Crc32c': hashOfHashes,
    'X-Amz-Content-Sha256': createHash('sha256').update(xml).digest('hex'),
    'X-Amz-Date': amzDate,
  };
  const signed = aws4.sign({ host: '127.0.0.1:9555', method: 'POST', path, headers, body: xml, service: 's3', region: 'us-east-1', doNotEncodePath: true },
    { accessKeyId: FIXTURE_USER.accessKey, secretAccessKey: FIXTURE_USER.secretKey });
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers ?? {})) lower[k.toLowerCase()] = String(v);
  const service = createS3Service({ engine, clock: () => Date.parse(recordedAt) });
  const r = await readResponse(await service.handle({ method: 'POST', url: path, headers: lower, body: Readable.from([Buffer.from(xml)]), requestId: '00000000000000AC', secure: false }));
  assert.equal(r.status, 200, r.text);
  const expected = `${hashOfHashes}-2`;
  assert.equal(xmlText(r.text, 'ChecksumCRC32C'), expected);
  const v = await engine.head({ bucket: 'fixture-bucket', key: 'minio/multipart.bin' });
  assert.deepEqual({ ...v.checksum }, { algorithm: 'CRC32C', type: 'COMPOSITE', value: expected });
});

test('a FULL_OBJECT upload completes without part checksums; the object CRC is combined from the stored parts', async () => {
  const { service, engine } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/fullobj' })).status, 200);
  const created = await send(service, { method: 'POST', path: '/fullobj/obj?uploads', headers: { 'x-amz-checksum-algorithm': 'CRC32C', 'x-amz-checksum-type': 'FULL_OBJECT' } });
  assert.equal(created.status, 200, created.text);
  const uploadId = xmlText(created.text, 'UploadId')!;
  const data = [Buffer.alloc(5 * 1024 * 1024, 7), Buffer.from('tail of the object')];
  const etags: string[] = [];
  for (const [i, part] of data.entries()) {
    const c = createChecksum('CRC32C').update(part).digest().toString('base64');
    const r = await send(service, { method: 'PUT', path: `/fullobj/obj?partNumber=${i + 1}&uploadId=${uploadId}`, body: part, headers: { 'x-amz-checksum-crc32c': c } });
    assert.equal(r.status, 200, r.text);
    etags.push(String(r.headers.etag));
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await send(service, { method: 'POST', path: `/fullobj/obj?uploadId=${uploadId}`, body: xml });
  assert.equal(done.status, 200, done.text);
  const whole = createChecksum('CRC32C').update(Buffer.concat(data)).digest().toString('base64');
  const v = await engine.head({ bucket: 'fullobj', key: 'obj' });
  assert.deepEqual({ ...v.checksum }, { algorithm: 'CRC32C', type: 'FULL_OBJECT', value: whole });
});

test('FULL_OBJECT parts sent without a checksum get one computed (AWS); COMPOSITE parts without one are refused', async () => {
  const { service, engine } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/fullobj' })).status, 200);
  const start = async (key: string, algorithm: string, type: string): Promise<string> => {
    const r = await send(service, { method: 'POST', path: `/fullobj/${key}?uploads`, headers: { 'x-amz-checksum-algorithm': algorithm, 'x-amz-checksum-type': type } });
    assert.equal(r.status, 200, r.text);
    return xmlText(r.text, 'UploadId')!;
  };
  const full = await start('nvme', 'CRC64NVME', 'FULL_OBJECT');
  const data = [Buffer.alloc(5 * 1024 * 1024, 3), Buffer.from('last part')];
  const etags: string[] = [];
  for (const [i, part] of data.entries()) {
    const r = await send(service, { method: 'PUT', path: `/fullobj/nvme?partNumber=${i + 1}&uploadId=${full}`, body: part });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-amz-checksum-crc64nvme'], undefined, 'a computed part checksum is not echoed');
    etags.push(String(r.headers.etag));
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await send(service, { method: 'POST', path: `/fullobj/nvme?uploadId=${full}`, body: xml });
  assert.equal(done.status, 200, done.text);
  const v = await engine.head({ bucket: 'fullobj', key: 'nvme' });
  assert.deepEqual({ ...v.checksum }, { algorithm: 'CRC64NVME', type: 'FULL_OBJECT', value: checksumOf('CRC64NVME', Buffer.concat(data)).toString('base64') });

  const composite = await start('comp', 'CRC32', 'COMPOSITE');
  const refused = await send(service, { method: 'PUT', path: `/fullobj/comp?partNumber=1&uploadId=${composite}`, body: Buffer.from('x') });
  assert.equal(refused.status, 400);
  assert.equal(xmlText(refused.text, 'Code'), 'InvalidRequest');
});

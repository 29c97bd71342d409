/**
 * boto3 (1.43 in pyenv's python3: the 2025+ default checksums) against an in-process gateway on the
 * local backend over HTTP. One python process runs test/clients/boto3_flow.py (python start-up
 * is slow) and reports each step as a JSON line; each step is asserted here as a subtest.
 * Presigned URLs made by boto3 (its default — SigV2 query auth — and s3v4) are fetched with undici.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, findPython, flowSteps, partsUploaded, pseudoRandom, runOk, sha256 } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/boto3_flow.py');
const MiB = 1024 * 1024;
/** 12 MiB with 5 MiB parts: 3 parts up, ranged GETs down. */
const BIG = 12 * MiB;

test('boto3: upload_file/download_file multipart, paginators, presigned URL and POST, managed copy and streams', async (t) => {
  const py = await findPython();
  if (!py?.boto3) {
    t.skip('boto3 not importable by any python3 on PATH (the machine image carries boto3 1.43 in pyenv; `pip install boto3` to run this test)');
    return;
  }
  t.diagnostic(`${py.executable}: boto3 ${py.boto3}, botocore ${py.botocore}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-boto3');

  const big = pseudoRandom(BIG, 'boto3-big');
  await writeFile(join(dir.path, 'big.bin'), big);
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, bucket: 'boto3-flow', workdir: dir.path, big: 'big.bin' }));
  const r = await runOk(py.executable, [SCRIPT, params], { env: clientEnv(dir.path) });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;

  await t.test('create_bucket', () => { stepOk('create_bucket'); });

  await t.test('upload_file with multipart_threshold below the file size', () => {
    const s = stepOk('upload_file multipart');
    assert.equal(s.size, BIG);
    assert.match(String(s.etag), /-3"$/, 'three parts');
    assert.deepEqual(partsUploaded(seen, '/boto3-flow/big.bin'), [1, 2, 3]);
  });

  await t.test('download_file with multipart_threshold below the file size', async () => {
    const s = stepOk('download_file multipart');
    assert.equal(s.sha256, sha256(big));
    assert.equal(sha256(await readFile(join(dir.path, 'big.out'))), sha256(big));
    const ranged = seen.filter((q) => q.method === 'GET' && q.url.startsWith('/boto3-flow/big.bin') && q.headers.range !== undefined);
    assert.ok(ranged.length >= 3, `ranged GETs: ${ranged.length}`);
  });

  const keys = Array.from({ length: 25 }, (_, i) => `page/${String(i).padStart(3, '0')}-${'x'.repeat(i % 3)}`);
  await t.test('paginators with PageSize 10 over 25 keys (list_objects_v2, list_objects, list_object_versions)', () => {
    stepOk('put_object x25');
    for (const name of ['paginate list_objects_v2 PageSize=10', 'paginate list_objects (v1) PageSize=10', 'paginate list_object_versions PageSize=10']) {
      const s = stepOk(name);
      assert.equal(s.pages, 3, `${name}: pages`);
      assert.deepEqual(s.keys, keys, `${name}: every key once, in order`);
    }
    const d = stepOk("paginate delimiter '/' MaxKeys=1");
    assert.deepEqual(d.prefixes, ['page/']);
    assert.deepEqual(d.keys, ['big.bin']);
  });

  await t.test('generate_presigned_url (default SigV2 query auth, and s3v4) fetched with undici; presigned PUT', async () => {
    const s = stepOk('generate_presigned_url');
    assert.match(String(s.default_get), /[?&]AWSAccessKeyId=/, 'botocore presigns S3 with SigV2 by default');
    assert.match(String(s.v4_get), /[?&]X-Amz-Signature=/);
    for (const url of [String(s.default_get), String(s.v4_get)]) {
      const res = await request(url);
      const text = await res.body.text();
      assert.equal(res.statusCode, 200, text);
      assert.equal(text, s.key);
    }
    const put = await request(String(s.v4_put), { method: 'PUT', body: 'via presigned PUT' });
    assert.equal(put.statusCode, 200, await put.body.text());
    const s3 = new S3Client(gw.clientConfig());
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'boto3-flow', Key: 'presigned-put.txt' }));
      assert.equal(await got.Body?.transformToString(), 'via presigned PUT');
    } finally {
      s3.destroy();
    }
  });

  await t.test('signature_version "s3" (SigV2): bucket-only paths signed with a trailing slash, objects, presigned list', () => {
    const s = stepOk('SigV2 bucket and object calls');
    const first = keys.filter((k) => k.startsWith('page/00'));
    assert.deepEqual(s.v2, first);
    assert.deepEqual(s.v1, first);
    assert.equal(s.versioning, '');
    assert.deepEqual(s.deleted, ['sigv2.txt']);
    assert.equal(s.presigned_list, 200);
  });

  await t.test('generate_presigned_post: the form upload (PostObject) is stored, 204', async () => {
    const s = stepOk('presigned POST');
    assert.equal(s.status, 204, String(s.body));
    const s3 = new S3Client(gw.clientConfig());
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'boto3-flow', Key: 'posted.txt' }));
      assert.equal(await got.Body?.transformToString(), 'posted by boto3');
    } finally {
      s3.destroy();
    }
  });

  await t.test('upload_file ExtraArgs: Metadata, ContentDisposition, Tagging, StorageClass, ChecksumAlgorithm SHA256', () => {
    const s = stepOk('upload_file ExtraArgs');
    assert.match(String(s.etag), /-3"$/);
    assert.deepEqual(s.metadata, { k1: 'v1' });
    assert.equal(s.disposition, 'attachment; filename="big.bin"');
    assert.equal(s.storage_class, 'STANDARD_IA');
    assert.match(String(s.sha256), /=-3$/, 'a COMPOSITE SHA256 of three parts');
    assert.equal(s.checksum_type, 'COMPOSITE');
    assert.deepEqual(s.tags, { t1: 'a', t2: 'b' });
  });

  await t.test('copy of a multipart object goes UploadPartCopy part by part; same bytes, SHA256 per part', () => {
    const s = stepOk('copy multipart (UploadPartCopy)');
    assert.equal(s.size, BIG);
    assert.equal(s.sha256, sha256(big));
    assert.match(String(s.checksum), /=-3$/);
    assert.equal(s.checksum_type, 'COMPOSITE');
    const copies = seen.filter((q) => q.method === 'PUT' && q.url.startsWith('/boto3-flow/xfer/copy.bin?') && q.headers['x-amz-copy-source'] !== undefined && q.status === 200);
    assert.equal(copies.length, 3, 'three UploadPartCopy requests');
    assert.ok(copies.every((q) => q.headers['x-amz-copy-source-range'] !== undefined));
  });

  await t.test('upload_fileobj of a non-seekable stream: multipart, SHA256 per part', () => {
    const s = stepOk('upload_fileobj non-seekable');
    assert.equal(s.size, BIG);
    assert.match(String(s.etag), /-3"$/);
    assert.match(String(s.checksum), /=-3$/);
    assert.deepEqual(partsUploaded(seen, '/boto3-flow/xfer/stream.bin'), [1, 2, 3]);
  });

  await t.test('download_fileobj (ranged GETs) with response_checksum_validation when_supported / when_required', () => {
    const s = stepOk('download_fileobj with response checksum validation');
    const digests = s.sha256 as Record<string, string>;
    assert.equal(Object.keys(digests).length, 4);
    for (const [what, digest] of Object.entries(digests)) assert.equal(digest, sha256(big), what);
  });
});

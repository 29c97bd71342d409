/**
 * The Go clients, as a Go program links them: the AWS SDK for Go v2 (service/s3 1.29 with
 * feature/s3/manager) and minio-go v7 (7.0.46), both from Debian's packages (source under
 * /usr/share/gocode), built with Debian's Go in GOPATH mode from test/clients/go/s3flow and run
 * once against an in-process gateway (local backend, plain HTTP, path style). The program prints
 * one JSON line per step; each step is asserted here, and the requests the gateway saw show that
 * the clients took the wire paths the step names (signed aws-chunked, signed trailer, multipart,
 * ranged GETs, UploadPartCopy).
 *
 * Skips with a reason when Go or the two libraries are missing: .ci/run installs them with
 * `apt-get install -y golang-go golang-github-minio-minio-go-v7-dev golang-github-aws-aws-sdk-go-v2-dev`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, pathExists, requestsTo, runOk, which } from './harness.js';

const SOURCE = join(process.cwd(), 'test/clients/go/s3flow/main.go');
const GOPATH = '/usr/share/gocode';
const LIBS = ['github.com/aws/aws-sdk-go-v2/service/s3', 'github.com/aws/aws-sdk-go-v2/feature/s3/manager', 'github.com/minio/minio-go/v7'];

test('Go: AWS SDK for Go v2 (client, manager.Uploader/Downloader, presign) and minio-go v7 (streaming, trailer, compose, versions)', async (t) => {
  const go = await locate([...await which('go'), '/usr/lib/go/bin/go'], ['version'], /go\d+\.\d+(\.\d+)?/);
  const missing = [];
  for (const lib of LIBS) if (!await pathExists(join(GOPATH, 'src', lib))) missing.push(lib);
  if (!go || missing.length > 0) {
    t.skip(`${go ? `${missing.join(', ')} not under ${GOPATH}` : 'go not installed'} (.ci/run installs golang-go golang-github-minio-minio-go-v7-dev golang-github-aws-aws-sdk-go-v2-dev)`);
    return;
  }
  t.diagnostic(`${go.path}: ${go.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-go');
  // One build cache for every run on this machine: the SDK's packages compile once (~40 s of CPU).
  const cache = join(tmpdir(), 'ccow-test-gocache');
  await mkdir(cache, { recursive: true });
  const bin = join(dir.path, 's3flow');
  await runOk(go.path, ['build', '-o', bin, SOURCE], {
    env: clientEnv(dir.path, { GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '', CGO_ENABLED: '0' }),
    timeoutMs: 300_000,
  });
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, workdir: dir.path }));
  const r = await runOk(bin, [params], { env: clientEnv(dir.path), timeoutMs: 120_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const requests = (method: string, path: string): typeof seen => requestsTo(seen, method, path);

  await t.test('SDK v2: typed errors (BucketAlreadyOwnedByYou, NotFound on HeadBucket)', () => {
    const s = stepOk('sdk CreateBucket, again (BucketAlreadyOwnedByYou), HeadBucket of a missing bucket');
    assert.equal(s.again_code, 'BucketAlreadyOwnedByYou');
    assert.equal(s.again_typed, true);
    assert.equal(s.missing_typed, true);
  });

  await t.test('SDK v2: PutObject with a signed payload hash, HeadObject metadata, GetObject', () => {
    const s = stepOk('sdk PutObject (seekable body: signed payload), HeadObject, GetObject');
    assert.equal(s.etag, `"${String(s.md5)}"`);
    assert.equal(s.length, 1000);
    assert.equal(s.type, 'application/x-test');
    assert.deepEqual(s.meta, { color: 'blue' });
    assert.equal(s.same, true);
    const put = requests('PUT', '/go-v2/dir/small%20%C3%A9.bin')[0];
    assert.match(String(put?.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/, 'the SDK signs the body hash over plain HTTP');
  });

  await t.test('SDK v2: flexible checksums CRC32 and SHA256 stored and validated by the SDK on GET', () => {
    const s = stepOk('sdk PutObject ChecksumAlgorithm CRC32 and SHA256, GetObject ChecksumMode ENABLED (the SDK validates)');
    for (const alg of ['CRC32', 'SHA256']) {
      const x = s[alg] as { put: string; get: string; same: boolean };
      assert.ok(x.put.length > 0, `${alg}: the PutObject answer carries the checksum`);
      assert.equal(x.get, x.put, `${alg}: GET returns the stored checksum`);
      assert.equal(x.same, true);
    }
  });

  await t.test('SDK v2: an unseekable body sent UNSIGNED-PAYLOAD', () => {
    assert.equal(stepOk('sdk PutObject of an unseekable body with UNSIGNED-PAYLOAD').same, true);
    assert.equal(requests('PUT', '/go-v2/unseekable.bin')[0]?.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
  });

  await t.test('SDK v2: manager.Uploader (4 parts) and manager.Downloader (ranged GETs), GetObject Range and PartNumber', () => {
    const up = stepOk('manager.Uploader 17 MiB, 5 MiB parts, concurrency 3');
    assert.match(String(up.etag), /-4"$/);
    assert.equal(up.parts, 4);
    assert.deepEqual(partsUploaded(seen, '/go-v2/big.bin'), [1, 2, 3, 4]);
    const down = stepOk('manager.Downloader 5 MiB ranged parts, concurrency 3');
    assert.equal(down.bytes, 17 * 1024 * 1024 + 123);
    assert.equal(down.sha256, down.want);
    assert.ok(requests('GET', '/go-v2/big.bin').filter((q) => q.headers.range !== undefined).length >= 4, 'ranged GETs');
    const g = stepOk('sdk GetObject Range bytes=100-199 and PartNumber 2');
    assert.equal(g.range_ok, true);
    assert.equal(g.content_range, `bytes 100-199/${17 * 1024 * 1024 + 123}`);
    assert.equal(g.part_ok, true);
    assert.equal(g.parts_count, 4);
  });

  await t.test('SDK v2: ListObjectsV2 paginator and delimiter; CopyObject REPLACE; DeleteObjects', () => {
    const l = stepOk('sdk ListObjectsV2 paginator MaxKeys 10 over 25 keys; delimiter');
    assert.equal(l.pages, 3);
    assert.deepEqual(l.keys, Array.from({ length: 25 }, (_, i) => `page/${String(i).padStart(3, '0')}`));
    assert.deepEqual(l.prefixes, ['dir/', 'page/']);
    assert.deepEqual(l.top, ['big.bin', 'sum-CRC32', 'sum-SHA256', 'unseekable.bin']);
    const c = stepOk('sdk CopyObject REPLACE, DeleteObjects of 25 keys');
    assert.deepEqual(c.meta, { color: 'red' });
    assert.equal(c.length, 1000);
    assert.equal(c.deleted, 25);
    assert.equal(c.errors, 0);
    assert.equal(c.left, 0);
  });

  await t.test('SDK v2: presigned GET and PUT', () => {
    const s = stepOk('sdk PresignClient GetObject and PutObject URLs fetched with net/http');
    assert.equal(s.put_status, 200);
    assert.equal(s.get_status, 200);
    assert.equal(s.body, 'through a presigned PUT');
  });

  await t.test('SDK v2: multipart by hand, ListParts, ListMultipartUploads, Abort', () => {
    const s = stepOk('sdk multipart by hand: Create, UploadPart x2, ListParts, ListMultipartUploads, Complete; Abort another');
    assert.equal(s.listed_parts, 2);
    assert.deepEqual(s.uploads, ['aborted.bin', 'mpu.bin']);
    assert.match(String(s.etag), /-2"$/);
    assert.equal(s.same, true);
  });

  await t.test('SDK v2: versioning, delete marker, GetObject of an old version, NoSuchKey typed', () => {
    const s = stepOk('sdk versioning: PutBucketVersioning, two versions, ListObjectVersions, GetObject VersionId, delete marker, NoSuchKey');
    assert.equal(s.versions, 2);
    assert.equal(s.markers, 1);
    assert.equal(s.delete_marker, true);
    assert.equal(s.old, 'one');
    assert.equal(s.gone_typed, true);
    assert.deepEqual(stepOk('sdk PutObjectTagging, GetObjectTagging').tags, { k1: 'v 1', k2: '' });
  });

  await t.test('minio-go: MakeBucket, signed aws-chunked PutObject, Stat, ranged Get', () => {
    const m = stepOk('minio MakeBucket, BucketExists');
    assert.equal(m.exists, true);
    assert.equal(m.missing_exists, false);
    const s = stepOk('minio PutObject known size (signed aws-chunked), StatObject, GetObject, ranged GetObject');
    assert.equal(s.etag, s.md5);
    assert.equal(s.size, 200 * 1024);
    assert.equal(s.type, 'application/x-mg');
    assert.equal(s.meta, 'green');
    assert.equal(s.same, true);
    assert.equal(s.range_ok, true);
    assert.equal(requests('PUT', '/minio-go/a/stream.bin')[0]?.headers['x-amz-content-sha256'], 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
  });

  await t.test('minio-go: multipart with signed trailers, unknown-size streaming, Content-MD5, FPut/FGet', () => {
    const s = stepOk('minio PutObject 12 MiB in 5 MiB parts with TrailingHeaders (signed trailer, CRC32C)');
    assert.match(String(s.etag), /-3$/);
    assert.equal(s.same, true);
    const parts = requests('PUT', '/minio-go/big-trailer.bin').filter((q) => q.url.includes('partNumber='));
    assert.equal(parts.length, 3);
    for (const q of parts) assert.equal(q.headers['x-amz-content-sha256'], 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER');
    const u = stepOk('minio PutObject of unknown size (-1): streamed multipart');
    assert.equal(u.size, u.want);
    assert.match(String(u.etag), /-2$/);
    assert.equal(stepOk('minio PutObject SendContentMd5, FPutObject, FGetObject').same, true);
    assert.ok(requests('PUT', '/minio-go/md5.txt')[0]?.headers['content-md5'], 'Content-MD5 sent');
  });

  await t.test('minio-go: ComposeObject (UploadPartCopy) and CopyObject', () => {
    const s = stepOk('minio ComposeObject of two sources (UploadPartCopy), CopyObject');
    assert.equal(s.same, true);
    assert.equal(s.copied_size, 200 * 1024);
    assert.equal(s.copied_meta, 'green');
    const copies = requests('PUT', '/minio-go/composed.bin').filter((q) => q.url.includes('partNumber=') && q.headers['x-amz-copy-source'] !== undefined);
    assert.ok(copies.length >= 2, `UploadPartCopy requests: ${copies.length}`);
  });

  await t.test('minio-go: listings, presigned URLs, tagging', () => {
    const l = stepOk('minio ListObjects recursive and by delimiter');
    assert.deepEqual(l.recursive, ['a/stream.bin', 'big-trailer.bin', 'composed.bin', 'copied.bin', 'dir/fput.bin', 'md5.txt', 'unknown-size.bin']);
    assert.deepEqual([...(l.top as string[])].sort(), ['a/', 'big-trailer.bin', 'composed.bin', 'copied.bin', 'dir/', 'md5.txt', 'unknown-size.bin']);
    const p = stepOk('minio PresignedGetObject, PresignedPutObject fetched with net/http');
    assert.equal(p.put_status, 200);
    assert.equal(p.get_status, 200);
    assert.equal(p.body, 'minio presigned');
    assert.deepEqual(stepOk('minio object tagging').tags, { project: 'ccow', stage: 'test' });
  });

  await t.test('minio-go: versioning, RemoveObject by version, RemoveObjects of every version, RemoveBucket', () => {
    const v = stepOk('minio versioning: EnableVersioning, versions listed, RemoveObject by VersionID');
    assert.equal(v.status, 'Enabled');
    assert.equal(v.version_id_set, true);
    assert.equal(v.before, 2);
    assert.equal(v.after, 1);
    const r2 = stepOk('minio RemoveObjects of every version, RemoveBucket');
    assert.equal(r2.failed, 0);
    assert.equal(r2.left, 0);
    assert.equal(r2.exists_after, false);
  });
});

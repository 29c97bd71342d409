/**
 * minio-js (npm `minio`, MinIO's official JS client) against an in-process gateway, with the
 * defaults a user sets: endPoint/port/useSSL/keys (path style: minio-js picks it for a non-AWS
 * host). Streams up multipart, files up and down, ranged reads, stat, listings, incomplete uploads,
 * bulk delete, copies with conditions, presigned GET/PUT/POST fetched with undici, bucket
 * versioning / tagging / policy, object tagging, and the clear error of a retention call.
 *
 * Where minio-js 8.0.7 is off from AWS (not the gateway), the step says so and asserts what the
 * gateway stored:
 * - setBucketTagging expects 200; AWS answers PutBucketTagging with 204 No Content (the API
 *   reference's example; versitygw#932 changed theirs to 204 to match AWS), as the gateway does,
 *   so the call rejects with an S3Error without code although the tags are stored.
 * - uploadStream numbers the first part 2 (it increments before the request): legal S3 (parts
 *   need only ascend), so the ETag of a 3-part stream is `-3` and the parts seen are 2, 3, 4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client, CopyConditions, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { Agent, FormData, request } from 'undici';
import { clientRig, partsUploaded, pseudoRandom, sha256 } from './harness.js';

const MiB = 1024 * 1024;
const B = 'minio-js-b';

/** Everything a minio-js object stream emits. */
async function collect<T>(s: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of s) out.push(x);
  return out;
}

async function bytes(s: Readable): Promise<Buffer> {
  return Buffer.concat(await collect<Buffer>(s));
}

/** `data` in 64 KiB chunks, as a file or socket stream delivers it (length unknown to the client). */
function chunked(data: Buffer): Readable {
  return Readable.from((function* () {
    for (let o = 0; o < data.length; o += 64 * 1024) yield data.subarray(o, o + 64 * 1024);
  })());
}

test('minio-js: streams, files, ranges, listings, bulk delete, copy conditions, presigned URLs and POST, bucket configs', async (t) => {
  const { gw, watch, dir } = await clientRig(t, 'clients-minio-js');
  const u = new URL(gw.url);
  const opts = { endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: gw.accessKey, secretKey: gw.secretKey };
  const mc = new Client(opts);
  // The default part size is 64 MiB; a user uploading big streams lowers it the same way.
  const mc5 = new Client({ ...opts, partSize: 5 * MiB });
  const big = pseudoRandom(12 * MiB, 'minio-js-big');
  // undici's own Agent, not the global dispatcher: on Node 24 the form POST below, sent through the
  // global one after minio-js had made its requests, opened a connection and never wrote to it
  // (no byte reached the gateway; seen with a raw socket listener). With a private Agent it passes
  // on Node 20 and 24.
  const agent = new Agent();
  t.after(() => agent.close());

  await t.test('makeBucket, bucketExists, listBuckets', async () => {
    await mc.makeBucket(B);
    assert.equal(await mc.bucketExists(B), true);
    assert.equal(await mc.bucketExists('minio-js-missing'), false);
    assert.ok((await mc.listBuckets()).some((b) => b.name === B));
  });

  await t.test('putObject from a stream (multipart above partSize), statObject, getObject, getPartialObject', async () => {
    const up = await mc5.putObject(B, 'big.bin', chunked(big), undefined, { 'Content-Type': 'application/x-big', 'x-amz-meta-origin': 'stream' });
    assert.match(up.etag, /-3$/);
    assert.deepEqual(partsUploaded(watch.seen, `/${B}/big.bin`), [2, 3, 4]);
    const st = await mc.statObject(B, 'big.bin');
    assert.equal(st.size, big.length);
    assert.equal(st.etag, up.etag);
    assert.deepEqual(st.metaData, { 'content-type': 'application/x-big', origin: 'stream' });
    assert.equal(sha256(await bytes(await mc.getObject(B, 'big.bin'))), sha256(big));
    assert.deepEqual(await bytes(await mc.getPartialObject(B, 'big.bin', 5 * MiB - 7, 1000)), big.subarray(5 * MiB - 7, 5 * MiB + 993));
    assert.deepEqual(await bytes(await mc.getPartialObject(B, 'big.bin', big.length - 10)), big.subarray(-10));
    await assert.rejects(mc.statObject(B, 'missing'), (e: Error & { code?: string }) => e.code === 'NotFound');
  });

  await t.test('fPutObject (multipart), fGetObject', async () => {
    await writeFile(join(dir.path, 'up.bin'), big.subarray(0, 11 * MiB));
    const up = await mc5.fPutObject(B, 'file.bin', join(dir.path, 'up.bin'), { 'x-amz-meta-a': 'b' });
    assert.match(up.etag, /-3$/);
    await mc.fGetObject(B, 'file.bin', join(dir.path, 'down.bin'));
    assert.equal(sha256(await readFile(join(dir.path, 'down.bin'))), sha256(big.subarray(0, 11 * MiB)));
    assert.equal((await mc.statObject(B, 'file.bin')).metaData.a, 'b');
  });

  const names = ['ls/with space.txt', 'ls/plus+sign.txt', 'ls/percent%41.txt', 'ls/ünïcode-ß.txt', 'ls/a/1', 'ls/a/2', 'ls/b/ü/3', 'other'];
  await t.test('listObjectsV2 stream: prefix, delimiter (non-recursive), recursive, startAfter; listObjects (v1)', async () => {
    for (const n of names) await mc.putObject(B, n, Buffer.from(n));
    const rec = (await collect(mc.listObjectsV2(B, 'ls/', true))).map((o) => o.name);
    assert.deepEqual(rec, names.filter((n) => n.startsWith('ls/')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const top = (await collect(mc.listObjectsV2(B, 'ls/', false))).map((o) => o.name ?? o.prefix);
    assert.deepEqual(top, ['ls/percent%41.txt', 'ls/plus+sign.txt', 'ls/with space.txt', 'ls/ünïcode-ß.txt', 'ls/a/', 'ls/b/']);
    assert.deepEqual((await collect(mc.listObjectsV2(B, 'ls/', true, 'ls/plus+sign.txt'))).map((o) => o.name), ['ls/with space.txt', 'ls/ünïcode-ß.txt']);
    assert.deepEqual((await collect(mc.listObjects(B, 'ls/', true))).map((o) => o.name), rec);
  });

  await t.test('listIncompleteUploads, removeIncompleteUpload', async () => {
    const id = await mc.initiateNewMultipartUpload(B, 'inc/x.bin', {});
    const inc = await collect(mc.listIncompleteUploads(B, 'inc/', true));
    assert.deepEqual(inc.map((i) => [i.key, i.uploadId]), [['inc/x.bin', id]]);
    await mc.removeIncompleteUpload(B, 'inc/x.bin');
    assert.deepEqual(await collect(mc.listIncompleteUploads(B, 'inc/', true)), []);
  });

  await t.test('removeObjects (awkward names, a missing key; {name} entries)', async () => {
    assert.deepEqual(await mc.removeObjects(B, [...names.slice(0, 4), 'never-there']), []);
    assert.deepEqual(await mc.removeObjects(B, [{ name: 'ls/a/1' }]), []);
    assert.deepEqual((await collect(mc.listObjectsV2(B, 'ls/', true))).map((o) => o.name), ['ls/a/2', 'ls/b/ü/3']);
  });

  await t.test('copyObject with CopyConditions (ETag match / none-match, modified / unmodified since); CopySourceOptions', async () => {
    const st = await mc.statObject(B, 'file.bin');
    const match = new CopyConditions();
    match.setMatchETag(st.etag);
    const copy1 = await mc.copyObject(B, 'copy-1.bin', `/${B}/file.bin`, match);
    assert.equal('etag' in copy1 ? copy1.etag : undefined, st.etag);
    const noneMatch = new CopyConditions();
    noneMatch.setMatchETagExcept(st.etag);
    await assert.rejects(mc.copyObject(B, 'copy-2.bin', `/${B}/file.bin`, noneMatch), (e: Error & { code?: string }) => e.code === 'PreconditionFailed');
    const unmodified = new CopyConditions();
    unmodified.setUnmodified(new Date(Date.now() - 3_600_000));
    await assert.rejects(mc.copyObject(B, 'copy-3.bin', `/${B}/file.bin`, unmodified), (e: Error & { code?: string }) => e.code === 'PreconditionFailed');
    // A date later than now is not a valid If-Modified-Since (RFC 9110 §13.1.3): ignored, the copy happens.
    const modified = new CopyConditions();
    modified.setModified(new Date(Date.now() + 3_600_000));
    await mc.copyObject(B, 'copy-4.bin', `/${B}/file.bin`, modified);

    await mc.copyObject(
      new CopySourceOptions({ Bucket: B, Object: 'file.bin', MatchETag: st.etag }),
      new CopyDestinationOptions({ Bucket: B, Object: 'copy-5.bin', MetadataDirective: 'REPLACE', UserMetadata: { replaced: 'yes' } }),
    );
    const copied = await mc.statObject(B, 'copy-5.bin');
    assert.equal(copied.metaData.replaced, 'yes');
    assert.equal(copied.metaData.a, undefined);
    assert.equal(copied.size, 11 * MiB);
  });

  await t.test('presignedGetObject (with response headers), presignedPutObject, presignedPostPolicy, fetched with undici', async () => {
    const getUrl = await mc.presignedGetObject(B, 'ls/a/2', 600, { 'response-content-type': 'text/x-test' });
    const got = await request(getUrl, { dispatcher: agent });
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers['content-type'], 'text/x-test');
    assert.equal(await got.body.text(), 'ls/a/2');

    const putUrl = await mc.presignedPutObject(B, 'presigned-put.txt', 600);
    const put = await request(putUrl, { method: 'PUT', body: 'put through a presigned URL', dispatcher: agent });
    await put.body.dump();
    assert.equal(put.statusCode, 200);
    assert.equal((await bytes(await mc.getObject(B, 'presigned-put.txt'))).toString(), 'put through a presigned URL');

    const policy = mc.newPostPolicy();
    policy.setBucket(B);
    policy.setKey('posted.txt');
    policy.setExpires(new Date(Date.now() + 600_000));
    policy.setContentType('text/plain');
    policy.setContentLengthRange(1, 1000);
    policy.setUserMetaData({ who: 'form' });
    const { postURL, formData } = await mc.presignedPostPolicy(policy);
    const post = async (body: string): Promise<{ status: number; text: string }> => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(formData)) fd.append(k, String(v));
      fd.append('file', new Blob([body]), 'local-name.txt');
      const r = await request(postURL, { method: 'POST', body: fd, dispatcher: agent });
      return { status: r.statusCode, text: await r.body.text() };
    };
    assert.deepEqual(await post('posted through a form'), { status: 204, text: '' });
    const st = await mc.statObject(B, 'posted.txt');
    assert.deepEqual(st.metaData, { 'content-type': 'text/plain', who: 'form' });
    const tooBig = await post('x'.repeat(1001));
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.text, /<Code>EntityTooLarge<\/Code>/);
  });

  await t.test('bucket versioning, tagging, policy; object tagging', async () => {
    assert.equal(await mc.getBucketVersioning(B), '');
    await mc.setBucketVersioning(B, { Status: 'Enabled' });
    assert.deepEqual(await mc.getBucketVersioning(B), { Status: 'Enabled' });
    const v1 = await mc.putObject(B, 'ver.txt', 'one');
    const v2 = await mc.putObject(B, 'ver.txt', 'two');
    assert.ok(v1.versionId && v2.versionId && v1.versionId !== v2.versionId);
    const versions = (await collect(mc.listObjects(B, 'ver.txt', true, { IncludeVersion: true }))) as { versionId?: string | null; isLatest?: boolean }[];
    assert.deepEqual(versions.map((v) => [v.versionId, v.isLatest]), [[v2.versionId, true], [v1.versionId, false]]);
    assert.equal((await bytes(await mc.getObject(B, 'ver.txt', { versionId: v1.versionId }))).toString(), 'one');

    // minio-js expects 200 here; AWS (and the gateway) answer PutBucketTagging with 204 (see the header).
    await assert.rejects(mc.setBucketTagging(B, { env: 'test', team: 'storage' }), (e: Error & { code?: string }) => e.name === 'S3Error' && !e.code);
    assert.deepEqual(await mc.getBucketTagging(B), [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'storage' }]);
    await mc.removeBucketTagging(B);
    await assert.rejects(mc.getBucketTagging(B), (e: Error & { code?: string }) => e.code === 'NoSuchTagSet');

    await mc.setObjectTagging(B, 'ls/a/2', { k1: 'v1', k2: 'v2' });
    assert.deepEqual(await mc.getObjectTagging(B, 'ls/a/2'), [{ Key: 'k1', Value: 'v1' }, { Key: 'k2', Value: 'v2' }]);
    // The typing wants a versionId; the client sends one only when it is set.
    await mc.removeObjectTagging(B, 'ls/a/2', {} as Parameters<typeof mc.removeObjectTagging>[2]);
    assert.deepEqual(await mc.getObjectTagging(B, 'ls/a/2'), []);

    await assert.rejects(mc.getBucketPolicy(B), (e: Error & { code?: string }) => e.code === 'NoSuchBucketPolicy');
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${B}/public/*`] }] };
    await mc.setBucketPolicy(B, JSON.stringify(doc));
    assert.deepEqual(JSON.parse(await mc.getBucketPolicy(B)), doc);
    await mc.putObject(B, 'public/open.txt', 'anyone');
    const anon = await request(`${gw.url}/${B}/public/open.txt`, { dispatcher: agent });
    assert.equal(anon.statusCode, 200, 'the policy lets anonymous GETs in');
    await anon.body.dump();
    await mc.setBucketPolicy(B, '');
    await assert.rejects(mc.getBucketPolicy(B), (e: Error & { code?: string }) => e.code === 'NoSuchBucketPolicy');
  });

  await t.test('getObjectRetention / getObjectLegalHold: a clear NotImplemented error (object lock is not offered)', async () => {
    await assert.rejects(mc.getObjectRetention(B, 'file.bin'), (e: Error & { code?: string }) => e.code === 'NotImplemented' && /GetObjectRetention is not implemented/.test(e.message));
    await assert.rejects(mc.getObjectLegalHold(B, 'file.bin'), (e: Error & { code?: string }) => e.code === 'NotImplemented');
    await assert.rejects(mc.getObjectLockConfig(B) as unknown as Promise<unknown>, (e: Error & { code?: string }) => e.code === 'ObjectLockConfigurationNotFoundError');
  });
});

/**
 * The AWS SDK for JavaScript v2 (npm `aws-sdk`: end of support, still in many production apps)
 * against an in-process gateway, configured as such apps configure it for a self-hosted S3:
 * `endpoint`, keys, region, `s3ForcePathStyle: true` (the default virtual-hosted style would ask
 * for `<bucket>.127.0.0.1`, which no resolver knows). s3.upload (ManagedUpload, multipart from a
 * buffer and from a stream), getObject (whole, ranged, as a stream), headObject, listObjectsV2,
 * copyObject, deleteObjects, getSignedUrl with SigV4 and with signatureVersion 'v2', ordinary
 * requests signed with SigV2, createPresignedPost.
 *
 * Where v2 is off from AWS (not the gateway): createPresignedPost turns every field into an exact
 * policy condition, so a `key` of `uploads/${filename}` fails on AWS too once S3 substitutes the
 * file name (aws-sdk-js-v3#7191 / PR #7771 describe the same for v3's other fields); the flow
 * posts to a fixed key, and checks that the substituted form is refused as AWS refuses it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import AWS from 'aws-sdk';
import { Agent, FormData, request } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { partsUploaded, pseudoRandom, sha256, watchRequests } from './harness.js';

// The SDK prints its end-of-support note on the next tick after loading, unless told not to (the
// way its lib/maintenance_mode_message.js documents; that file has no typings, hence require).
(createRequire(import.meta.url)('aws-sdk/lib/maintenance_mode_message') as { suppress: boolean }).suppress = true;

const MiB = 1024 * 1024;
const B = 'sdk-v2-b';

test('aws-sdk v2: upload (ManagedUpload), get/head, listObjectsV2, copy, deleteObjects, getSignedUrl (v4, v2), createPresignedPost', async (t) => {
  const gw = await startGateway({ backend: 'local' });
  t.after(() => gw.close());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const config = { endpoint: gw.url, accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey, region: 'us-east-1', s3ForcePathStyle: true };
  const s3 = new AWS.S3(config);
  const s3v2 = new AWS.S3({ ...config, signatureVersion: 'v2' });
  const big = pseudoRandom(12 * MiB, 'sdk-v2-big');
  // undici's own Agent rather than the global dispatcher (see minio-js.test.ts: a form POST through
  // the global one hung on Node 24 there).
  const agent = new Agent();
  t.after(() => agent.close());
  // In Node, v2 hands a GetObject body over as a Buffer.
  const text = async (key: string, client = s3): Promise<string> => ((await client.getObject({ Bucket: B, Key: key }).promise()).Body as Buffer).toString();

  await t.test('createBucket; upload 12 MiB from a buffer and from a stream (5 MiB parts), a small one in one PUT', async () => {
    await s3.createBucket({ Bucket: B }).promise();
    const up = await s3.upload({ Bucket: B, Key: 'big.bin', Body: big, ContentType: 'application/x-big', Metadata: { origin: 'buffer' } }, { partSize: 5 * MiB, queueSize: 2 }).promise();
    assert.match(up.ETag, /-3"$/);
    assert.equal(up.Location, `${gw.url}/${B}/big.bin`);
    assert.deepEqual(partsUploaded(watch.seen, `/${B}/big.bin`), [1, 2, 3]);
    // A byte stream, as fs.createReadStream gives: v2's ManagedUpload reads it with read(n). (An
    // object-mode stream of small chunks, Readable.from's default, makes it wait forever without
    // sending a request: a client limitation, no gateway involved.)
    const chunks = Readable.from((function* () {
      for (let o = 0; o < big.length; o += 256 * 1024) yield big.subarray(o, o + 256 * 1024);
    })(), { objectMode: false });
    const streamed = await s3.upload({ Bucket: B, Key: 'streamed.bin', Body: chunks }, { partSize: 5 * MiB }).promise();
    assert.equal(streamed.ETag, up.ETag, 'same bytes, same part sizes, same multipart ETag');
    const small = await s3.upload({ Bucket: B, Key: 'small.txt', Body: 'hello', ContentType: 'text/plain' }).promise();
    assert.equal(small.ETag, '"5d41402abc4b2a76b9719d911017c592"');
  });

  await t.test('headObject, getObject (whole, Range, createReadStream), NotFound / NoSuchKey', async () => {
    const head = await s3.headObject({ Bucket: B, Key: 'big.bin' }).promise();
    assert.equal(head.ContentLength, big.length);
    assert.equal(head.ContentType, 'application/x-big');
    assert.deepEqual(head.Metadata, { origin: 'buffer' });
    const whole = await s3.getObject({ Bucket: B, Key: 'big.bin' }).promise();
    assert.equal(sha256(whole.Body as Buffer), sha256(big));
    const part = await s3.getObject({ Bucket: B, Key: 'big.bin', Range: 'bytes=5242870-5242889' }).promise();
    assert.deepEqual(part.Body, big.subarray(5242870, 5242890));
    assert.equal(part.ContentRange, `bytes 5242870-5242889/${big.length}`);
    const streamed: Buffer[] = [];
    for await (const c of s3.getObject({ Bucket: B, Key: 'streamed.bin' }).createReadStream()) streamed.push(c as Buffer);
    assert.equal(sha256(Buffer.concat(streamed)), sha256(big));
    await assert.rejects(s3.headObject({ Bucket: B, Key: 'missing' }).promise(), (e: AWS.AWSError) => e.code === 'NotFound' && e.statusCode === 404);
    await assert.rejects(s3.getObject({ Bucket: B, Key: 'missing' }).promise(), (e: AWS.AWSError) => e.code === 'NoSuchKey' && e.statusCode === 404);
  });

  const keys = ['d/a/1', 'd/a/2', 'd/b/3', 'd/4', 'd/ü ß+%.txt'];
  await t.test('listObjectsV2: delimiter, pages of 2, EncodingType url', async () => {
    for (const k of keys) await s3.putObject({ Bucket: B, Key: k, Body: k }).promise();
    const top = await s3.listObjectsV2({ Bucket: B, Prefix: 'd/', Delimiter: '/' }).promise();
    assert.deepEqual(top.Contents?.map((c) => c.Key), ['d/4', 'd/ü ß+%.txt']);
    assert.deepEqual(top.CommonPrefixes?.map((c) => c.Prefix), ['d/a/', 'd/b/']);
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.listObjectsV2({ Bucket: B, Prefix: 'd/', MaxKeys: 2, ContinuationToken: token }).promise();
      paged.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(paged, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    // v2 does not decode EncodingType=url answers itself (v3 does): the key arrives encoded.
    const enc = await s3.listObjectsV2({ Bucket: B, Prefix: 'd/ü', EncodingType: 'url' }).promise();
    assert.deepEqual(enc.Contents?.map((c) => decodeURIComponent(c.Key!)), ['d/ü ß+%.txt']);
  });

  await t.test('copyObject (plain, awkward source, REPLACE metadata, failed CopySourceIfMatch)', async () => {
    const plain = await s3.copyObject({ Bucket: B, Key: 'copy.bin', CopySource: `${B}/big.bin` }).promise();
    assert.equal(plain.CopyObjectResult?.ETag, (await s3.headObject({ Bucket: B, Key: 'big.bin' }).promise()).ETag);
    await s3.copyObject({ Bucket: B, Key: 'copy-awkward.txt', CopySource: encodeURIComponent(`${B}/d/ü ß+%.txt`) }).promise();
    assert.equal(await text('copy-awkward.txt'), 'd/ü ß+%.txt');
    await s3.copyObject({ Bucket: B, Key: 'copy-meta.txt', CopySource: `${B}/small.txt`, MetadataDirective: 'REPLACE', Metadata: { x: 'y' }, ContentType: 'text/x-replaced' }).promise();
    const meta = await s3.headObject({ Bucket: B, Key: 'copy-meta.txt' }).promise();
    assert.deepEqual([meta.ContentType, meta.Metadata], ['text/x-replaced', { x: 'y' }]);
    await assert.rejects(s3.copyObject({ Bucket: B, Key: 'copy-no.txt', CopySource: `${B}/small.txt`, CopySourceIfMatch: '"0123"' }).promise(), (e: AWS.AWSError) => e.code === 'PreconditionFailed' && e.statusCode === 412);
  });

  await t.test('deleteObjects (verbose with a missing key, quiet)', async () => {
    const r = await s3.deleteObjects({ Bucket: B, Delete: { Objects: [{ Key: 'd/a/1' }, { Key: 'd/ü ß+%.txt' }, { Key: 'never-there' }] } }).promise();
    assert.deepEqual(r.Deleted?.map((d) => d.Key).sort(), ['d/a/1', 'd/ü ß+%.txt', 'never-there']);
    assert.deepEqual(r.Errors, []);
    const quiet = await s3.deleteObjects({ Bucket: B, Delete: { Quiet: true, Objects: [{ Key: 'd/a/2' }] } }).promise();
    assert.deepEqual([quiet.Deleted, quiet.Errors], [[], []]);
    const left = await s3.listObjectsV2({ Bucket: B, Prefix: 'd/' }).promise();
    assert.deepEqual(left.Contents?.map((c) => c.Key), ['d/4', 'd/b/3']);
  });

  await t.test('getSignedUrl: SigV4 GET and PUT; SigV2 GET (awkward key, response header) and PUT; SigV2 requests', async () => {
    const get4 = await request(s3.getSignedUrl('getObject', { Bucket: B, Key: 'small.txt', Expires: 600 }), { dispatcher: agent });
    assert.deepEqual([get4.statusCode, await get4.body.text()], [200, 'hello']);
    const putUrl = await s3.getSignedUrlPromise('putObject', { Bucket: B, Key: 'signed-put.txt', Expires: 600, ContentType: 'text/plain' });
    const put4 = await request(putUrl, { method: 'PUT', body: 'via v4 URL', headers: { 'content-type': 'text/plain' }, dispatcher: agent });
    await put4.body.dump();
    assert.equal(put4.statusCode, 200);
    assert.equal(await text('signed-put.txt'), 'via v4 URL');

    await s3.putObject({ Bucket: B, Key: 'sp ace+ü.txt', Body: 'awkward' }).promise();
    const url2 = s3v2.getSignedUrl('getObject', { Bucket: B, Key: 'sp ace+ü.txt', Expires: 600, ResponseContentDisposition: 'attachment; filename="a b.txt"' });
    assert.match(url2, /[?&]AWSAccessKeyId=.*&Signature=/);
    const get2 = await request(url2, { dispatcher: agent });
    assert.equal(get2.statusCode, 200);
    assert.equal(get2.headers['content-disposition'], 'attachment; filename="a b.txt"');
    assert.equal(await get2.body.text(), 'awkward');
    const put2 = await request(s3v2.getSignedUrl('putObject', { Bucket: B, Key: 'v2-put.txt', Expires: 600, ContentType: 'text/plain' }), { method: 'PUT', body: 'via v2 URL', headers: { 'content-type': 'text/plain' }, dispatcher: agent });
    await put2.body.dump();
    assert.equal(put2.statusCode, 200);
    assert.equal(await text('v2-put.txt', s3v2), 'via v2 URL');
    const listed = await s3v2.listObjectsV2({ Bucket: B, Prefix: 'sp ace' }).promise();
    assert.deepEqual(listed.Contents?.map((c) => c.Key), ['sp ace+ü.txt']);
  });

  await t.test('createPresignedPost: fixed key with conditions; too big refused; ${filename} key refused as AWS refuses it', async () => {
    const form = (fields: Record<string, string>, body: string): FormData => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields)) fd.append(k, v);
      fd.append('file', new Blob([body]), 'local.txt');
      return fd;
    };
    const p = s3.createPresignedPost({ Bucket: B, Fields: { key: 'posted/fixed.txt', 'Content-Type': 'text/plain' }, Conditions: [['content-length-range', 1, 100]], Expires: 600 });
    assert.equal(p.url, `${gw.url}/${B}`);
    const ok = await request(p.url, { method: 'POST', body: form(p.fields, 'posted body'), dispatcher: agent });
    assert.deepEqual([ok.statusCode, await ok.body.text()], [204, '']);
    const obj = await s3.getObject({ Bucket: B, Key: 'posted/fixed.txt' }).promise();
    assert.deepEqual([(obj.Body as Buffer).toString(), obj.ContentType], ['posted body', 'text/plain']);

    const big = await request(p.url, { method: 'POST', body: form(p.fields, 'x'.repeat(101)), dispatcher: agent });
    assert.equal(big.statusCode, 400);
    assert.match(await big.body.text(), /<Code>EntityTooLarge<\/Code>/);

    const sub = s3.createPresignedPost({ Bucket: B, Fields: { key: 'posted/${filename}' }, Expires: 600 });
    const refused = await request(sub.url, { method: 'POST', body: form(sub.fields, 'substituted'), dispatcher: agent });
    assert.equal(refused.statusCode, 403);
    assert.match(await refused.body.text(), /<Code>AccessDenied<\/Code><Message>Invalid according to Policy: Policy Condition failed/);
  });
});

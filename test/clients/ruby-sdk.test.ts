/**
 * The AWS SDK for Ruby v3 (Debian's ruby-aws-sdk-s3: aws-sdk-s3 1.117, aws-sdk-core 3.168), as a
 * Ruby program uses it, against an in-process gateway (local backend, plain HTTP, path style):
 * test/clients/ruby_flow.rb prints one JSON line per step, asserted here, and the requests the
 * gateway saw show the wire paths (multipart upload and download by parts, UploadPartCopy,
 * presigned URLs). The Ruby SDK sends header values as raw UTF-8 and signs those bytes; a copy
 * source with a non-ASCII key and non-ASCII metadata failed with SignatureDoesNotMatch until
 * issue-4-raw-utf8-header-signature.
 *
 * Skips with a reason when ruby or the gem is missing (.ci/run installs it:
 * apt-get install -y ruby-aws-sdk-s3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, requestsTo, runOk, which } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/ruby_flow.rb');
const MiB = 1024 * 1024;

test('Ruby: AWS SDK for Ruby v3 (client, resource upload_file/download_file/upload_stream/copy_to, presigner, versions)', async (t) => {
  const ruby = await locate(await which('ruby'), ['-e', 'require "aws-sdk-s3"; print "aws-sdk-s3 #{Aws::S3::GEM_VERSION} core #{Aws::CORE_GEM_VERSION}"'], /aws-sdk-s3 \S+ core \S+/);
  if (!ruby) {
    t.skip('ruby with the aws-sdk-s3 gem missing (.ci/run installs it: apt-get install -y ruby-aws-sdk-s3)');
    return;
  }
  t.diagnostic(`${ruby.path}: ${ruby.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-ruby');
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, workdir: dir.path }));
  // clientEnv leaves out AWS_CA_BUNDLE (set on this machine), which the SDK would try to load.
  const r = await runOk(ruby.path, [SCRIPT, params], { env: clientEnv(dir.path), timeoutMs: 120_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const requests = (method: string, path: string): typeof seen => requestsTo(seen, method, path);

  await t.test('typed errors: BucketAlreadyOwnedByYou, NotFound on HeadBucket, NoSuchKey', () => {
    const s = stepOk('CreateBucket, again (BucketAlreadyOwnedByYou), HeadBucket of a missing bucket (NotFound)');
    assert.deepEqual(s.again, { class: 'Aws::S3::Errors::BucketAlreadyOwnedByYou', code: 'BucketAlreadyOwnedByYou', status: 409 });
    assert.deepEqual(s.missing, { class: 'Aws::S3::Errors::NotFound', code: 'NotFound', status: 404 });
    const p = stepOk('PutObject with metadata, HeadObject, GetObject, a missing key (NoSuchKey)');
    assert.deepEqual(p.missing, { class: 'Aws::S3::Errors::NoSuchKey', code: 'NoSuchKey', status: 404 });
  });

  await t.test('PutObject, HeadObject metadata and type, GetObject; the body hash signed over plain HTTP', () => {
    const s = stepOk('PutObject with metadata, HeadObject, GetObject, a missing key (NoSuchKey)');
    assert.equal(s.etag, `"${String(s.md5)}"`);
    assert.equal(s.length, 3000);
    assert.equal(s.type, 'application/x-test');
    assert.deepEqual(s.meta, { color: 'blue' });
    assert.equal(s.same, true);
    const put = requests('PUT', '/ruby-sdk/dir/small%20%C3%A9.bin')[0];
    assert.match(String(put?.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/);
  });

  await t.test('flexible checksums CRC32 and SHA256: stored, returned and validated by the SDK', () => {
    const s = stepOk('PutObject with checksum_algorithm CRC32 and SHA256, GetObject checksum_mode ENABLED (the SDK validates)');
    for (const alg of ['CRC32', 'SHA256']) {
      const x = s[alg] as { put: string; get: string; same: boolean };
      assert.ok(x.put.length > 0, `${alg}: the PutObject answer carries the checksum`);
      assert.equal(x.get, x.put);
      assert.equal(x.same, true);
    }
  });

  await t.test('upload_file in 5 MiB parts, download_file, upload_stream; a ranged GET', () => {
    const f = stepOk('Object#upload_file of 12 MiB (multipart, 5 MiB parts, threads), download_file, a ranged GET');
    assert.match(String(f.etag), /-3"$/);
    assert.equal(f.same, true);
    assert.equal(f.range_same, true);
    assert.deepEqual(partsUploaded(seen, '/ruby-sdk/big.bin'), [1, 2, 3]);
    const s = stepOk('Object#upload_stream (multipart from a stream, 5 MiB parts)');
    assert.match(String(s.etag), /-3"$/);
    assert.equal(s.same, true);
    assert.deepEqual(partsUploaded(seen, '/ruby-sdk/streamed.bin'), [1, 2, 3]);
  });

  await t.test('CopyObject REPLACE of a non-ASCII key sent raw; copy_to by UploadPartCopy', () => {
    const s = stepOk('CopyObject REPLACE metadata; Object#copy_to with multipart_copy (UploadPartCopy)');
    assert.deepEqual(s.meta, { shape: 'round' });
    assert.equal(s.big_same, true);
    // aws-sdk-s3 1.117's copier cuts parts of at least 50 MiB (min_part_size is not passed on by
    // copy_to): one ranged UploadPartCopy for the whole 12 MiB.
    const copies = requests('PUT', '/ruby-sdk/big-copy.bin').filter((q) => q.headers['x-amz-copy-source'] !== undefined && q.url.includes('partNumber='));
    assert.ok(copies.length >= 1 && copies.every((q) => q.status === 200), `UploadPartCopy: ${copies.map((q) => `${q.url} ${q.status}`).join(', ')}`);
    assert.equal(copies[0]?.headers['x-amz-copy-source-range'], `bytes=0-${12 * MiB + 777 - 1}`);
    assert.equal(copies[0]?.headers['x-amz-copy-source'], '/ruby-sdk/big.bin'.slice(1), 'as given: bucket/key');
  });

  await t.test('presigned PUT and GET', () => {
    const s = stepOk('presigned GET and PUT URLs fetched with Net::HTTP');
    assert.equal(s.put_status, 200);
    assert.equal(s.get_status, 200);
    assert.equal(s.same, true);
    assert.ok(requests('PUT', '/ruby-sdk/presigned.txt').some((q) => q.url.includes('X-Amz-Signature=')));
  });

  await t.test('listings: V2 pages and delimiter, V1 marker; DeleteObjects; tagging', () => {
    const s = stepOk('ListObjectsV2 pages (max_keys 3) and delimiter; ListObjects v1 with a marker');
    assert.deepEqual(s.keys, [...Array.from({ length: 10 }, (_, i) => `list/k${String(i).padStart(2, '0')}`), 'list/sub/x']);
    assert.equal(s.pages, 4);
    assert.deepEqual(s.prefixes, ['list/sub/']);
    assert.equal(s.direct, 10);
    assert.deepEqual(s.after_marker, ['list/k08', 'list/k09', 'list/sub/x']);
    const d = stepOk('DeleteObjects of three keys (one missing); tagging put and get');
    assert.deepEqual(d.deleted, ['list/k00', 'list/k01', 'never-there']);
    assert.equal(d.errors, 0);
    assert.deepEqual(d.tags, { k: 'v v' });
  });

  await t.test('versioning: versions, a delete marker, GET by version id, NoSuchKey after the marker', () => {
    const s = stepOk('versioning: two versions, a delete marker, list_object_versions, GET by version id');
    assert.equal(s.status, 'Enabled');
    assert.equal(s.distinct, true);
    assert.equal(s.marker, true);
    assert.deepEqual(s.versions, [s.v2, s.v1], 'newest first');
    assert.equal(s.markers, 1);
    assert.equal(s.old, 'one');
    assert.deepEqual(s.current, { class: 'Aws::S3::Errors::NoSuchKey', code: 'NoSuchKey', status: 404 });
  });

  await t.test('non-ASCII metadata sent as raw UTF-8 is stored and comes back as S3 presents it; a wrong secret is SignatureDoesNotMatch; Bucket#delete!', () => {
    // S3 reads each byte sent as an ISO-8859-1 character and answers an RFC 2047 encoded-word of
    // those characters' UTF-8 (issue-4-metadata-rfc2047).
    const asS3Presents = (text: string): string => `=?UTF-8?B?${Buffer.from(Buffer.from(text, 'utf8').toString('latin1'), 'utf8').toString('base64')}?=`;
    assert.deepEqual(stepOk('non-ASCII user metadata (raw UTF-8, signed as such) comes back as S3 presents it').meta, { city: asS3Presents('Łódź'), mood: asS3Presents('😀') });
    assert.deepEqual(stepOk('a wrong secret key: SignatureDoesNotMatch').error, { class: 'Aws::S3::Errors::SignatureDoesNotMatch', code: 'SignatureDoesNotMatch', status: 403 });
    assert.deepEqual(stepOk('Bucket#delete! empties and removes the bucket').gone, { class: 'Aws::S3::Errors::NotFound', code: 'NotFound', status: 404 });
  });
});

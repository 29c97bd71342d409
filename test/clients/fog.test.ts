/**
 * Fog (Debian's ruby-fog-aws 3.15 on fog-core 2.3 and excon 0.88), the storage layer of
 * CarrierWave and of many Rails apps, which signs S3 requests with its own code, against an
 * in-process gateway (local backend, plain HTTP): `Fog::Storage.new(provider: 'AWS', endpoint:,
 * path_style: true, aws_signature_version: 4 or 2)`. test/clients/fog_flow.rb prints one JSON line
 * per step, asserted here once per signature version, with what the gateway saw: SigV4 uploads from
 * an IO sent as aws-chunked streaming payloads (Fog's enable_signature_v4_streaming is on by
 * default), SigV2 Authorization headers, the multipart upload of `files.create` with
 * multipart_chunk_size and the UploadPartCopy ranges of `file.copy`.
 *
 * Client limitation, left alone: Fog 3.15's get_service (`directories.all`, ListBuckets) names host
 * 's3.amazonaws.com' itself (fog/aws/requests/storage/get_service.rb) whatever the endpoint, so it
 * never reaches a gateway; the flow catches where it would connect, and sends the same request
 * through Fog's `request` to the endpoint to list the buckets.
 *
 * The gateway answered every request Fog sent as S3 does; no gateway change came out of this client.
 * Skips with a reason when ruby or the gem is missing (.ci/run installs it: apt-get install -y ruby-fog-aws).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, requestsTo, runOk, which, type Tool } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/fog_flow.rb');
const MiB = 1024 * 1024;
const SMALL = '/dir/small%20%C3%A9.txt';

async function findFog(): Promise<Tool | undefined> {
  return locate(await which('ruby'), ['-e', 'require "fog/aws"; print "fog-aws #{Fog::AWS::VERSION}"'], /fog-aws \S+/);
}

async function flow(t: TestContext, ruby: Tool, sig: 2 | 4): Promise<void> {
  const { gw, watch, dir } = await clientRig(t, `clients-fog-v${sig}`);
  const bucket = `fog-v${sig}`;
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, bucket, sig, workdir: dir.path }));
  const r = await runOk(ruby.path, [SCRIPT, params], { env: clientEnv(dir.path), timeoutMs: 60_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const v4 = sig === 4;
  const p = (path: string): string => `/${bucket}${path}`;

  await t.test('every request signed the chosen way; none answered 5xx', () => {
    const signed = seen.filter((q) => q.headers.authorization !== undefined);
    assert.ok(signed.length > 30, `${signed.length} header-signed requests`);
    const form = v4 ? /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/s3\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/ : /^AWS [^:]+:[A-Za-z0-9+/]+=*$/;
    for (const q of signed) assert.match(String(q.headers.authorization), form, `${q.method} ${q.url}`);
    assert.deepEqual(seen.filter((q) => (q.status ?? 0) >= 500).map((q) => `${q.method} ${q.url} ${q.status}`), []);
  });

  await t.test('directories.create, a second create (409 BucketAlreadyOwnedByYou), a missing bucket is nil; directories.all names s3.amazonaws.com', () => {
    const s = stepOk('directories.create, again (409), directories.get of a missing bucket, directories listing');
    assert.equal(s.created, bucket);
    assert.deepEqual(s.again, { class: 'Excon::Error::Conflict', status: 409, code: 'BucketAlreadyOwnedByYou' });
    assert.equal(s.missing, true);
    assert.match(String(s.all_host), /^s3\.amazonaws\.com:\d+$/, 'Fog 3.15 get_service (see the header)');
    assert.equal(s.listed, true);
    assert.equal(requestsTo(seen, 'PUT', `/${bucket}/`)[0]?.status, 200);
  });

  await t.test('files.create with content type and metadata; files.get, files.head, a ranged get_object', () => {
    const s = stepOk('files.create with content_type and metadata, files.get, files.head, ranged get_object');
    assert.equal(s.etag, s.md5);
    assert.equal(s.same, true);
    assert.equal(s.type, 'text/x-fog');
    assert.deepEqual(s.meta, { 'x-amz-meta-color': 'blue' });
    assert.equal(s.head_length, 3000);
    assert.equal(s.head_type, 'text/x-fog');
    assert.deepEqual(s.head_meta, { 'x-amz-meta-color': 'blue' });
    assert.equal(s.range_status, 206);
    assert.equal(s.range_same, true);
    assert.equal(s.content_range, 'bytes 100-199/3000');
    const put = requestsTo(seen, 'PUT', p(SMALL))[0];
    assert.equal(put?.status, 200);
    assert.equal(put?.headers['x-amz-meta-color'], 'blue');
    assert.equal(requestsTo(seen, 'GET', p(SMALL)).find((q) => q.headers.range !== undefined)?.headers.range, 'bytes=100-199');
  });

  await t.test('files.create of 12 MiB with multipart_chunk_size 5 MiB: three parts with Content-MD5, read back', () => {
    const s = stepOk('files.create of 12 MiB from an IO with multipart_chunk_size 5 MiB, read back');
    assert.match(String(s.etag), /^[0-9a-f]{32}-3$/);
    assert.equal(s.size, 12 * MiB + 123);
    assert.equal(s.same, true);
    assert.equal(s.type, 'application/x-big');
    assert.deepEqual(s.meta, { 'x-amz-meta-kind': 'multi' });
    assert.deepEqual(partsUploaded(seen, p('/big.bin')), [1, 2, 3]);
    const parts = requestsTo(seen, 'PUT', p('/big.bin')).filter((q) => q.url.includes('partNumber='));
    for (const q of parts) {
      assert.match(String(q.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/, 'Fog sends Content-MD5 with each part');
      // Fog reads each part into a String, so it signs the part's SHA-256 (no streaming).
      if (v4) assert.match(String(q.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/);
      else assert.equal(q.headers['x-amz-content-sha256'], undefined);
    }
    const done = requestsTo(seen, 'POST', p('/big.bin'));
    assert.deepEqual(done.map((q) => [q.url.includes('?uploads') ? 'initiate' : 'complete', q.status]), [['initiate', 200], ['complete', 200]]);
  });

  await t.test('files.create from a File: SigV4 sends it as a streaming aws-chunked payload (chunk signatures), SigV2 as it is', () => {
    const s = stepOk('files.create from a File below the multipart size (SigV4: one streaming aws-chunked PUT)');
    assert.equal(s.same, true);
    assert.equal(s.size, MiB + 7);
    const put = requestsTo(seen, 'PUT', p('/io.bin'))[0];
    assert.equal(put?.status, 200);
    assert.equal(put?.headers['x-amz-content-sha256'], v4 ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' : undefined);
    assert.equal(put?.headers['x-amz-decoded-content-length'], v4 ? String(MiB + 7) : undefined);
  });

  await t.test('listing with a prefix, and with a delimiter (common prefixes)', () => {
    const s = stepOk('listing: directory files with prefix, with prefix and delimiter (common_prefixes)');
    assert.deepEqual(s.flat, ['list/a', 'list/b', 'list/sub/c']);
    assert.deepEqual(s.direct, ['list/a', 'list/b']);
    assert.deepEqual(s.prefixes, ['list/sub/']);
  });

  await t.test('copy_object keeps metadata and type; file.copy of 12 MiB goes by UploadPartCopy ranges; a missing source is NoSuchKey', () => {
    const s = stepOk('copy_object keeping metadata, file.copy of 12 MiB by UploadPartCopy ranges, copy of a missing key');
    assert.equal(s.same, true);
    assert.deepEqual(s.meta, { 'x-amz-meta-color': 'blue' });
    assert.equal(s.type, 'text/x-fog');
    assert.equal(s.big_same, true);
    assert.match(String(s.big_etag), /^"?[0-9a-f]{32}-3"?$/);
    assert.deepEqual(s.missing, { class: 'Excon::Error::NotFound', status: 404, code: 'NoSuchKey' });
    assert.equal(requestsTo(seen, 'PUT', p('/copy%20%C3%A9.txt'))[0]?.headers['x-amz-copy-source'], `/${bucket}/dir/small%20%C3%A9.txt`);
    // Fog cuts ranges of multipart_chunk_size + 1 bytes (end = start + size, inclusive).
    const ranges = requestsTo(seen, 'PUT', p('/big-copy.bin')).filter((q) => q.url.includes('partNumber=')).map((q) => [q.headers['x-amz-copy-source-range'], q.status]);
    const want = [[`bytes=0-${5 * MiB}`, 200], [`bytes=${5 * MiB + 1}-${10 * MiB + 1}`, 200], [`bytes=${10 * MiB + 2}-${12 * MiB + 122}`, 200]];
    assert.deepEqual(ranges.map(String).sort(), want.map(String).sort());
  });

  await t.test('file.url(expires) fetched with Net::HTTP; an expired URL refused; a put_object_url PUT', () => {
    const s = stepOk('file.url(expires) fetched with Net::HTTP; an expired one; a PUT URL');
    assert.match(String(s.url), v4 ? /[?&]X-Amz-Signature=[0-9a-f]{64}/ : /[?&]Signature=[^&]+&Expires=\d+/);
    assert.equal(s.status, 200);
    assert.equal(s.same, true);
    // SigV2: S3's AccessDenied 'Request has expired'; SigV4: Fog sends a negative X-Amz-Expires, malformed.
    assert.deepEqual([s.expired_status, s.expired_code], v4 ? [400, 'AuthorizationQueryParametersError'] : [403, 'AccessDenied']);
    assert.equal(s.put_status, 200);
    assert.equal(s.put_stored, 'via url');
    const get = requestsTo(seen, 'GET', p(SMALL)).find((q) => q.headers.authorization === undefined && q.status === 200);
    assert.ok(get, 'the presigned GET reached the gateway without an Authorization header');
  });

  await t.test('a missing key: files.get and files.head are nil, get_object raises Excon NotFound (NoSuchKey / NoSuchBucket)', () => {
    const s = stepOk('missing key: files.get and files.head are nil, get_object raises NotFound, delete is idempotent');
    assert.equal(s.get_nil, true);
    assert.equal(s.head_nil, true);
    assert.deepEqual(s.get_object, { class: 'Excon::Error::NotFound', status: 404, code: 'NoSuchKey' });
    assert.deepEqual(s.missing_bucket, { class: 'Excon::Error::NotFound', status: 404, code: 'NoSuchBucket' });
    assert.equal(s.delete_status, 204);
  });

  await t.test('file.destroy, delete_multiple_objects, directory.destroy: BucketNotEmpty first, then gone', () => {
    const s = stepOk('file.destroy, delete_multiple_objects, directory.destroy: not empty (409), emptied, gone');
    assert.deepEqual(s.full, { class: 'Excon::Error::Conflict', status: 409, code: 'BucketNotEmpty' });
    assert.deepEqual(s.deleted, ['big-copy.bin', 'big.bin', 'by-url.txt', 'copy é.txt', 'dir/small é.txt', 'io.bin', 'list/a', 'list/b', 'list/sub/c']);
    assert.deepEqual(s.left, []);
    assert.equal(s.destroyed, true);
    assert.equal(s.gone, true);
    assert.ok(requestsTo(seen, 'POST', `/${bucket}/`).some((q) => q.url.endsWith('?delete') && q.status === 200), 'DeleteObjects');
  });
}

test('Fog (fog-aws): SigV4 (its default), path style, plain HTTP', async (t) => {
  const ruby = await findFog();
  if (!ruby) {
    t.skip('ruby with fog-aws missing (.ci/run installs it: apt-get install -y ruby-fog-aws)');
    return;
  }
  t.diagnostic(`${ruby.path}: ${ruby.version}`);
  await flow(t, ruby, 4);
});

test('Fog (fog-aws): SigV2 (aws_signature_version: 2), path style, plain HTTP', async (t) => {
  const ruby = await findFog();
  if (!ruby) {
    t.skip('ruby with fog-aws missing (.ci/run installs it: apt-get install -y ruby-fog-aws)');
    return;
  }
  await flow(t, ruby, 2);
});

/**
 * The SDKs beyond the basic flows (issue #4, real clients; boto3.test.ts and
 * test/integration/s3/service-sdk.test.ts have the basic ones): one in-process gateway on the
 * local backend with a `--domain`, driven by @aws-sdk/client-s3 (always) and by boto3 (when a
 * python3 on PATH imports it; test/clients/sdk_extra_flow.py, one JSON line per step).
 *
 * What each SDK checks itself is relied on: the JS SDK and botocore validate a whole-object
 * (or part) checksum a GET returns with ChecksumMode ENABLED and throw on a mismatch.
 * Virtual-hosted requests go to `{bucket}.s3.test`, resolved to 127.0.0.1 by the client (an
 * http.Agent `lookup` here, a getaddrinfo wrapper in the python script): no DNS entry is needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand,
  PutObjectCommand, S3Client, UploadPartCopyCommand, paginateListObjectsV2, paginateListParts,
  waitUntilBucketExists, waitUntilObjectExists, waitUntilObjectNotExists, type ChecksumAlgorithm, type ChecksumType,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startGateway } from '../helpers/gateway.js';
import { clientEnv, clientRig, findPython, flowSteps, pseudoRandom, runOk, sha256, watchRequests } from './harness.js';

const MiB = 1024 * 1024;
const DOMAIN = 's3.test';
const SCRIPT = join(process.cwd(), 'test/clients/sdk_extra_flow.py');

/** Checksum members of an SDK response (`ChecksumCRC32C`, `ChecksumType` …). */
function checksums(r: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([k, v]) => k.startsWith('Checksum') && v !== undefined));
}

/** dns.lookup that sends `*.s3.test` to 127.0.0.1 (both of its callback shapes). */
function lookup(host: string, opts: LookupOneOptions | LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(host === DOMAIN || host.endsWith(`.${DOMAIN}`) ? '127.0.0.1' : host, opts, cb);
}

test('@aws-sdk/client-s3: lib-storage checksums, copies, waiters, paginators, virtual hosts, WHEN_REQUIRED', async (t) => {
  const gw = await startGateway({ backend: 'local', domain: DOMAIN });
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const B = 'js-extra';
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  /** Two parts of 5 MiB and 1 MiB (+5 bytes) with lib-storage's smallest part size. */
  const big = pseudoRandom(6 * MiB + 5, 'sdk-extra-js');

  await t.test('lib-storage Upload with ChecksumAlgorithm (and FULL_OBJECT), GetObject validates', async () => {
    const cases: [ChecksumAlgorithm, ChecksumType | undefined, RegExp][] = [
      ['CRC32C', undefined, /^[A-Za-z0-9+/=]{8}-2$/], ['CRC64NVME', undefined, /^[A-Za-z0-9+/=]{12}$/],
      ['SHA256', undefined, /^[A-Za-z0-9+/=]{44}-2$/], ['CRC32C', 'FULL_OBJECT', /^[A-Za-z0-9+/=]{8}$/],
    ];
    for (const [alg, type, shape] of cases) {
      const key = `up/${alg}-${type ?? 'default'}`;
      const done = await new Upload({ client: s3, params: { Bucket: B, Key: key, Body: big, ChecksumAlgorithm: alg, ...(type ? { ChecksumType: type } : {}) }, partSize: 5 * MiB, queueSize: 2 }).done();
      assert.match(String(done.ETag), /-2"$/, `${key}: two parts`);
      const member = `Checksum${alg}`;
      const want = alg === 'CRC64NVME' || type === 'FULL_OBJECT' ? 'FULL_OBJECT' : 'COMPOSITE';
      assert.equal(checksums(done).ChecksumType, want, key);
      assert.match(String(checksums(done)[member]), shape, key);
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(big), key);
      assert.equal(checksums(got)[member], checksums(done)[member], key);
      const part = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED', PartNumber: 2 }));
      assert.ok(Buffer.from(await part.Body!.transformToByteArray()).equals(big.subarray(5 * MiB)), key);
      assert.equal(part.PartsCount, 2);
      // A COMPOSITE upload returns the part's own checksum (the SDK validated it); a full-object one none.
      if (want === 'COMPOSITE') assert.match(String(checksums(part)[member]), /^[^-]+$/, key);
      else assert.equal(checksums(part)[member], undefined, key);
    }
    // SHA256 has no full-object form: S3's InvalidRequest on CreateMultipartUpload.
    await assert.rejects(new Upload({ client: s3, params: { Bucket: B, Key: 'up/sha-full', Body: big, ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' }, partSize: 5 * MiB }).done(), { name: 'InvalidRequest' });
  });

  await t.test('CopyObject with ChecksumAlgorithm: a full-object checksum of the new algorithm', async () => {
    for (const alg of ['CRC32C', 'CRC64NVME', 'SHA1'] as const) {
      const r = await s3.send(new CopyObjectCommand({ Bucket: B, Key: `copy/${alg}`, CopySource: `${B}/up/SHA256-default`, ChecksumAlgorithm: alg }));
      assert.equal(r.CopyObjectResult?.ChecksumType, 'FULL_OBJECT', alg);
      const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: `copy/${alg}`, ChecksumMode: 'ENABLED' }));
      assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(big), alg);
      assert.equal(checksums(got)[`Checksum${alg}`], r.CopyObjectResult?.[`Checksum${alg}`], alg);
    }
  });

  await t.test('UploadPartCopy into a CRC64NVME full-object upload; paginateListParts', async () => {
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'upc', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' }));
    const ranges = [[0, 5 * MiB - 1], [5 * MiB, big.length - 1]] as const;
    const parts = [];
    for (const [i, [from, to]] of ranges.entries()) {
      const r = await s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'upc', UploadId: c.UploadId, PartNumber: i + 1, CopySource: `${B}/up/CRC32C-default`, CopySourceRange: `bytes=${from}-${to}` }));
      assert.ok(r.CopyPartResult?.ChecksumCRC64NVME, `part ${i + 1} checksum`);
      parts.push({ PartNumber: i + 1, ETag: r.CopyPartResult.ETag, ChecksumCRC64NVME: r.CopyPartResult.ChecksumCRC64NVME });
    }
    const listed: number[] = [];
    for await (const page of paginateListParts({ client: s3, pageSize: 1 }, { Bucket: B, Key: 'upc', UploadId: c.UploadId })) {
      listed.push(...(page.Parts ?? []).map((p) => p.PartNumber!));
    }
    assert.deepEqual(listed, [1, 2]);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'upc', UploadId: c.UploadId, MultipartUpload: { Parts: parts } }));
    // The CRC64NVME of the same bytes, whoever uploaded them: the full-object Upload's value.
    const ref = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'up/CRC64NVME-default', ChecksumMode: 'ENABLED' }));
    assert.equal(done.ChecksumCRC64NVME, ref.ChecksumCRC64NVME);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'upc', ChecksumMode: 'ENABLED' }));
    assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(big));
  });

  await t.test('waiters', async () => {
    const fast = { client: s3, maxWaitTime: 5, minDelay: 1, maxDelay: 1 };
    assert.equal((await waitUntilBucketExists(fast, { Bucket: B })).state, 'SUCCESS');
    assert.equal((await waitUntilObjectExists(fast, { Bucket: B, Key: 'upc' })).state, 'SUCCESS');
    assert.equal((await waitUntilObjectNotExists(fast, { Bucket: B, Key: 'no/such/key' })).state, 'SUCCESS');
  });

  await t.test('paginateListObjectsV2 with Delimiter and Prefix; ListObjectVersions by its two markers', async () => {
    const V = 'js-extra-versions';
    await s3.send(new CreateBucketCommand({ Bucket: V }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: V, VersioningConfiguration: { Status: 'Enabled' } }));
    for (let i = 0; i < 3; i++) {
      for (const body of ['a', 'b']) await s3.send(new PutObjectCommand({ Bucket: V, Key: `t/f${i}`, Body: body }));
      await s3.send(new PutObjectCommand({ Bucket: V, Key: `t/d${i}/x`, Body: 'x' }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: V, Key: 't/f1' }));
    const pages: string[][] = [];
    for await (const p of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: V, Prefix: 't/', Delimiter: '/' })) {
      pages.push([...(p.CommonPrefixes ?? []).map((c) => c.Prefix!), ...(p.Contents ?? []).map((o) => o.Key!)]);
    }
    assert.deepEqual(pages, [['t/d0/', 't/d1/'], ['t/d2/', 't/f0'], ['t/f2']]);
    // The SDK has no paginateListObjectVersions (ListObjectVersions is not paginated in its model):
    // users page with NextKeyMarker + NextVersionIdMarker.
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const p = await s3.send(new ListObjectVersionsCommand({ Bucket: V, Prefix: 't/f', MaxKeys: 2, KeyMarker, VersionIdMarker }));
      seen.push(...(p.Versions ?? []).map((v) => `${v.Key}${v.IsLatest ? '*' : ''}`), ...(p.DeleteMarkers ?? []).map((d) => `${d.Key}${d.IsLatest ? '*' : ''} marker`));
      if (!p.IsTruncated) break;
      KeyMarker = p.NextKeyMarker;
      VersionIdMarker = p.NextVersionIdMarker;
    }
    assert.deepEqual(seen.sort(), ['t/f0', 't/f0*', 't/f1', 't/f1', 't/f1* marker', 't/f2', 't/f2*']);
  });

  await t.test('forcePathStyle false with the gateway domain; WHEN_REQUIRED checksums', async () => {
    const agent = new Agent({ keepAlive: true, lookup });
    t.after(() => agent.destroy());
    for (const extra of [{}, { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const]) {
      const label = JSON.stringify(extra);
      const v = new S3Client({ ...gw.clientConfig(), endpoint: `http://${DOMAIN}:${gw.port}`, forcePathStyle: false, maxAttempts: 1, requestHandler: { httpAgent: agent }, ...extra });
      try {
        const before = watch.seen.length;
        await v.send(new PutObjectCommand({ Bucket: B, Key: 'vh/a b+c', Body: 'virtual' }));
        const got = await v.send(new GetObjectCommand({ Bucket: B, Key: 'vh/a b+c', ChecksumMode: 'ENABLED' }));
        assert.equal(await got.Body!.transformToString(), 'virtual', label);
        const up = await new Upload({ client: v, params: { Bucket: B, Key: 'vh/big', Body: big }, partSize: 5 * MiB, queueSize: 2 }).done();
        assert.match(String(up.ETag), /-2"$/, label);
        const del = await v.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'vh/big' }, { Key: 'vh/a b+c' }] } }));
        assert.equal(del.Deleted?.length, 2, label);
        const mine = watch.seen.slice(before);
        assert.ok(mine.length >= 6 && mine.every((q) => q.headers.host === `${B}.${DOMAIN}:${gw.port}` && !q.url.startsWith(`/${B}`)), `${label}: virtual-hosted requests`);
        // PutObject and UploadPart carry a CRC32 by default and nothing WHEN_REQUIRED; DeleteObjects always one.
        const withChecksum = (q: (typeof mine)[number]): boolean => Object.keys(q.headers).some((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-trailer');
        const puts = mine.filter((q) => q.method === 'PUT');
        assert.equal(puts.length, 3, label);
        assert.ok(puts.every((q) => withChecksum(q) === !('requestChecksumCalculation' in extra)), label);
        assert.ok(mine.filter((q) => q.url.includes('?delete')).every(withChecksum), label);
      } finally {
        v.destroy();
      }
    }
  });
});

test('boto3: managed transfers with checksums, copy, resource API, waiters, virtual hosts, SigV2, when_required, presigned PUT', async (t) => {
  const py = await findPython();
  if (!py?.boto3) {
    t.skip('boto3 not importable by any python3 on PATH (the machine image carries boto3 1.43 in pyenv; `pip install boto3` to run this test)');
    return;
  }
  t.diagnostic(`${py.executable}: boto3 ${py.boto3}, botocore ${py.botocore}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-sdk-extra', { backend: 'local', domain: DOMAIN });
  const big = pseudoRandom(20 * MiB, 'sdk-extra-big');
  const small = big.subarray(0, 6 * MiB);
  await writeFile(join(dir.path, 'big.bin'), big);
  await writeFile(join(dir.path, 'small.bin'), small);
  const bucket = 'boto3-extra';
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, domain: DOMAIN, access_key: gw.accessKey, secret_key: gw.secretKey, bucket, workdir: dir.path, big: 'big.bin', small: 'small.bin' }));
  const r = await runOk(py.executable, [SCRIPT, params], { env: clientEnv(dir.path) });
  const { steps, stepOk } = flowSteps(r);
  const crt = steps.get('versions')?.crt === true;
  if (!crt) t.diagnostic('awscrt not installed: botocore cannot compute CRC32C or CRC64NVME, those two algorithms are not run');
  stepOk('create_bucket');

  await t.test('upload_file with ChecksumAlgorithm; head_object/get_object ChecksumMode with PartNumber', () => {
    const algs = stepOk('upload_file ChecksumAlgorithm, head_object ChecksumMode and PartNumber').algs as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(algs).sort(), (crt ? ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] : ['CRC32', 'SHA1', 'SHA256']));
    for (const [alg, f] of Object.entries(algs)) {
      const n = alg === 'SHA256' ? 4 : 2;
      const size = alg === 'SHA256' ? big.length : small.length;
      assert.equal(f.size, size, alg);
      assert.match(String(f.etag), new RegExp(`-${n}"$`), alg);
      const whole = f.whole as Record<string, string>;
      const part2 = f.part2 as Record<string, string>;
      if (alg === 'CRC64NVME') {
        assert.equal(whole.ChecksumType, 'FULL_OBJECT', alg);
        assert.equal(part2[`Checksum${alg}`], undefined, alg);
      } else {
        assert.equal(whole.ChecksumType, 'COMPOSITE', alg);
        assert.match(whole[`Checksum${alg}`]!, new RegExp(`-${n}$`), alg);
        assert.match(part2[`Checksum${alg}`]!, /^[^-]+$/, `${alg}: the part's own checksum`);
      }
      assert.equal(f.parts_count, n, alg);
      assert.equal(f.part2_range, `bytes ${5 * MiB}-${Math.min(10 * MiB, size) - 1}/${size}`, alg);
      assert.equal(f.part1_len, 5 * MiB, alg);
    }
  });

  await t.test('upload_file with a whole-file ChecksumCRC32: a FULL_OBJECT upload, a wrong value is BadDigest', () => {
    const s = stepOk('upload_file with a full-object ChecksumCRC32 (s3transfer FULL_OBJECT)');
    assert.deepEqual(s.head, { ChecksumCRC32: s.crc, ChecksumType: 'FULL_OBJECT' });
    assert.match(String(s.bad), /BadDigest/);
    assert.equal(s.bad_exists, 404, 'nothing committed');
  });

  await t.test('download_file: ranged GETs, same bytes with either response_checksum_validation', () => {
    const s = stepOk('download_file (ranged GETs) with response checksum validation');
    assert.deepEqual(s.sha256, { when_supported: sha256(big), when_required: sha256(big) });
  });

  await t.test('managed copy of 20 MiB goes UploadPartCopy with source ranges', () => {
    const s = stepOk('managed copy of 20 MiB (UploadPartCopy ranges)');
    assert.equal(s.sha256, sha256(big));
    assert.match(String(s.etag), /-4"$/);
    assert.equal((s.checksum as Record<string, string>).ChecksumType, 'COMPOSITE');
    const copies = watch.seen.filter((q) => q.method === 'PUT' && q.url.startsWith(`/${bucket}/copy/big?`) && q.headers['x-amz-copy-source'] !== undefined && q.status === 200);
    assert.deepEqual(copies.map((q) => q.headers['x-amz-copy-source-range']).sort(), [0, 1, 2, 3].map((i) => `bytes=${i * 5 * MiB}-${(i + 1) * 5 * MiB - 1}`).sort());
    assert.ok(copies.every((q) => q.headers['x-amz-copy-source-if-match'] !== undefined), 's3transfer pins the source ETag');
  });

  await t.test('get_object_attributes with MaxParts', () => {
    const a = stepOk('get_object_attributes').attrs as Record<string, unknown>;
    assert.equal(a.ObjectSize, big.length);
    assert.equal((a.Checksum as Record<string, string>).ChecksumType, 'COMPOSITE');
    const parts = a.ObjectParts as Record<string, unknown>;
    assert.equal(parts.TotalPartsCount, 4);
    assert.equal(parts.IsTruncated, true);
    assert.equal(parts.NextPartNumberMarker, 2);
    assert.deepEqual((parts.Parts as { PartNumber: number }[]).map((p) => p.PartNumber), [1, 2]);
  });

  await t.test('paginators with Delimiter and Prefix (v2 and v1)', () => {
    const s = stepOk('paginator with Delimiter and Prefix');
    assert.deepEqual(s.pages, [
      { prefixes: ['tree/d0/', 'tree/d1/', 'tree/d2/'], keys: [], key_count: 3 },
      { prefixes: ['tree/d3/'], keys: ['tree/f0', 'tree/f1'], key_count: 3 },
      { prefixes: [], keys: ['tree/f2', 'tree/f3'], key_count: 2 },
    ]);
    assert.deepEqual(s.v1, [['tree/d0/', 'tree/d1/', 'tree/d2/'], ['tree/d3/', 'tree/f0', 'tree/f1'], ['tree/f2', 'tree/f3']]);
  });

  await t.test('waiters: bucket_exists, object_exists, object_not_exists, bucket_not_exists', () => {
    assert.match(String(stepOk('waiters').missing), /Max attempts exceeded.*404/);
  });

  await t.test('resource API: objects.filter(Prefix).delete() leaves markers, object_versions.delete() empties', () => {
    const s = stepOk('resource API: objects.filter().delete(), object_versions');
    assert.deepEqual(s.deleted, ['del/0', 'del/1', 'del/2']);
    assert.deepEqual(s.left, ['keep']);
    assert.deepEqual(s.versions, [['del/0', false], ['del/0', true], ['del/1', false], ['del/1', true], ['del/2', false], ['del/2', true], ['keep', true]]);
    assert.equal(s.after, 0);
  });

  await t.test('addressing_style virtual with the gateway domain: objects, presigned GET, managed copy', () => {
    const s = stepOk("virtual-hosted addressing with the gateway's domain");
    assert.equal(s.body, 'virtual');
    assert.deepEqual(s.keys, ['vh/a b+c.txt']);
    assert.equal(s.presigned_host, `${bucket}.${DOMAIN}:${gw.port}`);
    assert.equal(s.presigned, 'virtual');
    assert.equal(s.copy_size, small.length);
    assert.ok(watch.seen.some((q) => q.headers.host === `${bucket}.${DOMAIN}:${gw.port}` && q.headers['x-amz-copy-source-range'] !== undefined));
  });

  await t.test('signature_version s3: get/put/presign and sub-resources botocore does not sign', () => {
    const s = stepOk('signature_version s3 (SigV2): get/put/presign and the newer bucket sub-resources');
    assert.equal(s.body, 'sigv2');
    assert.deepEqual(s.metadata, { m: '1' });
    assert.deepEqual(s.presigned, ['sigv2', 'x/y']);
    assert.deepEqual(s.subs, {
      get_bucket_encryption: { status: 404, code: 'ServerSideEncryptionConfigurationNotFoundError' },
      get_bucket_ownership_controls: { status: 404, code: 'OwnershipControlsNotFoundError' },
      delete_public_access_block: { status: 200 },
      get_object_retention: { status: 501, code: 'NotImplemented' },
      get_object_tagging: { status: 200 },
    });
  });

  await t.test('request_checksum_calculation when_required: no checksums sent, none stored', () => {
    const s = stepOk('request_checksum_calculation / response_checksum_validation when_required');
    assert.match(String(s.etag), /-2"$/);
    assert.deepEqual(s.checksum, {});
    assert.equal(s.small_gone, 404);
    const puts = watch.seen.filter((q) => q.method === 'PUT' && q.url.startsWith(`/${bucket}/wr/`));
    assert.ok(puts.length >= 3 && puts.every((q) => !Object.keys(q.headers).some((h) => h.startsWith('x-amz-checksum-'))));
  });

  await t.test('generate_presigned_url put_object with ContentType and Metadata (s3v4 and SigV2)', () => {
    const s = stepOk('generate_presigned_url put_object with ContentType and Metadata');
    for (const sig of ['s3v4', 's3']) {
      assert.deepEqual(s[sig], { statuses: [200, 403], content_type: 'application/json', metadata: { owner: 'me' } }, `${sig}: signed Content-Type; another one is refused`);
    }
  });

  await t.test('SelectObjectContent, PutObjectLockConfiguration, RestoreObject: AWS errors, never 500', () => {
    const s = stepOk('unsupported operations answer clear AWS errors');
    assert.deepEqual(s.select_object_content, { status: 501, code: 'NotImplemented' });
    assert.deepEqual(s.put_object_lock_configuration, { status: 501, code: 'NotImplemented' });
    assert.deepEqual(s.get_object_lock_configuration, { status: 404, code: 'ObjectLockConfigurationNotFoundError' });
    assert.deepEqual(s.restore_object, { status: 501, code: 'NotImplemented' });
  });
});

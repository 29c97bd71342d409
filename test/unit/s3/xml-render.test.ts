/**
 * Response bodies against golden XML (test/fixtures/s3/*.xml), written from the "Response Syntax"
 * sections of the AWS S3 API reference. Set UPDATE_GOLDEN=1 to rewrite them after a deliberate
 * change (and review the diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannedAcl, GROUPS } from '../../../src/s3/acl.js';
import { renderAcl } from '../../../src/s3/xml/acl.js';
import { renderLocation, renderTagging, renderVersioning } from '../../../src/s3/xml/config.js';
import { renderCors } from '../../../src/s3/xml/cors.js';
import { renderListBuckets, renderListObjectsV1, renderListObjectsV2, renderListVersions } from '../../../src/s3/xml/list.js';
import { renderLifecycle } from '../../../src/s3/xml/lifecycle.js';
import { renderCompleteResult, renderInitiateUpload, renderListParts, renderListUploads } from '../../../src/s3/xml/multipart.js';
import { renderCopyObjectResult, renderDeleteResult, renderObjectAttributes } from '../../../src/s3/xml/objects.js';
import type { ListEntry, ObjectVersion } from '../../../src/engine/api.js';
import fc from 'fast-check';
import { renderXml, xmlTime } from '../../../src/s3/xml/codec.js';
import { isoTime, keyEncoder } from '../../../src/s3/xml/list.js';

const T = new Date('2024-05-01T10:00:00.000Z');
const OWNER = { id: 'a'.repeat(64), displayName: 'alice' };

function golden(name: string, rendered: string | Buffer): void {
  const actual = rendered.toString();
  const file = join(process.cwd(), 'test', 'fixtures', 's3', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), name);
}

function version(key: string, versionId: string, extra: Partial<ObjectVersion> = {}): ObjectVersion {
  return {
    bucket: 'b', key, versionId, uvid: versionId, generation: 1, isLatest: false, deleteMarker: false, size: 3,
    etag: '"acbd18db4cc2f85cedef654fccc4a4d8"', lastModified: T, userMeta: {}, sysMeta: {}, storageClass: 'STANDARD', ...extra,
  };
}

test('ListAllMyBucketsResult', () => {
  golden('list-buckets.xml', renderListBuckets({ owner: OWNER, buckets: [{ name: 'one', createdAt: T, region: 'us-east-1' }, { name: 'two', createdAt: T, region: 'us-east-1' }] }));
});

test('ListBucketResult V2 with encoding-type=url, common prefixes and a control character', () => {
  golden('list-objects-v2.xml', renderListObjectsV2({
    bucket: 'b', prefix: 'p/', delimiter: '/', maxKeys: 2, encodingType: 'url', truncated: true,
    entries: [{ key: 'p/a b+c', size: 3, etag: '"acbd18db4cc2f85cedef654fccc4a4d8"', lastModified: T, storageClass: 'STANDARD', checksumAlgorithm: 'CRC32', checksumType: 'FULL_OBJECT' }],
    commonPrefixes: ['p/é/'], continuationToken: 'tok', nextContinuationToken: 'next', startAfter: 'p/',
  }));
  golden('list-objects-v2-raw.xml', renderListObjectsV2({
    bucket: 'b', prefix: '', maxKeys: 1000, truncated: false,
    entries: [{ key: 'cr\rlf\n<&>', size: 0, etag: '"d41d8cd98f00b204e9800998ecf8427e"', lastModified: T, storageClass: 'STANDARD' }],
    commonPrefixes: [], ownerOf: () => OWNER,
  }));
});

test('ListBucketResult V1', () => {
  golden('list-objects-v1.xml', renderListObjectsV1({
    bucket: 'b', prefix: '', marker: 'a', nextMarker: 'c/', delimiter: '/', maxKeys: 2, truncated: true,
    entries: [{ key: 'b', size: 3, etag: '"acbd18db4cc2f85cedef654fccc4a4d8"', lastModified: T, storageClass: 'STANDARD' }],
    commonPrefixes: ['c/'], ownerOf: () => OWNER,
  }));
});

test('ListVersionsResult interleaves Version and DeleteMarker', () => {
  golden('list-versions.xml', renderListVersions({
    bucket: 'b', prefix: '', keyMarker: '', versionIdMarker: '', maxKeys: 1000, truncated: true,
    nextKeyMarker: 'k', nextVersionIdMarker: '0000000000000000000000000a',
    entries: [
      version('k', '0000000000000000000000000c', { deleteMarker: true, isLatest: true, size: 0, etag: '' }),
      version('k', '0000000000000000000000000b'),
      version('k', '0000000000000000000000000a'),
    ],
    commonPrefixes: [], ownerOf: () => OWNER,
  }));
});

test('multipart bodies', () => {
  golden('initiate-multipart-upload.xml', renderInitiateUpload('b', 'a/b&c', '0123456789abcdef0123456789abcdef'));
  golden('complete-multipart-upload-result.xml', renderCompleteResult({
    location: 'http://localhost/b/k', bucket: 'b', key: 'k', etag: '"3858f62230ac3c915f300c664312c11f-2"',
    checksum: { algorithm: 'CRC32', type: 'COMPOSITE', value: 'AAAAAA==-2' },
  }));
  golden('list-parts.xml', renderListParts({
    bucket: 'b', key: 'k', uploadId: 'u', partNumberMarker: 0, nextPartNumberMarker: 1, maxParts: 1, truncated: true,
    parts: [{ partNumber: 1, size: 5242880, etag: '"4c28640dc8df1933aaea192100d50ae0"', lastModified: T, checksum: { algorithm: 'CRC32', type: 'COMPOSITE', value: 'f7XNdQ==' } }],
    initiator: OWNER, owner: OWNER, storageClass: 'STANDARD', checksumAlgorithm: 'CRC32', checksumType: 'COMPOSITE',
  }));
  golden('list-multipart-uploads.xml', renderListUploads({
    bucket: 'b', keyMarker: '', uploadIdMarker: '', prefix: '', maxUploads: 1000, truncated: false,
    uploads: [{ bucket: 'b', key: 'k', uploadId: 'u', initiated: T, attrs: {} }], commonPrefixes: ['d/'], initiatorOf: () => OWNER, ownerOf: () => OWNER, delimiter: '/',
  }));
});

test('DeleteResult, CopyObjectResult, GetObjectAttributesResponse', () => {
  golden('delete-result.xml', renderDeleteResult([
    { ok: true, key: 'a' },
    { ok: false, key: 'b', code: 'AccessDenied', message: 'Access Denied' },
    { ok: true, key: 'c', deleteMarker: true, deleteMarkerVersionId: '0000000000000000000000000c' },
  ], false));
  golden('delete-result-quiet.xml', renderDeleteResult([{ ok: true, key: 'a' }, { ok: false, key: 'b', code: 'AccessDenied', message: 'Access Denied' }], true));
  golden('copy-object-result.xml', renderCopyObjectResult('"acbd18db4cc2f85cedef654fccc4a4d8"', T, { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'jHNlIQ==' }));
  golden('get-object-attributes.xml', renderObjectAttributes({
    attributes: new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']),
    etag: '"3858f62230ac3c915f300c664312c11f-2"', checksum: { algorithm: 'CRC32', type: 'COMPOSITE', value: 'AAAAAA==-2' },
    parts: { total: 2, marker: 0, next: 1, maxParts: 1, truncated: true, list: [{ partNumber: 1, size: 5242880, etag: '"x"', checksum: { algorithm: 'CRC32', type: 'COMPOSITE', value: 'f7XNdQ==' } }] },
    storageClass: 'STANDARD', size: 5243904,
  }));
});

test('configuration bodies', () => {
  golden('versioning-unversioned.xml', renderVersioning('Unversioned'));
  golden('versioning-enabled.xml', renderVersioning('Enabled'));
  golden('location-us-east-1.xml', renderLocation('us-east-1'));
  golden('location-eu-west-1.xml', renderLocation('eu-west-1'));
  golden('tagging.xml', renderTagging({ k1: 'v1', 'k 2': 'v&2' }));
  golden('cors.xml', renderCors({ v: 1, rules: [{ id: 'r1', allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://*.example.com'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 300 }] }));
  const acl = cannedAcl('public-read', OWNER.id);
  acl.grants.push({ grantee: { type: 'CanonicalUser', id: 'b'.repeat(64) }, permission: 'WRITE' }, { grantee: { type: 'Group', uri: GROUPS.AuthenticatedUsers }, permission: 'READ_ACP' });
  golden('access-control-policy.xml', renderAcl(acl, (id) => (id === OWNER.id ? 'alice' : 'bob')));
  golden('lifecycle.xml', renderLifecycle({ v: 1, rules: [
    { id: 'expire-logs', status: 'Enabled', filter: { prefix: 'logs/' }, expiration: { days: 30 } },
    { status: 'Disabled', filter: { prefix: 'tmp/', tags: { a: '1' } }, noncurrentVersionExpiration: { noncurrentDays: 7, newerNoncurrentVersions: 2 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
  ] }));
});

test('listing pages rendered by hand (Contents) and to bytes are what the generic renderer writes (property)', () => {
  const entry = fc.record({
    key: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    size: fc.nat(),
    etag: fc.constantFrom('"acbd18db4cc2f85cedef654fccc4a4d8"', '"0a-2"'),
    lastModified: fc.oneof(fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }), fc.date({ min: new Date(1.7e12), max: new Date(1.7e12 + 180_000), noInvalidDate: true })),
    storageClass: fc.constantFrom('STANDARD', 'GLACIER'),
    checksumAlgorithm: fc.option(fc.constantFrom('CRC32' as const, 'SHA256' as const), { nil: undefined }),
    checksumType: fc.option(fc.constantFrom('FULL_OBJECT' as const, 'COMPOSITE' as const), { nil: undefined }),
  }, { requiredKeys: ['key', 'size', 'etag', 'lastModified', 'storageClass'] });
  fc.assert(fc.property(fc.array(entry, { maxLength: 5 }), fc.boolean(), fc.boolean(), (entries: ListEntry[], url, withOwner) => {
    const encodingType = url ? 'url' : undefined;
    const enc = keyEncoder(encodingType);
    // Two owners (objects written by different tenants), one of them with characters to escape.
    const owners = [OWNER, { id: 'b'.repeat(64), displayName: 'b&<o>' }];
    const owner = withOwner ? (e: ListEntry) => owners[e.size % 2]! : undefined;
    const bytes = renderListObjectsV2({ bucket: 'b', prefix: '', maxKeys: 5, encodingType, truncated: false, entries, commonPrefixes: [], ownerOf: owner });
    const generic = renderXml('ListBucketResult', {
      Name: 'b', Prefix: '', MaxKeys: 5, EncodingType: encodingType, KeyCount: entries.length, IsTruncated: false,
      Contents: entries.map((e) => ({
        Key: enc(e.key), LastModified: e.lastModified, ETag: e.etag, ChecksumAlgorithm: e.checksumAlgorithm, ChecksumType: e.checksumType,
        Size: e.size, Owner: owner ? { ID: owner(e).id, DisplayName: owner(e).displayName } : undefined, StorageClass: e.storageClass,
      })),
    });
    assert.equal(bytes.toString('utf8'), generic);
    assert.ok(bytes.equals(Buffer.from(generic, 'utf8')), 'the bytes are the UTF-8 of the document');
  }));
});

test('isoTime writes toISOString to the whole second (.000Z), whatever minute it formatted last (property)', () => {
  // Wide dates (years before 0 and after 9999 have six-digit years) and runs of dates a few
  // seconds apart, which reuse the cached minute prefix across minute, hour and day boundaries.
  const wide = fc.integer({ min: -8.64e15, max: 8.64e15 });
  const near = fc.integer({ min: 946684740000 - 5000, max: 946684740000 + 125_000 });
  fc.assert(fc.property(fc.array(fc.oneof(wide, near), { maxLength: 40 }), (times) => {
    for (const t of times) {
      const iso = new Date(t).toISOString();
      const got = isoTime(new Date(t));
      assert.equal(got, `${iso.slice(0, -5)}.000Z`, `${t}`);
      assert.equal(got, xmlTime(new Date(t)));
    }
  }), { numRuns: 300 });
  assert.throws(() => isoTime(new Date(NaN)), RangeError);
});

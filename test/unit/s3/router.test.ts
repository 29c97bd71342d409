/**
 * Router table test (shared/STYLE.md habit 3, shared/spec/s3-surface.md §11): request lines taken
 * from the "Request Syntax" sections of the AWS S3 API reference
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html),
 * plus the query forms real SDKs send (shared/fixtures/clients/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget, route, splitPath } from '../../../src/s3/router.js';
import { S3Error } from '../../../src/s3/errors.js';
import type { S3Operation } from '../../../src/s3/operations.js';

function r(line: string, headers: Record<string, string> = {}, hostBucket?: string): S3Operation {
  const [method, target] = line.split(' ') as [string, string];
  const { path, query } = parseTarget(target);
  return route({ method, path, query, headers, hostBucket });
}

// [request line, expected kind, expected action, extra headers]
const CASES: [string, string, string, Record<string, string>?][] = [
  ['GET /', 'ListBuckets', 's3:ListAllMyBuckets'],
  ['GET /?max-buckets=10&prefix=a', 'ListBuckets', 's3:ListAllMyBuckets'],
  ['PUT /Bucket', 'CreateBucket', 's3:CreateBucket'],
  ['PUT /fixture-bucket/', 'CreateBucket', 's3:CreateBucket'],
  ['HEAD /Bucket', 'HeadBucket', 's3:ListBucket'],
  ['DELETE /Bucket', 'DeleteBucket', 's3:DeleteBucket'],
  ['GET /Bucket?location', 'GetBucketLocation', 's3:GetBucketLocation'],
  ['GET /Bucket?versioning', 'GetBucketVersioning', 's3:GetBucketVersioning'],
  ['PUT /Bucket?versioning', 'PutBucketVersioning', 's3:PutBucketVersioning'],
  ['GET /Bucket?lifecycle', 'GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration'],
  ['PUT /Bucket?lifecycle', 'PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
  ['DELETE /Bucket?lifecycle', 'DeleteBucketLifecycle', 's3:PutLifecycleConfiguration'],
  ['GET /Bucket?cors', 'GetBucketCors', 's3:GetBucketCORS'],
  ['PUT /Bucket?cors', 'PutBucketCors', 's3:PutBucketCORS'],
  ['DELETE /Bucket?cors', 'DeleteBucketCors', 's3:PutBucketCORS'],
  ['GET /Bucket?policy', 'GetBucketPolicy', 's3:GetBucketPolicy'],
  ['PUT /Bucket?policy', 'PutBucketPolicy', 's3:PutBucketPolicy'],
  ['DELETE /Bucket?policy', 'DeleteBucketPolicy', 's3:DeleteBucketPolicy'],
  ['GET /Bucket?policyStatus', 'GetBucketPolicyStatus', 's3:GetBucketPolicyStatus'],
  ['GET /Bucket?acl', 'GetBucketAcl', 's3:GetBucketAcl'],
  ['PUT /Bucket?acl', 'PutBucketAcl', 's3:PutBucketAcl'],
  ['GET /Bucket?tagging', 'GetBucketTagging', 's3:GetBucketTagging'],
  ['PUT /Bucket?tagging', 'PutBucketTagging', 's3:PutBucketTagging'],
  ['PUT /Bucket?notification', 'PutBucketNotificationConfiguration', 's3:PutBucketNotification'],
  ['DELETE /Bucket?tagging', 'DeleteBucketTagging', 's3:PutBucketTagging'],
  ['GET /Bucket?encryption', 'GetBucketEncryption', 's3:GetEncryptionConfiguration'],
  ['GET /Bucket?object-lock', 'GetObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration'],
  ['GET /Bucket?notification', 'GetBucketNotificationConfiguration', 's3:GetBucketNotification'],
  ['GET /Bucket?logging', 'GetBucketLogging', 's3:GetBucketLogging'],
  ['PUT /Bucket?logging', 'PutBucketLogging', 's3:PutBucketLogging'],
  ['GET /Bucket?requestPayment', 'GetBucketRequestPayment', 's3:GetBucketRequestPayment'],
  ['PUT /Bucket?requestPayment', 'PutBucketRequestPayment', 's3:PutBucketRequestPayment'],
  ['GET /Bucket?accelerate', 'GetBucketAccelerateConfiguration', 's3:GetAccelerateConfiguration'],
  ['GET /Bucket?website', 'GetBucketWebsite', 's3:GetBucketWebsite'],
  ['GET /Bucket?ownershipControls', 'GetBucketOwnershipControls', 's3:GetBucketOwnershipControls'],
  ['PUT /Bucket?ownershipControls', 'PutBucketOwnershipControls', 's3:PutBucketOwnershipControls'],
  ['DELETE /Bucket?ownershipControls', 'DeleteBucketOwnershipControls', 's3:PutBucketOwnershipControls'],
  ['DELETE /Bucket?website', 'DeleteBucketWebsite', 's3:DeleteBucketWebsite'],
  ['DELETE /Bucket?encryption', 'DeleteBucketEncryption', 's3:PutEncryptionConfiguration'],
  ['DELETE /Bucket?publicAccessBlock', 'DeletePublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  ['GET /Bucket?publicAccessBlock', 'GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock'],
  ['GET /Bucket?delimiter=/&encoding-type=url&marker=m&max-keys=2&prefix=p', 'ListObjects', 's3:ListBucket'],
  ['GET /Bucket?list-type=2&continuation-token=t&delimiter=/&encoding-type=url&fetch-owner=true&max-keys=2&prefix=p&start-after=s', 'ListObjectsV2', 's3:ListBucket'],
  // botocore's unsorted query with encoding-type=url added.
  ['GET /fixture-bucket?list-type=2&prefix=py%2F%C3%A9&delimiter=%2F&encoding-type=url', 'ListObjectsV2', 's3:ListBucket'],
  ['GET /Bucket?versions&delimiter=/&key-marker=k&max-keys=2&prefix=p&version-id-marker=v', 'ListObjectVersions', 's3:ListBucketVersions'],
  ['GET /Bucket?uploads&delimiter=/&key-marker=k&max-uploads=2&prefix=p&upload-id-marker=u', 'ListMultipartUploads', 's3:ListBucketMultipartUploads'],
  ['POST /Bucket?delete', 'DeleteObjects', 's3:DeleteObject'],
  ['POST /Bucket?delete=', 'DeleteObjects', 's3:DeleteObject'],
  ['PUT /Bucket/Key+', 'PutObject', 's3:PutObject'],
  ['PUT /fixture-bucket/js/buffer.txt?x-id=PutObject', 'PutObject', 's3:PutObject'],
  ['GET /Bucket/Key+', 'GetObject', 's3:GetObject'],
  ['GET /Bucket/Key+?partNumber=1&response-content-type=text/plain', 'GetObject', 's3:GetObject'],
  ['GET /Bucket/Key+?versionId=3HL4kqtJlcpXroDTDmJ', 'GetObject', 's3:GetObjectVersion'],
  ['HEAD /Bucket/Key+', 'HeadObject', 's3:GetObject'],
  ['HEAD /Bucket/Key+?versionId=v', 'HeadObject', 's3:GetObjectVersion'],
  ['DELETE /Bucket/Key+', 'DeleteObject', 's3:DeleteObject'],
  ['DELETE /Bucket/Key+?versionId=v', 'DeleteObject', 's3:DeleteObjectVersion'],
  ['PUT /Bucket/Key+', 'CopyObject', 's3:PutObject', { 'x-amz-copy-source': '/src/key' }],
  ['GET /Bucket/Key+?attributes', 'GetObjectAttributes', 's3:GetObjectAttributes'],
  ['GET /Bucket/Key+?attributes&versionId=v', 'GetObjectAttributes', 's3:GetObjectVersionAttributes'],
  ['GET /Bucket/Key+?tagging', 'GetObjectTagging', 's3:GetObjectTagging'],
  ['GET /Bucket/Key+?tagging&versionId=v', 'GetObjectTagging', 's3:GetObjectVersionTagging'],
  ['PUT /Bucket/Key+?tagging', 'PutObjectTagging', 's3:PutObjectTagging'],
  ['DELETE /Bucket/Key+?tagging', 'DeleteObjectTagging', 's3:DeleteObjectTagging'],
  ['GET /Bucket/Key+?acl', 'GetObjectAcl', 's3:GetObjectAcl'],
  ['PUT /Bucket/Key+?acl', 'PutObjectAcl', 's3:PutObjectAcl'],
  ['PUT /Bucket/Key+?acl&versionId=v', 'PutObjectAcl', 's3:PutObjectVersionAcl'],
  ['POST /Bucket/Key+?uploads', 'CreateMultipartUpload', 's3:PutObject'],
  ['POST /Bucket/Key+?uploads=', 'CreateMultipartUpload', 's3:PutObject'],
  ['PUT /Bucket/Key+?partNumber=1&uploadId=UploadId', 'UploadPart', 's3:PutObject'],
  ['PUT /Bucket/Key+?uploadId=UploadId&partNumber=2', 'UploadPart', 's3:PutObject'],
  ['PUT /Bucket/Key+?partNumber=1&uploadId=UploadId', 'UploadPartCopy', 's3:PutObject', { 'x-amz-copy-source': 'src/k' }],
  ['POST /Bucket/Key+?uploadId=UploadId', 'CompleteMultipartUpload', 's3:PutObject'],
  ['DELETE /Bucket/Key+?uploadId=UploadId', 'AbortMultipartUpload', 's3:AbortMultipartUpload'],
  ['GET /Bucket/Key+?max-parts=2&part-number-marker=1&uploadId=UploadId', 'ListParts', 's3:ListMultipartUploadParts'],
  ['OPTIONS /Bucket', 'CorsPreflight', ''],
  ['OPTIONS /Bucket/Key+', 'CorsPreflight', ''],
  // Features marked "No" in s3-surface.md §3 → 501.
  ['GET /Bucket?replication', 'NotImplemented', ''],
  ['PUT /Bucket?encryption', 'NotImplemented', ''],
  ['PUT /Bucket?website', 'NotImplemented', ''],
  ['GET /Bucket/Key+?torrent', 'NotImplemented', ''],
  ['PUT /Bucket/Key+?retention', 'NotImplemented', ''],
  ['GET /Bucket/Key+?legal-hold', 'NotImplemented', ''],
  ['POST /Bucket/Key+?restore', 'NotImplemented', ''],
  ['POST /Bucket/Key+?select&select-type=2', 'NotImplemented', ''],
  ['POST /Bucket', 'PostObject', 's3:PutObject'],
  // Methods the resource does not support → 405.
  ['PUT /', 'MethodNotAllowed', ''],
  ['PATCH /Bucket', 'MethodNotAllowed', ''],
  ['POST /Bucket/Key+', 'MethodNotAllowed', ''],
  ['PROPFIND /Bucket/Key+', 'MethodNotAllowed', ''],
];

for (const [line, kind, action, headers] of CASES) {
  test(`route ${line}${headers ? ' ' + JSON.stringify(headers) : ''} → ${kind}`, () => {
    const o = r(line, headers);
    assert.equal(o.kind, kind);
    assert.equal(o.action, action);
  });
}

test('bucket and key are decoded once, never normalised', () => {
  const cases: [string, string, string | undefined][] = [
    ['/b/a/../c', 'b', 'a/../c'],
    ['/b//lead', 'b', '/lead'],
    ['/b/./x', 'b', './x'],
    ['/b/a%2Fb', 'b', 'a/b'],
    ['/b/sp%20ace+plus', 'b', 'sp ace+plus'],
    ['/b/%25', 'b', '%'],
    ['/b/%C3%A9t%C3%A9', 'b', 'été'],
    ['/b/dir/', 'b', 'dir/'],
    ['/b//', 'b', '/'],
    ['/b/', 'b', undefined],
    ['/b', 'b', undefined],
  ];
  for (const [path, bucket, key] of cases) {
    assert.deepEqual(splitPath(path), key === undefined ? { bucket } : { bucket, key }, path);
  }
});

test('virtual-hosted style: the whole path is the key', () => {
  const o = r('GET /a/b/c', {}, 'vbucket');
  assert.equal(o.kind, 'GetObject');
  assert.deepEqual([o.kind === 'GetObject' && o.bucket, o.kind === 'GetObject' && o.key], ['vbucket', 'a/b/c']);
  assert.equal(r('GET /?list-type=2', {}, 'vbucket').kind, 'ListObjectsV2');
  assert.equal(r('GET /', {}, 'vbucket').kind, 'ListObjects');
});

test('query: + is a space and %2B a plus (form decoding; the path keeps + literal), bare parameters are present, percent-decoding once', () => {
  const { query } = parseTarget('/b/k+1?prefix=a+b%2Bc%20d&uploads&delete=&x=%2541');
  assert.equal(query.get('prefix'), 'a b+c d');
  assert.equal(query.has('uploads'), true);
  assert.equal(query.get('uploads'), '');
  assert.equal(query.get('delete'), '');
  assert.equal(query.get('x'), '%41');
  assert.equal(query.get('missing'), null);
});

test('malformed percent-encoding → InvalidURI; key over 1024 bytes → KeyTooLongError', () => {
  assert.throws(() => r('GET /b/%E0%A4%A'), (e: unknown) => e instanceof S3Error && e.code === 'InvalidURI');
  assert.throws(() => parseTarget('/b?prefix=%ZZ'), (e: unknown) => e instanceof S3Error && e.code === 'InvalidURI');
  assert.equal(r(`GET /b/${'a'.repeat(1024)}`).kind, 'GetObject');
  assert.throws(() => r(`PUT /b/${'é'.repeat(513)}`), (e: unknown) => e instanceof S3Error && e.code === 'KeyTooLongError');
});

test('access classes follow ACL-lite (s3-surface.md §8)', () => {
  assert.equal(r('GET /b/k').access, 'object-read');
  assert.equal(r('PUT /b/k').access, 'bucket-write');
  assert.equal(r('GET /b').access, 'bucket-read');
  assert.equal(r('GET /b?acl').access, 'bucket-read-acp');
  assert.equal(r('PUT /b?policy').access, 'owner');
  assert.equal(r('OPTIONS /b/k').access, 'public');
  assert.equal(r('GET /').access, 'authenticated');
});

/**
 * The error catalog against the spec (shared/STYLE.md habit 1): parses the §9 table of
 * shared/spec/s3-surface.md and checks every code is declared once with the same status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Error, S3Errors, errorByCode, mapError } from '../../../src/s3/errors.js';
import { renderError } from '../../../src/s3/xml/error.js';
import { EngineErrors } from '../../../src/engine/errors.js';

/** Codes the catalog declares beyond the §9 table, each with its reason. */
const EXTRA_CODES: Record<string, string> = {
  InvalidURI: 'AWS answer to a request target that is not valid percent-encoded UTF-8',
  InvalidTag: 'AWS answer to a tag key or value that fails validation (PutObjectTagging error list); §9 folds it into InvalidArgument',
  RequestHeaderSectionTooLarge: 'AWS answer to a request whose header block exceeds the limit (S3 error code list); http/ answers it for Node\'s header overflow instead of a bare 431',
  InvalidRedirectLocation: 'AWS answer to an x-amz-website-redirect-location without a /, http:// or https:// prefix (S3 error code list)',
  NoSuchPublicAccessBlockConfiguration: 'AWS answer to GetPublicAccessBlock on a bucket without one (API_GetPublicAccessBlock); answered like the §3 stubs tools probe',
  MalformedACLError: 'AWS answer to a Put*Acl document that fails its schema (missing Owner, misspelt permission: aws-sdk-ruby#787, aws-sdk-go#917); §9 folds it into MalformedXML',
  MissingSecurityHeader: 'AWS answer to a Put*Acl naming no ACL at all (S3 error code list; LocalStack\'s AWS-validated ACL tests)',
  IncorrectNumberOfFilesInPostRequest: 'AWS answer to a PostObject form without a file, or with two (S3 error code list)',
  InvalidPolicyDocument: 'AWS answer to a PostObject policy that is no valid POST policy document (S3 error code list)',
  MalformedPOSTRequest: 'AWS answer to a PostObject body that is not well-formed multipart/form-data (S3 error code list)',
  MaxPostPreDataLengthExceeded: 'AWS answer to PostObject form fields before the file over the limit (S3 error code list)',
  UnexpectedContent: 'AWS answer to a Put*Acl sending ACL headers and a body at once (minio-java#253, riak_cs#631, amazonka#241)',
  AccessControlListNotSupported: 'AWS answer to an ACL sent to a bucket with ACLs disabled (Object Ownership BucketOwnerEnforced; user guide, object-ownership-error-responses)',
  InvalidEncryptionAlgorithmError: 'AWS answer to an SSE-C algorithm other than AES256 (S3 error code list; src/s3/customer-key.ts)',
  InvalidBucketAclWithObjectOwnership: 'AWS answer to disabling ACLs on a bucket whose ACL grants anyone but its owner (CreateBucket, PutBucketOwnershipControls; S3 error code list)',
  IllegalVersioningConfigurationException: 'AWS answer to an empty PutBucketVersioning configuration (LocalStack\'s AWS-validated test_bucket_versioning_crud); §9 folds it into MalformedXML',
};

function specTable(): Map<string, number> {
  const md = readFileSync(join(process.cwd(), 'test', 'fixtures', 'spec', 's3-surface.md'), 'utf8');
  const section = md.slice(md.indexOf('## 9. Error codes'), md.indexOf('## 10.'));
  const rows = new Map<string, number>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([A-Za-z0-9]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
    if (m) rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

test('every §9 code is in the catalog with its status', () => {
  const table = specTable();
  assert.ok(table.size >= 50, `parsed only ${table.size} rows of §9`);
  for (const [code, status] of table) {
    const f = errorByCode(code);
    assert.ok(f, `catalog lacks ${code}`);
    assert.equal(f.statusCode, status, `${code} status`);
    assert.equal(f.code, code);
  }
});

test('the catalog has nothing beyond §9 except the documented extras', () => {
  const table = specTable();
  for (const code of Object.keys(S3Errors)) {
    assert.ok(table.has(code) || code in EXTRA_CODES, `${code} is neither in §9 nor an documented extra`);
    assert.equal(S3Errors[code as keyof typeof S3Errors].code, code, 'key equals code');
  }
});

test('raising a catalog error: default message, override, fields and headers', () => {
  const e = S3Errors.NoSuchKey({ fields: { Key: 'a' }, headers: { 'x-amz-delete-marker': 'true' } });
  assert.ok(e instanceof S3Error);
  assert.equal(e.statusCode, 404);
  assert.equal(e.message, 'The specified key does not exist.');
  assert.equal(S3Errors.InvalidArgument('max-keys must be an integer').message, 'max-keys must be an integer');
  assert.ok(S3Errors.NoSuchKey.is(e));
  assert.equal(S3Errors.NoSuchBucket.is(e), false);
});

test('mapError: engine codes map explicitly; the unknown becomes a flagged InternalError', () => {
  const pairs: [Error, string][] = [
    [EngineErrors.NO_SUCH_BUCKET(), 'NoSuchBucket'],
    [EngineErrors.BUCKET_NOT_EMPTY(), 'BucketNotEmpty'],
    [EngineErrors.NO_SUCH_KEY(), 'NoSuchKey'],
    [EngineErrors.NO_SUCH_VERSION(), 'NoSuchVersion'],
    [EngineErrors.NO_SUCH_UPLOAD(), 'NoSuchUpload'],
    [EngineErrors.PRECONDITION(), 'PreconditionFailed'],
    [EngineErrors.INVALID_PART(), 'InvalidPart'],
    [EngineErrors.INVALID_PART_ORDER(), 'InvalidPartOrder'],
    [EngineErrors.ENTITY_TOO_SMALL(), 'EntityTooSmall'],
    [EngineErrors.ENTITY_TOO_LARGE(), 'EntityTooLarge'],
    [EngineErrors.INCOMPLETE_BODY(), 'IncompleteBody'],
    [EngineErrors.INVALID_RANGE(), 'InvalidRange'],
    [EngineErrors.NO_SPACE(), 'InsufficientStorage'],
    [EngineErrors.UNAVAILABLE(), 'ServiceUnavailable'],
    [EngineErrors.CHUNK_MISSING(), 'InternalError'],
    [EngineErrors.CHUNK_CORRUPT(), 'InternalError'],
    [new TypeError('boom'), 'InternalError'],
  ];
  for (const [err, code] of pairs) {
    const m = mapError(err);
    assert.equal(m.code, code, err.message);
    assert.equal(m.internal, code === 'InternalError');
  }
  const dm = mapError(EngineErrors.DELETE_MARKER());
  assert.equal(dm.code, 'NoSuchKey');
  assert.equal(dm.headers['x-amz-delete-marker'], 'true');
  assert.equal(mapError('a string').internal, true);
  const own = S3Errors.BadDigest();
  assert.equal(mapError(own), own);
});

test('mapError: auth errors by awsCode', () => {
  class AuthError extends Error {
    constructor(readonly awsCode: string, message: string) {
      super(message);
    }
  }
  const m = mapError(new AuthError('SignatureDoesNotMatch', 'nope'));
  assert.equal(m.code, 'SignatureDoesNotMatch');
  assert.equal(m.statusCode, 403);
  assert.equal(m.message, 'nope');
  assert.equal(mapError(new AuthError('Bogus', 'x')).code, 'InternalError');
});

test('error XML envelope (golden) and HEAD without body', () => {
  const e = S3Errors.NoSuchKey({ fields: { Key: 'a&<b>\r' } });
  const xml = renderError(e, { resource: '/bucket/a&<b>\r', requestId: '0123456789ABCDEF', hostId: 'host' });
  const golden = readFileSync(join(process.cwd(), 'test', 'fixtures', 's3', 'error-no-such-key.xml'), 'utf8');
  assert.equal(xml, golden);
});

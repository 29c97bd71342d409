/**
 * Requests that reached code no other test reached (V8 coverage of the whole suite, issue #4's
 * coverage hunt): validation answers of auth, multipart, lifecycle, CORS, policy, ACL and tagging
 * inputs, each sent signed to the S3 service as a client sends it, checking the AWS code and that
 * nothing was stored or changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, makeService, send, xmlText, type TestResponse } from './helpers.js';

const code = (r: TestResponse): string => `${r.status} ${xmlText(r.text, 'Code') ?? ''}`;

async function withBucket(name = 'gaps'): Promise<Awaited<ReturnType<typeof makeService>>> {
  const s = await makeService();
  assert.equal((await send(s.service, { method: 'PUT', path: `/${name}` })).status, 200);
  return s;
}

test('an anonymous request carrying x-amz-security-token: 400 InvalidToken (s3-surface §2: no STS tokens)', async () => {
  const { service } = await withBucket();
  const r = await send(service, { method: 'GET', path: '/gaps', as: null, headers: { 'x-amz-security-token': 'FQoGZXIvYXdzE' } });
  assert.equal(code(r), '400 InvalidToken');
});

test('presigned URL: X-Amz-Expires=0 is AuthorizationQueryParametersError, a SigV4a algorithm InvalidRequest', async () => {
  const { service } = await withBucket();
  const q = (alg: string, expires: string): string => `/gaps?X-Amz-Algorithm=${alg}&X-Amz-Credential=AKIAALICE0000000000A%2F20250101%2Fus-east-1%2Fs3%2Faws4_request`
    + `&X-Amz-Date=20250101T000000Z&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`;
  // S3's own text (AWS SigV4 query auth: "X-Amz-Expires must be non-negative" for 0).
  const zero = await send(service, { method: 'GET', path: q('AWS4-HMAC-SHA256', '0'), as: null });
  assert.equal(code(zero), '400 AuthorizationQueryParametersError');
  assert.equal(xmlText(zero.text, 'Message'), 'X-Amz-Expires must be non-negative');
  const v4a = await send(service, { method: 'GET', path: q('AWS4-ECDSA-P256-SHA256', '60'), as: null });
  assert.equal(code(v4a), '400 InvalidRequest');
  const other = await send(service, { method: 'GET', path: q('AWS4-HMAC-SHA512', '60'), as: null });
  assert.equal(code(other), '400 AuthorizationQueryParametersError');
});

test('CreateMultipartUpload with x-amz-checksum-type but no algorithm: 400 InvalidRequest, no upload', async () => {
  const { service } = await withBucket();
  const r = await send(service, { method: 'POST', path: '/gaps/k?uploads', headers: { 'x-amz-checksum-type': 'FULL_OBJECT' } });
  assert.equal(code(r), '400 InvalidRequest');
  const list = await send(service, { method: 'GET', path: '/gaps?uploads' });
  assert.equal(list.status, 200);
  assert.doesNotMatch(list.text, /<Upload>/);
});

test('CompleteMultipartUpload: an unknown x-amz-checksum-type is InvalidRequest; an empty uploadId NoSuchUpload', async () => {
  const { service } = await withBucket();
  const init = await send(service, { method: 'POST', path: '/gaps/k?uploads', headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
  const uploadId = xmlText(init.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/gaps/k?partNumber=1&uploadId=${uploadId}`, body: 'hello', headers: { 'x-amz-checksum-crc32': 'NhCmhg==' } });
  assert.equal(part.status, 200, part.text);
  const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag><ChecksumCRC32>NhCmhg==</ChecksumCRC32></Part></CompleteMultipartUpload>`;
  const bad = await send(service, { method: 'POST', path: `/gaps/k?uploadId=${uploadId}`, body: xml, headers: { 'x-amz-checksum-type': 'PARTIAL' } });
  assert.equal(code(bad), '400 InvalidRequest');
  assert.equal((await send(service, { method: 'HEAD', path: '/gaps/k' })).status, 404, 'nothing completed');
  const empty = await send(service, { method: 'POST', path: '/gaps/k?uploadId=', body: xml });
  assert.equal(code(empty), '404 NoSuchUpload');
  const ok = await send(service, { method: 'POST', path: `/gaps/k?uploadId=${uploadId}`, body: xml, headers: { 'x-amz-checksum-type': 'composite' } });
  assert.equal(ok.status, 200, ok.text);
});

test('a retried Complete whose object was deleted since: 200 again, the same ETag, no x-amz-expiration', async () => {
  const { service } = await withBucket();
  const lifecycle = '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?lifecycle', body: lifecycle })).status, 200);
  const init = await send(service, { method: 'POST', path: '/gaps/k?uploads' });
  const uploadId = xmlText(init.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/gaps/k?partNumber=1&uploadId=${uploadId}`, body: 'hello' });
  const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
  const first = await send(service, { method: 'POST', path: `/gaps/k?uploadId=${uploadId}`, body: xml });
  assert.equal(first.status, 200, first.text);
  assert.match(String(first.headers['x-amz-expiration']), /rule-id="r"/);
  const again = await send(service, { method: 'POST', path: `/gaps/k?uploadId=${uploadId}`, body: xml });
  assert.equal(again.status, 200);
  assert.match(String(again.headers['x-amz-expiration']), /rule-id="r"/);
  assert.equal((await send(service, { method: 'DELETE', path: '/gaps/k' })).status, 204);
  const afterDelete = await send(service, { method: 'POST', path: `/gaps/k?uploadId=${uploadId}`, body: xml });
  assert.equal(afterDelete.status, 200, afterDelete.text);
  assert.equal(xmlText(afterDelete.text, 'ETag'), xmlText(first.text, 'ETag'));
  assert.equal(afterDelete.headers['x-amz-expiration'], undefined);
});

const rule = (inner: string, id = 'r'): string => `<Rule><ID>${id}</ID>${inner}<Status>Enabled</Status></Rule>`;
const lifecycleOf = (...rules: string[]): string => `<LifecycleConfiguration>${rules.join('')}</LifecycleConfiguration>`;

test('PutBucketLifecycleConfiguration refusals: ID over 255, Abort without days, 1001 rules; nothing stored', async () => {
  const { service } = await withBucket();
  const expire = '<Filter><Prefix>a/</Prefix></Filter><Expiration><Days>1</Days></Expiration>';
  const cases: [string, string][] = [
    // AWS's own message for an over-long rule ID (API_LifecycleRule: "ID … up to 255 characters").
    [lifecycleOf(rule(expire, 'x'.repeat(256))), '400 InvalidArgument'],
    [lifecycleOf(rule('<Filter><Prefix>a/</Prefix></Filter><AbortIncompleteMultipartUpload></AbortIncompleteMultipartUpload>')), '400 MalformedXML'],
    // "You can have up to 1,000 rules" (lifecycle-configuration-examples / UG "Setting lifecycle configuration").
    [lifecycleOf(...Array.from({ length: 1001 }, (_, i) => rule(expire, `r${i}`))), '400 MalformedXML'],
  ];
  for (const [body, want] of cases) {
    const r = await send(service, { method: 'PUT', path: '/gaps?lifecycle', body });
    assert.equal(code(r), want, body.slice(0, 200));
  }
  assert.equal(code(await send(service, { method: 'GET', path: '/gaps?lifecycle' })), '404 NoSuchLifecycleConfiguration');
  // 255 characters and 1000 rules are within the limits.
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?lifecycle', body: lifecycleOf(rule(expire, 'x'.repeat(255))) })).status, 200);
  const many = await send(service, { method: 'PUT', path: '/gaps?lifecycle', body: lifecycleOf(...Array.from({ length: 1000 }, (_, i) => rule(expire, `r${i}`))) });
  assert.equal(many.status, 200, many.text);
});

test('a lifecycle Filter with ObjectSizeLessThan: stored, shown, and x-amz-expiration only on objects below the bound', async () => {
  const { service } = await withBucket();
  const body = lifecycleOf(rule('<Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter><Expiration><Days>2</Days></Expiration>', 'small'));
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?lifecycle', body })).status, 200);
  const got = await send(service, { method: 'GET', path: '/gaps?lifecycle' });
  assert.match(got.text, /<Filter><ObjectSizeLessThan>10<\/ObjectSizeLessThan><\/Filter>/);
  const small = await send(service, { method: 'PUT', path: '/gaps/small', body: '123456789' });
  assert.match(String(small.headers['x-amz-expiration']), /rule-id="small"/);
  const big = await send(service, { method: 'PUT', path: '/gaps/big', body: '1234567890' });
  assert.equal(big.status, 200);
  assert.equal(big.headers['x-amz-expiration'], undefined);
  // With <And>, both size bounds and a prefix.
  const and = lifecycleOf(rule('<Filter><And><Prefix>s</Prefix><ObjectSizeGreaterThan>2</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter><Expiration><Days>2</Days></Expiration>', 'and'));
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?lifecycle', body: and })).status, 200);
  assert.match((await send(service, { method: 'GET', path: '/gaps?lifecycle' })).text,
    /<Filter><And><Prefix>s<\/Prefix><ObjectSizeGreaterThan>2<\/ObjectSizeGreaterThan><ObjectSizeLessThan>10<\/ObjectSizeLessThan><\/And><\/Filter>/);
  assert.match(String((await send(service, { method: 'HEAD', path: '/gaps/small' })).headers['x-amz-expiration']), /rule-id="and"/);
  assert.equal((await send(service, { method: 'HEAD', path: '/gaps/big' })).headers['x-amz-expiration'], undefined);
});

test('an abort rule whose ID is not ASCII: x-amz-abort-rule-id URL-encoded (a header cannot carry it as is)', async () => {
  const { service } = await withBucket();
  const body = lifecycleOf(rule('<Filter><Prefix></Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 'räumen'));
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?lifecycle', body })).status, 200);
  const init = await send(service, { method: 'POST', path: '/gaps/k?uploads' });
  assert.equal(init.status, 200);
  assert.equal(init.headers['x-amz-abort-rule-id'], 'r%C3%A4umen');
  assert.match(String(init.headers['x-amz-abort-date']), /GMT$/);
});

test('PutBucketCors: an AllowedHeader with two wildcards is InvalidRequest, nothing stored', async () => {
  const { service } = await withBucket();
  const body = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*-*</AllowedHeader></CORSRule></CORSConfiguration>';
  const r = await send(service, { method: 'PUT', path: '/gaps?cors', body });
  assert.equal(code(r), '400 InvalidRequest');
  assert.equal(xmlText(r.text, 'Message'), 'AllowedHeader &quot;x-*-*&quot; can not have more than one wildcard.');
  assert.equal(code(await send(service, { method: 'GET', path: '/gaps?cors' })), '404 NoSuchCORSConfiguration');
});

test('PutBucketPolicy: a statement without Principal, and CanonicalUser "*", are MalformedPolicy; nothing stored', async () => {
  const { service } = await withBucket();
  const policy = (principal: unknown): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...(principal === undefined ? {} : { Principal: principal }), Action: 's3:GetObject', Resource: 'arn:aws:s3:::gaps/*' }] });
  const missing = await send(service, { method: 'PUT', path: '/gaps?policy', body: policy(undefined) });
  assert.equal(code(missing), '400 MalformedPolicy');
  assert.equal(xmlText(missing.text, 'Message'), 'Missing required field Principal');
  const star = await send(service, { method: 'PUT', path: '/gaps?policy', body: policy({ CanonicalUser: '*' }) });
  assert.equal(code(star), '400 MalformedPolicy');
  assert.equal(code(await send(service, { method: 'GET', path: '/gaps?policy' })), '404 NoSuchBucketPolicy');
  // {"AWS": "*"} is everyone, as "*" is.
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?policy', body: policy({ AWS: '*' }) })).status, 204);
});

test('PutBucketAcl: a Grantee xsi:type holding an unknown entity is MalformedACLError, the ACL unchanged', async () => {
  const { service } = await withBucket();
  const before = await send(service, { method: 'GET', path: '/gaps?acl' });
  const owner = xmlText(before.text, 'ID')!;
  const acl = (type: string): string => '<AccessControlPolicy><Owner><ID>' + owner + '</ID></Owner><AccessControlList><Grant>'
    + `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="${type}"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>`
    + '<Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>';
  const bad = await send(service, { method: 'PUT', path: '/gaps?acl', body: acl('Gr&oops;oup') });
  assert.equal(code(bad), '400 MalformedACLError');
  assert.equal((await send(service, { method: 'GET', path: '/gaps?acl' })).text, before.text);
  // The same with a well-formed entity reference decodes to the type and is taken.
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?acl', body: acl('Gr&#111;up') })).status, 200);
  assert.match((await send(service, { method: 'GET', path: '/gaps?acl' })).text, /AllUsers/);
});

test('x-amz-tagging with a malformed percent escape: 400 InvalidArgument, nothing stored', async () => {
  const { service } = await withBucket();
  const r = await send(service, { method: 'PUT', path: '/gaps/t', body: 'x', headers: { 'x-amz-tagging': 'a=%E0%A4%A' } });
  assert.equal(code(r), '400 InvalidArgument');
  assert.equal((await send(service, { method: 'HEAD', path: '/gaps/t' })).status, 404);
});

test('metadata: a Q encoded-word with a stray "=" is kept as sent, a valid one decoded (RFC 2047 §4.2)', async () => {
  const { service } = await withBucket();
  const put = await send(service, { method: 'PUT', path: '/gaps/m', body: 'x', headers: { 'x-amz-meta-bad': '=?utf-8?Q?a=ZZb?=', 'x-amz-meta-good': '=?utf-8?Q?caf=C3=A9_ok?=' } });
  assert.equal(put.status, 200, put.text);
  const head = await send(service, { method: 'HEAD', path: '/gaps/m' });
  assert.equal(head.headers['x-amz-meta-bad'], '=?utf-8?Q?a=ZZb?=');
  // S3 answers a value it cannot send as ASCII RFC 2047-encoded again; compare decoded.
  const good = String(head.headers['x-amz-meta-good']);
  assert.ok(good === 'café ok' || /^=\?UTF-8\?[BQ]\?/i.test(good), good);
});

test('PUT ?legal-hold and ?retention on an object: 501 NotImplemented, the object untouched', async () => {
  const { service } = await withBucket();
  assert.equal((await send(service, { method: 'PUT', path: '/gaps/o', body: 'keep' })).status, 200);
  for (const sub of ['legal-hold', 'retention']) {
    const r = await send(service, { method: 'PUT', path: `/gaps/o?${sub}`, body: '<LegalHold><Status>ON</Status></LegalHold>' });
    assert.equal(code(r), '501 NotImplemented', sub);
  }
  assert.equal((await send(service, { method: 'GET', path: '/gaps/o' })).text, 'keep');
  assert.equal(code(await send(service, { method: 'PUT', path: '/nobucket/o?legal-hold', body: '' })), '404 NoSuchBucket');
});

test('CreateBucket racing another CreateBucket of the name: one 200, the other 409 (BucketAlreadyOwnedByYou / BucketAlreadyExists)', async () => {
  const { service, engine } = await makeService();
  for (let i = 0; i < 5; i++) {
    const same = await Promise.all([send(service, { method: 'PUT', path: `/race-${i}` }), send(service, { method: 'PUT', path: `/race-${i}` })]);
    assert.deepEqual(same.map(code).sort(), ['200 ', '409 BucketAlreadyOwnedByYou'], `same tenant, round ${i}`);
    const other = await Promise.all([send(service, { method: 'PUT', path: `/rival-${i}` }), send(service, { method: 'PUT', path: `/rival-${i}`, as: BOB })]);
    const codes = other.map(code);
    assert.equal(codes.filter((c) => c === '200 ').length, 1, `two tenants, round ${i}: ${codes.join(', ')}`);
    const winner = codes[0] === '200 ' ? ALICE : BOB;
    assert.equal(codes[codes[0] === '200 ' ? 1 : 0], '409 BucketAlreadyExists', `two tenants, round ${i}`);
    assert.equal((await engine.getBucket(`rival-${i}`))?.owner, winner.tenantId);
  }
});

test('a bucket policy denying s3:GetObjectTagging: GetObject still answers, without x-amz-tagging-count, even to the owner', async () => {
  const { service } = await withBucket();
  assert.equal((await send(service, { method: 'PUT', path: '/gaps/tagged', body: 'x', headers: { 'x-amz-tagging': 'a=1&b=2' } })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/gaps/tagged' })).headers['x-amz-tagging-count'], '2');
  const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObjectTagging', Resource: 'arn:aws:s3:::gaps/*' }] });
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?policy', body: deny })).status, 204);
  const got = await send(service, { method: 'GET', path: '/gaps/tagged' });
  assert.equal(got.status, 200);
  assert.equal(got.text, 'x');
  // API_GetObject: x-amz-tagging-count only "when you have the relevant permission to read object tags".
  assert.equal(got.headers['x-amz-tagging-count'], undefined);
  assert.equal(code(await send(service, { method: 'GET', path: '/gaps/tagged?tagging' })), '403 AccessDenied');
});

test('an error answer to a request with Origin whose path does not decode: InvalidURI, without CORS headers, no 500', async () => {
  const { service } = await withBucket();
  const cors = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/gaps?cors', body: cors })).status, 200);
  const r = await send(service, { method: 'GET', path: '/gaps/%ZZ', as: null, headers: { origin: 'https://app.example' } });
  assert.equal(code(r), '400 InvalidURI');
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  // A decodable path of the same bucket gets them on its error.
  const missing = await send(service, { method: 'GET', path: '/gaps/none', headers: { origin: 'https://app.example' } });
  assert.equal(code(missing), '404 NoSuchKey');
  assert.equal(missing.headers['access-control-allow-origin'], '*');
});

test('ListObjectVersions max-keys=0 and ListMultipartUploads max-uploads=0: 200, nothing listed, not truncated (as ListObjects answers max-keys=0)', async () => {
  const { service } = await withBucket();
  assert.equal((await send(service, { method: 'PUT', path: '/gaps/a', body: 'x' })).status, 200);
  assert.equal((await send(service, { method: 'POST', path: '/gaps/u?uploads' })).status, 200);
  const v1 = await send(service, { method: 'GET', path: '/gaps?max-keys=0' });
  const versions = await send(service, { method: 'GET', path: '/gaps?versions&max-keys=0' });
  assert.equal(versions.status, 200, versions.text);
  assert.equal(xmlText(versions.text, 'MaxKeys'), '0');
  assert.equal(xmlText(versions.text, 'IsTruncated'), xmlText(v1.text, 'IsTruncated'));
  assert.doesNotMatch(versions.text, /<Version>/);
  const uploads = await send(service, { method: 'GET', path: '/gaps?uploads&max-uploads=0' });
  assert.equal(uploads.status, 200, uploads.text);
  assert.equal(xmlText(uploads.text, 'MaxUploads'), '0');
  assert.equal(xmlText(uploads.text, 'IsTruncated'), 'false');
  assert.doesNotMatch(uploads.text, /<Upload>/);
});

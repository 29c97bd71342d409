/**
 * Object semantics through the service: copy (§4.4), versions and delete markers (§3, §9),
 * conditional writes (§4.2), partNumber (§4.6), multipart errors (§4.5), attributes (§5.4) and
 * header validation (§3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildRequest, makeService, readResponse, send, xmlAll, xmlText } from './helpers.js';

test('CopyObject: COPY/REPLACE, self-copy refused, source conditions, missing source', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/copyb' });
  await send(service, { method: 'PUT', path: '/copyb/src', body: 'source', headers: { 'content-type': 'text/a', 'x-amz-meta-m': '1', 'x-amz-tagging': 't=1' } });
  const c1 = await send(service, { method: 'PUT', path: '/copyb/dst', headers: { 'x-amz-copy-source': '/copyb/src' } });
  assert.equal(c1.status, 200, c1.text);
  assert.equal(xmlText(c1.text, 'ETag'), `&quot;${createHash('md5').update('source').digest('hex')}&quot;`, 'a copy keeps the ETag');
  const d1 = await send(service, { method: 'HEAD', path: '/copyb/dst' });
  assert.equal(d1.headers['content-type'], 'text/a');
  assert.equal(d1.headers['x-amz-meta-m'], '1');
  const t1 = await send(service, { method: 'GET', path: '/copyb/dst?tagging' });
  assert.equal(xmlText(t1.text, 'Key'), 't', 'tags copied by default');
  await send(service, { method: 'PUT', path: '/copyb/dst2', headers: { 'x-amz-copy-source': 'copyb/src', 'x-amz-metadata-directive': 'REPLACE', 'content-type': 'text/b', 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': 'n=2' } });
  const d2 = await send(service, { method: 'HEAD', path: '/copyb/dst2' });
  assert.equal(d2.headers['content-type'], 'text/b');
  assert.equal(d2.headers['x-amz-meta-m'], undefined);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/copyb/dst2?tagging' })).text, 'Key'), 'n');
  const self = await send(service, { method: 'PUT', path: '/copyb/src', headers: { 'x-amz-copy-source': '/copyb/src' } });
  assert.equal(xmlText(self.text, 'Code'), 'InvalidRequest');
  const selfReplace = await send(service, { method: 'PUT', path: '/copyb/src', headers: { 'x-amz-copy-source': '/copyb/src', 'x-amz-metadata-directive': 'REPLACE' } });
  assert.equal(selfReplace.status, 200);
  const cond = await send(service, { method: 'PUT', path: '/copyb/dst3', headers: { 'x-amz-copy-source': '/copyb/src', 'x-amz-copy-source-if-none-match': d1.headers.etag as string } });
  assert.equal(cond.status, 412);
  const missing = await send(service, { method: 'PUT', path: '/copyb/dst4', headers: { 'x-amz-copy-source': '/copyb/nope' } });
  assert.equal(xmlText(missing.text, 'Code'), 'NoSuchKey');
  const malformed = await send(service, { method: 'PUT', path: '/copyb/dst5', headers: { 'x-amz-copy-source': 'nobucketkey' } });
  assert.equal(xmlText(malformed.text, 'Code'), 'InvalidArgument');
});

test('versioned bucket: version ids, markers, 405 on a marker version, purge by version id', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/verb' });
  await send(service, { method: 'PUT', path: '/verb?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  const p1 = await send(service, { method: 'PUT', path: '/verb/k', body: 'one' });
  const v1 = p1.headers['x-amz-version-id'] as string;
  assert.match(v1, /^[0-9a-v]{26}$/);
  const del = await send(service, { method: 'DELETE', path: '/verb/k' });
  assert.equal(del.headers['x-amz-delete-marker'], 'true');
  const marker = del.headers['x-amz-version-id'] as string;
  const get = await send(service, { method: 'GET', path: '/verb/k' });
  assert.equal(get.status, 404);
  assert.equal(get.headers['x-amz-delete-marker'], 'true');
  assert.equal(get.headers['x-amz-version-id'], marker);
  const getMarker = await send(service, { method: 'GET', path: `/verb/k?versionId=${marker}` });
  assert.equal(getMarker.status, 405);
  assert.equal(getMarker.headers['x-amz-delete-marker'], 'true');
  assert.equal((await send(service, { method: 'GET', path: `/verb/k?versionId=${v1}` })).text, 'one');
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/verb/k?versionId=not-a-version' })).text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText((await send(service, { method: 'GET', path: `/verb/k?versionId=${'0'.repeat(26)}` })).text, 'Code'), 'NoSuchVersion');
  const list = await send(service, { method: 'GET', path: '/verb?versions' });
  assert.deepEqual(xmlAll(list.text, 'VersionId'), [marker, v1]);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/verb?versions&version-id-marker=x' })).text, 'Code'), 'InvalidArgument');
  const purge = await send(service, { method: 'DELETE', path: `/verb/k?versionId=${marker}` });
  assert.equal(purge.status, 204);
  assert.equal(purge.headers['x-amz-version-id'], marker);
  assert.equal(purge.headers['x-amz-delete-marker'], 'true');
  assert.equal((await send(service, { method: 'GET', path: '/verb/k' })).text, 'one', 'the older version is current again');
  const nonEmpty = await send(service, { method: 'DELETE', path: '/verb' });
  assert.equal(xmlText(nonEmpty.text, 'Code'), 'BucketNotEmpty');
});

test('conditional writes: If-None-Match * is create-only; If-Match on a missing key → NoSuchKey', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/condb' });
  assert.equal((await send(service, { method: 'PUT', path: '/condb/k', body: 'a', headers: { 'if-none-match': '*' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/condb/k', body: 'b', headers: { 'if-none-match': '*' } })).status, 412);
  assert.equal(xmlText((await send(service, { method: 'PUT', path: '/condb/missing', body: 'b', headers: { 'if-match': '"abc"' } })).text, 'Code'), 'NoSuchKey');
  const etag = (await send(service, { method: 'HEAD', path: '/condb/k' })).headers.etag as string;
  assert.equal((await send(service, { method: 'PUT', path: '/condb/k', body: 'c', headers: { 'if-match': etag } })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/condb/k' })).text, 'c');
});

test('request header validation: storage class, metadata size, length, SSE, response overrides', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/hdrb' });
  assert.equal(xmlText((await send(service, { method: 'PUT', path: '/hdrb/k', body: 'x', headers: { 'x-amz-storage-class': 'GLACIER' } })).text, 'Code'), 'InvalidStorageClass');
  const ia = await send(service, { method: 'PUT', path: '/hdrb/ia', body: 'x', headers: { 'x-amz-storage-class': 'STANDARD_IA' } });
  assert.equal(ia.status, 200);
  assert.equal((await send(service, { method: 'HEAD', path: '/hdrb/ia' })).headers['x-amz-storage-class'], 'STANDARD_IA');
  assert.equal(xmlText((await send(service, { method: 'PUT', path: '/hdrb/k', body: 'x', headers: { 'x-amz-meta-big': 'v'.repeat(2100) } })).text, 'Code'), 'MetadataTooLarge');
  assert.equal(xmlText((await send(service, { method: 'PUT', path: '/hdrb/k', body: 'x', headers: { 'x-amz-server-side-encryption': 'AES256' } })).text, 'Code'), 'NotImplemented');
  const req = buildRequest({ method: 'PUT', path: '/hdrb/k' });
  delete req.headers['content-length'];
  const noLen = await readResponse(await service.handle(req));
  assert.equal(noLen.status, 411);
  assert.equal(xmlText(noLen.text, 'Code'), 'MissingContentLength');
  const over = await send(service, { method: 'GET', path: '/hdrb/ia?response-content-type=x%2Fy&response-cache-control=no-store' });
  assert.equal(over.headers['content-type'], 'x/y');
  assert.equal(over.headers['cache-control'], 'no-store');
  await send(service, { method: 'PUT', path: '/hdrb?acl', headers: { 'x-amz-acl': 'public-read' } });
  await send(service, { method: 'PUT', path: '/hdrb/pub', body: 'p', headers: { 'x-amz-acl': 'public-read' } });
  const anonOver = await send(service, { method: 'GET', path: '/hdrb/pub?response-content-type=x%2Fy', as: null });
  assert.equal(xmlText(anonOver.text, 'Code'), 'InvalidRequest');
  const tagged = await send(service, { method: 'PUT', path: '/hdrb/t', body: 'x', headers: { 'x-amz-tagging': 'a=1&b=2' } });
  assert.equal(tagged.status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/hdrb/t' })).headers['x-amz-tagging-count'], '2');
  assert.equal((await send(service, { method: 'HEAD', path: '/hdrb/t' })).headers['x-amz-tagging-count'], undefined, 'HEAD has no tag count');
});

test('partNumber reads and Range conflicts', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/partb' });
  await send(service, { method: 'PUT', path: '/partb/single', body: 'abcdef' });
  const p1 = await send(service, { method: 'GET', path: '/partb/single?partNumber=1' });
  assert.equal(p1.text, 'abcdef', 'part 1 of a non-multipart object is the whole object');
  assert.equal(p1.status, 206);
  assert.equal(p1.headers['content-range'], 'bytes 0-5/6');
  assert.equal(p1.headers['x-amz-mp-parts-count'], undefined);
  assert.equal((await send(service, { method: 'GET', path: '/partb/single?partNumber=2' })).status, 416);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/partb/single?partNumber=0' })).text, 'Code'), 'InvalidArgument');
  const both = await send(service, { method: 'GET', path: '/partb/single?partNumber=1', headers: { range: 'bytes=0-1' } });
  assert.equal(xmlText(both.text, 'Code'), 'InvalidRequest');
  await send(service, { method: 'PUT', path: '/partb/empty' });
  const emptyPart = await send(service, { method: 'GET', path: '/partb/empty?partNumber=1' });
  assert.equal(emptyPart.status, 200);
  assert.equal(emptyPart.headers['content-range'], undefined);
  assert.equal((await send(service, { method: 'GET', path: '/partb/empty', headers: { range: 'bytes=0-' } })).status, 416);
  assert.equal((await send(service, { method: 'GET', path: '/partb/single', headers: { range: 'bytes=0-1,3-4' } })).status, 200, 'multi-range ignored');
});

test('multipart errors and listings', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/mpb' });
  const init = await send(service, { method: 'POST', path: '/mpb/obj?uploads' });
  const uploadId = xmlText(init.text, 'UploadId')!;
  assert.equal(xmlText(init.text, 'Key'), 'obj');
  const part = (n: number, body: string) => send(service, { method: 'PUT', path: `/mpb/obj?partNumber=${n}&uploadId=${uploadId}`, body });
  const e1 = (await part(1, 'small-one')).headers.etag as string;
  const e2 = (await part(2, 'small-two')).headers.etag as string;
  assert.equal(xmlText((await part(10001, 'x')).text, 'Code'), 'InvalidArgument');
  const complete = (xml: string) => send(service, { method: 'POST', path: `/mpb/obj?uploadId=${uploadId}`, body: xml });
  const partXml = (n: number, e: string) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`;
  assert.equal(xmlText((await complete(`<CompleteMultipartUpload>${partXml(2, e2)}${partXml(1, e1)}</CompleteMultipartUpload>`)).text, 'Code'), 'InvalidPartOrder');
  assert.equal(xmlText((await complete(`<CompleteMultipartUpload>${partXml(1, '"bad"')}</CompleteMultipartUpload>`)).text, 'Code'), 'InvalidPart');
  assert.equal(xmlText((await complete(`<CompleteMultipartUpload>${partXml(1, e1)}${partXml(2, e2)}</CompleteMultipartUpload>`)).text, 'Code'), 'EntityTooSmall');
  const uploads = await send(service, { method: 'GET', path: '/mpb?uploads' });
  assert.deepEqual(xmlAll(uploads.text, 'UploadId'), [uploadId]);
  const parts = await send(service, { method: 'GET', path: `/mpb/obj?uploadId=${uploadId}&max-parts=1` });
  assert.equal(xmlText(parts.text, 'IsTruncated'), 'true');
  assert.equal(xmlText(parts.text, 'NextPartNumberMarker'), '1');
  assert.equal(xmlText((await send(service, { method: 'DELETE', path: '/mpb' })).text, 'Code'), 'BucketNotEmpty', 'an upload keeps the bucket');
  const one = await complete(`<CompleteMultipartUpload>${partXml(1, e1)}</CompleteMultipartUpload>`);
  assert.equal(one.status, 200, one.text);
  assert.match(xmlText(one.text, 'ETag')!, /-1&quot;$/);
  assert.equal(xmlText((await send(service, { method: 'GET', path: `/mpb/obj?uploadId=${uploadId}` })).text, 'Code'), 'NoSuchUpload');
  const attrs = await send(service, { method: 'GET', path: '/mpb/obj?attributes', headers: { 'x-amz-object-attributes': 'ObjectParts,ObjectSize,ETag' } });
  assert.equal(xmlText(attrs.text, 'PartsCount'), '1');
  assert.equal(xmlText(attrs.text, 'ObjectSize'), '9');
  assert.doesNotMatch(xmlText(attrs.text, 'ETag')!, /&quot;/, 'GetObjectAttributes ETag is unquoted');
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/mpb/obj?attributes', headers: { 'x-amz-object-attributes': 'Bogus' } })).text, 'Code'), 'InvalidArgument');
  const badType = await send(service, { method: 'POST', path: '/mpb/x?uploads', headers: { 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-type': 'FULL_OBJECT' } });
  assert.equal(xmlText(badType.text, 'Code'), 'InvalidRequest');
  const crc = await send(service, { method: 'POST', path: '/mpb/y?uploads', headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
  const crcId = xmlText(crc.text, 'UploadId')!;
  const noSum = await send(service, { method: 'PUT', path: `/mpb/y?partNumber=1&uploadId=${crcId}`, body: 'data' });
  assert.equal(xmlText(noSum.text, 'Code'), 'InvalidRequest', 'a declared algorithm makes part checksums mandatory');
});

test('UploadPartCopy with a range', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/upcb' });
  await send(service, { method: 'PUT', path: '/upcb/src', body: '0123456789' });
  const id = xmlText((await send(service, { method: 'POST', path: '/upcb/dst?uploads' })).text, 'UploadId')!;
  const cp = await send(service, { method: 'PUT', path: `/upcb/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/upcb/src', 'x-amz-copy-source-range': 'bytes=2-5' } });
  assert.equal(cp.status, 200, cp.text);
  const etag = xmlText(cp.text, 'ETag')!.replace(/&quot;/g, '"');
  const bad = await send(service, { method: 'PUT', path: `/upcb/dst?partNumber=2&uploadId=${id}`, headers: { 'x-amz-copy-source': '/upcb/src', 'x-amz-copy-source-range': 'bytes=5-20' } });
  // S3: 400 InvalidArgument past the source's end (issue #4, versitygw#610), not 416.
  assert.equal(bad.status, 400);
  assert.equal(xmlText(bad.text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText(bad.text, 'Message'), 'Range specified is not valid for source object of size: 10');
  const done = await send(service, { method: 'POST', path: `/upcb/dst?uploadId=${id}`, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>` });
  assert.equal(done.status, 200, done.text);
  assert.equal((await send(service, { method: 'GET', path: '/upcb/dst' })).text, '2345');
});

test('ListObjectVersions pages with NextKeyMarker / NextVersionIdMarker; a marker of no stored version is a place, a malformed one InvalidArgument', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/vpage' });
  await send(service, { method: 'PUT', path: '/vpage?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  for (const k of ['a', 'a', 'b', 'c', 'c', 'c']) await send(service, { method: 'PUT', path: `/vpage/${k}`, body: k });
  const all = xmlAll((await send(service, { method: 'GET', path: '/vpage?versions' })).text, 'VersionId');
  assert.equal(all.length, 6);
  const seen: string[] = [];
  let marker = '';
  for (let i = 0; i < 10; i++) {
    const page = await send(service, { method: 'GET', path: `/vpage?versions&max-keys=2${marker}` });
    seen.push(...xmlAll(page.text, 'VersionId'));
    if (xmlText(page.text, 'IsTruncated') !== 'true') break;
    marker = `&key-marker=${encodeURIComponent(xmlText(page.text, 'NextKeyMarker')!)}&version-id-marker=${xmlText(page.text, 'NextVersionIdMarker')!}`;
  }
  assert.deepEqual(seen, all);
  // A well-formed id of no stored version is a place (S3 goes on after a deleted marker); a malformed one is refused.
  const unknown = await send(service, { method: 'GET', path: `/vpage?versions&key-marker=a&version-id-marker=${'0'.repeat(26)}` });
  assert.equal(unknown.status, 200, unknown.text);
  assert.deepEqual(xmlAll(unknown.text, 'Key'), ['b', 'c', 'c', 'c']);
  const malformed = await send(service, { method: 'GET', path: '/vpage?versions&key-marker=a&version-id-marker=zz' });
  assert.equal(xmlText(malformed.text, 'Code'), 'InvalidArgument');
});

test('suspended versioning: writes answer without a version id; reads say null (AWS samples)', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/susp' });
  await send(service, { method: 'PUT', path: '/susp?versioning', body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' });
  const put = await send(service, { method: 'PUT', path: '/susp/k', body: 'x' });
  assert.equal(put.headers['x-amz-version-id'], undefined);
  assert.equal((await send(service, { method: 'HEAD', path: '/susp/k' })).headers['x-amz-version-id'], 'null');
  const copy = await send(service, { method: 'PUT', path: '/susp/c', headers: { 'x-amz-copy-source': '/susp/k' } });
  assert.equal(copy.headers['x-amz-version-id'], undefined);
  assert.equal(copy.headers['x-amz-copy-source-version-id'], 'null');
  assert.equal(xmlAll((await send(service, { method: 'GET', path: '/susp?versions' })).text, 'VersionId').join(), 'null,null');
});

/**
 * Issue #4 (found by exploratory testing with raw requests): `x-amz-website-redirect-location` was
 * accepted on PutObject and dropped. S3 keeps it as object metadata and returns it on GET/HEAD; it
 * must start with `/`, `http://` or `https://` (else 400 InvalidRedirectLocation); a copy with the
 * COPY directive does not carry it over ("unique to each object and is not copied", API_CopyObject)
 * but may set one, and setting one is a change that makes a copy onto itself legal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const R = 'x-amz-website-redirect-location';

test('x-amz-website-redirect-location: stored, returned, validated, and not copied by COPY', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/site' })).status, 200);
  const redirectOf = async (key: string): Promise<unknown> => {
    const head = await send(service, { method: 'HEAD', path: `/site/${key}` });
    assert.equal(head.status, 200, key);
    return head.headers[R];
  };
  assert.equal((await send(service, { method: 'PUT', path: '/site/old.html', body: 'old', headers: { [R]: '/new.html' } })).status, 200);
  assert.equal(await redirectOf('old.html'), '/new.html');
  const get = await send(service, { method: 'GET', path: '/site/old.html' });
  assert.equal(get.headers[R], '/new.html');
  assert.equal(get.text, 'old');
  assert.equal((await send(service, { method: 'PUT', path: '/site/ext', body: 'x', headers: { [R]: 'https://example.com/a?b=c' } })).status, 200);
  assert.equal(await redirectOf('ext'), 'https://example.com/a?b=c');

  for (const bad of ['new.html', 'ftp://example.com/', '/' + 'a'.repeat(2048)]) {
    const r = await send(service, { method: 'PUT', path: '/site/bad', body: 'x', headers: { [R]: bad } });
    assert.equal(r.status, 400, bad);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidRedirectLocation');
  }
  assert.equal((await send(service, { method: 'HEAD', path: '/site/bad' })).status, 404, 'nothing stored');

  const copy = (key: string, headers: Record<string, string> = {}) => send(service, { method: 'PUT', path: `/site/${key}`, headers: { 'x-amz-copy-source': '/site/old.html', ...headers } });
  assert.equal((await copy('c1')).status, 200);
  assert.equal(await redirectOf('c1'), undefined, 'COPY does not carry the redirect over');
  assert.equal(await redirectOf('old.html'), '/new.html', 'the source keeps it');
  assert.equal((await copy('c2', { [R]: '/other.html' })).status, 200);
  assert.equal(await redirectOf('c2'), '/other.html', 'COPY with the header sets it');
  assert.equal((await copy('c3', { 'x-amz-metadata-directive': 'REPLACE', [R]: '/third.html' })).status, 200);
  assert.equal(await redirectOf('c3'), '/third.html');
  assert.equal((await copy('c4', { [R]: 'nope' })).status, 400);
  // Onto itself: only a new redirect location is a change S3 accepts.
  const self = await send(service, { method: 'PUT', path: '/site/old.html', headers: { 'x-amz-copy-source': '/site/old.html', [R]: '/moved.html' } });
  assert.equal(self.status, 200, self.text);
  assert.equal(await redirectOf('old.html'), '/moved.html');
  const same = await send(service, { method: 'PUT', path: '/site/ext', headers: { 'x-amz-copy-source': '/site/ext' } });
  assert.equal(xmlText(same.text, 'Code'), 'InvalidRequest');

  // Multipart: the upload's attributes carry it to the object.
  const created = await send(service, { method: 'POST', path: '/site/mp?uploads', headers: { [R]: '/mp-target' } });
  const uploadId = xmlText(created.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/site/mp?partNumber=1&uploadId=${uploadId}`, body: 'part' });
  const done = await send(service, { method: 'POST', path: `/site/mp?uploadId=${uploadId}`, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>` });
  assert.equal(done.status, 200, done.text);
  assert.equal(await redirectOf('mp'), '/mp-target');
});

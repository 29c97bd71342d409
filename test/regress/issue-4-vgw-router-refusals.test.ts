/**
 * Issue #4 (versitygw audit, general.go RouterCopySourceNotAllowed, RouterListVersionsWithKey,
 * RouterGetUploadsWithKey):
 * - `x-amz-copy-source` on a GET, HEAD or DELETE (bucket or object) or a POST with `uploadId` was
 *   ignored — a DELETE carrying it deleted the object. S3 refuses it: 400 InvalidArgument "You can
 *   only specify a copy source header for copy requests." (versitygw#1642, written against S3).
 * - GET /{b}/{k}?versions and ?uploads answered the object. S3 answers 400 InvalidRequest "There is
 *   no such thing as the ?versions sub-resource for a key" (S3's answer quoted in versitygw#1688)
 *   and "Key is not expected for the GET method ?uploads subresource".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('copy source on non-copy requests and bucket subresources on a key are refused', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/rtr' })).status, 200);
  assert.equal((await f.send({ method: 'PUT', path: '/rtr/object', body: 'x' })).status, 200);
  const copySource = { 'x-amz-copy-source': 'rtr/object' };
  for (const [method, path] of [['GET', '/rtr'], ['GET', '/rtr/object'], ['DELETE', '/rtr/object'], ['DELETE', '/rtr'], ['POST', '/rtr/object?uploadId=something']] as const) {
    const r = await f.send({ method, path, headers: copySource });
    assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
    assert.equal(r.code, 'InvalidArgument', `${method} ${path}`);
    assert.match(r.text, /You can only specify a copy source header for copy requests\./);
  }
  assert.equal((await f.send({ method: 'HEAD', path: '/rtr/object', headers: copySource })).status, 400);
  assert.equal((await f.send({ method: 'HEAD', path: '/rtr/object' })).status, 200, 'the DELETE deleted nothing');
  // A copy is still a copy.
  assert.equal((await f.send({ method: 'PUT', path: '/rtr/copy', headers: copySource })).status, 200);

  const versions = await f.send({ method: 'GET', path: '/rtr/object?versions' });
  assert.equal(versions.status, 400);
  assert.equal(versions.code, 'InvalidRequest');
  assert.match(versions.text, /There is no such thing as the \?versions sub-resource for a key/);
  const uploads = await f.send({ method: 'GET', path: '/rtr/object?uploads' });
  assert.equal(uploads.status, 400);
  assert.equal(uploads.code, 'InvalidRequest');
  assert.match(uploads.text, /Key is not expected for the GET method \?uploads subresource/);
  // The bucket's own ?versions and ?uploads are listings as before.
  assert.equal((await f.send({ method: 'GET', path: '/rtr?versions' })).status, 200);
  assert.equal((await f.send({ method: 'GET', path: '/rtr?uploads' })).status, 200);
});

test('half a part upload: partNumber without uploadId 400 InvalidArgument, uploadId without partNumber 405', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/rtr2' })).status, 200);
  const part = await f.send({ method: 'PUT', path: '/rtr2/object?partNumber=1', body: 'x' });
  assert.equal(part.status, 400, part.text);
  assert.equal(part.code, 'InvalidArgument');
  assert.match(part.text, /<Message>This operation does not accept partNumber without uploadId<\/Message>/);
  assert.match(part.text, /<ArgumentName>partNumber<\/ArgumentName>/);
  assert.equal((await f.send({ method: 'HEAD', path: '/rtr2/object' })).status, 404, 'nothing stored');
  const upload = await f.send({ method: 'PUT', path: '/rtr2/object?uploadId=my-upload-id', body: 'x' });
  assert.equal(upload.status, 405, upload.text);
  assert.equal(upload.code, 'MethodNotAllowed');
  assert.equal(upload.headers.allow, 'DELETE, POST, GET');
  assert.match(upload.text, /<Method>PUT<\/Method><ResourceType>UPLOAD<\/ResourceType>/);
});

test('405 MethodNotAllowed carries S3\'s Allow header for the service and for an object', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/rtr3' })).status, 200);
  const root = await f.send({ method: 'POST', path: '/' });
  assert.equal(root.status, 405);
  assert.equal(root.headers.allow, 'GET');
  assert.match(root.text, /<Method>POST<\/Method><ResourceType>SERVICE<\/ResourceType>/);
  const object = await f.send({ method: 'POST', path: '/rtr3/object' });
  assert.equal(object.status, 405);
  assert.equal(object.headers.allow, 'HEAD, DELETE, GET, PUT');
  assert.match(object.text, /<Method>POST<\/Method><ResourceType>OBJECT<\/ResourceType>/);
});

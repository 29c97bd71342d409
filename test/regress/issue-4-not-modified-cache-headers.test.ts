/**
 * Issue #4 (found by helper audit12): a 304 Not Modified answered by GetObject / HeadObject carried
 * ETag, Last-Modified and the version id but not the object's Cache-Control and Expires. RFC 9110
 * §15.4.5 (RFC 7232 §4.1, which API_GetObject names for conditional requests): the server MUST
 * send the Cache-Control and Expires a 200 would have carried — a cache revalidating a stored copy
 * otherwise keeps the old freshness lifetime, or none. MinIO's 304 sends both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';

test('304 Not Modified carries the Cache-Control and Expires a 200 would carry', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const expires = 'Thu, 01 Dec 2033 16:00:00 GMT';
  const put = await send(service, { method: 'PUT', path: '/bkt/k', body: 'hello', headers: { 'cache-control': 'max-age=60', expires } });
  assert.equal(put.status, 200);
  const etag = String(put.headers.etag);
  for (const method of ['GET', 'HEAD']) {
    const r = await send(service, { method, path: '/bkt/k', headers: { 'if-none-match': etag } });
    assert.equal(r.status, 304, method);
    assert.equal(r.headers['cache-control'], 'max-age=60', method);
    assert.equal(r.headers.expires, expires, method);
    assert.equal(r.headers.etag, etag, method);
    assert.equal(r.body.length, 0, method);
  }
  // A response-* override changes what the 200 would send, so the 304 says the same.
  const over = await send(service, { method: 'GET', path: '/bkt/k?response-cache-control=no-cache', headers: { 'if-none-match': etag } });
  assert.equal(over.status, 304);
  assert.equal(over.headers['cache-control'], 'no-cache');
  // An object stored without them gets neither.
  const plain = await send(service, { method: 'PUT', path: '/bkt/p', body: 'x' });
  const r = await send(service, { method: 'GET', path: '/bkt/p', headers: { 'if-none-match': String(plain.headers.etag) } });
  assert.equal(r.status, 304);
  assert.equal(r.headers['cache-control'], undefined);
  assert.equal(r.headers.expires, undefined);
});

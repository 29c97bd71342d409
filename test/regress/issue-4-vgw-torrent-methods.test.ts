/**
 * Issue #4 (found auditing versitygw tests/integration/general.go, RouterObjectTorrentMethodNotAllowed):
 * `?torrent` names an object's torrent, which S3 serves with GET only (API_GetObjectTorrent). Any
 * other method fell through to the object: PUT /{b}/{k}?torrent overwrote it with the request body
 * and DELETE /{b}/{k}?torrent deleted it, both answered as successes. Now 405 MethodNotAllowed with
 * `Allow: GET` (versitygw expects that Allow header for HEAD, PUT, DELETE and POST), the object
 * untouched; GET ?torrent stays 501 NotImplemented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('?torrent with another method than GET: 405 Allow GET, the object is left alone', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/tor' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/tor/k', body: 'precious' })).status, 200);
  for (const method of ['PUT', 'DELETE', 'POST', 'HEAD']) {
    const r = await send(service, { method, path: '/tor/k?torrent', body: method === 'PUT' ? 'overwritten' : undefined });
    assert.equal(r.status, 405, `${method}: ${r.text}`);
    assert.equal(r.headers.allow, 'GET', method);
    if (method !== 'HEAD') assert.equal(xmlText(r.text, 'Code'), 'MethodNotAllowed', method);
    const get = await send(service, { method: 'GET', path: '/tor/k' });
    assert.equal(get.status, 200, `after ${method}`);
    assert.equal(get.text, 'precious', `after ${method}`);
  }
  const torrent = await send(service, { method: 'GET', path: '/tor/k?torrent' });
  assert.equal(torrent.status, 501);
});

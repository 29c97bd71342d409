/**
 * Issue #4 (found by exploratory testing with rclone `--s3-v2-auth`): a `+` in the query string was
 * read as a literal plus. S3 form-decodes its query string — `+` is a space, a literal plus travels
 * as `%2B` — and aws-sdk-go v1 (rclone's SigV2 mode) sends a prefix's spaces as `+`: the listing of
 * `dir with space/` came back empty and `rclone sync` deleted the local copy of a file it no
 * longer saw. The object key in the path keeps `+` literal (Ceph RGW and MinIO do the same).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ALICE, buildRequest, makeService, readResponse, send, xmlAll } from '../integration/s3/helpers.js';

test('a + in a query value is a space, %2B is a plus', async () => {
  const { service, logged } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/plus' })).status, 200);
  for (const path of ['/plus/dir%20with%20space/a', '/plus/dir%2Bwith%2Bspace/b', '/plus/dir%2Bwith%2Bspace/c']) {
    assert.equal((await send(service, { method: 'PUT', path, body: 'x' })).status, 200);
  }
  const keys = async (query: string): Promise<string[]> => {
    // aws4 signs a raw `+` as a space (%20), as a form-decoding server computes it.
    const r = await send(service, { method: 'GET', path: `/plus?${query}` });
    assert.equal(r.status, 200, r.text);
    return xmlAll(r.text, 'Key');
  };
  assert.deepEqual(await keys('list-type=2&prefix=dir+with+space/'), ['dir with space/a']);
  assert.deepEqual(await keys('list-type=2&prefix=dir%20with%20space/'), ['dir with space/a']);
  assert.deepEqual(await keys('list-type=2&prefix=dir%2Bwith%2Bspace/'), ['dir+with+space/b', 'dir+with+space/c']);
  assert.deepEqual(await keys('prefix=dir+with&delimiter=+'), []);
  const r = await send(service, { method: 'GET', path: '/plus?prefix=dir&delimiter=+' });
  // Delimiter ' ': the spaced keys roll up into `dir `, the plus keys have no space.
  assert.deepEqual(xmlAll(r.text, 'Prefix'), ['dir', 'dir ']);
  assert.deepEqual(xmlAll(r.text, 'Key'), ['dir+with+space/b', 'dir+with+space/c']);
  // response-* overrides are query values too.
  const g = await send(service, { method: 'GET', path: '/plus/dir%2Bwith%2Bspace/b?response-content-disposition=attachment%3B+filename%3Da+b%2Bc' });
  assert.equal(g.status, 200);
  assert.equal(g.headers['content-disposition'], 'attachment; filename=a b+c');
  assert.deepEqual(logged, []);
});

test('SigV2 as aws-sdk-go v1 sends it: prefix spaces as +, and a presigned Signature with a raw +', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/plus2' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/plus2/dir%20with%20space/f', body: 'hello' })).status, 200);
  const sign = (sts: string): string => createHmac('sha1', ALICE.secretKey).update(sts).digest('base64');

  // Header auth: the query is not part of a SigV2 string to sign (prefix is no sub-resource).
  const date = new Date().toUTCString();
  const list = buildRequest({ method: 'GET', path: '/plus2?delimiter=%2F&max-keys=1000&prefix=dir+with+space%2F', as: null });
  list.headers.date = date;
  list.headers.authorization = `AWS ${ALICE.accessKey}:${sign(`GET\n\n\n${date}\n/plus2`)}`;
  const l = await readResponse(await service.handle(list));
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(xmlAll(l.text, 'Key'), ['dir with space/f']);

  // A presigned GET whose base64 signature contains '+', sent unencoded (old clients do).
  let expires = Math.floor(Date.now() / 1000) + 600;
  let sig = '';
  for (; !sig.includes('+'); expires++) sig = sign(`GET\n\n\n${expires}\n/plus2/dir%20with%20space/f`);
  expires--;
  const url = `/plus2/dir%20with%20space/f?AWSAccessKeyId=${ALICE.accessKey}&Expires=${expires}&Signature=${sig.replaceAll('/', '%2F').replaceAll('=', '%3D')}`;
  const g = await readResponse(await service.handle(buildRequest({ method: 'GET', path: url, as: null })));
  assert.equal(g.status, 200, g.text);
  assert.equal(g.text, 'hello');
  // The same signature with one byte changed still fails: the repair only undoes the encoding.
  const bad = url.replace(`Signature=${sig[0]!}`, `Signature=${sig[0] === 'A' ? 'B' : 'A'}`);
  assert.equal((await service.handle(buildRequest({ method: 'GET', path: bad, as: null }))).status, 403);
});

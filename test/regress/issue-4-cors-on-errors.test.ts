/**
 * Issue #4 (CORS per bucket): an answer that failed authentication or authorisation carried no CORS
 * headers, because the bucket (and with it its rules) was loaded only once the request got that
 * far. A browser then cannot read the error at all ("No 'Access-Control-Allow-Origin' header"), for
 * example an expired presigned URL. The bucket's rules apply to error answers too (s3-surface.md §7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import aws4 from 'aws4';
import { ALICE, BOB, buildRequest, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const ORIGIN = 'https://app.example.com';
const CORS = '<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>';

async function setup(): Promise<Awaited<ReturnType<typeof makeService>>> {
  const s = await makeService();
  assert.equal((await send(s.service, { method: 'PUT', path: '/corserr' })).status, 200);
  assert.equal((await send(s.service, { method: 'PUT', path: '/corserr?cors', body: CORS })).status, 200);
  assert.equal((await send(s.service, { method: 'PUT', path: '/corserr/k', body: 'v' })).status, 200);
  return s;
}

test('a bad signature, a foreign user and an anonymous caller get the 403 with the bucket\'s CORS headers', async () => {
  const { service } = await setup();
  const bad = buildRequest({ method: 'GET', path: '/corserr/k', headers: { origin: ORIGIN } });
  bad.headers.authorization = bad.headers.authorization!.replace(/Signature=[0-9a-f]{8}/, 'Signature=00000000');
  const answers = [
    await readResponse(await service.handle(bad)),
    await send(service, { method: 'GET', path: '/corserr/k', as: BOB, headers: { origin: ORIGIN } }),
    await send(service, { method: 'GET', path: '/corserr/k', as: null, headers: { origin: ORIGIN } }),
  ];
  assert.deepEqual(answers.map((r) => xmlText(r.text, 'Code')), ['SignatureDoesNotMatch', 'AccessDenied', 'AccessDenied']);
  for (const r of answers) {
    assert.equal(r.status, 403);
    assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(r.headers['access-control-expose-headers'], 'ETag');
  }
});

test('an expired presigned URL answers with CORS headers; a non-matching origin or method gets none', async () => {
  const { service: now, engine } = await setup();
  const url = aws4.sign({ host: 'localhost:9000', method: 'GET', path: '/corserr/k?X-Amz-Expires=60', service: 's3', region: 'us-east-1', signQuery: true },
    { accessKeyId: ALICE.accessKey, secretAccessKey: ALICE.secretKey }).path!;
  const later = (await makeService({ engine, clock: () => Date.now() + 3_600_000 })).service;
  const req = (origin: string, method = 'GET') => ({ method, url, headers: { host: 'localhost:9000', origin }, body: buildRequest({ method: 'GET', path: '/', as: null }).body, requestId: '00000000000000C0', secure: false });
  const expired = await readResponse(await later.handle(req(ORIGIN)));
  assert.equal(expired.status, 403);
  assert.match(expired.text, /Request has expired/);
  assert.equal(expired.headers['access-control-allow-origin'], ORIGIN);
  const foreign = await readResponse(await later.handle(req('https://evil.org')));
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const del = await readResponse(await later.handle(req(ORIGIN, 'DELETE')));
  assert.equal(del.headers['access-control-allow-origin'], undefined, 'DELETE is not an allowed method');
  // Still valid now: the same URL works, with the headers.
  const ok = await readResponse(await now.handle(req(ORIGIN)));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
});

test('an error about a bucket that does not exist carries no CORS headers', async () => {
  const { service } = await setup();
  const r = await send(service, { method: 'GET', path: '/nosuchcors/k', as: BOB, headers: { origin: ORIGIN } });
  assert.equal(r.status, 404);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
});

/**
 * Conditional requests (shared/spec/s3-surface.md §4.2, RFC 9110 §13.2.2), Range and partNumber
 * selection (§4.6) and CORS rule matching (§7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitCondition, evaluatePreconditions } from '../../../src/s3/conditional.js';
import { corsResponseHeaders, matchRule, preflightHeaders, type StoredCors } from '../../../src/s3/cors.js';
import { S3Error } from '../../../src/s3/errors.js';
import { contentRange, parsePartNumber, parseRange, partWindow } from '../../../src/s3/range.js';

const code = (c: string) => (e: unknown): boolean => e instanceof S3Error && e.code === c;
const V = { etag: '"abc"', lastModified: new Date('2024-05-01T10:00:00.500Z') };
const BEFORE = 'Wed, 01 May 2024 09:00:00 GMT';
const SAME = 'Wed, 01 May 2024 10:00:00 GMT';
const AFTER = 'Wed, 01 May 2024 11:00:00 GMT';

test('precondition precedence (§4.2 table)', () => {
  assert.equal(evaluatePreconditions({ ifMatch: '"abc"' }, V), 'ok');
  assert.equal(evaluatePreconditions({ ifMatch: '"x", "abc"' }, V), 'ok');
  assert.equal(evaluatePreconditions({ ifMatch: '*' }, V), 'ok');
  assert.equal(evaluatePreconditions({ ifMatch: 'W/"abc"' }, V), 412, 'If-Match is strong');
  assert.equal(evaluatePreconditions({ ifMatch: '"x"' }, V), 412);
  assert.equal(evaluatePreconditions({ ifUnmodifiedSince: BEFORE }, V), 412);
  assert.equal(evaluatePreconditions({ ifUnmodifiedSince: SAME }, V), 'ok', 'second precision');
  assert.equal(evaluatePreconditions({ ifMatch: '"abc"', ifUnmodifiedSince: BEFORE }, V), 'ok', 'If-Match true skips If-Unmodified-Since');
  assert.equal(evaluatePreconditions({ ifNoneMatch: 'W/"abc"' }, V), 304, 'If-None-Match is weak');
  assert.equal(evaluatePreconditions({ ifNoneMatch: '*' }, V), 304);
  assert.equal(evaluatePreconditions({ ifModifiedSince: SAME }, V), 304);
  assert.equal(evaluatePreconditions({ ifModifiedSince: BEFORE }, V), 'ok');
  assert.equal(evaluatePreconditions({ ifNoneMatch: '"x"', ifModifiedSince: AFTER }, V), 'ok', 'If-None-Match true: If-Modified-Since not evaluated');
  assert.equal(evaluatePreconditions({ ifMatch: '"x"', ifNoneMatch: '"abc"' }, V), 412, '412 before 304');
  assert.equal(evaluatePreconditions({ ifModifiedSince: 'not a date' }, V), 'ok', 'unparseable dates are ignored');
});

test('commit conditions: If-None-Match only *, If-Match any ETag', () => {
  assert.equal(commitCondition({}), undefined);
  assert.deepEqual(commitCondition({ 'if-none-match': '*' }), { ifNoneMatch: '*' });
  assert.deepEqual(commitCondition({ 'if-match': '"e"' }), { ifMatch: '"e"' });
  assert.throws(() => commitCondition({ 'if-none-match': '"e"' }), code('NotImplemented'));
});

test('Range parsing (§4.6)', () => {
  assert.deepEqual(parseRange('bytes=0-4', 10), { offset: 0, length: 5 });
  assert.deepEqual(parseRange('bytes=5-', 10), { offset: 5, length: 5 });
  assert.deepEqual(parseRange('bytes=-3', 10), { offset: 7, length: 3 });
  assert.deepEqual(parseRange('bytes=-30', 10), { offset: 0, length: 10 });
  assert.deepEqual(parseRange('bytes=8-100', 10), { offset: 8, length: 2 }, 'end clamped');
  assert.equal(parseRange(undefined, 10), undefined);
  assert.equal(parseRange('bytes=0-1,5-6', 10), undefined, 'several ranges: whole object');
  assert.equal(parseRange('items=0-1', 10), undefined);
  assert.equal(parseRange('bytes=5-2', 10), undefined, 'invalid: ignored');
  assert.throws(() => parseRange('bytes=10-', 10), (e: unknown) => e instanceof S3Error && e.code === 'InvalidRange' && e.headers['content-range'] === 'bytes */10');
  // AWS names the range and the size in the error body (SDKs read ActualObjectSize).
  assert.throws(() => parseRange('bytes=10-', 10), (e: unknown) => e instanceof S3Error && e.fields.RangeRequested === 'bytes=10-' && e.fields.ActualObjectSize === 10);
  assert.throws(() => parseRange('bytes=-0', 10), code('InvalidRange'));
  assert.throws(() => parseRange('bytes=0-', 0), code('InvalidRange'));
  assert.equal(contentRange({ offset: 7, length: 3 }, 10), 'bytes 7-9/10');
});

test('partNumber (§4.6)', () => {
  assert.equal(parsePartNumber('1'), 1);
  for (const bad of ['0', '10001', 'x', '-1', '']) assert.throws(() => parsePartNumber(bad), code('InvalidArgument'));
  const parts = [{ partNumber: 1, size: 5, etag: '"a"' }, { partNumber: 2, size: 3, etag: '"b"' }];
  assert.deepEqual(partWindow(parts, 2, 8), { window: { offset: 5, length: 3 }, count: 2 });
  assert.throws(() => partWindow(parts, 3, 8), code('InvalidPartNumber'));
  assert.deepEqual(partWindow(undefined, 1, 8), { window: { offset: 0, length: 8 }, count: 1 });
  assert.throws(() => partWindow(undefined, 2, 8), code('InvalidPartNumber'));
});

test('CORS matching: origin wildcard, method, every requested header', () => {
  const cors: StoredCors = { v: 1, rules: [
    { allowedOrigins: ['https://*.example.com'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['x-amz-*', 'content-type'], exposeHeaders: ['ETag'], maxAgeSeconds: 60 },
    { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
  ] };
  const r1 = matchRule(cors, 'https://app.example.com', 'PUT', ['X-Amz-Date', 'Content-Type']);
  assert.equal(r1, cors.rules[0]);
  assert.equal(matchRule(cors, 'https://app.example.com', 'PUT', ['authorization']), undefined, 'every header must match');
  assert.equal(matchRule(cors, 'https://other.org', 'GET'), cors.rules[1]);
  assert.equal(matchRule(cors, 'https://other.org', 'DELETE'), undefined);
  assert.equal(matchRule(undefined, 'https://other.org', 'GET'), undefined);
  const pre = preflightHeaders(r1!, 'https://app.example.com', ['X-Amz-Date']);
  assert.equal(pre['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(pre['access-control-allow-credentials'], 'true');
  assert.equal(pre['access-control-allow-methods'], 'GET, PUT');
  assert.equal(pre['access-control-allow-headers'], 'x-amz-date');
  assert.equal(pre['access-control-expose-headers'], 'ETag');
  assert.equal(pre['access-control-max-age'], '60');
  const star = corsResponseHeaders(cors.rules[1]!, 'https://other.org');
  assert.equal(star['access-control-allow-origin'], '*');
  assert.equal(star['access-control-allow-credentials'], undefined);
  assert.match(star.vary!, /Origin/);
});

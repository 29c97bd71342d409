// SigV4 canonicalisation details (spec §2): the path as sent, encoded once, not normalised; query
// decoded then re-encoded and sorted; header values trimmed and collapsed; credential parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalHeaders, canonicalQuery, canonicalUri, parseAmzDate, parseAuthorizationV4, parseCredential,
} from '../../../../src/s3/auth/index.js';
import { canonicalResource } from '../../../../src/s3/auth/index.js';

test('canonical URI: encode each segment once, keep dot segments and empty segments', () => {
  assert.equal(canonicalUri('/b/a%20b/../c//d/./e'), '/b/a%20b/../c//d/./e');
  assert.equal(canonicalUri('/b/a b'), '/b/a%20b');
  assert.equal(canonicalUri('/b/x%2Fy'), '/b/x%2Fy'); // an encoded slash stays one
  assert.equal(canonicalUri('/b/p+q$r'), '/b/p%2Bq%24r');
  assert.equal(canonicalUri('/b/%c3%bc'), '/b/%C3%BC');
  assert.equal(canonicalUri('/b/ü~'), '/b/%C3%BC~');
  assert.equal(canonicalUri('/b/100%'), '/b/100%25'); // a stray % is data
  assert.equal(canonicalUri('/b/%FF'), '/b/%FF'); // invalid UTF-8 round-trips byte-exact
  assert.equal(canonicalUri('/bucket/'), '/bucket/');
});

test('canonical query: bare keys get =, decode/re-encode, sort by key then value', () => {
  assert.equal(canonicalQuery('uploads'), 'uploads=');
  assert.equal(canonicalQuery('delete='), 'delete=');
  assert.equal(canonicalQuery('prefix=J&max-keys=2'), 'max-keys=2&prefix=J');
  assert.equal(canonicalQuery('a=2&a=1&b'), 'a=1&a=2&b=');
  assert.equal(canonicalQuery('prefix=a+b%2Fc d&x=%7e&y=%2B'), 'prefix=a%20b%2Fc%20d&x=~&y=%2B');
  assert.equal(canonicalQuery('X-Amz-Signature=abc&k=v', 'X-Amz-Signature'), 'k=v');
  assert.equal(canonicalQuery('&&a=1&'), 'a=1');
  assert.equal(canonicalQuery('B=1&a=1'), 'B=1&a=1'); // byte order: upper case first
});

test('canonical headers: trim, collapse inner whitespace, join duplicates with a comma', () => {
  assert.equal(canonicalHeaders({ a: '  x   y  ', b: ['1 ', ' 2'] }, ['a', 'b', 'c']), 'a:x y\nb:1,2\nc:\n');
});

test('credential parsing: access keys may contain slashes; malformed scopes rejected', () => {
  assert.deepEqual(parseCredential('my/odd/key/20260101/us-east-1/s3/aws4_request', 'X'),
    { accessKeyId: 'my/odd/key', date: '20260101', region: 'us-east-1', service: 's3', scope: '20260101/us-east-1/s3/aws4_request' });
  assert.throws(() => parseCredential('AK/20260101/us-east-1/s3/aws5_request', 'X'), { awsCode: 'X' });
  assert.throws(() => parseCredential('AK/2026/us-east-1/s3/aws4_request', 'X'), { awsCode: 'X' });
  const h = parseAuthorizationV4('AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date,  Signature=ab, Credential=AK/20260101/r/s3/aws4_request');
  assert.deepEqual(h.signedHeaders, ['host', 'x-amz-date']);
  assert.equal(h.signature, 'ab');
  assert.throws(() => parseAuthorizationV4('AWS4-HMAC-SHA256 Credential=AK/20260101/r/s3/aws4_request'), { awsCode: 'AuthorizationHeaderMalformed' });
});

test('amz dates: strict ISO 8601 basic format', () => {
  assert.equal(parseAmzDate('20130524T000000Z'), Date.UTC(2013, 4, 24));
  assert.equal(parseAmzDate('20130231T000000Z'), undefined);
  assert.equal(parseAmzDate('2013-05-24T00:00:00Z'), undefined);
});

test('SigV2 canonicalized resource: only sub-resources, sorted, decoded values', () => {
  assert.equal(canonicalResource('/b/k', 'uploadId=x%2By&partNumber=2&foo=bar'), '/b/k?partNumber=2&uploadId=x+y');
  assert.equal(canonicalResource('/', 'acl', 'bucket'), '/bucket/?acl');
  assert.equal(canonicalResource('/b', 'delete=&list-type=2'), '/b?delete');
  assert.equal(canonicalResource('/b/k', 'response-content-type=text%2Fplain'), '/b/k?response-content-type=text/plain');
});

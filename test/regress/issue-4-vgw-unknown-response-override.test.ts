/**
 * Issue #4 (versitygw audit, HeadObject_invalid_response_override): GET or HEAD with a `response-`
 * query parameter S3 cannot override (`response-invalid=value`) answered 200, the parameter
 * ignored. S3 refuses it: 400 InvalidArgument "response-invalid is not in the set of overridable
 * response headers. Please refer to the S3 API documentation for a complete list of overridable
 * response headers.", with ArgumentName and ArgumentValue (S3's answer quoted in versitygw#2075).
 * The six known overrides still apply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('an unknown response- parameter on GET/HEAD: 400 InvalidArgument', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/rov' })).status, 200);
  assert.equal((await f.send({ method: 'PUT', path: '/rov/k', body: 'x' })).status, 200);
  const get = await f.send({ method: 'GET', path: '/rov/k?response-content-type=text%2Fplain&response-invalid=value' });
  assert.equal(get.status, 400, get.text);
  assert.equal(get.code, 'InvalidArgument');
  assert.match(get.text, /<Message>response-invalid is not in the set of overridable response headers\. Please refer to the S3 API documentation for a complete list of overridable response headers\.<\/Message>/);
  assert.match(get.text, /<ArgumentName>response-invalid<\/ArgumentName><ArgumentValue>value<\/ArgumentValue>/);
  assert.equal((await f.send({ method: 'HEAD', path: '/rov/k?response-invalid=value' })).status, 400);
  const ok = await f.send({ method: 'GET', path: '/rov/k?response-content-type=text%2Fplain&response-cache-control=no-cache' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'text/plain');
  assert.equal(ok.headers['cache-control'], 'no-cache');
});

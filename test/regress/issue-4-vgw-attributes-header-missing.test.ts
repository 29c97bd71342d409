/**
 * Issue #4 (versitygw audit, GetObjectAttributes_empty_attrs): GetObjectAttributes without an
 * `x-amz-object-attributes` header, or with an empty one, answered 400 InvalidArgument "Invalid
 * attribute name specified.", the answer to an unknown name. S3 answers 400 InvalidRequest "The
 * x-amz-object-attributes header specifying the attributes to be retrieved is either missing or
 * empty" (its answer quoted in versitygw#915). An unknown name keeps InvalidArgument.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('GetObjectAttributes with no or an empty x-amz-object-attributes: 400 InvalidRequest', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/attrs' })).status, 200);
  assert.equal((await f.send({ method: 'PUT', path: '/attrs/k', body: 'x' })).status, 200);
  const cases: Record<string, string>[] = [{}, { 'x-amz-object-attributes': '' }, { 'x-amz-object-attributes': ' , ' }];
  for (const headers of cases) {
    const r = await f.send({ method: 'GET', path: '/attrs/k?attributes', headers });
    assert.equal(r.status, 400, JSON.stringify(headers));
    assert.equal(r.code, 'InvalidRequest', JSON.stringify(headers));
    assert.match(r.text, /The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty/);
  }
  const unknown = await f.send({ method: 'GET', path: '/attrs/k?attributes', headers: { 'x-amz-object-attributes': 'ETag,Colour' } });
  assert.equal(unknown.code, 'InvalidArgument');
  assert.equal((await f.send({ method: 'GET', path: '/attrs/k?attributes', headers: { 'x-amz-object-attributes': 'ETag' } })).status, 200);
});

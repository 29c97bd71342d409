/**
 * Issue #4 (versitygw audit, GetObject_invalid_part_number, HeadObject_invalid_part_number): GET or
 * HEAD with a malformed `partNumber` (-3, 0, 10001, abc) of a key that does not exist answered 404
 * NoSuchKey — the object was looked up before the parameter was read. S3 checks the parameter
 * first: 400 InvalidArgument "Part number must be an integer between 1 and 10000, inclusive"
 * (versitygw's tests, written against S3, ask on a missing key). On an existing object the answer
 * was already 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('a malformed partNumber is 400 InvalidArgument before the key is looked up', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/pnum' })).status, 200);
  for (const pn of ['-3', '0', '10001', 'abc']) {
    const get = await f.send({ method: 'GET', path: `/pnum/missing?partNumber=${pn}` });
    assert.equal(get.status, 400, `GET partNumber=${pn}: ${get.text}`);
    assert.equal(get.code, 'InvalidArgument', pn);
    assert.match(get.text, /Part number must be an integer between 1 and 10000, inclusive/);
    const head = await f.send({ method: 'HEAD', path: `/pnum/missing?partNumber=${pn}` });
    assert.equal(head.status, 400, `HEAD partNumber=${pn}`);
  }
  // A well-formed part number of a missing key is still 404.
  assert.equal((await f.send({ method: 'GET', path: '/pnum/missing?partNumber=1' })).status, 404);
  assert.equal((await f.send({ method: 'HEAD', path: '/pnum/missing?partNumber=1' })).status, 404);
});

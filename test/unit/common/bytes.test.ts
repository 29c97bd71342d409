import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBytes, fromHex, prefixEnd, toHex, blake3 } from '../../../src/common/index.js';

test('hex round trip and rejection of bad hex', () => {
  assert.equal(toHex(fromHex('00ff10')), '00ff10');
  assert.throws(() => fromHex('abc'));
  assert.throws(() => fromHex('zz'));
});

test('prefixEnd bounds every key with the prefix', () => {
  assert.deepEqual(prefixEnd(Buffer.from([1, 2])), Buffer.from([1, 3]));
  assert.deepEqual(prefixEnd(Buffer.from([1, 0xff])), Buffer.from([2]));
  assert.equal(prefixEnd(Buffer.from([0xff, 0xff])), undefined);
  assert.ok(compareBytes(Buffer.from([1, 2, 0xff, 0xff]), prefixEnd(Buffer.from([1, 2]))!) < 0);
});

test('BLAKE3-256 matches the reference vector for empty input', () => {
  // Official BLAKE3 test vector (input length 0).
  assert.equal(toHex(blake3(new Uint8Array())), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
});

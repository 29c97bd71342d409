/** Name-index key encoding (shared/spec/ccow.md §7.2): order-preserving, escapes 0x00, decodable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareBytes } from '../../../src/common/index.js';
import { curKey, decodeObjectKey, encodeObjectKey, escapeKeyPrefix, niKey, niKeyPrefix, uvidOfNiKey } from '../../../src/engine/keys.js';
import { seekPast } from '../../../src/engine/listing.js';

const bid = Buffer.alloc(16, 3);
const keyArb = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '/', 'a', 'b', '\u00ff', 'é', '😀', '\uffff'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 });
const utf8 = (s: string) => Buffer.from(s, 'utf8');

test('encoded keys sort in UTF-8 byte order of the keys, and decode back', () => {
  fc.assert(
    fc.property(keyArb, keyArb, (a, b) => {
      const ea = encodeObjectKey(a);
      const eb = encodeObjectKey(b);
      assert.equal(Math.sign(compareBytes(ea, eb)), Math.sign(compareBytes(utf8(a), utf8(b))));
      assert.equal(decodeObjectKey(Buffer.concat([bid, ea, Buffer.alloc(16)]), 16).key, Buffer.from(a, 'utf8').toString('utf8'));
    }),
    { numRuns: 1000 },
  );
});

test("a key's versions sort newest first, and before any longer key", () => {
  const u1 = Buffer.alloc(16, 1);
  const u2 = Buffer.alloc(16, 2);
  const k = encodeObjectKey('a');
  assert.ok(compareBytes(niKey(bid, k, u2), niKey(bid, k, u1)) < 0);
  assert.ok(compareBytes(niKey(bid, k, u1), niKey(bid, encodeObjectKey('a\u0000'), u2)) < 0);
  assert.ok(compareBytes(niKey(bid, k, u1), niKey(bid, encodeObjectKey('a '), u2)) < 0);
  assert.deepEqual(uvidOfNiKey(niKey(bid, k, u1)), u1);
  assert.ok(niKey(bid, k, u1).subarray(0, niKeyPrefix(bid, k).length).equals(niKeyPrefix(bid, k)));
});

test('seeking past a common prefix skips exactly the keys that start with it', () => {
  fc.assert(
    fc.property(keyArb, keyArb, (cp, rest) => {
      const base = curKey(bid, Buffer.alloc(0));
      const seek = seekPast(base, cp);
      const under = curKey(bid, encodeObjectKey(cp + rest));
      assert.ok(compareBytes(under, seek) < 0, 'a key under the prefix sorts before the seek key');
      assert.ok(compareBytes(curKey(bid, escapeKeyPrefix(cp)), under) <= 0);
    }),
    { numRuns: 1000 },
  );
});

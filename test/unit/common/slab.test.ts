/** Transient buffers cut from shared slabs (src/common/slab.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transientBuffer } from '../../../src/common/index.js';

test('transientBuffer: slices of one slab never overlap, are 8-byte aligned, and a full slab is left for a new one', () => {
  const got: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    const b = transientBuffer(4400 + i);
    assert.equal(b.length, 4400 + i);
    assert.equal(b.byteOffset % 8, 0);
    b.fill(i & 0xff);
    got.push(b);
  }
  // Every slice still holds what was written to it: none was handed out twice.
  got.forEach((b, i) => assert.ok(b.every((x) => x === (i & 0xff)), `slice ${i} was overwritten`));
  const slabs = new Set(got.map((b) => b.buffer));
  assert.ok(slabs.size > 1 && slabs.size < 64, `${slabs.size} slabs for 64 slices of ~4.4 KB`);
  for (const s of slabs) assert.equal(s.byteLength, 64 * 1024);
});

test('transientBuffer: a request over a quarter slab gets memory of its own; zero bytes work', () => {
  const before = transientBuffer(8);
  const big = transientBuffer(16 * 1024 + 1);
  const after = transientBuffer(8);
  assert.equal(big.length, 16 * 1024 + 1);
  // Not a slice of our slabs (Node's own allocator may still cut it from its pool: Node 24's
  // Buffer.poolSize is 64 KiB).
  assert.notEqual(big.buffer, before.buffer);
  assert.notEqual(big.buffer, after.buffer);
  assert.equal(transientBuffer(0).length, 0);
});

/**
 * BufferPool (src/engine/buffer-pool.ts): exact sizes, reuse by size, and page-aligned shared
 * memory for the put buffers (`aligned`), which the local store recognises (isPageAligned) and
 * writes with O_DIRECT in place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPageAligned } from '../../../src/common/index.js';
import { BufferPool } from '../../../src/engine/buffer-pool.js';

const MiB = 1024 * 1024;

test('aligned shared buffers: exact length, page-aligned memory, reused once given back', () => {
  const pool = new BufferPool({ shared: true, aligned: true, maxFreeBytes: 8 * MiB });
  const a = pool.take(MiB);
  assert.equal(a.length, MiB);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  assert.ok(isPageAligned(a));
  // Not a multiple of the WebAssembly page: the memory is rounded up, the view is not.
  const b = pool.take(100_000);
  assert.equal(b.length, 100_000);
  assert.equal(b.buffer.byteLength, 131_072);
  assert.ok(isPageAligned(b));
  pool.give(a.buffer);
  pool.give(b.buffer);
  assert.equal(pool.take(MiB).buffer, a.buffer, 'the same memory again');
  assert.equal(pool.take(100_000).buffer, b.buffer, 'filed under its own size');
});

test('small or unaligned pools give plain buffers', () => {
  const small = new BufferPool({ shared: true, aligned: true, maxFreeBytes: MiB }).take(4096);
  assert.equal(small.length, 4096);
  assert.ok(small.buffer instanceof SharedArrayBuffer);
  assert.ok(!isPageAligned(small), 'below a WebAssembly page: plain shared memory');
  const plain = new BufferPool({ shared: true, maxFreeBytes: MiB }).take(MiB);
  assert.ok(!isPageAligned(plain));
  const unshared = new BufferPool({ shared: false, aligned: true, maxFreeBytes: MiB }).take(MiB);
  assert.ok(!(unshared.buffer instanceof SharedArrayBuffer));
  assert.ok(!isPageAligned(unshared));
});

test('no address space for aligned memory: plain shared memory of the same size class', (t) => {
  const g = globalThis as unknown as { WebAssembly: { Memory: unknown } };
  const Real = g.WebAssembly.Memory;
  t.after(() => {
    g.WebAssembly.Memory = Real;
  });
  g.WebAssembly.Memory = function Memory(): never {
    throw new RangeError('WebAssembly.Memory(): could not allocate memory');
  };
  const pool = new BufferPool({ shared: true, aligned: true, maxFreeBytes: 8 * MiB });
  const b = pool.take(100_000);
  assert.equal(b.length, 100_000);
  assert.ok(b.buffer instanceof SharedArrayBuffer);
  assert.ok(!isPageAligned(b));
  pool.give(b.buffer);
  assert.equal(pool.take(100_000).buffer, b.buffer, 'reused: filed under the size take() looks for');
});

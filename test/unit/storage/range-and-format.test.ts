/**
 * Pure pieces of the storage layer: range normalisation (storage/contract), key checks, the chunk
 * file format against its golden fixture, and rendezvous placement (storage/local).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chunkIdOf } from '../../../src/common/index.js';
import { checkMetaKey, normalizeRange, StorageErrors } from '../../../src/storage/contract/index.js';
import { CHUNK_HEADER_BYTES, decodeChunkFile, encodeChunkHeader } from '../../../src/storage/local/chunk-file-format.js';
import { DiskSet } from '../../../src/storage/local/disks.js';

const b = (...xs: number[]): Buffer => Buffer.from(xs);

test('normalizeRange keeps the tighter of two bounds and detects empty ranges', () => {
  const r = normalizeRange({ gte: b(1), gt: b(1), lt: b(9), lte: b(5) });
  assert.deepEqual(r.lower, { key: b(1), inclusive: false });
  assert.deepEqual(r.upper, { key: b(5), inclusive: true });
  assert.equal(r.empty, false);
  assert.equal(r.limit, Infinity);
  assert.equal(normalizeRange({ gte: b(5), lt: b(5) }).empty, true);
  assert.equal(normalizeRange({ gte: b(5), lte: b(5) }).empty, false);
  assert.equal(normalizeRange({ gt: b(6), lte: b(5) }).empty, true);
  assert.equal(normalizeRange({ limit: 0 }).empty, true);
  assert.equal(normalizeRange({ limit: -3 }).limit, 0);
  assert.equal(normalizeRange({ reverse: true }).reverse, true);
});

test('checkMetaKey accepts 1..1978 bytes only', () => {
  assert.throws(() => checkMetaKey(b()), TypeError);
  assert.throws(() => checkMetaKey(Buffer.alloc(1979)), TypeError);
  checkMetaKey(b(0));
  checkMetaKey(Buffer.alloc(1978));
});

test('chunk file v1 matches its golden fixture and decodes back', () => {
  const text = readFileSync(join(process.cwd(), 'test/fixtures/storage/chunk-file-v1.hex'), 'utf8');
  const golden = Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex');
  const payload = Buffer.from('hello');
  assert.ok(Buffer.concat([encodeChunkHeader(payload.length), payload]).equals(golden));
  assert.ok(decodeChunkFile(golden, 'x').equals(payload));
  assert.equal(CHUNK_HEADER_BYTES, 16);
});

test('chunk file decode: truncated → CHUNK_MISSING, bad header or trailing bytes → CHUNK_CORRUPT', () => {
  const file = Buffer.concat([encodeChunkHeader(5), Buffer.from('hello')]);
  assert.throws(() => decodeChunkFile(file.subarray(0, 20), 'x'), (e) => StorageErrors.CHUNK_MISSING.is(e));
  assert.throws(() => decodeChunkFile(file.subarray(0, 10), 'x'), (e) => StorageErrors.CHUNK_MISSING.is(e));
  assert.throws(() => decodeChunkFile(Buffer.concat([file, b(0)]), 'x'), (e) => StorageErrors.CHUNK_CORRUPT.is(e));
  const bad = Buffer.from(file);
  bad[4] = 9;
  assert.throws(() => decodeChunkFile(bad, 'x'), (e) => StorageErrors.CHUNK_CORRUPT.is(e));
});

test('rendezvous placement is deterministic, spreads evenly and moves few ids when a disk is added', () => {
  const three = new DiskSet(['/d/a', '/d/b', '/d/c'], 0.9);
  const four = new DiskSet(['/d/a', '/d/b', '/d/c', '/d/d'], 0.9);
  const counts = [0, 0, 0];
  let moved = 0;
  const n = 3000;
  for (let i = 0; i < n; i++) {
    const id = chunkIdOf(Buffer.from(`chunk ${i}`));
    const order = three.order(id);
    assert.equal(order.length, 3);
    assert.deepEqual(three.order(id), order);
    counts[order[0]!.index]!++;
    const home4 = four.order(id)[0]!;
    if (home4.path !== order[0]!.path) {
      moved++;
      assert.equal(home4.path, '/d/d', 'ids only move to the new disk');
    }
  }
  for (const c of counts) assert.ok(c > n / 3 - 200 && c < n / 3 + 200, `balanced: ${counts.join(',')}`);
  assert.ok(moved > n / 4 - 200 && moved < n / 4 + 200, `about 1/4 moved: ${moved}`);
});

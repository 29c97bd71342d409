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
import { CHUNK_BLOCK, CHUNK_HEADER_BYTES, chunkFileV2Size, decodeChunkFile, encodeChunkHeader, readChunkHeader, writeChunkHeaderV2 } from '../../../src/storage/local/chunk-file-format.js';
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

/** Parse the sparse fixture form of chunk-file-v2.hex ("size N", "@offset hex", rest zero). */
function sparseFixture(name: string): Buffer {
  const lines = readFileSync(join(process.cwd(), 'test/fixtures/storage', name), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const size = Number(/^size (\d+)$/.exec(lines[0]!)![1]);
  const out = Buffer.alloc(size);
  for (const l of lines.slice(1)) {
    const m = /^@(\d+) (.*)$/.exec(l)!;
    Buffer.from(m[2]!.replace(/\s+/g, ''), 'hex').copy(out, Number(m[1]));
  }
  return out;
}

/** A v2 file as chunk-files.ts writes it: header block, payload, zero padding. */
function v2File(payload: Buffer): Buffer {
  const f = Buffer.alloc(chunkFileV2Size(payload.length), 0xee);
  writeChunkHeaderV2(f, payload.length);
  payload.copy(f, CHUNK_BLOCK);
  f.fill(0, CHUNK_BLOCK + payload.length);
  return f;
}

test('chunk file v2 (O_DIRECT layout) matches its golden fixture and decodes back', () => {
  const golden = sparseFixture('chunk-file-v2.hex');
  const payload = Buffer.from('hello');
  assert.ok(v2File(payload).equals(golden));
  assert.ok(decodeChunkFile(golden, 'x').equals(payload));
  assert.deepEqual(readChunkHeader(golden), { version: 2, length: 5, offset: 4096 });
  assert.equal(chunkFileV2Size(4096), 8192);
  assert.equal(chunkFileV2Size(0), 4096);
  const big = Buffer.alloc(3 * CHUNK_BLOCK, 7);
  assert.ok(decodeChunkFile(v2File(big), 'x').equals(big));
  assert.ok(decodeChunkFile(v2File(Buffer.alloc(0)), 'x').equals(Buffer.alloc(0)));
});

test('chunk file v2 decode: short of its padded length → CHUNK_MISSING, longer → CHUNK_CORRUPT', () => {
  const f = v2File(Buffer.from('hello'));
  assert.throws(() => decodeChunkFile(f.subarray(0, 4096 + 3), 'x'), (e) => StorageErrors.CHUNK_MISSING.is(e));
  assert.throws(() => decodeChunkFile(f.subarray(0, 4096 + 5), 'x'), (e) => StorageErrors.CHUNK_MISSING.is(e));
  assert.throws(() => decodeChunkFile(Buffer.concat([f, Buffer.alloc(4096)]), 'x'), (e) => StorageErrors.CHUNK_CORRUPT.is(e));
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

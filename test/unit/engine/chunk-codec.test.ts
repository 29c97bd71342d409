/** Chunk ids, compression and zero chunks (shared/spec/ccow.md §3, §18 (2)). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { blake3 } from '../../../src/common/index.js';
import { decodeChunk, isAllZero, prepareChunk } from '../../../src/engine/chunk-codec.js';
import { CodecId } from '../../../src/engine/format/ref.js';

test('BLAKE3 reference vectors (official test_vectors: input byte i = i mod 251)', () => {
  const input = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));
  assert.equal(blake3(input(0)).toString('hex'), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  assert.equal(blake3(input(1)).toString('hex'), '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213');
  assert.equal(blake3(input(1024)).toString('hex'), '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7');
});

test('the chunk id is BLAKE3 of the stored bytes; uncompressed chunks store the data as is', async () => {
  const data = randomBytes(5000);
  const p = (await prepareChunk(data, 4096, 'none'))!;
  assert.equal(p.ref.codec, CodecId.NONE);
  assert.deepEqual(p.ref.id, blake3(data));
  assert.equal(p.ref.offset, 4096);
  assert.equal(p.ref.length, 5000);
  assert.equal(p.ref.storedLength, 5000);
});

for (const codec of ['lz4', 'zstd'] as const) {
  test(`${codec}: compressible chunks are stored compressed, the id hashes the compressed bytes, and decode back`, async () => {
    const data = Buffer.alloc(64 * 1024, 'abcdefgh');
    const p = (await prepareChunk(data, 0, codec))!;
    assert.equal(p.ref.codec, codec === 'lz4' ? CodecId.LZ4 : CodecId.ZSTD);
    assert.ok(p.stored.length < data.length / 8);
    assert.equal(p.ref.storedLength, p.stored.length);
    assert.deepEqual(p.ref.id, blake3(p.stored));
    assert.deepEqual(Buffer.from(await decodeChunk(p.ref, p.stored)), data);
  });

  test(`${codec}: incompressible data (saving < 12.5 %) and chunks < 128 bytes stay uncompressed`, async () => {
    const rnd = (await prepareChunk(randomBytes(8192), 0, codec))!;
    assert.equal(rnd.ref.codec, CodecId.NONE);
    const tiny = (await prepareChunk(Buffer.alloc(127, 'a'), 0, codec))!;
    assert.equal(tiny.ref.codec, CodecId.NONE);
  });
}

test('all-zero chunks are holes (never stored)', async () => {
  assert.equal(await prepareChunk(Buffer.alloc(1 << 20), 0, 'none'), undefined);
  assert.equal(await prepareChunk(Buffer.alloc(100_000), 0, 'zstd'), undefined);
  assert.ok(isAllZero(Buffer.alloc(0)));
  const almost = Buffer.alloc(200_000);
  almost[150_001] = 1;
  assert.equal(isAllZero(almost), false);
  assert.ok(await prepareChunk(almost, 0, 'none'));
});

test('a corrupt compressed chunk is CHUNK_CORRUPT, never garbage', async () => {
  const data = Buffer.alloc(64 * 1024, 'xyz');
  const p = (await prepareChunk(data, 0, 'zstd'))!;
  const bad = Buffer.from(p.stored);
  bad.fill(0x55, 4, 20);
  await assert.rejects(decodeChunk(p.ref, bad), { code: 'CCOW_ERR_CHUNK_CORRUPT' });
});

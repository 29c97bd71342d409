/**
 * ReadOptions.lend (engine read buffers reused between pieces): a consumer that copies each piece
 * before asking for the next gets the exact bytes — whole objects, ranges across chunk edges,
 * compressed chunks, holes, many reads in a row — and buffers really are reused (a piece kept past
 * `next()` on the local backend is the same memory as a later one).
 */
import assert from 'node:assert/strict';
import { body, bytes, collect, eachBackend } from './harness.js';

const CHUNK = 4096;

eachBackend('lend: whole, ranged, compressed and sparse reads return the exact bytes', async (h) => {
  const e = h.engine;
  await e.createBucket('plain', { owner: 't', chunkSize: CHUNK });
  await e.createBucket('zipped', { owner: 't', chunkSize: CHUNK, codec: 'zstd' });
  const data = bytes(CHUNK * 9 + 123, 7);
  // Compressible and sparse: text-like runs and a whole zero chunk (a hole).
  const sparse = Buffer.concat([Buffer.alloc(CHUNK, 'a'), Buffer.alloc(CHUNK), bytes(CHUNK * 2, 3), Buffer.alloc(77, 'z')]);
  await e.putObject({ bucket: 'plain', key: 'k' }, body(data, 1500));
  await e.putObject({ bucket: 'zipped', key: 'k' }, body(sparse, 1500));
  for (let round = 0; round < 3; round++) {
    assert.ok((await collect((await e.read({ bucket: 'plain', key: 'k' }, { lend: true })).body)).equals(data));
    assert.ok((await collect((await e.read({ bucket: 'zipped', key: 'k' }, { lend: true })).body)).equals(sparse));
    for (const [offset, length] of [[0, 1], [CHUNK - 5, 10], [CHUNK * 3 + 17, CHUNK * 4], [data.length - 50, 50]] as const) {
      const got = await collect((await e.read({ bucket: 'plain', key: 'k' }, { lend: true, offset, length })).body);
      assert.ok(got.equals(data.subarray(offset, offset + length)), `range ${offset}+${length}`);
    }
  }
});

eachBackend('lend: an iteration ended early, then reads go on correctly', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  const data = bytes(CHUNK * 6, 9);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data));
  for (let i = 0; i < 5; i++) {
    for await (const piece of (await e.read({ bucket: 'b', key: 'k' }, { lend: true })).body) {
      assert.ok(Buffer.from(piece).equals(data.subarray(0, piece.length)));
      break;
    }
  }
  assert.ok((await collect((await e.read({ bucket: 'b', key: 'k' }, { lend: true })).body)).equals(data));
});

eachBackend('lend: the local backend reads into reused memory (the contract a consumer must honour)', async (h) => {
  if (h.kind !== 'local') return; // the memory backend ignores ChunkGetOptions.alloc (allowed)
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: 64 * 1024 });
  // Chunks above the blob limit (16 KiB) are files, the ones read into lent buffers.
  const data = bytes(64 * 1024 * 8, 11);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data, 64 * 1024));
  const memories = new Set<ArrayBufferLike>();
  for await (const piece of (await e.read({ bucket: 'b', key: 'k' }, { lend: true })).body) memories.add(piece.buffer);
  assert.ok(memories.size < 8, `8 pieces came from ${memories.size} buffers: none was reused`);
  const fresh = new Set<ArrayBufferLike>();
  for await (const piece of (await e.read({ bucket: 'b', key: 'k' })).body) fresh.add(piece.buffer);
  assert.equal(fresh.size, 8, 'without lend every piece has memory of its own');
});

eachBackend('lend: a piece stays intact until the piece after the next is asked for (two pieces in use at once)', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: 64 * 1024 });
  const data = bytes(64 * 1024 * 12 + 5, 13);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data, 64 * 1024));
  for (let round = 0; round < 2; round++) {
    // As http/respond.ts does: pull a piece, then check the one before it (still being written
    // out there) before pulling again. Its bytes must not have been reused by the newer read.
    let previous: { piece: Uint8Array; at: number } | undefined;
    let at = 0;
    for await (const piece of (await e.read({ bucket: 'b', key: 'k' }, { lend: true })).body) {
      if (previous) assert.ok(Buffer.from(previous.piece).equals(data.subarray(previous.at, previous.at + previous.piece.length)), `piece at ${previous.at} changed while the next was read`);
      previous = { piece, at };
      at += piece.length;
    }
    assert.equal(at, data.length);
    assert.ok(Buffer.from(previous!.piece).equals(data.subarray(previous!.at)), 'the last piece is intact after the iteration ended');
  }
});

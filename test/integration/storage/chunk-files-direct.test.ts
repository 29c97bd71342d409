/**
 * Chunk files written with O_DIRECT (format v2, chunk-file-format.ts) and through the page cache
 * (v1) live side by side: each reads back, counts its exact payload bytes and is freed by delete,
 * whichever mode wrote it. Runs on os.tmpdir(), which must take O_DIRECT for the v2 half (ext4 here);
 * on a file system that refuses it the backend falls back to v1 and the test says so.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { alignedSharedMemory, chunkIdHex, chunkIdOf, isPageAligned } from '../../../src/common/index.js';
import { readChunkHeader } from '../../../src/storage/local/chunk-file-format.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

after(removeTempDirs);

/** Header version and size of the chunk file of `hex` under data dir `dir`. */
async function fileOf(dir: string, hex: string): Promise<{ version: number; size: number }> {
  const fh = await open(join(dir, 'chunks', hex.slice(0, 2), hex.slice(2, 4), hex), 'r');
  try {
    const head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
    return { version: readChunkHeader(head)!.version, size: (await fh.stat()).size };
  } finally {
    await fh.close();
  }
}

test('O_DIRECT (v2) and buffered (v1) chunk files read back, count exact bytes and delete', async (t) => {
  const tmp = await makeTempDir('direct-io');
  const dir = join(tmp.path, 'd0');
  // Odd sizes: the v2 file is padded to a 4 KiB boundary, the payload must come back exact.
  const a = randomBytes(1024 * 1024 + 7);
  const b = randomBytes(20_001);
  const idA = chunkIdOf(a);
  const idB = chunkIdOf(b);

  let backend = await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024 });
  await backend.chunks.put(idA, a);
  const fa = await fileOf(dir, chunkIdHex(idA));
  if (fa.version === 2) {
    assert.equal(fa.size % 4096, 0, 'a v2 file is whole blocks');
    assert.equal(fa.size, 4096 + Math.ceil(a.length / 4096) * 4096);
  } else {
    t.diagnostic(`${tmp.path}: the file system refused O_DIRECT, the backend wrote v1 (buffered)`);
  }
  await backend.close();

  backend = await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024, directIo: false });
  await backend.chunks.put(idB, b);
  const fb = await fileOf(dir, chunkIdHex(idB));
  assert.equal(fb.version, 1);
  assert.equal(fb.size, 16 + b.length);
  assert.ok(Buffer.from(await backend.chunks.get(idA)).equals(a), 'v2 file reads back through a buffered backend');
  assert.ok(Buffer.from(await backend.chunks.get(idB)).equals(b));
  await backend.close();

  backend = await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024 });
  assert.ok(Buffer.from(await backend.chunks.get(idB)).equals(b), 'v1 file reads back through a direct backend');
  const stats = await backend.stats();
  assert.equal(stats.chunkCount, 2);
  assert.equal(stats.chunkBytes, a.length + b.length, 'payload bytes, not file sizes');
  await backend.chunks.delete(idA);
  await backend.chunks.delete(idB);
  assert.deepEqual(await backend.chunks.has([idA, idB]), [false, false]);
  const after2 = await backend.stats();
  assert.equal(after2.chunkCount, 0);
  assert.equal(after2.chunkBytes, 0);
  // Nothing left behind in tmp/ (the O_DIRECT probe file is unlinked once opened).
  assert.deepEqual((await readdir(join(dir, 'tmp'))), []);
  await backend.close();
});

test('streaming reads (O_DIRECT) return exact payloads of v2 files, fall back for v1 files, and type damage', async (t) => {
  const tmp = await makeTempDir('direct-read');
  const dir = join(tmp.path, 'd0');
  const a = randomBytes(1024 * 1024 + 7);
  const b = randomBytes(20_001);
  const idA = chunkIdOf(a);
  const idB = chunkIdOf(b);
  let backend = await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024, directIo: false });
  await backend.chunks.put(idB, b); // v1
  await backend.close();
  backend = await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024 });
  try {
    await backend.chunks.put(idA, a);
    if ((await fileOf(dir, chunkIdHex(idA))).version !== 2) {
      t.skip(`${tmp.path}: the file system refused O_DIRECT, so there is no direct read to test`);
      return;
    }
    const before = backend.directReads;
    assert.ok(Buffer.from(await backend.chunks.get(idA, { streaming: true })).equals(a), 'v2, direct, own buffer');
    let lent: Buffer | undefined;
    const got = await backend.chunks.get(idA, { streaming: true, alloc: (n) => (lent = Buffer.alloc(n + 64 * 1024)) });
    assert.ok(Buffer.from(got).equals(a), 'v2, direct, into the caller\'s memory');
    assert.equal(got.buffer, lent!.buffer, 'the payload is in the buffer alloc gave');
    assert.equal(backend.directReads, before + 2, 'both went through O_DIRECT');
    assert.ok(Buffer.from(await backend.chunks.get(idB, { streaming: true })).equals(b), 'v1 reads back (buffered)');
    assert.equal(backend.directReads, before + 2, 'a v1 file is not read with O_DIRECT');
    assert.ok(Buffer.from(await backend.chunks.get(idA)).equals(a), 'without the hint: buffered');
    assert.equal(backend.directReads, before + 2);

    // A damaged header is CHUNK_CORRUPT and a cut-short file CHUNK_MISSING, on the direct path as on the buffered one.
    const path = join(dir, 'chunks', chunkIdHex(idA).slice(0, 2), chunkIdHex(idA).slice(2, 4), chunkIdHex(idA));
    const fh = await open(path, 'r+');
    try {
      await fh.write(Buffer.from('XXXX'), 0, 4, 0);
      await assert.rejects(backend.chunks.get(idA, { streaming: true }), { code: 'CCOW_ERR_CHUNK_CORRUPT' });
      await fh.write(Buffer.from('CCKF'), 0, 4, 0);
      await fh.truncate(4096 * 3);
      await assert.rejects(backend.chunks.get(idA, { streaming: true }), { code: 'CCOW_ERR_CHUNK_MISSING' });
    } finally {
      await fh.close();
    }
  } finally {
    await backend.close();
  }
});

test('a payload in page-aligned memory is written in place: the same v2 file as from a staging copy', async (t) => {
  const tmp = await makeTempDir('direct-in-place');
  const staged = join(tmp.path, 'staged');
  const inPlace = join(tmp.path, 'in-place');
  // Whole blocks only, a partial last block, shorter than a block; at the start of the memory and further in.
  const cases = [
    { size: 1024 * 1024, at: 0 },
    { size: 1024 * 1024 + 7, at: 0 },
    { size: 3 * 4096 + 4095, at: 8192 },
    { size: 20_001, at: 4096 },
    { size: 100, at: 0 },
  ];
  // smallChunkMax 0: every payload is a file, however short.
  const a = await createLocalBackend({ dataDirs: [staged], mapSize: 64 * 1024 * 1024, smallChunkMax: 0 });
  const b = await createLocalBackend({ dataDirs: [inPlace], mapSize: 64 * 1024 * 1024, smallChunkMax: 0 });
  try {
    for (const { size, at } of cases) {
      const payload = randomBytes(size);
      const mem = alignedSharedMemory(at + size);
      assert.ok(mem, 'page-aligned memory');
      const view = new Uint8Array(mem, at, size);
      view.set(payload);
      assert.ok(isPageAligned(view));
      assert.ok(!isPageAligned(new Uint8Array(mem, at + 16, 16)), 'an offset off the page boundary is not aligned');
      assert.ok(!isPageAligned(payload), 'other memory is not recognised');
      const id = chunkIdOf(payload);
      await a.chunks.put(id, payload); // copied into a staging buffer
      await b.chunks.put(id, view); // in place
      const hex = chunkIdHex(id);
      if ((await fileOf(inPlace, hex)).version !== 2) {
        t.skip(`${tmp.path}: the file system refused O_DIRECT, so there is no in-place write to test`);
        return;
      }
      const path = (dir: string): string => join(dir, 'chunks', hex.slice(0, 2), hex.slice(2, 4), hex);
      const [fa, fb] = [await readFile(path(staged)), await readFile(path(inPlace))];
      assert.equal(fb.length, 4096 + Math.ceil(size / 4096) * 4096, `${size} bytes: whole blocks`);
      assert.ok(fa.equals(fb), `${size} bytes at ${at}: the same file as the staged write`);
      assert.ok(Buffer.from(await b.chunks.get(id, { streaming: true })).equals(payload), 'reads back (direct)');
      assert.ok(Buffer.from(await b.chunks.get(id)).equals(payload), 'reads back (buffered)');
    }
    assert.deepEqual(await readdir(join(inPlace, 'tmp')), []);
  } finally {
    await a.close();
    await b.close();
  }
});

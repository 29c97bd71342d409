/**
 * Failure paths of the local backend (shared/spec/ccow.md §13, §17), driven by its fault-injection
 * hook: ENOSPC → NO_SPACE with nothing half-written and recovery once space is back; EIO → IO; fill
 * limit and fallback disks; damaged chunk files.
 */
import assert from 'node:assert/strict';
import { readdir, truncate, unlink, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chunkIdHex, chunkIdOf, type ChunkId } from '../../src/common/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend, errnoError, type LocalBackendOptions, type LocalFaults } from '../../src/storage/local/index.js';
import { readChunkHeader } from '../../src/storage/local/chunk-file-format.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

function chunk(n: number, seed: number): { id: ChunkId; bytes: Buffer } {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 13 + seed * 101) & 0xff;
  return { id: chunkIdOf(bytes), bytes };
}

async function setup(disks: number, faults: LocalFaults): Promise<LocalBackendOptions> {
  const dir = await makeTempDir('local-faults');
  return { dataDirs: Array.from({ length: disks }, (_, i) => join(dir.path, `d${i}`)), mapSize: 64 * 1024 * 1024, faults };
}

/** Every file under `dir` (recursively), as relative paths. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

function filePath(dataDir: string, id: ChunkId): string {
  const h = chunkIdHex(id);
  return join(dataDir, 'chunks', h.slice(0, 2), h.slice(2, 4), h);
}

const isNoSpace = (e: unknown): boolean => StorageErrors.NO_SPACE.is(e);
const isIo = (e: unknown): boolean => StorageErrors.IO.is(e);

for (const step of ['beforeWrite', 'beforeFsync', 'beforeRename'] as const) {
  test(`ENOSPC at ${step} → NO_SPACE, no file left in chunks/ or tmp/, writes work once space is back`, async () => {
    let full = true;
    const faults: LocalFaults = {
      [step]: () => {
        if (full) throw errnoError('ENOSPC', step);
      },
    };
    const opts = await setup(1, faults);
    const be = await createLocalBackend(opts);
    const c = chunk(100_000, 1);
    await assert.rejects(be.chunks.put(c.id, c.bytes), isNoSpace);
    const d0 = opts.dataDirs[0]!;
    assert.deepEqual(await files(join(d0, 'chunks')), []);
    assert.deepEqual(await files(join(d0, 'tmp')), []);
    assert.deepEqual(await be.chunks.has([c.id]), [false]);
    await assert.rejects(be.chunks.get(c.id), (e) => StorageErrors.CHUNK_MISSING.is(e));
    // Metadata writes still work while the chunk disk is full.
    await be.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
    full = false;
    await be.chunks.put(c.id, c.bytes);
    assert.ok(Buffer.from(await be.chunks.get(c.id)).equals(c.bytes));
    assert.deepEqual(await files(join(d0, 'tmp')), []);
    await be.close();
  });
}

test('EIO at fsync or directory fsync → IO', async () => {
  let failAt: 'fsync' | 'dir' | undefined = 'fsync';
  const opts = await setup(1, {
    beforeFsync: () => {
      if (failAt === 'fsync') throw errnoError('EIO', 'fsync');
    },
    beforeDirSync: () => {
      if (failAt === 'dir') throw errnoError('EIO', 'fsync');
    },
  });
  const be = await createLocalBackend(opts);
  const c = chunk(50_000, 2);
  await assert.rejects(be.chunks.put(c.id, c.bytes), isIo);
  assert.deepEqual(await files(join(opts.dataDirs[0]!, 'tmp')), []);
  failAt = 'dir';
  await assert.rejects(be.chunks.put(c.id, c.bytes), isIo);
  failAt = undefined;
  await be.chunks.put(c.id, c.bytes);
  assert.ok(Buffer.from(await be.chunks.get(c.id)).equals(c.bytes));
  await be.close();
});

test('EIO on read → IO (not CHUNK_MISSING)', async () => {
  let fail = false;
  const opts = await setup(1, {
    beforeRead: () => {
      if (fail) throw errnoError('EIO', 'read');
    },
  });
  const be = await createLocalBackend(opts);
  const c = chunk(50_000, 3);
  await be.chunks.put(c.id, c.bytes);
  fail = true;
  await assert.rejects(be.chunks.get(c.id), isIo);
  fail = false;
  assert.ok(Buffer.from(await be.chunks.get(c.id)).equals(c.bytes));
  await be.close();
});

test('fill limit: a full disk takes no new chunks (its fallback does); all full → NO_SPACE; freed → writes resume', async () => {
  const full = new Set<string>();
  const opts = await setup(3, { statfs: (dir) => (full.has(dir) ? { free: 5, total: 100 } : { free: 50, total: 100 }) });
  const be = await createLocalBackend(opts);
  const d0 = opts.dataDirs[0]!;
  full.add(d0);
  const cs = Array.from({ length: 12 }, (_, i) => chunk(20_000, 10 + i));
  for (const c of cs) await be.chunks.put(c.id, c.bytes);
  assert.deepEqual(await files(join(d0, 'chunks')), [], 'nothing lands on the full disk');
  for (const c of cs) assert.ok(Buffer.from(await be.chunks.get(c.id)).equals(c.bytes));
  for (const d of opts.dataDirs) full.add(d);
  const extra = chunk(20_000, 99);
  await assert.rejects(be.chunks.put(extra.id, extra.bytes), isNoSpace);
  // Small chunks live in LMDB on the first disk and obey its fill limit too (else they would fill
  // it to 100 %, where not even deletes commit; regress/issue-3-lmdb-full-disk).
  const small = chunk(100, 98);
  await assert.rejects(be.chunks.put(small.id, small.bytes), isNoSpace);
  // Deletes work on full disks, and writes resume as soon as a disk has room again.
  await be.chunks.delete(cs[0]!.id);
  full.delete(opts.dataDirs[1]!);
  await be.chunks.put(extra.id, extra.bytes);
  assert.ok(Buffer.from(await be.chunks.get(extra.id)).equals(extra.bytes));
  full.delete(d0);
  await be.chunks.put(small.id, small.bytes);
  assert.ok(Buffer.from(await be.chunks.get(small.id)).equals(small.bytes));
  await be.close();
});

test('a chunk placed on a fallback disk is found after its home disk has room again, and after reopen', async () => {
  const full = new Set<string>();
  const opts = await setup(2, { statfs: (dir) => (full.has(dir) ? { free: 0, total: 100 } : { free: 100, total: 100 }) });
  let be = await createLocalBackend(opts);
  full.add(opts.dataDirs[0]!);
  const cs = Array.from({ length: 8 }, (_, i) => chunk(30_000, 40 + i));
  for (const c of cs) await be.chunks.put(c.id, c.bytes);
  full.clear();
  await be.close();
  be = await createLocalBackend(opts);
  assert.deepEqual(await be.chunks.has(cs.map((c) => c.id)), cs.map(() => true));
  for (const c of cs) assert.ok(Buffer.from(await be.chunks.get(c.id)).equals(c.bytes));
  // Re-putting does not create a second copy on the home disk.
  for (const c of cs) await be.chunks.put(c.id, c.bytes);
  assert.deepEqual(await files(join(opts.dataDirs[0]!, 'chunks')), []);
  for (const c of cs) await be.chunks.delete(c.id);
  assert.deepEqual(await be.chunks.has(cs.map((c) => c.id)), cs.map(() => false));
  await be.close();
});

test('damaged chunk files: flipped payload byte returned as-is; truncated or deleted → CHUNK_MISSING; bad header → CHUNK_CORRUPT', async () => {
  const opts = await setup(1, {});
  const be = await createLocalBackend(opts);
  const d0 = opts.dataDirs[0]!;
  const [flip, trunc, gone, header] = [chunk(40_000, 1), chunk(40_000, 2), chunk(40_000, 3), chunk(40_000, 4)];
  for (const c of [flip, trunc, gone, header]) await be.chunks.put(c.id, c.bytes);

  const fp = filePath(d0, flip.id);
  const raw = await readFile(fp);
  // v2 (O_DIRECT) files keep the payload at 4096, v1 files at 16.
  const at = readChunkHeader(raw)!.offset;
  raw[at + 1000]! ^= 0xff;
  await writeFile(fp, raw);
  const got = Buffer.from(await be.chunks.get(flip.id));
  assert.equal(got.length, flip.bytes.length);
  assert.equal(got[1000], flip.bytes[1000]! ^ 0xff, 'returned as stored; the engine verifies the hash');

  await truncate(filePath(d0, trunc.id), at + 39_000);
  await assert.rejects(be.chunks.get(trunc.id), (e) => StorageErrors.CHUNK_MISSING.is(e));

  await unlink(filePath(d0, gone.id));
  await assert.rejects(be.chunks.get(gone.id), (e) => StorageErrors.CHUNK_MISSING.is(e));
  assert.deepEqual(await be.chunks.has([gone.id]), [false]);

  const hp = filePath(d0, header.id);
  const hraw = await readFile(hp);
  hraw.write('JUNK', 0);
  await writeFile(hp, hraw);
  await assert.rejects(be.chunks.get(header.id), (e) => StorageErrors.CHUNK_CORRUPT.is(e));
  await be.close();
});

test('iterate ignores stray files in the chunk tree', async () => {
  const opts = await setup(1, {});
  const be = await createLocalBackend(opts);
  const c = chunk(30_000, 5);
  await be.chunks.put(c.id, c.bytes);
  const dir = join(filePath(opts.dataDirs[0]!, c.id), '..');
  await writeFile(join(dir, 'not-a-chunk'), 'x');
  await writeFile(join(dir, 'f'.repeat(64)), 'x');
  const ids: string[] = [];
  for await (const id of be.chunks.iterate()) ids.push(chunkIdHex(id));
  assert.deepEqual(ids, [chunkIdHex(c.id)]);
  await be.close();
});

/**
 * Failure paths of the local backend that the coverage run (issue #3 coverage hunt) found untested,
 * each created for real (real LMDB, real files, the backend's own fault hooks):
 * - a compaction at open that fails (at the copy's fsync, at the rename) does not stop the open:
 *   the backend runs on a complete file with nothing lost, and the next open compacts (index.ts
 *   compactOnOpen; shared/spec/ccow.md §13 "a crash at any point leaves the old or the new file");
 * - a metadata read issued while an online compaction has the env closed waits for the reopen and
 *   answers from the new file (meta-store.ts `get` read barrier);
 * - a verified read that finds a copy with a damaged header on the chunk's home disk and a good
 *   copy on another disk returns the good one and unlinks the bad one (its bytes counted off), but
 *   leaves a copy it cannot read again alone (chunk-store.ts #dropBadCopies);
 * - a chunk tree damaged so that a directory is a file: lookups, reads and deletes of chunks under
 *   it are IO errors, not a crash or a silent "absent" (chunk-files.ts locate/remove);
 * - a chunk file write cut short by the file size limit (a real short write, then EFBIG: a child
 *   process under `ulimit -f`) fails the put with IO and leaves neither a chunk nor a temp file
 *   (chunk-files.ts writeAll's retry of the rest);
 * - a CCOW-DISK marker that cannot be read (a directory) refuses the open before anything is made.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chunkIdHex, chunkIdOf, type ChunkId } from '../../../src/common/index.js';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { COMPACT_TMP, createLocalBackend, errnoError, type CompactStep, type LocalBackend, type LocalBackendOptions, type LocalFaults } from '../../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { fakeStatfs } from '../../helpers/fake-disk.js';

after(removeTempDirs);

const KiB = 1024;
const MiB = 1024 * KiB;
/** The fake disk of the compaction tests: a few hundred 12 KiB blobs fill it past the 90 % limit. */
const DISK = 8 * MiB;

const dataFile = (dir: string): number => statSync(join(dir, 'meta', 'data.mdb')).size;

function blob(seed: number, size = 12 * KiB): { id: ChunkId; bytes: Buffer } {
  const bytes = randomBytes(size);
  bytes.writeUInt32BE(seed);
  return { id: chunkIdOf(bytes), bytes };
}

/** Options whose disk is a fake statfs: "used" is the real size of the files under the data dir. */
async function fakeDisk(faults: LocalFaults = {}): Promise<LocalBackendOptions> {
  const dir = join((await makeTempDir('local-fault-paths')).path, 'd0');
  return { dataDirs: [dir], durability: 'relaxed', mapSize: 256 * MiB, faults: { statfs: fakeStatfs(dir, DISK), ...faults } };
}

interface Live {
  blobs: { id: ChunkId; bytes: Buffer }[];
  rows: Map<string, Buffer>;
}

/** Fill the fake disk with blobs until LMDB refuses, keep 8 and some rows, delete the rest. */
async function fillAndFree(be: LocalBackend): Promise<Live> {
  const stored: { id: ChunkId; bytes: Buffer }[] = [];
  for (let i = 0; i < 2000; i++) {
    const batch = Array.from({ length: 16 }, (_, j) => blob(i * 16 + j));
    const r = await Promise.allSettled(batch.map((b) => be.chunks.put(b.id, b.bytes)));
    r.forEach((x, j) => x.status === 'fulfilled' && stored.push(batch[j]!));
    if (r.some((x) => x.status === 'rejected')) break;
  }
  assert.ok(stored.length > 300, `only ${stored.length} blobs fitted`);
  const rows = new Map<string, Buffer>();
  await be.meta.transaction((tx) => {
    for (let i = 0; i < 20; i++) {
      rows.set(`row-${i}`, randomBytes(100));
      tx.put(Buffer.from(`row-${i}`), rows.get(`row-${i}`)!);
    }
  });
  for (const b of stored.slice(8)) await be.chunks.delete(b.id);
  return { blobs: stored.slice(0, 8), rows };
}

async function assertLive(be: LocalBackend, live: Live): Promise<void> {
  for (const b of live.blobs) assert.ok(Buffer.from(await be.chunks.get(b.id)).equals(b.bytes), 'a kept blob changed');
  for (const [k, v] of live.rows) assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from(k)))!), v, `row ${k}`);
}

for (const step of ['fsync', 'rename'] as CompactStep[]) {
  test(`a compaction at open that fails at ${step} does not stop the open; nothing is lost and the next open compacts`, async () => {
    let fault: CompactStep | undefined;
    let failed = 0;
    const opts = await fakeDisk({
      beforeCompactStep: (s) => {
        if (s === fault && ++failed) throw errnoError('EIO', s);
      },
    });
    const dir = opts.dataDirs[0]!;
    let be = await createLocalBackend(opts);
    const live = await fillAndFree(be);
    await be.close();
    const before = dataFile(dir);

    fault = step;
    be = await createLocalBackend(opts);
    try {
      assert.equal(failed, 1, 'the open tried to compact');
      assert.equal(dataFile(dir), before, 'the old file is still the database');
      assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)), 'no copy left behind');
      await assertLive(be, live);
      await be.meta.transaction((tx) => tx.put(Buffer.from('after-open'), Buffer.from('x')));
    } finally {
      await be.close();
    }

    fault = undefined;
    be = await createLocalBackend(opts);
    try {
      assert.ok(dataFile(dir) < before / 5, `data.mdb ${before} -> ${dataFile(dir)}: compacted at this open`);
      await assertLive(be, live);
      assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from('after-open')))!), Buffer.from('x'));
    } finally {
      await be.close();
    }
  });
}

test('a metadata get issued while a compaction has the env closed waits for the reopen and answers', async () => {
  const during: Promise<Uint8Array | undefined>[] = [];
  const opts = await fakeDisk({
    beforeCompactStep: (s) => {
      // `rename`: the env is closed (step `close` came before it), the copy not yet in place.
      if (s === 'rename') for (let i = 0; i < 5; i++) during.push(be.meta.get(Buffer.from(`row-${i}`)));
    },
  });
  const be = await createLocalBackend(opts);
  try {
    const live = await fillAndFree(be);
    assert.equal((await be.compact()).compacted, true);
    assert.equal(during.length, 5);
    const got = await Promise.all(during);
    for (let i = 0; i < 5; i++) assert.deepEqual(Buffer.from(got[i]!), live.rows.get(`row-${i}`));
  } finally {
    await be.close();
  }
});

/** Path of chunk `hex`'s file under data dir `dir`. */
const pathIn = (dir: string, hex: string): string => join(dir, 'chunks', hex.slice(0, 2), hex.slice(2, 4), hex);

/**
 * A two-disk store holding one 100 KB chunk twice: on its home disk (first in its read order) a
 * copy whose header is damaged, on the other disk the good copy (as a chunk written again on a
 * fallback disk while its home disk was away or full leaves it). Opened afresh, so both count.
 */
async function twoCopies(faults: LocalFaults = {}): Promise<{ opts: LocalBackendOptions; id: ChunkId; bytes: Buffer; home: string; other: string }> {
  const root = (await makeTempDir('local-bad-copy')).path;
  const opts: LocalBackendOptions = { dataDirs: [join(root, 'd0'), join(root, 'd1')], mapSize: 64 * MiB, faults };
  const bytes = randomBytes(100_000);
  const id = chunkIdOf(bytes);
  const hex = chunkIdHex(id);
  const be = await createLocalBackend(opts);
  await be.chunks.put(id, bytes);
  await be.close();
  const [home, other] = existsSync(pathIn(opts.dataDirs[0]!, hex)) ? [opts.dataDirs[0]!, opts.dataDirs[1]!] : [opts.dataDirs[1]!, opts.dataDirs[0]!];
  const good = await readFile(pathIn(home, hex));
  await mkdir(dirname(pathIn(other, hex)), { recursive: true });
  await writeFile(pathIn(other, hex), good);
  const bad = Buffer.from(good);
  bad.write('JUNK', 0);
  await writeFile(pathIn(home, hex), bad);
  return { opts, id, bytes, home: pathIn(home, hex), other: pathIn(other, hex) };
}

test('a verified read past a copy with a damaged header returns the good copy and unlinks the bad one', async () => {
  const { opts, id, bytes, home, other } = await twoCopies();
  const be = await createLocalBackend(opts);
  try {
    assert.equal((await be.stats()).chunkCount, 2, 'both copies counted');
    assert.ok(Buffer.from(await be.chunks.get(id, { verify: true })).equals(bytes));
    assert.ok(!existsSync(home), 'the damaged copy is removed');
    assert.ok(existsSync(other), 'the good copy stays');
    const s = await be.stats();
    assert.equal(s.chunkCount, 1);
    assert.equal(s.chunkBytes, bytes.length);
    assert.ok(Buffer.from(await be.chunks.get(id)).equals(bytes), 'and an unverified read now finds the good copy');
  } finally {
    await be.close();
  }
});

test('a damaged copy that cannot be read again when it is to be dropped is left alone; the good copy is returned', async () => {
  let reads = 0;
  let homePath = '';
  const { opts, id, bytes, home, other } = await twoCopies({
    beforeRead: (p) => {
      // The first read of the home copy finds it damaged; the re-read before dropping it fails.
      if (p === homePath && ++reads === 2) throw errnoError('EIO', 'read', p);
    },
  });
  homePath = home;
  const be = await createLocalBackend(opts);
  try {
    assert.ok(Buffer.from(await be.chunks.get(id, { verify: true })).equals(bytes));
    assert.equal(reads, 2);
    assert.ok(existsSync(home), 'not removed: it could not be checked again');
    assert.ok(existsSync(other));
    assert.equal((await be.stats()).chunkCount, 2);
  } finally {
    await be.close();
  }
});

test('a chunk directory replaced by a file: lookup, read, delete and put of chunks under it are IO errors', async () => {
  const root = (await makeTempDir('local-tree-damage')).path;
  const opts: LocalBackendOptions = { dataDirs: [join(root, 'd0')], mapSize: 64 * MiB };
  const bytes = randomBytes(50_000);
  const id = chunkIdOf(bytes);
  const be = await createLocalBackend(opts);
  try {
    await be.chunks.put(id, bytes);
    const leaf = dirname(pathIn(opts.dataDirs[0]!, chunkIdHex(id)));
    await rename(leaf, `${leaf}.moved`);
    await writeFile(leaf, 'not a directory');
    const isIo = (e: unknown): boolean => StorageErrors.IO.is(e);
    await assert.rejects(be.chunks.has([id]), isIo);
    await assert.rejects(be.chunks.get(id), isIo);
    await assert.rejects(be.chunks.delete(id), isIo);
    await assert.rejects(be.chunks.put(id, bytes), isIo);
    // Repaired: everything works again, the chunk is intact.
    await rm(leaf);
    await rename(`${leaf}.moved`, leaf);
    assert.deepEqual(await be.chunks.has([id]), [true]);
    assert.ok(Buffer.from(await be.chunks.get(id)).equals(bytes));
    await be.chunks.delete(id);
    assert.deepEqual(await be.chunks.has([id]), [false]);
  } finally {
    await be.close();
  }
});

const LOCAL = resolve(fileURLToPath(import.meta.url), '../../../../src/storage/local/index.js');
const COMMON = resolve(fileURLToPath(import.meta.url), '../../../../src/common/index.js');

for (const directIo of [true, false]) {
  test(`a chunk file cut short by the file size limit (RLIMIT_FSIZE) fails the put with IO, leaves nothing behind, and the store goes on (${directIo ? 'O_DIRECT' : 'buffered'})`, async () => {
    const dir = join((await makeTempDir('local-short-write')).path, 'd0');
    // A 3 MiB chunk under a 2 MiB limit: write(2) writes up to the limit and returns short (the
    // retry loop of writeAll), the next one fails with EFBIG. SIGXFSZ ignored, as a shell can set it.
    const code = `
      const { createLocalBackend } = await import(${JSON.stringify(LOCAL)});
      const { chunkIdOf } = await import(${JSON.stringify(COMMON)});
      const { randomBytes } = await import('node:crypto');
      const { readdirSync } = await import('node:fs');
      const be = await createLocalBackend({ dataDirs: [${JSON.stringify(dir)}], mapSize: 16 * 1024 * 1024, directIo: ${directIo} });
      const big = randomBytes(3 * 1024 * 1024);
      const out = {};
      try { await be.chunks.put(chunkIdOf(big), big); out.put = 'ok'; } catch (e) { out.put = e.code; out.message = e.message; }
      out.has = (await be.chunks.has([chunkIdOf(big)]))[0];
      out.tmp = readdirSync(${JSON.stringify(join(dir, 'tmp'))});
      const small = randomBytes(100_000);
      await be.chunks.put(chunkIdOf(small), small);
      out.after = Buffer.from(await be.chunks.get(chunkIdOf(small))).equals(small);
      await be.close();
      console.log(JSON.stringify(out));`;
    const r = spawnSync('bash', ['-c', 'trap "" XFSZ; ulimit -f 2048; exec "$0" --input-type=module -e "$1"', process.execPath, code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { put: string; message?: string; has: boolean; tmp: string[]; after: boolean };
    assert.equal(out.put, 'CCOW_ERR_IO', JSON.stringify(out));
    assert.match(out.message!, /EFBIG/);
    assert.equal(out.has, false, 'no partial chunk file is visible');
    assert.deepEqual(out.tmp, [], 'the temp file is removed');
    assert.equal(out.after, true, 'a chunk under the limit is stored afterwards');
  });
}

test('a data dir whose CCOW-DISK marker is not a file is refused with a storage error naming it, and nothing is created', async () => {
  const dir = join((await makeTempDir('local-marker-dir')).path, 'd0');
  await mkdir(join(dir, 'CCOW-DISK'), { recursive: true });
  await assert.rejects(createLocalBackend({ dataDirs: [dir], mapSize: 16 * MiB }), (e: unknown) => StorageErrors.IO.is(e) && /reading data dir .*d0/.test((e as Error).message));
  assert.deepEqual(readdirSync(dir).sort(), ['CCOW-DISK'], 'no meta/, chunks/ or LOCK left');
});

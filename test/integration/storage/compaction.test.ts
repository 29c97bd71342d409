/**
 * LMDB compaction in the local backend (issue #3; shared/spec/ccow.md §13, §17;
 * src/storage/local/compaction.ts): after small chunks (LMDB `blobs`) filled the disk and were
 * deleted, the LMDB file's free pages go back to the disk — at open, online when a chunk file is
 * refused, or by `ccow compact` — with nothing lost, and a failed compaction leaves the backend
 * working on a complete file. The disk is a fake `statfs` whose "used" is the real size of the
 * files under the data dir, so shrinking data.mdb frees it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chunkIdOf, type ChunkId } from '../../../src/common/index.js';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { COMPACT_TMP, createLocalBackend, decodePending, encodePending, errnoError, PENDING, STARTED, type CompactStep, type LocalBackend, type LocalBackendOptions } from '../../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { fakeStatfs, usedBytes } from '../../helpers/fake-disk.js';
import { cleanEnv, runCcow } from '../faults/helpers.js';

after(removeTempDirs);

const KiB = 1024;
const MiB = 1024 * KiB;
/** The fake disk: small, so a few hundred 12 KiB blobs fill it past the 90 % limit. */
const DISK = 8 * MiB;

function dataFile(dir: string): number {
  return statSync(join(dir, 'meta', 'data.mdb')).size;
}

async function options(extra: Partial<LocalBackendOptions> = {}): Promise<LocalBackendOptions> {
  const dir = join((await makeTempDir('compaction')).path, 'd0');
  return {
    dataDirs: [dir],
    durability: 'relaxed',
    mapSize: 256 * MiB,
    ...extra,
    faults: { statfs: fakeStatfs(dir, DISK), ...extra.faults },
  };
}

function blob(seed: number, size = 12 * KiB): { id: ChunkId; bytes: Buffer } {
  const bytes = randomBytes(size);
  bytes.writeUInt32BE(seed);
  return { id: chunkIdOf(bytes), bytes };
}

/** What the tests check survives: a few blobs and metadata rows. */
interface Live {
  blobs: { id: ChunkId; bytes: Buffer }[];
  rows: Map<string, Buffer>;
}

/**
 * Fill the disk past the fill limit with 12 KiB blobs (until LMDB's room check refuses), then
 * delete all but `keep` of them. Returns what must survive.
 */
async function fillAndFree(be: LocalBackend, keep = 8): Promise<Live> {
  const stored: { id: ChunkId; bytes: Buffer }[] = [];
  for (let i = 0; i < 2000; i++) {
    const batch = Array.from({ length: 16 }, (_, j) => blob(i * 16 + j));
    const r = await Promise.allSettled(batch.map((b) => be.chunks.put(b.id, b.bytes)));
    r.forEach((x, j) => x.status === 'fulfilled' && stored.push(batch[j]!));
    const refused = r.find((x) => x.status === 'rejected');
    if (refused) {
      assert.ok(StorageErrors.NO_SPACE.is(refused.reason), String(refused.reason));
      break;
    }
  }
  assert.ok(stored.length > 300, `only ${stored.length} blobs fitted`);
  const rows = new Map<string, Buffer>();
  await be.meta.transaction((tx) => {
    for (let i = 0; i < 20; i++) {
      const k = `row-${i}`;
      rows.set(k, randomBytes(100));
      tx.put(Buffer.from(k), rows.get(k)!);
    }
  });
  for (const b of stored.slice(keep)) await be.chunks.delete(b.id);
  return { blobs: stored.slice(0, keep), rows };
}

async function assertLive(be: LocalBackend, live: Live): Promise<void> {
  for (const b of live.blobs) assert.ok(Buffer.from(await be.chunks.get(b.id)).equals(b.bytes), 'a kept blob changed');
  for (const [k, v] of live.rows) assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from(k)))!), v, `row ${k}`);
  const scanned = [];
  for await (const [k] of be.meta.range({ gte: Buffer.from('row-'), lt: Buffer.from('row.') })) scanned.push(Buffer.from(k).toString());
  assert.equal(scanned.length, live.rows.size);
}

test('at open: a data dir past the fill limit with mostly free LMDB pages is compacted, and 1 MiB writes fit again', async () => {
  const opts = await options();
  const dir = opts.dataDirs[0]!;
  let be = await createLocalBackend(opts);
  const live = await fillAndFree(be);
  const before = dataFile(dir);
  assert.ok(before > 6 * MiB, `data.mdb ${before}`);
  await be.close();

  // compactOnOpen: false keeps the file (what `ccow compact` opens with).
  be = await createLocalBackend({ ...opts, compactOnOpen: false });
  assert.equal(dataFile(dir), before);
  await be.close();

  be = await createLocalBackend(opts);
  try {
    const after = dataFile(dir);
    assert.ok(after < before / 10, `data.mdb ${before} -> ${after}`);
    assert.equal(be.compactions, 0, 'compacted at open, not online');
    assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)));
    await assertLive(be, live);
    const big = blob(1, MiB);
    await be.chunks.put(big.id, big.bytes);
    assert.ok(Buffer.from(await be.chunks.get(big.id)).equals(big.bytes));
  } finally {
    await be.close();
  }
});

test('online: a refused chunk file compacts LMDB and is retried; operations started meanwhile wait, none fails or is lost', async () => {
  // Operations are launched from inside the compaction: during the copy (writes wait, reads go on)
  // and while the env is closed (everything waits).
  const launched: Promise<unknown>[] = [];
  const during = new Map<string, Buffer>();
  const smalls: { id: ChunkId; bytes: Buffer }[] = [];
  let live: Live | undefined;
  let reads = 0;
  const launch = (step: CompactStep): void => {
    for (let i = 0; i < 10; i++) {
      const k = `during-${step}-${i}`;
      during.set(k, randomBytes(50));
      launched.push(be.meta.transaction((tx) => tx.put(Buffer.from(k), during.get(k)!), { grows: true }));
      const b = blob(1000 + smalls.length);
      smalls.push(b);
      launched.push(be.chunks.put(b.id, b.bytes));
    }
    launched.push(assertLive(be, live!).then(() => reads++));
  };
  const opts = await options({
    faults: {
      beforeCompactStep: (step) => {
        if (step === 'copy' || step === 'rename') launch(step);
      },
    },
  });
  const dir = opts.dataDirs[0]!;
  const be = await createLocalBackend(opts);
  try {
    live = await fillAndFree(be);
    const before = dataFile(dir);
    const big = blob(2, MiB);
    await be.chunks.put(big.id, big.bytes);
    assert.equal(be.compactions, 1);
    assert.equal(launched.length, 42);
    await Promise.all(launched);
    assert.equal(reads, 2);
    const after = dataFile(dir);
    assert.ok(after < before / 5, `data.mdb ${before} -> ${after}`);
    assert.ok(Buffer.from(await be.chunks.get(big.id)).equals(big.bytes));
    for (const [k, v] of during) assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from(k)))!), v);
    for (const b of smalls) assert.ok(Buffer.from(await be.chunks.get(b.id)).equals(b.bytes));
    await assertLive(be, live);
    assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)));
  } finally {
    await be.close();
  }
  // And it is all there after a reopen (the renamed file is the database now).
  const again = await createLocalBackend(opts);
  try {
    for (const [k, v] of during) assert.deepEqual(Buffer.from((await again.meta.get(Buffer.from(k)))!), v);
  } finally {
    await again.close();
  }
});

test('online: no compaction when the disk is under the fill limit or the free pages are few (LMDB reuses them)', async () => {
  const opts = await options();
  const be = await createLocalBackend(opts);
  try {
    for (let i = 0; i < 40; i++) {
      const b = blob(500 + i);
      await be.chunks.put(b.id, b.bytes);
      await be.chunks.delete(b.id);
    }
    const big = blob(3, MiB);
    await be.chunks.put(big.id, big.bytes);
    assert.equal(be.compactions, 0);
    // A chunk file refused because the disk is full of other chunk files: compaction cannot help.
    let refused: unknown;
    for (let i = 0; i < 10 && !refused; i++) {
      const b = blob(600 + i, MiB);
      await be.chunks.put(b.id, b.bytes).catch((e: unknown) => (refused = e));
    }
    assert.ok(StorageErrors.NO_SPACE.is(refused), String(refused));
    assert.equal(be.compactions, 0);
  } finally {
    await be.close();
  }
});

test('compact(): waits for a scan in progress; gives up (old file, nothing held) when the scan outlives the deadline', async () => {
  const opts = await options();
  const dir = opts.dataDirs[0]!;
  const be = await createLocalBackend(opts);
  try {
    const live = await fillAndFree(be);
    const before = dataFile(dir);
    const scan = be.meta.range({ gte: Buffer.from('row-'), lt: Buffer.from('row.') })[Symbol.asyncIterator]();
    assert.equal((await scan.next()).done, false);
    const c = be.compact();
    // Reads go on during the copy; a write waits for the compaction to end (here: to give up).
    assert.ok(await be.meta.get(Buffer.from('row-1')));
    const write = be.meta.transaction((tx) => tx.put(Buffer.from('late'), Buffer.from('1')));
    const r = await c;
    assert.equal(r.compacted, false);
    assert.match(r.reason ?? '', /scans/);
    await write;
    assert.equal(dataFile(dir), before);
    assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)), 'the copy is deleted');
    // The scan goes on over its snapshot.
    let rest = 0;
    for (let s = await scan.next(); !s.done; s = await scan.next()) rest++;
    assert.equal(rest, live.rows.size - 1);

    const ok = await be.compact();
    assert.equal(ok.compacted, true);
    assert.ok(ok.afterBytes < before / 5, `${before} -> ${ok.afterBytes}`);
    assert.equal(dataFile(dir), ok.afterBytes);
    await assertLive(be, live);
    assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from('late')))!), Buffer.from('1'));
  } finally {
    await be.close();
  }
});

for (const [step, code, fails, scratch] of [
  ['copy', 'ENOSPC', StorageErrors.NO_SPACE, false],
  ['fsync', 'EIO', StorageErrors.IO, false],
  ['rename', 'EIO', StorageErrors.IO, false],
  ['dirsync', 'EIO', StorageErrors.IO, false],
  ['copy', 'ENOSPC', StorageErrors.NO_SPACE, true],
  ['mark', 'EIO', StorageErrors.IO, true],
  ['unlink', 'EIO', StorageErrors.IO, true],
  ['transfer', 'ENOSPC', StorageErrors.NO_SPACE, true],
  ['rename', 'EIO', StorageErrors.IO, true],
] as const) {
  test(`compact(${scratch ? 'scratch dir' : ''}): ${code} at ${step} → ${fails.code}; the backend goes on, on a complete file, and a later compaction works`, async () => {
    let fault: CompactStep | undefined = step;
    const opts = await options({
      faults: {
        beforeCompactStep: (s) => {
          if (s === fault) throw errnoError(code, s);
        },
      },
    });
    const dir = opts.dataDirs[0]!;
    const scratchDir = scratch ? (await makeTempDir('compaction-scratch')).path : undefined;
    const be = await createLocalBackend(opts);
    try {
      const live = await fillAndFree(be);
      await assert.rejects(be.compact({ scratch: scratchDir }), (e) => fails.is(e));
      assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)) || step === 'dirsync', 'no copy left behind');
      assert.ok(!existsSync(join(dir, 'meta', PENDING)), 'no marker left behind');
      assert.ok(!existsSync(join(dir, 'meta', STARTED)), 'no record of a scratch copy left behind');
      if (scratchDir) assert.deepEqual(readdirSync(scratchDir), [], 'the scratch copy is removed');
      await assertLive(be, live);
      await be.meta.transaction((tx) => tx.put(Buffer.from('after-fault'), Buffer.from('x')));
      fault = undefined;
      assert.equal((await be.compact({ scratch: scratchDir })).compacted, true);
      await assertLive(be, live);
      assert.ok(await be.meta.get(Buffer.from('after-fault')));
    } finally {
      await be.close();
    }
  });
}

test('no room for the copy next to LMDB: it goes to another data dir (at open); with one data dir only an operator scratch dir helps', async () => {
  // d0 holds LMDB; its fake disk is squeezed so that the live pages do not fit in its free space.
  const root = (await makeTempDir('compaction-noroom')).path;
  const [d0, d1] = [join(root, 'd0'), join(root, 'd1')];
  const squeeze = { bytes: 0 };
  const opts: LocalBackendOptions = {
    dataDirs: [d0, d1],
    durability: 'relaxed',
    mapSize: 256 * MiB,
    faults: { statfs: (d) => (d === d0 ? { total: DISK, free: Math.max(0, DISK - usedBytes(d0) - squeeze.bytes) } : { total: 64 * MiB, free: 60 * MiB }) },
  };
  let be = await createLocalBackend(opts);
  const live = await fillAndFree(be, 80);
  const { fileBytes, freeBytes } = be.lmdbUsage();
  await be.close();
  // Leave less free than the live pages, but past the limit and within reach of it.
  squeeze.bytes = Math.max(0, DISK - usedBytes(d0) - (fileBytes - freeBytes) / 2);
  be = await createLocalBackend(opts);
  try {
    assert.ok(be.lmdbUsage().fileBytes < fileBytes / 2, `compacted at open through d1: ${fileBytes} -> ${be.lmdbUsage().fileBytes}`);
    assert.deepEqual(readdirSync(join(d1, 'compact.scratch')), [], 'the copy in d1 is gone');
    await assertLive(be, live);
  } finally {
    await be.close();
  }

  // One data dir: nothing automatic; compact() says why; an operator's scratch dir does it.
  const single = await options();
  const s0 = single.dataDirs[0]!;
  be = await createLocalBackend(single);
  try {
    const live1 = await fillAndFree(be, 80);
    const u = be.lmdbUsage();
    await be.close();
    const room = (u.fileBytes - u.freeBytes) / 2;
    const squeezed: LocalBackendOptions = { ...single, faults: { statfs: () => ({ total: DISK, free: Math.min(room, Math.max(0, DISK - usedBytes(s0))) }) } };
    be = await createLocalBackend(squeezed);
    assert.equal(be.lmdbUsage().fileBytes, u.fileBytes, 'not compacted at open');
    const r = await be.compact();
    assert.equal(r.compacted, false);
    assert.match(r.reason ?? '', /no data disk has room/);
    const scratch = (await makeTempDir('compaction-operator-scratch')).path;
    const ok = await be.compact({ scratch });
    assert.equal(ok.compacted, true);
    assert.ok(ok.afterBytes < u.fileBytes / 2);
    assert.deepEqual(readdirSync(scratch), []);
    assert.ok(!existsSync(join(s0, 'meta', PENDING)));
    assert.ok(!existsSync(join(s0, 'meta', STARTED)));
    await assertLive(be, live1);
  } finally {
    await be.close();
  }
});

test('the compaction marker: golden v1 fixture; a marker naming anything but a scratch copy is refused', () => {
  const golden = readFileSync(join(process.cwd(), 'test/fixtures/storage/compact-pending-v1.txt'), 'utf8');
  const copy = '/var/tmp/ccow-scratch/ccow-compact-Ab12Cd/data.mdb';
  assert.equal(encodePending(copy), golden);
  assert.equal(decodePending(golden), copy);
  for (const bad of ['ccow-compact/2\n' + copy + '\n', 'ccow-compact/1\nrelative/ccow-compact-x/data.mdb\n', 'ccow-compact/1\n/etc/data.mdb\n', 'ccow-compact/1\n/tmp/ccow-compact-x/passwd\n', '']) {
    assert.throws(() => decodePending(bad), (e) => StorageErrors.IO.is(e), JSON.stringify(bad));
  }
});

test('open refuses (IO) when a marker says the database is in a scratch copy that is gone, and creates nothing', async () => {
  const opts = await options();
  const dir = opts.dataDirs[0]!;
  const be = await createLocalBackend(opts);
  await be.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
  await be.close();
  // As after a crash between deleting data.mdb and copying the scratch copy back, with the scratch
  // dir lost meanwhile (a tmpfs after a reboot).
  await rename(join(dir, 'meta', 'data.mdb'), join(dir, 'elsewhere.mdb'));
  await writeFile(join(dir, 'meta', PENDING), encodePending('/nonexistent/ccow-compact-gone/data.mdb'));
  await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.IO.is(e) && /metadata store lost/.test((e as Error).message));
  assert.ok(!existsSync(join(dir, 'meta', 'data.mdb')), 'no empty database was created');
  // Put back by hand, it opens (and the stale marker is dropped).
  await rename(join(dir, 'elsewhere.mdb'), join(dir, 'meta', 'data.mdb'));
  const again = await createLocalBackend(opts);
  try {
    assert.deepEqual(Buffer.from((await again.meta.get(Buffer.from('k')))!), Buffer.from('v'));
    assert.ok(!existsSync(join(dir, 'meta', PENDING)));
  } finally {
    await again.close();
  }
});

test('open deletes a leftover compaction temp dir (a crash before the rename) and keeps the data', async () => {
  const opts = await options();
  const dir = opts.dataDirs[0]!;
  let be = await createLocalBackend(opts);
  await be.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
  await be.close();
  await mkdir(join(dir, 'meta', COMPACT_TMP));
  await writeFile(join(dir, 'meta', COMPACT_TMP, 'data.mdb'), randomBytes(64 * KiB));
  be = await createLocalBackend(opts);
  try {
    assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)));
    assert.deepEqual(Buffer.from((await be.meta.get(Buffer.from('k')))!), Buffer.from('v'));
  } finally {
    await be.close();
  }
});

test('close() during a compaction waits for it; calls after close fail with CLOSED', async () => {
  const opts = await options();
  let be = await createLocalBackend(opts);
  const live = await fillAndFree(be);
  const c = be.compact();
  await be.close();
  assert.equal((await c).compacted, true);
  await assert.rejects(be.compact(), (e) => StorageErrors.CLOSED.is(e));
  await assert.rejects(be.meta.get(Buffer.from('row-1')), (e) => StorageErrors.CLOSED.is(e));
  be = await createLocalBackend(opts);
  try {
    await assertLive(be, live);
  } finally {
    await be.close();
  }
});

test('ccow compact: compacts offline and says how much; refuses a data dir a process holds', async () => {
  const opts = await options({ durability: 'strict' });
  const dir = opts.dataDirs[0]!;
  const be = await createLocalBackend(opts);
  const live = await fillAndFree(be);
  // Held: the command refuses and says why.
  const held = await runCcow(['compact', '--data', dir], cleanEnv());
  assert.equal(held.code, 1, held.stdout + held.stderr);
  assert.match(held.stderr, /in use by another ccow process/);
  await be.close();

  const before = dataFile(dir);
  const r = await runCcow(['compact', '--data', dir], cleanEnv());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^compact: metadata store .* -> .* given back\)$/m);
  assert.ok(dataFile(dir) < before / 5, `${before} -> ${dataFile(dir)}`);
  const again = await createLocalBackend(opts);
  try {
    await assertLive(again, live);
  } finally {
    await again.close();
  }
});

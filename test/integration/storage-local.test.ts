/**
 * Local backend behaviour beyond the shared contract (shared/spec/ccow.md §13, §17): on-disk layout,
 * the data dir LOCK (same process and another process), tmp/ cleanup on open, relaxed durability.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chunkIdHex, chunkIdOf } from '../../src/common/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend, type LocalBackendOptions } from '../../src/storage/local/index.js';
import { chunkFileV2Size, readChunkHeader } from '../../src/storage/local/chunk-file-format.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const MAP = 64 * 1024 * 1024;

async function setup(disks = 1, extra: Partial<LocalBackendOptions> = {}): Promise<LocalBackendOptions> {
  const dir = await makeTempDir('local');
  return { dataDirs: Array.from({ length: disks }, (_, i) => join(dir.path, `d${i}`)), mapSize: MAP, ...extra };
}

function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

test('layout: small chunks go to LMDB blobs, large ones to chunks/xx/yy/<hex> files; dirs are 0700', async () => {
  const opts = await setup(1);
  const be = await createLocalBackend(opts);
  const small = bytes(16 * 1024, 1);
  const large = bytes(16 * 1024 + 1, 2);
  await be.chunks.put(chunkIdOf(small), small);
  await be.chunks.put(chunkIdOf(large), large);
  await be.close();
  const d0 = opts.dataDirs[0]!;
  const h = chunkIdHex(chunkIdOf(large));
  const file = join(d0, 'chunks', h.slice(0, 2), h.slice(2, 4), h);
  // v2 when the file system takes O_DIRECT (header block + payload padded to 4 KiB), else v1.
  const version = readChunkHeader(await readFile(file))!.version;
  assert.equal((await stat(file)).size, version === 2 ? chunkFileV2Size(large.length) : large.length + 16);
  const hs = chunkIdHex(chunkIdOf(small));
  await assert.rejects(stat(join(d0, 'chunks', hs.slice(0, 2), hs.slice(2, 4), hs)), { code: 'ENOENT' });
  for (const d of [d0, join(d0, 'chunks'), join(d0, 'tmp'), join(d0, 'meta'), join(d0, 'chunks', h.slice(0, 2))]) {
    assert.equal((await stat(d)).mode & 0o777, 0o700, d);
  }
  assert.deepEqual((await readdir(join(d0, 'meta'))).sort(), ['data.mdb', 'lock.mdb']);
});

test('smallChunkMax moves the blob/file boundary', async () => {
  const opts = await setup(1, { smallChunkMax: 100 });
  const be = await createLocalBackend(opts);
  const c = bytes(101, 3);
  await be.chunks.put(chunkIdOf(c), c);
  await be.close();
  const h = chunkIdHex(chunkIdOf(c));
  await stat(join(opts.dataDirs[0]!, 'chunks', h.slice(0, 2), h.slice(2, 4), h));
});

test('put re-hashes unless the caller vouches for the id (`verified`): then the bytes are stored as given', async () => {
  const be = await createLocalBackend(await setup(1));
  const good = bytes(20_000, 4);
  const id = chunkIdOf(good);
  const wrong = bytes(20_000, 5);
  await assert.rejects(be.chunks.put(id, wrong), (e) => StorageErrors.BAD_DIGEST.is(e));
  // The hint only saves the second hash of bytes the engine hashed itself; a liar's bytes land as
  // given (and the engine's read-side check, ccow.md §5, is what then refuses to serve them).
  await be.chunks.put(id, wrong, { verified: true });
  assert.deepEqual(Buffer.from(await be.chunks.get(id)), wrong);
  const small = bytes(100, 6);
  await be.chunks.put(chunkIdOf(small), small, { verified: true });
  assert.deepEqual(Buffer.from(await be.chunks.get(chunkIdOf(small))), small);
  await be.close();
});

test('LOCK: a second open of a held data dir fails with LOCKED until the first closes', async () => {
  const opts = await setup(2);
  const be = await createLocalBackend(opts);
  await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.LOCKED.is(e));
  // Holding only the second dir is enough to refuse.
  await assert.rejects(createLocalBackend({ ...opts, dataDirs: [opts.dataDirs[1]!] }), (e) => StorageErrors.LOCKED.is(e));
  // Exactly the golden fixture's format (test/fixtures/storage/owner-lock-v1.txt), with our pid and start time.
  const lock = await readFile(join(opts.dataDirs[0]!, 'LOCK'), 'utf8');
  const startedAt = lock.split('\n')[2]!;
  assert.ok(Math.abs(Date.parse(startedAt) - Date.now()) < 60_000, startedAt);
  assert.equal(lock, (await readFile('test/fixtures/storage/owner-lock-v1.txt', 'utf8')).replace('4242', String(process.pid)).replace('2026-01-01T00:00:00.000Z', startedAt));
  await be.close();
  await assert.rejects(stat(join(opts.dataDirs[0]!, 'LOCK')), { code: 'ENOENT' });
  const again = await createLocalBackend(opts);
  await again.close();
});

test('LOCK: held by another live process → LOCKED; left by a killed one → taken over', async () => {
  const opts = await setup(1);
  const moduleUrl = new URL('../../src/storage/local/index.js', import.meta.url).href;
  const script = `
    const { createLocalBackend } = await import(${JSON.stringify(moduleUrl)});
    await createLocalBackend(${JSON.stringify(opts)});
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.LOCKED.is(e) && /pid \d+/.test((e as Error).message));
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  // The LOCK file is still there, but its owner is dead: stale, taken over.
  await stat(join(opts.dataDirs[0]!, 'LOCK'));
  const be = await createLocalBackend(opts);
  await be.close();
});

test('LOCK: the golden fixture read as a LOCK names its owner; a malformed one (ccow-lock/2) is held until old', async () => {
  const opts = await setup(1);
  const be = await createLocalBackend(opts);
  await be.close();
  const lockPath = join(opts.dataDirs[0]!, 'LOCK');
  const golden = await readFile('test/fixtures/storage/owner-lock-v1.txt', 'utf8');
  // Our parent (the test runner) is alive and is not us: its LOCK is held.
  await writeFile(lockPath, golden.replace('4242', String(process.ppid)));
  await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.LOCKED.is(e) && (e as Error).message.includes(`locked by pid ${process.ppid} `));
  // A format this version does not write: its pid is not trusted, the LOCK is held while fresh.
  await writeFile(lockPath, golden.replace('ccow-lock/1', 'ccow-lock/2').replace('4242', String(process.ppid)));
  await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.LOCKED.is(e) && /locked by another process/.test((e as Error).message));
  const { utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 60_000);
  await utimes(lockPath, old, old);
  const again = await createLocalBackend(opts);
  await again.close();
});

test('LOCK: an empty LOCK file (owner died while creating it) is stale only once old', async () => {
  const opts = await setup(1);
  const be = await createLocalBackend(opts);
  await be.close();
  const lockPath = join(opts.dataDirs[0]!, 'LOCK');
  await writeFile(lockPath, '');
  await assert.rejects(createLocalBackend(opts), (e) => StorageErrors.LOCKED.is(e));
  const { utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 60_000);
  await utimes(lockPath, old, old);
  const again = await createLocalBackend(opts);
  await again.close();
});

test('open empties every tmp/ (leftovers of a crash) and keeps chunks', async () => {
  const opts = await setup(2);
  let be = await createLocalBackend(opts);
  const c = bytes(50_000, 4);
  await be.chunks.put(chunkIdOf(c), c);
  await be.close();
  for (const d of opts.dataDirs) await writeFile(join(d, 'tmp', 'half-written'), 'x');
  be = await createLocalBackend(opts);
  for (const d of opts.dataDirs) assert.deepEqual(await readdir(join(d, 'tmp')), []);
  assert.ok(Buffer.from(await be.chunks.get(chunkIdOf(c))).equals(c));
  await be.close();
});

test('relaxed durability: reads, writes and reopen work', async () => {
  const opts = await setup(1, { durability: 'relaxed' });
  let be = await createLocalBackend(opts);
  const c = bytes(40_000, 5);
  await be.chunks.put(chunkIdOf(c), c);
  await be.meta.transaction((tx) => tx.put(Buffer.from('k'), Buffer.from('v')));
  await be.close();
  be = await createLocalBackend(opts);
  assert.equal(Buffer.from((await be.meta.get(Buffer.from('k')))!).toString(), 'v');
  assert.ok(Buffer.from(await be.chunks.get(chunkIdOf(c))).equals(c));
  await be.close();
});

test('stats report every data dir with free and total bytes', async () => {
  const opts = await setup(3);
  const be = await createLocalBackend(opts);
  const st = await be.stats();
  assert.deepEqual(st.disks!.map((d) => d.path), opts.dataDirs);
  for (const d of st.disks!) assert.ok(d.total > 0 && d.free >= 0 && d.free <= d.total);
  assert.equal(st.chunkCount, 0);
  await be.close();
});

test('bad options are refused', async () => {
  await assert.rejects(createLocalBackend({ dataDirs: [] }), TypeError);
  const opts = await setup(1);
  await assert.rejects(createLocalBackend({ dataDirs: [opts.dataDirs[0]!, opts.dataDirs[0]!] }), TypeError);
});

/**
 * Review of fe6158b (O_DIRECT chunk files, issue #3 follow-up): a chunk write must not fail where
 * O_DIRECT cannot be used at write time; it falls back to a buffered v1 file instead.
 *
 * - Some file systems take an O_DIRECT open but refuse the write with EINVAL (FUSE and network
 *   file systems, or alignment rules above 4 KiB such as OpenZFS direct I/O on a 64 KiB-page
 *   kernel). Before the fix, the disk was marked direct because the open succeeded, and every
 *   chunk file write failed with an IO error.
 * - A staging buffer is a WebAssembly.Memory, which V8 maps with ~10 GiB of guard regions; under an
 *   address-space limit (RLIMIT_AS, `ulimit -v`) it throws a RangeError. Before the fix, that too
 *   failed the chunk write.
 *
 * Both are simulated in this process: `open` of node:fs/promises (the O_DIRECT probe) and `open` /
 * `writev` of node:fs (chunk files, written through plain descriptors) are wrapped (module.
 * syncBuiltinESMExports updates the ESM bindings chunk-files.ts uses) so that files opened with
 * O_DIRECT fail their writes with EINVAL; WebAssembly.Memory is replaced by a constructor throwing
 * the RangeError V8 throws ("WebAssembly.Memory(): could not allocate memory").
 *
 * tmpfs takes O_DIRECT since Linux 6.6 (a no-op: the bytes still go through its page cache), so
 * the "tmpfs keeps buffered v1 files" of fe6158b no longer held: it paid the staging copy and the
 * padding for nothing.
 *
 * Also: a backend that fails to open after its disks were prepared (LMDB) closed its O_DIRECT
 * probe handle only on GC (Node's DEP0137 warning), holding an fd on the data disk meanwhile.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, statfs, writeFile, type FileHandle, type open } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { chunkIdHex, chunkIdOf } from '../../src/common/index.js';
import { readChunkHeader } from '../../src/storage/local/chunk-file-format.js';
import { createLocalBackend, type LocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const require = createRequire(import.meta.url);
const fsp = require('node:fs/promises') as { open: typeof open };
const realOpen = fsp.open;
type Cb = (...a: unknown[]) => void;
const fs = require('node:fs') as { open: (...a: unknown[]) => void; writev: (...a: unknown[]) => void };
const realOpenCb = fs.open;
const realWritev = fs.writev;
const g = globalThis as unknown as { WebAssembly: { Memory: unknown } };
const RealMemory = g.WebAssembly.Memory;

/** O_DIRECT opens since the last `refuseDirectWrites` (each one a direct attempt). */
let directOpens = 0;

const einval = (): Error => Object.assign(new Error(`EINVAL: invalid argument, write`), { code: 'EINVAL', errno: -22, syscall: 'write' });
const isDirect = (flags: unknown): boolean => typeof flags === 'number' && (flags & fsc.O_DIRECT) !== 0;

/** From now on, writes to files opened with O_DIRECT fail with EINVAL. */
function refuseDirectWrites(): void {
  directOpens = 0;
  fsp.open = (async (path: string, flags?: number | string, mode?: number) => {
    const fh: FileHandle = await realOpen(path, flags, mode);
    if (isDirect(flags)) {
      directOpens++;
      for (const m of ['write', 'writev']) Object.defineProperty(fh, m, { value: () => Promise.reject(einval()) });
    }
    return fh;
  }) as typeof open;
  // Descriptors from fs.open with O_DIRECT (a number may be reused by a later open: forgotten then).
  const direct = new Set<number>();
  fs.open = (...a: unknown[]) => {
    const cb = a.pop() as Cb;
    realOpenCb(...a, (e: Error | null, fd: number) => {
      if (!e && isDirect(a[1])) {
        directOpens++;
        direct.add(fd);
      } else if (!e) direct.delete(fd);
      cb(e, fd);
    });
  };
  fs.writev = (...a: unknown[]) => {
    if (!direct.has(a[0] as number)) return realWritev(...a);
    const cb = a.pop() as Cb;
    process.nextTick(cb, einval());
  };
  syncBuiltinESMExports();
}

/** From now on, new WebAssembly memories cannot be mapped. */
function noStagingMemory(): void {
  g.WebAssembly.Memory = function Memory(): never {
    throw new RangeError('WebAssembly.Memory(): could not allocate memory');
  };
}

afterEach(() => {
  fsp.open = realOpen;
  fs.open = realOpenCb;
  fs.writev = realWritev;
  syncBuiltinESMExports();
  g.WebAssembly.Memory = RealMemory;
});

/** Header version of the chunk file of `hex` under data dir `dir`. */
async function versionOf(dir: string, hex: string): Promise<number> {
  const fh = await realOpen(join(dir, 'chunks', hex.slice(0, 2), hex.slice(2, 4), hex), 'r');
  try {
    const head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
    return readChunkHeader(head)!.version;
  } finally {
    await fh.close();
  }
}

/** Put a fresh file-sized chunk; check it reads back; its file's format version. */
async function putOne(backend: LocalBackend, dir: string, size = 100_000): Promise<number> {
  const bytes = randomBytes(size);
  const id = chunkIdOf(bytes);
  await backend.chunks.put(id, bytes);
  assert.ok(Buffer.from(await backend.chunks.get(id)).equals(bytes));
  return versionOf(dir, chunkIdHex(id));
}

async function fresh(name: string): Promise<{ dir: string; backend: LocalBackend }> {
  const dir = join((await makeTempDir(name)).path, 'd0');
  return { dir, backend: await createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024 }) };
}

test('a file system that takes O_DIRECT opens but refuses the writes gets buffered v1 files', async () => {
  refuseDirectWrites();
  const { dir, backend } = await fresh('direct-refused');
  try {
    assert.equal(await putOne(backend, dir), 1);
    assert.equal(await putOne(backend, dir), 1);
    assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'no temp or probe file left behind');
  } finally {
    await backend.close();
  }
});

test('an O_DIRECT write refused after start falls back to a buffered file, and the disk stays buffered', async () => {
  const { dir, backend } = await fresh('direct-refused-later');
  try {
    refuseDirectWrites();
    assert.equal(await putOne(backend, dir), 1);
    const attempts = directOpens;
    assert.equal(await putOne(backend, dir), 1);
    assert.equal(directOpens, attempts, 'no further O_DIRECT attempt on that disk');
    assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'the refused temp file is removed');
  } finally {
    await backend.close();
  }
});

test('no staging memory (address-space limit): the chunk is written buffered, direct again once memory maps', async () => {
  const { dir, backend } = await fresh('direct-no-memory');
  try {
    // 2 on a file system that takes O_DIRECT (1 on tmpfs and the like, then 1 throughout).
    const usual = await putOne(backend, dir, 100_000);
    noStagingMemory();
    // Larger than any free staging buffer (the first allocation is 1 MiB + 64 KiB): it needs a new memory.
    assert.equal(await putOne(backend, dir, 1_500_000), 1);
    g.WebAssembly.Memory = RealMemory;
    assert.equal(await putOne(backend, dir, 1_600_000), usual, 'direct again once memory maps');
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  } finally {
    await backend.close();
  }
});

test('a backend that fails to open closes its O_DIRECT probe handle', async () => {
  // Handles opened with O_DIRECT, kept reachable here so that GC cannot close them instead.
  const direct: FileHandle[] = [];
  fsp.open = (async (path: string, flags?: number | string, mode?: number) => {
    const fh: FileHandle = await realOpen(path, flags, mode);
    if (typeof flags === 'number' && (flags & fsc.O_DIRECT) !== 0) direct.push(fh);
    return fh;
  }) as typeof open;
  syncBuiltinESMExports();
  const dir = join((await makeTempDir('direct-probe-leak')).path, 'd0');
  // LMDB's directory is a file: the open fails after the disks were prepared.
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'meta'), 'not a directory');
  await assert.rejects(createLocalBackend({ dataDirs: [dir], mapSize: 64 * 1024 * 1024 }));
  assert.deepEqual(
    direct.map((fh) => fh.fd),
    direct.map(() => -1),
    'every O_DIRECT handle closed',
  );
});

test('a data dir on tmpfs gets buffered v1 files', async (t) => {
  const TMPFS_MAGIC = 0x01021994;
  if ((await statfs('/dev/shm').catch(() => undefined))?.type !== TMPFS_MAGIC) {
    t.skip('no tmpfs at /dev/shm');
    return;
  }
  const root = await mkdtemp('/dev/shm/ccow-direct-tmpfs-');
  try {
    const dir = join(root, 'd0');
    const backend = await createLocalBackend({ dataDirs: [dir], mapSize: 16 * 1024 * 1024 });
    try {
      assert.equal(await putOne(backend, dir), 1);
    } finally {
      await backend.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

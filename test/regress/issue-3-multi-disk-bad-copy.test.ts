/**
 * Regression (issue #3, storage/local; left by session 9: "a multi-disk read stops at the first bad
 * copy"). With several data dirs a chunk can have two copies: written again on another disk while
 * its first disk was away (a `--data` list that left the disk out, which older versions opened),
 * then the disk came back. Reads try the disks in placement order and stopped at the first copy:
 * - a copy that does not hash to its id was served to the engine, which quarantined the chunk, and
 *   the quarantine deleted every copy: the good one too (the read failed, and so did every later one);
 * - a copy whose header does not parse (CHUNK_CORRUPT) did the same;
 * - a copy that could not be read (EIO) failed the read while a good copy sat on the other disk.
 * Now a damaged or unreadable copy does not end the search, and a copy that does not hash is passed
 * over when the store is asked to verify (ChunkGetOptions.verify: the quarantine, scrub and fsck
 * ask; the engine asks again after a mismatch): the good copy is served, nothing is quarantined,
 * and a bad copy found so is dropped.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createEngine, type DamageReport } from '../../src/engine/index.js';
import { createLocalBackend, encodeChunkHeader, errnoError, type LocalFaults } from '../../src/storage/local/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** One 64 KiB chunk: stored as a chunk file (above the 16 KiB kept in LMDB). */
const BODY = Buffer.alloc(64 * 1024);
for (let o = 0; o < BODY.length; o += 32) createHash('sha256').update(`bad-copy/${o}`).digest().copy(BODY, o);

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

/** Every chunk file under `dir`/chunks. */
async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  await walk(join(dir, 'chunks'));
  return out;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * A store over d0,d1 with one object of one chunk file, and a second, good copy of that file on
 * the other disk (where a later write put it); `home` is the copy reads try first.
 */
async function twoCopies(t: TestContext): Promise<{ dirs: string[]; home: string; spare: string }> {
  const tmp = await makeTempDir('bad-copy');
  t.after(() => tmp.cleanup());
  const dirs = [join(tmp.path, 'd0'), join(tmp.path, 'd1')];
  const backend = await createLocalBackend({ dataDirs: dirs });
  const engine = await createEngine(backend);
  await engine.createBucket('bkt', { owner: 'o' });
  await engine.putObject({ bucket: 'bkt', key: 'k' }, once(BODY));
  await engine.close();
  await backend.close();
  const files = [...(await chunkFiles(dirs[0]!)), ...(await chunkFiles(dirs[1]!))];
  assert.equal(files.length, 1, 'one chunk file');
  const home = files[0]!;
  const [from, to] = home.startsWith(dirs[0]! + '/') ? [dirs[0]!, dirs[1]!] : [dirs[1]!, dirs[0]!];
  const spare = to + home.slice(from.length);
  await mkdir(dirname(spare), { recursive: true });
  await copyFile(home, spare);
  return { dirs, home, spare };
}

/** Read the object with `faults`; the body and the damage reported. */
async function readObject(dirs: string[], faults?: LocalFaults): Promise<{ body: Buffer; damage: DamageReport[] }> {
  const damage: DamageReport[] = [];
  const backend = await createLocalBackend({ dataDirs: dirs, ...(faults ? { faults } : {}) });
  try {
    const engine = await createEngine(backend, { onDamage: (d) => damage.push(d) });
    try {
      const read = await engine.read({ bucket: 'bkt', key: 'k' });
      const got: Uint8Array[] = [];
      for await (const c of read.body) got.push(c);
      return { body: Buffer.concat(got), damage };
    } finally {
      await engine.close();
    }
  } finally {
    await backend.close();
  }
}

test('a first copy that does not hash to its id: the good copy is served, nothing quarantined, the bad copy dropped', async (t) => {
  const { dirs, home, spare } = await twoCopies(t);
  const other = Buffer.alloc(BODY.length, 7);
  await writeFile(home, Buffer.concat([encodeChunkHeader(other.length), other]));
  const r = await readObject(dirs);
  assert.ok(r.body.equals(BODY));
  assert.deepEqual(r.damage, []);
  assert.equal(await exists(spare), true, 'the good copy is kept');
  assert.equal(await exists(home), false, 'the bad copy is dropped');
  assert.ok((await readObject(dirs)).body.equals(BODY), 'and reads on');
});

test('a first copy whose header does not parse: the good copy is served, nothing quarantined', async (t) => {
  const { dirs, home, spare } = await twoCopies(t);
  await writeFile(home, Buffer.alloc(8192, 0xff));
  const r = await readObject(dirs);
  assert.ok(r.body.equals(BODY));
  assert.deepEqual(r.damage, []);
  assert.equal(await exists(spare), true, 'the good copy is kept');
});

test('a first copy that cannot be read (EIO): the good copy is served', async (t) => {
  const { dirs, home } = await twoCopies(t);
  const r = await readObject(dirs, {
    beforeRead: (path) => {
      if (path === home) throw errnoError('EIO', 'read', path);
    },
  });
  assert.ok(r.body.equals(BODY));
  assert.deepEqual(r.damage, []);
});

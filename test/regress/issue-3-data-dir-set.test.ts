/**
 * Regression (issue #3, storage/local): the data dirs of a local backend form a set with an
 * identity (`CCOW-DISK` markers, the set recorded in the metadata store: storage/local/data-dirs.ts),
 * checked when the backend opens, so a wrong list can neither hide nor lose data. Before:
 * - a dir left out (`--data d0` for a store made with `d0,d1`) opened: every chunk on d1 was
 *   unreadable, and each read or scrub of one quarantined it and reported damage that was not there;
 * - a dir of another store listed as a later dir opened: its chunk files were read, counted and
 *   (unreferenced here) deleted by the orphan sweep;
 * - dirs in another order were refused only by the CLI (`checkDirOrder`); the backend itself made a
 *   new, empty store in the wrong first dir (meta/ there, so even the right order was refused next).
 * Now each is refused with StorageErrors.DATA_DIRS naming the dir (the CLI: one `ccow:` line, exit
 * 2), and nothing on any dir is changed. Still accepted: a new empty dir appended (it joins and
 * takes chunks; left out again while it holds no chunk file, it leaves), and a store made before
 * markers existed (adopted on its first open).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { open as openLmdbEnv } from 'lmdb';
import { createEngine } from '../../src/engine/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** The marker file in each data dir (format ccow-disk/1, test/fixtures/storage/disk-marker-v1.txt). */
const DISK_MARKER = 'CCOW-DISK';

/** A dir's marker, read as the fixture shows it (no import: the test also runs against old code). */
async function marker(dir: string): Promise<{ set: string; disk: string; origin: string; members: string[] }> {
  const lines = (await readFile(join(dir, DISK_MARKER), 'utf8')).split('\n');
  assert.equal(lines[0], 'ccow-disk/1');
  const value = (name: string): string => lines.find((l) => l.startsWith(`${name} `))!.slice(name.length + 1);
  const members = lines.filter((l) => l.startsWith('member ')).map((l) => JSON.parse(l.split(' ').slice(2).join(' ')) as string);
  return { set: value('set'), disk: value('disk'), origin: value('origin'), members };
}

/** Each object is one 64 KiB chunk: a chunk file (above the 16 KiB kept in LMDB). */
const OBJECT_BYTES = 64 * 1024;

const body = (i: number): Buffer => {
  const out = Buffer.alloc(OBJECT_BYTES);
  for (let o = 0; o < out.length; o += 32) createHash('sha256').update(`${i}/${o}`).digest().copy(out, o);
  return out;
};

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

/** Open backend + engine over `dirs`, run `fn`, close both. */
async function withEngine<T>(dirs: string[], fn: (engine: Awaited<ReturnType<typeof createEngine>>) => Promise<T>): Promise<T> {
  const backend = await createLocalBackend({ dataDirs: dirs });
  try {
    const engine = await createEngine(backend);
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  } finally {
    await backend.close();
  }
}

/** Objects `from`..`to-1` of bucket `bkt` written, or checked byte for byte. */
async function putObjects(dirs: string[], from: number, to: number, create = false): Promise<void> {
  await withEngine(dirs, async (engine) => {
    if (create) await engine.createBucket('bkt', { owner: 'o' });
    for (let i = from; i < to; i++) await engine.putObject({ bucket: 'bkt', key: `k${i}` }, once(body(i)));
  });
}

async function readsBack(dirs: string[], n: number): Promise<void> {
  await withEngine(dirs, async (engine) => {
    for (let i = 0; i < n; i++) {
      const read = await engine.read({ bucket: 'bkt', key: `k${i}` });
      const got: Uint8Array[] = [];
      for await (const c of read.body) got.push(c);
      assert.ok(Buffer.concat(got).equals(body(i)), `k${i} reads back`);
    }
  });
}

/** Every chunk file under `dir`/chunks, as relative paths with their sizes. */
async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(`${p.slice(dir.length)} ${(await stat(p)).size}`);
    }
  };
  await walk(join(dir, 'chunks'));
  return out.sort();
}

/** Run the CLI to its end; a `serve` that starts anyway is stopped at its banner (and fails). */
const run = (args: string[]): Promise<CliResult> => runCli(args);

function assertOneLine(r: { code: number | null; stderr: string }, pattern: RegExp, what: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^ccow: /, what);
  assert.match(lines[0]!, pattern, what);
  assert.equal(r.code, 2, `${what}: exit status`);
}

const refused = (pattern: RegExp) => (e: unknown): boolean => StorageErrors.DATA_DIRS.is(e) && pattern.test((e as Error).message);

/** A store over d0,d1 holding `n` one-chunk objects, with chunk files on both dirs. */
async function twoDirStore(t: TestContext, n = 24): Promise<{ root: string; d0: string; d1: string }> {
  const tmp = await makeTempDir('data-dir-set');
  t.after(() => tmp.cleanup());
  const [d0, d1] = [join(tmp.path, 'd0'), join(tmp.path, 'd1')];
  await putObjects([d0, d1], 0, n, true);
  assert.ok((await chunkFiles(d0)).length > 0 && (await chunkFiles(d1)).length > 0, 'chunk files on both dirs');
  return { root: tmp.path, d0, d1 };
}

test('a data dir left out is refused, by the backend and by the CLI (gc, serve), and nothing is deleted', { timeout: 120_000 }, async (t) => {
  const { d0, d1 } = await twoDirStore(t);
  const before = [await chunkFiles(d0), await chunkFiles(d1)];
  await assert.rejects(createLocalBackend({ dataDirs: [d0] }), refused(new RegExp(`data dir ${d1} of this store .*is not among the data dirs given`)));
  assertOneLine(await run(['gc', '--grace', '0', '--data', d0]), new RegExp(`data dir ${d1} of this store .*list every data dir of the store, the one with meta/ first: ${d0},${d1}`), 'gc without d1');
  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', d0]), new RegExp(`data dir ${d1} of this store`), 'serve without d1');
  assert.deepEqual([await chunkFiles(d0), await chunkFiles(d1)], before, 'every chunk file is still there');
  await readsBack([d0, d1], 24);
});

test('a data dir of another store listed as a later dir is refused', { timeout: 120_000 }, async (t) => {
  const { root, d0, d1 } = await twoDirStore(t);
  const [e0, e1] = [join(root, 'e0'), join(root, 'e1')];
  await putObjects([e0, e1], 100, 124, true);
  const before = await chunkFiles(e1);
  await assert.rejects(createLocalBackend({ dataDirs: [d0, d1, e1] }), refused(new RegExp(`data dir ${e1} belongs to another ccow store .*metadata store is in ${e0}`)));
  // Instead of its own second dir, too.
  await assert.rejects(createLocalBackend({ dataDirs: [d0, e1] }), refused(new RegExp(`data dir ${e1} belongs to another ccow store`)));
  assertOneLine(await run(['gc', '--grace', '0', '--data', `${d0},${d1},${e1}`]), new RegExp(`data dir ${e1} belongs to another ccow store`), 'gc with a foreign dir');
  assert.deepEqual(await chunkFiles(e1), before);
  // A dir of a store made before markers: chunk files, no marker. Its files would be orphans here.
  const legacy = join(root, 'legacy');
  await mkdir(join(legacy, 'chunks', 'ab', 'cd'), { recursive: true });
  await writeFile(join(legacy, 'chunks', 'ab', 'cd', 'abcd' + 'ef'.repeat(30)), 'x');
  await assert.rejects(createLocalBackend({ dataDirs: [d0, d1, legacy] }), refused(new RegExp(`data dir ${legacy} holds chunk files but is not one of this store's data dirs`)));
  assert.equal((await chunkFiles(legacy)).length, 1);
  await readsBack([d0, d1], 24);
});

test('data dirs in another order are refused by the backend itself, and no metadata store is made in the wrong dir', { timeout: 120_000 }, async (t) => {
  const { root, d0, d1 } = await twoDirStore(t);
  const before = [await chunkFiles(d0), await chunkFiles(d1)];
  await assert.rejects(createLocalBackend({ dataDirs: [d1, d0] }), refused(new RegExp(`data dir ${d0} holds a metadata store \\(meta/\\) but is not the first data dir`)));
  await assert.rejects(createLocalBackend({ dataDirs: [d1] }), refused(new RegExp(`data dir ${d1} is data dir 2 of 2 of its store, whose metadata store \\(meta/\\) is in ${d0}`)));
  const fresh = join(root, 'fresh');
  await assert.rejects(createLocalBackend({ dataDirs: [fresh, d1] }), refused(new RegExp(`data dir ${d1} holds chunk files but the first data dir ${fresh} has no metadata store`)));
  await assert.rejects(stat(join(d1, 'meta')), { code: 'ENOENT' });
  await assert.rejects(stat(join(fresh, 'meta')), { code: 'ENOENT' });
  assert.deepEqual([await chunkFiles(d0), await chunkFiles(d1)], before);
  await readsBack([d0, d1], 24);
});

test('a new empty data dir appended joins the set and takes chunks; from then on it is a member', { timeout: 120_000 }, async (t) => {
  const { root, d0, d1 } = await twoDirStore(t);
  const d2 = join(root, 'd2');
  await putObjects([d0, d1, d2], 24, 72);
  assert.ok((await chunkFiles(d2)).length > 0, 'the new dir holds chunk files');
  const markers = await Promise.all([d0, d1, d2].map(marker));
  for (const m of markers) {
    assert.equal(m.set, markers[0]!.set);
    assert.deepEqual(m.members, [d0, d1, d2]);
  }
  assert.equal(new Set(markers.map((m) => m.disk)).size, 3);
  await readsBack([d0, d1, d2], 72);
  await assert.rejects(createLocalBackend({ dataDirs: [d0, d1] }), refused(new RegExp(`data dir ${d2} of this store`)));
});

test('a dir appended by mistake and left out again before it holds a chunk file leaves the set', { timeout: 120_000 }, async (t) => {
  const { root, d0, d1 } = await twoDirStore(t);
  const typo = join(root, 'typo');
  await (await createLocalBackend({ dataDirs: [d0, d1, typo] })).close();
  assert.deepEqual((await marker(d0)).members, [d0, d1, typo]);
  await readsBack([d0, d1], 24);
  assert.deepEqual((await marker(d0)).members, [d0, d1]);
  assert.deepEqual((await marker(d1)).members, [d0, d1]);
  // Listed again, it joins again (its marker names this set).
  await (await createLocalBackend({ dataDirs: [d0, d1, typo] })).close();
  assert.deepEqual((await marker(d1)).members, [d0, d1, typo]);
});

test('a store made before markers existed (none on any dir, no record) is adopted on its first open', { timeout: 120_000 }, async (t) => {
  const { d0, d1 } = await twoDirStore(t);
  // Undo what this version wrote: the markers and the set record in LMDB.
  for (const d of [d0, d1]) await rm(join(d, DISK_MARKER), { force: true });
  const env = openLmdbEnv<Buffer, Buffer>({ path: join(d0, 'meta'), keyEncoding: 'binary', encoding: 'binary', maxDbs: 4 });
  const db = env.openDB<Buffer, Buffer>('disks', { keyEncoding: 'binary', encoding: 'binary' });
  await db.drop();
  await env.close();

  await readsBack([d0, d1], 24);
  const [m0, m1] = [await marker(d0), await marker(d1)];
  assert.equal(m0.origin, 'adopted');
  assert.equal(m1.set, m0.set);
  assert.deepEqual(m0.members, [d0, d1]);
  // Adopted, the set is checked like any other from now on.
  await assert.rejects(createLocalBackend({ dataDirs: [d0] }), refused(new RegExp(`data dir ${d1} of this store`)));
});

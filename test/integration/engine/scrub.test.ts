/**
 * Damaged chunk files on the local backend (real LMDB, real files): a read that meets a corrupt or
 * missing chunk quarantines it (quarantine.ts), the scrub worker finds damage nobody reads
 * (scrub.ts, ccow.md §17), and a new put of the same content repairs every object that shares the
 * chunk — before quarantine, the put deduplicated onto the damaged bytes and stayed broken.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngine, EngineErrors, type DamageReport, type Engine } from '../../../src/engine/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { body, bytes, collect, fakeClock, TEST_OPTS, type FakeClock } from './harness.js';

const CHUNK = 64 * 1024;

async function open(t: TestContext): Promise<{ e: Engine; dir: string; clock: FakeClock; damage: DamageReport[] }> {
  const tmp = await makeTempDir('scrub');
  const backend = await createLocalBackend({ dataDirs: [tmp.path], durability: 'relaxed' });
  const clock = fakeClock();
  const damage: DamageReport[] = [];
  const e = await createEngine(backend, { ...TEST_OPTS, clock, digestWorker: false, onDamage: (d) => damage.push(d) });
  t.after(async () => {
    await e.close();
    await backend.close();
    await tmp.cleanup();
  });
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  return { e, dir: tmp.path, clock, damage };
}

/** Every chunk file under the data dir. */
async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const ent of await readdir(join(dir, 'chunks'), { recursive: true, withFileTypes: true })) {
    if (ent.isFile()) out.push(join(ent.parentPath, ent.name));
  }
  return out.sort();
}

async function flipByte(file: string): Promise<void> {
  const b = await readFile(file);
  b[b.length >> 1]! ^= 0xff;
  await writeFile(file, b);
}

const readAll = async (e: Engine, key: string): Promise<Buffer> => collect((await e.read({ bucket: 'b', key })).body);

test('a read of a corrupt chunk fails, quarantines it, and re-uploading the content repairs the object', async (t) => {
  const { e, dir, damage } = await open(t);
  const data = bytes(4 * CHUNK, 7);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data, 10_000));
  const files = await chunkFiles(dir);
  assert.equal(files.length, 4);
  await flipByte(files[1]!);

  await assert.rejects(readAll(e, 'k'), (err: unknown) => EngineErrors.CHUNK_CORRUPT.is(err));
  assert.deepEqual(damage.map((d) => [d.problem, d.foundBy, d.quarantined]), [['corrupt', 'read', true]]);
  assert.equal((await chunkFiles(dir)).length, 3, 'the damaged bytes were removed');
  await assert.rejects(readAll(e, 'k'), (err: unknown) => EngineErrors.CHUNK_MISSING.is(err), 'still an error, never wrong bytes');
  assert.equal(damage.length, 1, 'an already quarantined chunk is not reported again');
  const report = await e.fsck();
  assert.equal(report.missing.length, 1);
  assert.deepEqual(report.damaged, [{ bucket: 'b', key: 'k', versionId: 'null' }], 'fsck names the object that cannot be read');

  // The same content again (a client re-uploading the file): the chunk is stored anew.
  await e.putObject({ bucket: 'b', key: 'again' }, body(data, 10_000));
  assert.ok((await readAll(e, 'k')).equals(data), 'the first object reads again');
  assert.ok((await readAll(e, 'again')).equals(data));
  const f = await e.fsck();
  assert.deepEqual({ missing: f.missing, corrupt: f.corrupt, leaked: f.leaked, danglingRefs: f.danglingRefs, damaged: f.damaged }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], damaged: [] });
});

test('the scrub finds corrupt and missing chunks nobody reads, one pass per interval, a schedule that survives a restart', async (t) => {
  const { e, dir, clock, damage } = await open(t);
  const data = bytes(4 * CHUNK, 9);
  await e.putObject({ bucket: 'b', key: 'cold' }, body(data, 10_000));
  const scrub = () => e.workers().find((w) => w.name === 'scrub')!;
  const w = scrub();
  assert.equal(await w.step(), 'idle');
  const files = await chunkFiles(dir);
  await flipByte(files[0]!);
  await rm(files[3]!);
  assert.equal(await w.step(), 'idle');
  assert.equal(damage.length, 0, 'a new store scrubs one interval after its first start');

  clock.advance(30 * 86_400_000 + 1);
  for (let i = 0; i < 5; i++) await w.step();
  assert.deepEqual(damage.map((d) => [d.problem, d.foundBy, d.quarantined]).sort(), [['corrupt', 'scrub', true], ['missing', 'scrub', true]]);
  // The pass is over: the next starts 30 days after this one started.
  clock.advance(86_400_000);
  await flipByte((await chunkFiles(dir))[0]!);
  for (let i = 0; i < 5; i++) await w.step();
  assert.equal(damage.length, 2);
  // A new worker (as after a restart) knows when the next pass is due and finds the new damage then.
  const w2 = scrub();
  await w2.step();
  assert.equal(damage.length, 2);
  clock.advance(30 * 86_400_000);
  for (let i = 0; i < 5; i++) await w2.step();
  assert.equal(damage.length, 3);

  await e.putObject({ bucket: 'b', key: 'fresh' }, body(data, 10_000));
  assert.ok((await readAll(e, 'cold')).equals(data), 'repaired by the new put');
});

/**
 * Helpers for tests that damage stored chunks on the local backend (real LMDB, real files): an
 * engine over a temp dir that records `onDamage` reports, and the chunk files under it.
 */
import type { TestContext } from 'node:test';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngine, type DamageReport, type Engine } from '../../../src/engine/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { collect, fakeClock, TEST_OPTS, type FakeClock } from './harness.js';

/** Chunk size of the bucket `b` these tests use: chunks over 16 KiB are files, not LMDB values. */
export const CHUNK = 64 * 1024;

/** An engine on a local backend in a temp dir (removed after the test) with bucket `b`. */
export async function openDamageable(t: TestContext, name: string): Promise<{ e: Engine; dir: string; clock: FakeClock; damage: DamageReport[] }> {
  const tmp = await makeTempDir(name);
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

/** Every chunk file under the data dir, sorted. */
export async function chunkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const ent of await readdir(join(dir, 'chunks'), { recursive: true, withFileTypes: true })) {
    if (ent.isFile()) out.push(join(ent.parentPath, ent.name));
  }
  return out.sort();
}

/** Flip one byte in the middle of a file (inside the payload of a chunk file). */
export async function flipByte(file: string): Promise<void> {
  const b = await readFile(file);
  b[b.length >> 1]! ^= 0xff;
  await writeFile(file, b);
}

/** The whole body of `b/key`. */
export const readAll = async (e: Engine, key: string): Promise<Buffer> => collect((await e.read({ bucket: 'b', key })).body);

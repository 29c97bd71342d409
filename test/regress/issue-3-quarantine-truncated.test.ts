/**
 * Regress (issue #3, review of the quarantine/scrub work): damage the local chunk store reports as
 * "missing" rather than "corrupt" — a chunk file cut short (crash, fs repair, bad sector) — must be
 * repaired by the next put of the same content. The quarantine only removed corrupt bytes, so the
 * truncated file stayed; the repair put then found a file under the chunk's name, skipped writing
 * it (a put of an existing id is a no-op), and its record cleared the quarantine: the object stayed
 * unreadable while the store believed it healthy.
 *
 * And the scrub must get past a chunk with many back-references: its page of rows counted the
 * chunk's `ref` rows and it advanced its cursor only on chunk rows, so a chunk with more than a
 * page of references (one content stored under ~500 keys) held every later pass on the same page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { EngineErrors } from '../../src/engine/index.js';
import { CHUNK, chunkFiles, openDamageable, readAll } from '../integration/engine/damage.js';
import { body, bytes } from '../integration/engine/harness.js';

test('a truncated chunk file is quarantined and the next put of the same content really repairs it', async (t) => {
  const { e, dir, damage } = await openDamageable(t, 'review7-quarantine');
  const data = bytes(2 * CHUNK, 11);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data, 10_000));
  const files = await chunkFiles(dir);
  assert.equal(files.length, 2);
  const whole = await readFile(files[0]!);
  await writeFile(files[0]!, whole.subarray(0, whole.length >> 1));

  await assert.rejects(readAll(e, 'k'), (err: unknown) => EngineErrors.CHUNK_MISSING.is(err));
  assert.deepEqual(damage.map((d) => [d.problem, d.foundBy, d.quarantined]), [['missing', 'read', true]]);

  await e.putObject({ bucket: 'b', key: 'again' }, body(data, 10_000));
  assert.ok((await readAll(e, 'k')).equals(data), 'the re-upload stored the chunk again');
  const f = await e.fsck();
  assert.deepEqual({ missing: f.missing, corrupt: f.corrupt, damaged: f.damaged }, { missing: [], corrupt: [], damaged: [] });
});

test('the scrub gets past a chunk held by more references than a page of rows', async (t) => {
  const { e, dir, clock, damage } = await openDamageable(t, 'review7-quarantine');
  // One content under many keys: its chunks and VM carry one reference per version.
  const shared = bytes(2 * CHUNK, 5);
  for (let i = 0; i < 600; i++) await e.putObject({ bucket: 'b', key: `k${i}` }, body(shared, 1 << 20));
  await e.putObject({ bucket: 'b', key: 'other' }, body(bytes(2 * CHUNK, 6), 1 << 20));
  const files = await chunkFiles(dir);
  assert.equal(files.length, 4);
  const scrub = e.workers().find((w) => w.name === 'scrub')!;
  await scrub.step();
  // Damage every chunk file: whichever sorts after the shared ones must still be found.
  for (const f of files) {
    const b = await readFile(f);
    b[b.length >> 1]! ^= 0xff;
    await writeFile(f, b);
  }
  clock.advance(30 * 86_400_000 + 1);
  for (let i = 0; i < 40; i++) await scrub.step();
  assert.equal(damage.filter((d) => d.foundBy === 'scrub').length, 4, 'every damaged chunk was found in one pass');
});

/**
 * Issue #3 (start-up cost): every start walked every chunk file and looked up its row (the orphan
 * sweep: 80,000 chunks took 1.3–5 s and mapped ~280 MiB of LMDB), and then again every hour.
 * Orphans (bytes without a row) come from a process dying between a chunk's put and its row, or
 * from a failed write or GC delete. An engine that closes with neither records a clean stop; the
 * next start then skips the sweep, which runs every 6 hours (§17) or as soon as a failure makes
 * orphans likely. After a crash (no clean stop) the start sweeps as before.
 */
import assert from 'node:assert/strict';
import { chunkIdOf } from '../../src/common/index.js';
import { createEngine, type Worker } from '../../src/engine/index.js';
import { stateKey } from '../../src/engine/keys.js';
import { body, eachBackend, readAll, type Harness } from '../integration/engine/harness.js';

const HOUR = 60 * 60_000;

/** Bytes stored without a row, as a writer that died after its put leaves them. */
async function orphan(h: Harness, n: number): Promise<Uint8Array> {
  const data = Buffer.alloc(70_000, n);
  const id = chunkIdOf(data);
  await h.backend.chunks.put(id, data);
  return id;
}
const stored = async (h: Harness, id: Uint8Array): Promise<boolean> => (await h.backend.chunks.has([id as never]))[0]!;
/** The orphan-sweep worker of the engine running now (its pacing starts when it is made). */
const sweeper = (h: Harness): Worker => h.engine.workers().find((w) => w.name === 'orphan-sweep')!;

eachBackend('issue-3 orphan sweep: skipped at a start after a clean stop, run at a start after a crash', async (h) => {
  await h.engine.createBucket('b', { owner: 't' });
  await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.alloc(200_000, 1)));
  await h.restart();
  // (Planted while no engine runs: a clean stop never leaves one, so the start must not look.)
  const planted = await orphan(h, 2);
  await h.restart();
  const sweep = sweeper(h);
  assert.equal(await sweep.step(), 'idle', 'after a clean stop the start does not walk the chunk files');
  assert.equal(await stored(h, planted), true);
  h.clock.advance(6 * HOUR + 1);
  assert.equal(await sweep.step(), 'busy', 'the paced sweep (6 h) still finds it');
  assert.equal(await stored(h, planted), false);

  // A crash: the engine never closed, so no clean stop was recorded (the row a close writes is
  // removed here, as if the close had not happened).
  const left = await orphan(h, 3);
  await h.engine.close();
  await h.backend.meta.transaction((tx) => tx.del(stateKey('clean-stop')));
  // An admin command (ccow fsck) opens and closes the store in between: its close is no clean
  // stop of the crashed process (seen in crash-s3ops: the fsck after each kill hid the kill).
  h.engine = await createEngine(h.backend, h.opts);
  await h.engine.fsck();
  await h.engine.close();
  h.engine = await createEngine(h.backend, h.opts);
  assert.equal(await sweeper(h).step(), 'busy', 'after a crash the start sweeps');
  assert.equal(await stored(h, left), false);
  // A clean stop counts for the next start only.
  await h.restart();
  await h.restart();
  const again = await orphan(h, 4);
  await h.engine.close();
  await h.backend.meta.transaction((tx) => tx.del(stateKey('clean-stop')));
  h.engine = await createEngine(h.backend, h.opts);
  assert.equal(await sweeper(h).step(), 'busy');
  assert.equal(await stored(h, again), false);
  assert.equal((await readAll(h.engine, 'b', 'k')).length, 200_000, 'the object is untouched');
});

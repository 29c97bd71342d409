/**
 * Regress (issue #3, scale hunt): intent expiry read and decoded the whole intent table every
 * intent-expiry step (every 10 s while the gateway is idle) and at every start, although only
 * single-PUT intents can expire (shared/spec/ccow.md §9, §13): with 10^4 open multipart uploads a
 * step read 10^4 upload intents for nothing. Now the start reads the older epochs' PUT intents
 * only (their ids begin with the epoch, so they are one range at the start of the table), and a
 * step looks at this process's PUTs in flight, in memory (put-intents.ts). Counted in rows read,
 * never in time; the lease semantics are unchanged: a PUT whose lease ran out fails, one within its
 * lease goes on and commits.
 */
import assert from 'node:assert/strict';
import { createEngine, EngineErrors, type Engine, type Worker } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const B = 'bkt';
/** Open uploads: every one has an intent record in the table the old scan read. */
const OPEN = 300;
const LEASE = 3_600_000;

async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

/** A PUT that stores 5 chunks (its intent is written), then waits for `release`; resolves to 'ok' or the error code. */
function stalledPut(e: Engine, key: string, seed: number): { done: Promise<string>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const done = e.putObject({ bucket: B, key }, (async function* () {
    yield bytes(5 * 1024, seed);
    await gate;
    yield bytes(3 * 1024, seed + 1);
  })()).then(() => 'ok', (err: Error & { code?: string }) => err.code ?? err.message);
  return { done, release };
}

/** Wait until the store holds `n` intent records. */
async function intentsReach(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < 400 && (await rows(h, T.INTENT)) < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await rows(h, T.INTENT), n, 'the stalled PUTs wrote their intents');
}

async function openUploads(e: Engine): Promise<void> {
  await e.createBucket(B, { owner: 't', chunkSize: 1024 });
  for (let i = 0; i < OPEN; i++) await e.createUpload({ bucket: B, key: `open-${i}` }, {});
}

async function assertClean(e: Engine): Promise<void> {
  await e.gc({ graceMs: 0 });
  await e.sweepOrphans();
  const f = await e.fsck();
  assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs }, { missing: [], leaked: [], dangling: [] });
}

eachBackend('an intent-expiry step reads no intent of an open upload', async (h) => {
  const e = h.engine;
  await openUploads(e);
  const worker: Worker = e.workers().find((w) => w.name === 'intent-expiry')!;
  // The first step after a start also looks for aborted uploads left to drain (multipart.ts): once.
  await worker.step();
  const early = stalledPut(e, 'early', 1);
  await intentsReach(h, OPEN + 1);
  h.clock.advance(LEASE / 2);
  const late = stalledPut(e, 'late', 3);
  await intentsReach(h, OPEN + 2);
  // Before: every step read the OPEN + 2 intents (and decoded them), whatever was due.
  const idle = await rowsRead(h.backend.meta, async () => assert.equal(await worker.step(), 'idle'));
  assert.equal(idle, 0, `a step with nothing due read ${idle} rows`);
  h.clock.advance(LEASE / 2 + 1000);
  // 'early' is past its lease, 'late' is not: the step drops the first (5 members) and reads no other.
  let busy = '';
  const expiring = await rowsRead(h.backend.meta, async () => void (busy = await worker.step()));
  assert.equal(busy, 'busy');
  assert.ok(expiring < 30, `the step that expired one PUT read ${expiring} rows (${OPEN} open uploads)`);
  assert.equal(await rows(h, T.INTENT), OPEN + 1, 'the expired intent is gone, the open uploads\' and the live PUT\'s stay');
  early.release();
  late.release();
  assert.equal(await early.done, EngineErrors.UNAVAILABLE.code, 'the PUT whose lease ran out fails');
  assert.equal(await late.done, 'ok', 'the PUT within its lease commits');
  assert.equal(await rows(h, T.INTENT), OPEN);
  await assertClean(e);
});

eachBackend('the start expires older epochs\' PUT intents without reading the open uploads\'', async (h) => {
  await openUploads(h.engine);
  // A PUT in flight when its process "died": a second engine opens the store (a newer epoch).
  const crashed = stalledPut(h.engine, 'crashed', 5);
  await intentsReach(h, OPEN + 1);
  let e2!: Engine;
  const atStart = await rowsRead(h.backend.meta, async () => void (e2 = await createEngine(h.backend, h.opts)));
  try {
    // Before: the whole table (OPEN + 1 intents) at every start.
    assert.ok(atStart < 30, `the start read ${atStart} rows (${OPEN} open uploads)`);
    assert.equal(await rows(h, T.INTENT), OPEN, 'the dead PUT\'s intent is dropped, the uploads\' stay');
    crashed.release();
    assert.equal(await crashed.done, EngineErrors.UNAVAILABLE.code, 'the dead PUT cannot commit on');
    assert.equal((await e2.listUploads(B, { limit: 1000 })).uploads.length, OPEN);
    await assertClean(e2);
  } finally {
    await e2.close();
  }
});

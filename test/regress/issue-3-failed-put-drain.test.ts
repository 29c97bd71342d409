/**
 * Regress (issue #3, scale hunt): a single PUT that failed (the client went away, a checksum
 * mismatch at the end), or whose intent expired, had its intent dropped in ONE write transaction:
 * per chunk a membership row and a reference deleted, an unreferenced stamp and a GC queue row
 * written, with every write of the store waiting — a 2 GiB PUT of 1 MiB chunks cut off at its end,
 * 8,189 rows in one 71–127 ms transaction on the local backend. Now every path that
 * drops a PUT intent drops DRAIN_BATCH members per transaction (put-intents.ts), as an Abort's
 * drain does (issue-3-abort-large-upload): the failed PUT before it answers, the intent-expiry
 * worker for a lease that ran out or a drop a storage failure cut short, the start for older
 * epochs. Counted in rows written per transaction, never in time; nothing leaks and fsck is clean.
 * The kill -9 half is issue-3-failed-put-drain-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { createEngine, EngineErrors, type Engine, type Worker } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { DRAIN_BATCH } from '../../src/engine/refs.js';
import { StorageErrors, type MetaStore } from '../../src/storage/contract/index.js';
import { writesPerTx } from '../helpers/counting-backend.js';
import { bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const B = 'bkt';
const CHUNK = 1024;
/** 1,280 distinct chunks: five drop batches. */
const CHUNKS = 1280;
/** Most rows a bounded drop transaction writes: ~4 per member, and the record. */
const BOUND = 4 * DRAIN_BATCH + 1;

async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

/**
 * A PUT of CHUNKS distinct chunks that then waits for `go()` and ends as `end` says: throws (the
 * client went away), or goes on with more bytes (a writer whose lease ran out meanwhile). Resolves
 * to 'ok' or the error's code or message. `stored()` waits until every full chunk is recorded.
 */
function largePut(h: Harness, e: Engine, end: 'throw' | 'more', opts: { verify?: () => Promise<void> } = {}) {
  let go!: () => void;
  const gate = new Promise<void>((r) => (go = r));
  const done = e.putObject({ bucket: B, key: 'big' }, (async function* () {
    for (let i = 0; i < CHUNKS; i++) {
      const c = Buffer.alloc(CHUNK, i & 0xff);
      c.writeUInt32BE(i, 0);
      yield c;
    }
    await gate;
    if (end === 'throw') throw new Error('client went away');
    yield bytes(4 * CHUNK, 7);
  })(), opts).then(() => 'ok', (err: Error & { code?: string }) => err.code ?? err.message);
  const stored = async (): Promise<void> => {
    // The last chunk waits in its buffer for more bytes or the end: CHUNKS - 1 are recorded.
    for (let i = 0; i < 1000 && (await rows(h, T.MEMBER)) < CHUNKS - 1; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await rows(h, T.MEMBER), CHUNKS - 1, 'the PUT holds its chunks under its intent');
  };
  return { done, go, stored };
}

async function assertFreed(h: Harness, e: Engine): Promise<void> {
  assert.equal(await rows(h, T.INTENT), 0, 'the intent is gone');
  assert.equal(await rows(h, T.MEMBER), 0, 'and every membership row');
  await e.gc({ graceMs: 0 });
  await e.sweepOrphans();
  assert.equal((await e.bucketStats(B)).physicalBytes, 0, 'every chunk of the PUT collected');
  const f = await e.fsck();
  assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs }, { missing: [], leaked: [], dangling: [] });
}

function assertBounded(counts: readonly number[], what: string): void {
  const most = Math.max(0, ...counts);
  // Before: one transaction of ~4 × 1,279 rows.
  assert.ok(most <= BOUND, `${what}: at most a batch per transaction (largest ${most} rows)`);
  assert.ok(counts.length >= Math.ceil((CHUNKS - 1) / DRAIN_BATCH), `${what}: spread over ${counts.length} transactions`);
}

async function stepUntilIdle(w: Worker): Promise<number> {
  let steps = 1;
  while ((await w.step()) === 'busy') steps++;
  return steps;
}

const cases: [name: string, error: string, opts: { verify?: () => Promise<void> }][] = [
  ['the body is cut off', 'client went away', {}],
  // As the S3 layer's check of a declared checksum (PutOptions.verify), after the last chunk.
  ['the checksum does not match at the end', 'checksum mismatch', { verify: () => Promise.reject(new Error('checksum mismatch')) }],
];

for (const [name, error, opts] of cases) {
  eachBackend(`a large PUT failing when ${name}: its intent is dropped a batch per transaction`, async (h) => {
    await h.engine.createBucket(B, { owner: 't', chunkSize: CHUNK });
    const put = largePut(h, h.engine, opts.verify ? 'more' : 'throw', opts);
    await put.stored();
    const counts = await writesPerTx(h.backend.meta, async () => {
      put.go();
      assert.equal(await put.done, error);
    });
    assertBounded(counts, 'the failed PUT');
    await assertFreed(h, h.engine);
  });
}

eachBackend('a large PUT whose lease ran out: the intent-expiry worker drops it a batch per transaction', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: CHUNK });
  const put = largePut(h, h.engine, 'more');
  await put.stored();
  h.clock.advance(2 * 3_600_000);
  const worker = h.engine.workers().find((w) => w.name === 'intent-expiry')!;
  let steps = 0;
  const counts = await writesPerTx(h.backend.meta, async () => void (steps = await stepUntilIdle(worker)));
  assertBounded(counts, 'the expiry');
  assert.ok(steps >= 2, `a step ran a bounded number of transactions (${steps} steps)`);
  put.go();
  assert.equal(await put.done, EngineErrors.UNAVAILABLE.code, 'the stalled PUT fails, it does not commit');
  await assertFreed(h, h.engine);
});

eachBackend('a failed PUT whose drop a storage failure cut short: the intent-expiry worker finishes it', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: CHUNK });
  const put = largePut(h, h.engine, 'throw');
  await put.stored();
  // The second transaction of the drop fails.
  const meta: MetaStore = h.backend.meta;
  const real = meta.transaction.bind(meta);
  let n = 0;
  meta.transaction = ((fn, o) => (++n === 2 ? Promise.reject(StorageErrors.IO('injected')) : real(fn, o)));
  try {
    put.go();
    assert.equal(await put.done, 'client went away', 'the PUT answers its own failure');
  } finally {
    meta.transaction = real;
  }
  const left = await rows(h, T.MEMBER);
  assert.ok(left > 0 && left < CHUNKS - 1, `the drop stopped part-way (${left} members left)`);
  assert.equal(await rows(h, T.INTENT), 1);
  const worker = h.engine.workers().find((w) => w.name === 'intent-expiry')!;
  const counts = await writesPerTx(h.backend.meta, () => stepUntilIdle(worker));
  assert.ok(Math.max(...counts) <= BOUND, 'the worker drops a batch per transaction too');
  await assertFreed(h, h.engine);
});

eachBackend('a large PUT of a process that died: the start drops its intent a batch per transaction', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: CHUNK });
  const put = largePut(h, h.engine, 'more');
  await put.stored();
  // A second engine opens the store (a newer epoch), as the next start after a kill would.
  let e2!: Engine;
  const counts = await writesPerTx(h.backend.meta, async () => void (e2 = await createEngine(h.backend, h.opts)));
  try {
    assertBounded(counts.slice(1), 'the start'); // the first writes the engine state
    put.go();
    assert.equal(await put.done, EngineErrors.UNAVAILABLE.code);
    await assertFreed(h, e2);
  } finally {
    await e2.close();
  }
});

eachBackend('a PUT whose intent is part-dropped when it commits fails: its record is still there, some chunks are let go', async (h) => {
  await h.engine.createBucket(B, { owner: 't', chunkSize: CHUNK });
  // Stalled after its body, before its commit (as on the S3 layer's checksum check). 300 leaves fit
  // the VM (btreeOrder 640): no CM is stored, whose transaction would check the intent first.
  let go!: () => void;
  const gate = new Promise<void>((r) => (go = r));
  let verifying!: () => void;
  const atVerify = new Promise<void>((r) => (verifying = r));
  const put = h.engine.putObject({ bucket: B, key: 'late' }, (async function* () {
    for (let i = 0; i < 300; i++) {
      const c = Buffer.alloc(CHUNK, 1);
      c.writeUInt32BE(i, 0);
      yield c;
    }
  })(), { verify: () => (verifying(), gate) }).then(() => 'ok', (err: Error & { code?: string }) => err.code ?? err.message);
  await atVerify;
  h.clock.advance(2 * 3_600_000);
  // The lease ran out; the drop's second transaction fails: 256 members are let go, the record stays.
  const worker = h.engine.workers().find((w) => w.name === 'intent-expiry')!;
  const meta: MetaStore = h.backend.meta;
  const real = meta.transaction.bind(meta);
  let n = 0;
  meta.transaction = ((fn, o) => (++n === 2 ? Promise.reject(StorageErrors.IO('injected')) : real(fn, o)));
  try {
    await assert.rejects(worker.step(), { code: EngineErrors.UNAVAILABLE.code });
  } finally {
    meta.transaction = real;
  }
  assert.equal(await rows(h, T.INTENT), 1);
  assert.equal(await rows(h, T.MEMBER), 300 - DRAIN_BATCH);
  go();
  // commitTx refuses an intent whose record is gone, not one half dropped: the commit would have
  // named chunks already let go, which GC takes once their hold has passed.
  assert.equal(await put, EngineErrors.UNAVAILABLE.code);
  await assert.rejects(h.engine.head({ bucket: B, key: 'late' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  await stepUntilIdle(worker);
  await assertFreed(h, h.engine);
}, { btreeOrder: 640 });

/**
 * Storage failures under each engine operation (issue #3; shared/spec/ccow.md §1 error catalog, §9,
 * §13): for every operation (PUT, CopyObject, UploadPartCopy, UploadPart, Complete, Abort, clone,
 * snapshots, deletes and purges, bucket create/delete and configuration, tag changes, a feed
 * cursor, a lifecycle pass, GC, every background worker, a read), over the memory and the local
 * backend, and every storage call N it makes, call N fails with IO (before it happened, or after:
 * the acknowledgement lost) or, for a write, NO_SPACE. Expected, in the same process (no restart):
 * - the operation rejects with an error of the engine's catalog (EngineErrors: IO → UNAVAILABLE,
 *   NO_SPACE → NO_SPACE), never a raw storage error or anything else;
 * - nothing half-done is visible: every listed version reads whole, the object counter matches the
 *   listing;
 * - once the hold and the put leases have passed, intent expiry, GC and the orphan sweep (the
 *   background workers) leave fsck clean: nothing missing, corrupt, dangling, leaked or damaged.
 * test/integration/engine/faults.test.ts runs a mixed workload the same way, checked after a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodedError } from '../../../src/common/index.js';
import { createEngine, EngineErrors, type Engine, type Worker } from '../../../src/engine/index.js';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { faultyBackend, type FaultPlan } from '../../helpers/faulty-backend.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { BACKENDS, body, bytes, fakeClock, TEST_OPTS, type BackendKind, type FakeClock } from './harness.js';

type Kind = 'io-before' | 'io-after' | 'nospace';

interface Faults {
  armed: boolean;
  count: number;
  failAt: number;
  kind: Kind;
  /** What call failed (for the message). */
  hit?: string;
}

const ENGINE_CODES = new Set<string>(Object.values(EngineErrors).map((d) => d.code));

/** Call `failAt` of the armed ones fails (NO_SPACE: of the chunk puts and transactions only). */
function planOf(f: Faults): FaultPlan {
  return (call) => {
    if (!f.armed || (f.kind === 'nospace' && call !== 'chunks.put' && call !== 'meta.transaction')) return undefined;
    if (++f.count !== f.failAt) return undefined;
    f.hit = call;
    return { error: f.kind === 'nospace' ? StorageErrors.NO_SPACE('injected') : StorageErrors.IO('injected'), after: f.kind === 'io-after' };
  };
}

const B = 'b';
/** The lease of a PUT's intents here: shorter than the orphan sweep's pause (1 h). */
const LEASE_MS = 10 * 60_000;

/** Step every worker until none is busy (as the gateway's loop does). */
async function idle(workers: readonly Worker[]): Promise<void> {
  for (let round = 0; round < 100; round++) {
    let busy = false;
    for (const w of workers) busy = (await w.step()) === 'busy' || busy;
    if (!busy) return;
  }
  throw new Error('workers still busy after 100 rounds');
}

/** What an operation may use: the engine, the clock, an open upload with part 1, a noncurrent version of `a`. */
interface Ctx {
  e: Engine;
  clock: FakeClock;
  uploadId: string;
  part1: string;
  oldA: string;
}

async function drain(p: Promise<{ body: AsyncIterable<Uint8Array> }>): Promise<number> {
  let n = 0;
  for await (const c of (await p).body) n += c.length;
  return n;
}

const OPS: Record<string, (c: Ctx) => Promise<unknown>> = {
  'put (chunks)': (c) => c.e.putObject({ bucket: B, key: 'n' }, body(bytes(7000, 11))),
  'put (inline)': (c) => c.e.putObject({ bucket: B, key: 'n' }, body(Buffer.from('tiny2'))),
  overwrite: (c) => c.e.putObject({ bucket: B, key: 'a' }, body(bytes(3000, 12))),
  'copy (replace)': (c) => c.e.copyObject({ bucket: B, key: 'a' }, { bucket: B, key: 'c' }, { replace: { contentType: 'x/y' } }),
  'copy (same VM)': (c) => c.e.copyObject({ bucket: B, key: 'a' }, { bucket: B, key: 'c' }, {}),
  'upload part copy': (c) => c.e.copyPart(B, c.uploadId, 2, { bucket: B, key: 'a' }, { offset: 100, length: 4000 }),
  'upload part': (c) => c.e.putPart(B, c.uploadId, 2, body(bytes(2000, 13))),
  complete: (c) => c.e.completeUpload(B, c.uploadId, [{ partNumber: 1, etag: c.part1 }]),
  abort: (c) => c.e.abortUpload(B, c.uploadId),
  'create upload': (c) => c.e.createUpload({ bucket: B, key: 'm2' }, {}),
  clone: (c) => c.e.clone({ bucket: B, key: 'a' }, { bucket: B, key: 'd' }),
  'clone (snapshot view)': (c) => c.e.clone({ bucket: B, key: 'a', snapshot: 's1' }, { bucket: B, key: 'd' }),
  'snapshot create': (c) => c.e.snapshotCreate(B, 's2'),
  'snapshot delete': (c) => c.e.snapshotDelete(B, 's1'),
  'delete (marker)': (c) => c.e.deleteObject({ bucket: B, key: 'a' }),
  'delete (purge noncurrent)': (c) => c.e.deleteObject({ bucket: B, key: 'a' }, { versionId: c.oldA }),
  'delete (purge current)': async (c) => c.e.deleteObject({ bucket: B, key: 'small' }, { versionId: (await c.e.head({ bucket: B, key: 'small' })).versionId }),
  'put tags': (c) => c.e.updateVersionMeta({ bucket: B, key: 'a' }, undefined, { tags: { k: 'v' } }),
  'lifecycle pass': async (c) => {
    const w = c.e.workers().find((x) => x.name === 'lifecycle')!;
    for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
  },
  gc: (c) => c.e.gc({ graceMs: 0 }),
  'background workers': async (c) => {
    // Tombstones, feed records and completed uploads past their retention, a scrub pass due.
    c.clock.advance(40 * 86_400_000);
    await idle(c.e.workers());
  },
  'create bucket': (c) => c.e.createBucket('b2', { owner: 't' }),
  'delete bucket': (c) => c.e.deleteBucket('e'),
  'versioning config': (c) => c.e.putBucketConfig(B, 'versioning', 'Suspended'),
  'feed cursor': (c) => c.e.feedCursorSet('consumer', 3n),
  read: (c) => drain(c.e.read({ bucket: B, key: 'a' }, { versionId: c.oldA })),
};

/** Per-operation setup before the faults are armed. */
const BEFORE: Record<string, (c: Ctx) => Promise<unknown>> = {
  'lifecycle pass': async (c) => {
    await c.e.putBucketConfig(B, 'lifecycle', { v: 1, rules: [{ id: 'all', status: 'Enabled', filter: {}, expiration: { days: 1 }, noncurrentVersionExpiration: { noncurrentDays: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }] });
    c.clock.advance(5 * 86_400_000);
  },
  'background workers': async (c) => {
    await c.e.deleteObject({ bucket: B, key: 'a' }, { versionId: c.oldA });
    await c.e.deleteObject({ bucket: B, key: 'small' });
    await c.e.completeUpload(B, c.uploadId, [{ partNumber: 1, etag: c.part1 }]);
    await c.e.snapshotDelete(B, 's1');
  },
  'delete bucket': (c) => c.e.createBucket('e', { owner: 't' }),
  gc: async (c) => {
    await c.e.deleteObject({ bucket: B, key: 'a' }, { versionId: c.oldA });
    await c.e.snapshotDelete(B, 's1');
  },
};

async function setup(e: Engine, clock: FakeClock): Promise<Ctx> {
  await e.createBucket(B, { owner: 't', chunkSize: 1024 });
  await e.putBucketConfig(B, 'versioning', 'Enabled');
  const oldA = (await e.putObject({ bucket: B, key: 'a' }, body(bytes(6000, 1)))).versionId;
  await e.putObject({ bucket: B, key: 'a' }, body(bytes(5000, 2)));
  await e.putObject({ bucket: B, key: 'small' }, body(Buffer.from('tiny')));
  const up = await e.createUpload({ bucket: B, key: 'mp' }, {});
  const p1 = await e.putPart(B, up.uploadId, 1, body(bytes(9000, 3)));
  await e.snapshotCreate(B, 's1');
  return { e, clock, uploadId: up.uploadId, part1: p1.etag, oldA };
}

/** Run `op` with call `failAt` failing; returns the calls made (failAt past the end: none failed) and findings. */
async function run(backend: BackendKind, name: string, failAt: number, kind: Kind): Promise<{ calls: number; findings: string[] }> {
  const dir = backend === 'local' ? await makeTempDir('faults-ops') : undefined;
  const inner = dir ? await createLocalBackend({ dataDirs: [dir.path], durability: 'relaxed', mapSize: 64 * 1024 * 1024 }) : createMemoryBackend();
  const f: Faults = { armed: false, count: 0, failAt, kind };
  const clock = fakeClock();
  const e = await createEngine(faultyBackend(inner, planOf(f)), { ...TEST_OPTS, clock, digestWorker: false, intentLeaseMs: LEASE_MS });
  const findings: string[] = [];
  const where = `${name} [${backend}], ${kind} at call ${failAt}`;
  try {
    const c = await setup(e, clock);
    await BEFORE[name]?.(c);
    // As in the gateway: the workers ran once since the start (the orphan sweep is paced after).
    const workers = e.workers();
    await idle(workers);
    f.armed = true;
    const out = await OPS[name]!(c).then(
      () => undefined,
      (err: unknown) => err,
    );
    f.armed = false;
    if (f.hit === undefined) {
      if (out !== undefined) findings.push(`${where}: failed without a fault: ${(out as Error).message}`);
      return { calls: f.count, findings };
    }
    const want = kind === 'nospace' ? EngineErrors.NO_SPACE.code : EngineErrors.UNAVAILABLE.code;
    if (out !== undefined) {
      const code = out instanceof CodedError ? out.code : `${(out as Error).name}: ${(out as Error).message}`;
      if (!ENGINE_CODES.has(code)) findings.push(`${where} (${f.hit}): rejected with ${code}, not an engine error`);
      else if (code !== want) findings.push(`${where} (${f.hit}): rejected with ${code}, expected ${want}`);
    }
    // Nothing half-done is visible: every version reads whole, the counter matches the listing.
    const versions = (await e.listVersions(B, { limit: 1000 })).entries;
    for (const v of versions) {
      if (v.deleteMarker) continue;
      const n = await drain(e.read({ bucket: B, key: v.key }, { versionId: v.versionId })).catch((err: unknown) => (err as Error).message);
      if (n !== v.size) findings.push(`${where} (${f.hit}): ${v.key} ${v.versionId} listed with ${v.size} B reads ${n}`);
    }
    const current = (await e.listObjects(B, { limit: 1000 })).entries.length;
    const stats = await e.bucketStats(B);
    if (stats.objects !== current) findings.push(`${where} (${f.hit}): object counter ${stats.objects}, listed ${current}`);
    // The background workers, past the hold and the put leases (within the orphan sweep's pause,
    // which the setup started), leave nothing behind.
    clock.advance(LEASE_MS + 60_000);
    await idle(workers);
    const r = await e.fsck();
    const bad = { missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, dangling: r.danglingRefs, damaged: r.damaged };
    if (Object.values(bad).some((x) => x.length > 0)) findings.push(`${where} (${f.hit}): fsck ${JSON.stringify(bad)}`);
    return { calls: f.count, findings };
  } finally {
    await e.close();
    if (dir) {
      await inner.close();
      await dir.cleanup();
    }
  }
}

for (const backend of BACKENDS) {
  for (const name of Object.keys(OPS)) {
    test(`storage failure at any call of: ${name} [${backend}] → an engine error, nothing visible half-done, fsck clean after the workers`, async () => {
      const findings: string[] = [];
      for (const kind of ['io-before', 'io-after', 'nospace'] as const) {
        const { calls } = await run(backend, name, Number.MAX_SAFE_INTEGER, kind);
        assert.ok(calls > 0 || kind === 'nospace', `${name} makes storage calls`);
        for (let n = 1; n <= calls; n++) findings.push(...(await run(backend, name, n, kind)).findings);
      }
      assert.deepEqual(findings, []);
    });
  }
}

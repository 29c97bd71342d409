/**
 * Space reclamation (shared/spec/ccow.md §9): the GC worker visits only queued candidates (`gcq`),
 * deletes a chunk in a transaction that re-checks "no back-references and hold expired", cascades
 * through manifests (a deleted VM/CM drops its `vm:`/`cm:` references on its children, queueing
 * them in the same transaction), and unlinks payload bytes only after that transaction is durable,
 * holding the per-id lock that writers also take (§13).
 */
import { chunkIdHex, compareBytes, type ChunkId } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { Worker } from './api.js';
import type { Core } from './core.js';
import { decodeCm } from './format/cm.js';
import { ChunkKind, ChunkLoc, decodeChunkRow, decodeGcQueueValue } from './format/records.js';
import { decodeVm } from './format/vm.js';
import { blobKey, chunkKey, gcqKey, idOfKey, Referrer, referrer, T } from './keys.js';
import { bumpCounters, dropRef, hasRefs } from './refs.js';
import { mapStorageError, storage } from './storage-errors.js';
import { completedUploadsWorker, feedTrimWorker, tombstoneWorker } from './housekeeping.js';
import { lifecycleWorker } from './lifecycle.js';
import { drainAbortedUploads, drainProgress } from './multipart.js';
import { expireDuePuts, expireOlderEpochs } from './put-intents.js';
import { scrubWorker } from './scrub.js';
import { snapshotSweepWorker } from './snapshots.js';
import { bucketCloneWorker } from './bucket-clone.js';

/** Candidates visited per transaction. */
const BATCH = 64;
/** Transactions of intent drops per intent-expiry step, for each kind (each drops up to DRAIN_BATCH rows). */
const DRAIN_STEPS = 16;

type Outcome = 'deleted-blob' | 'deleted-payload' | 'kept' | 'held';

/** The earliest time a candidate held back by a collect comes due (Infinity: none held). */
interface Held {
  dueAt: number;
}

/**
 * Decide and apply the fate of one candidate inside `tx`. A deleted manifest's children (their
 * references dropped by the cascade) are added to `children`; a held one's due time lowers `held`.
 */
function collectOne(core: Core, tx: MetaTx, id: ChunkId, graceMs: number, now: number, children: ChunkId[], held: Held): Outcome {
  const rk = chunkKey(id);
  const raw = tx.get(rk);
  if (!raw) {
    tx.del(gcqKey(id));
    return 'kept';
  }
  if (hasRefs(tx, id)) {
    tx.del(gcqKey(id));
    return 'kept';
  }
  const row = decodeChunkRow(raw);
  const dueAt = Math.max(row.createdAt, row.touchedAt, row.unreferencedAt) + graceMs;
  if (now < dueAt) {
    held.dueAt = Math.min(held.dueAt, dueAt);
    return 'held';
  }
  tx.del(rk);
  tx.del(gcqKey(id));
  bumpCounters(tx, row.bucketId, { physicalBytes: -row.storedLength });
  if (row.loc === ChunkLoc.STORE) return 'deleted-payload';
  children.push(...cascade(tx, id, row.kind, now));
  tx.del(blobKey(id));
  core.forgetManifest(id);
  return 'deleted-blob';
}

/** A deleted manifest drops the references it held on its children (§9 cascade); returns them. */
function cascade(tx: MetaTx, id: ChunkId, kind: ChunkKind, now: number): ChunkId[] {
  const blob = tx.get(blobKey(id));
  if (!blob) return [];
  let children: ChunkId[];
  try {
    children = (kind === ChunkKind.VM ? decodeVm(blob).refs : decodeCm(blob).refs).filter((r) => r.id).map((r) => r.id!);
  } catch {
    return []; // undecodable: the children leak and fsck reports them
  }
  const ref = referrer(kind === ChunkKind.VM ? Referrer.VM : Referrer.CM, id);
  for (const c of children) dropRef(tx, c, ref, now, false);
  return children;
}

/**
 * One pass over up to BATCH queued candidates starting after `after`; returns the count deleted, the
 * last key seen and when the earliest one held back comes due. A candidate whose queue value says
 * it is within its hold (refs.ts markUnreferenced: the stamp its hold runs from at the earliest) is
 * passed over without reading its row: a sweep read every candidate's chunk row and back-references
 * in a write transaction per 64, nearly all of them held (the first sweep after a start: an hour of
 * overwrites and deletes; 4,000 on a scratch store, RssFile +164 MiB).
 */
async function pass(core: Core, graceMs: number, after: Buffer | undefined): Promise<{ deleted: number; last?: Buffer; seen: number; children: ChunkId[]; dueAt: number }> {
  const ids: ChunkId[] = [];
  const lo = after ?? Buffer.from([T.GCQ]);
  const now = core.now();
  let dueAt = Infinity;
  let seen = 0;
  let last: Buffer | undefined;
  for await (const [k, v] of core.backend.meta.range({ ...(after ? { gt: lo } : { gte: lo }), lt: Buffer.from([T.GCQ + 1]), limit: BATCH })) {
    seen++;
    last = Buffer.from(k);
    const from = decodeGcQueueValue(v) + graceMs;
    if (now < from) dueAt = Math.min(dueAt, from);
    else ids.push(idOfKey(k));
  }
  if (seen === 0) return { deleted: 0, seen: 0, children: [], dueAt };
  const r = ids.length > 0 ? await collect(core, graceMs, ids) : { deleted: 0, children: [], dueAt };
  return { ...r, dueAt: Math.min(dueAt, r.dueAt), seen, ...(last ? { last } : {}) };
}

/**
 * Collect candidates `ids` (distinct, in id order) in one transaction; returns the count deleted,
 * the children of the manifests deleted (their references dropped: candidates now, most due at
 * once) and when the earliest candidate it held back comes due.
 */
async function collect(core: Core, graceMs: number, ids: readonly ChunkId[]): Promise<{ deleted: number; children: ChunkId[]; dueAt: number }> {
  // Per-id locks in id order (writers hold at most one at a time, so no deadlock).
  const releases: (() => void)[] = [];
  const children: ChunkId[] = [];
  const held: Held = { dueAt: Infinity };
  try {
    for (const id of ids) releases.push(await core.chunkLocks.acquire(chunkIdHex(id)));
    const now = core.now();
    let deleted = 0;
    try {
      const outcomes = await core.backend.meta.transaction((tx) => ids.map((id) => collectOne(core, tx, id, graceMs, now, children, held)));
      for (let i = 0; i < ids.length; i++) {
        const o = outcomes[i]!;
        if (o === 'deleted-payload') await core.backend.chunks.delete(ids[i]!);
        if (o === 'deleted-blob' || o === 'deleted-payload') deleted++;
      }
    } catch (e) {
      // Rows may be gone with their payloads still stored: a failed delete, or a transaction that
      // committed although it failed (its acknowledgement lost). Those are orphans now, and the
      // next GC pass does not see them (no row, no gcq entry): the sweep soon, not in an hour.
      core.writer.orphansSuspected = true;
      throw mapStorageError(e);
    }
    return { deleted, children, dueAt: held.dueAt };
  } finally {
    for (const r of releases) r();
  }
}

/** Run GC until a full sweep of the queue deletes nothing; returns chunks deleted. */
export async function runGc(core: Core, graceMs: number): Promise<number> {
  // What aborted uploads still hold is released first, so that it is collected by this run.
  await drainAbortedUploads(core);
  let total = 0;
  for (;;) {
    let sweep = 0;
    let after: Buffer | undefined;
    for (;;) {
      const r = await pass(core, graceMs, after);
      sweep += r.deleted;
      if (r.seen < BATCH || !r.last) break;
      after = r.last;
    }
    total += sweep;
    if (sweep === 0) return total;
  }
}

/**
 * Expire intents (§9, §13): at start (`olderEpochsOnly`) the single-PUT intents of older process
 * epochs (crashed writers); in the worker, this process's PUT intents whose lease ran out and those
 * an abandoned PUT left part-way, up to DRAIN_STEPS transactions. Multipart intents have no lease
 * and survive restarts; neither reads them (put-intents.ts). Returns intents (at start) or
 * transactions (in the worker) — work done when non-zero.
 */
export async function expireIntents(core: Core, olderEpochsOnly: boolean): Promise<number> {
  return olderEpochsOnly ? expireOlderEpochs(core) : expireDuePuts(core, DRAIN_STEPS);
}

/**
 * Orphan sweep (§13 recovery, §17): stored chunks without a chunk row — bytes whose writer died (or
 * failed) between ChunkStore.put and the record transaction. Ids a writer of this process is still
 * storing are skipped; the row is re-checked under the per-id lock, so a writer that records the id
 * meanwhile wins. One process owns the data (§13), so no other writer can be in that window.
 */
export async function sweepOrphans(core: Core): Promise<number> {
  // Cleared before the walk: a failure while it runs raises the suspicion again for the next.
  core.writer.orphansSuspected = false;
  let n = 0;
  try {
    for await (const id of core.backend.chunks.iterate()) {
      const hex = chunkIdHex(id);
      if (core.writer.inflight.has(hex)) continue;
      if ((await storage(core.backend.meta.get(chunkKey(id)))) !== undefined) continue;
      await core.chunkLocks.run(hex, async () => {
        if (core.writer.inflight.has(hex) || (await storage(core.backend.meta.get(chunkKey(id)))) !== undefined) return;
        await storage(core.backend.chunks.delete(id));
        n++;
      });
    }
  } catch (e) {
    // Still owed, also by the next start should this process stop first (no clean stop).
    core.writer.orphansSuspected = true;
    throw e;
  }
  return n;
}

/** Pause between two orphan sweeps that found nothing, unless the chunk writer suspects one (§17: 6 h). */
const ORPHAN_SWEEP_EVERY_MS = 6 * 60 * 60_000;
/** Pause after an orphan sweep that failed. */
const ORPHAN_SWEEP_RETRY_MS = 60_000;

/** Background workers (§17): GC with the configured hold, intent expiry, orphan sweep. */
export function makeWorkers(core: Core): Worker[] {
  let after: Buffer | undefined;
  /**
   * Children of manifests the worker deleted, not visited yet (hex → id). A deletion's cascade
   * queues them due at once (dropRef without a new hold), and those that sort before the cursor
   * would wait for the next sweep: the worker said idle with them due and the runner slept
   * (issue-3-gc-worker-idle-early). They are collected next, a batch per step, before the sweep
   * goes on. Lost on a restart: they stay queued for the next sweep.
   */
  const cascaded = new Map<string, ChunkId>();
  const follow = (children: readonly ChunkId[]): void => {
    for (const c of children) cascaded.set(chunkIdHex(c), c);
  };
  /**
   * When the next sweep starts, and the sweep in progress: when it started and the earliest due
   * time of the candidates it held back. Every candidate queued after a sweep started was stamped
   * then (dropRef: `unreferencedAt` = now, due a hold later; the cascade's unstamped children are
   * followed above), so nothing comes due before the earliest held one or a hold after the start:
   * a sweep sooner only reads the queue again. Once per idle pause (10 s) it re-read every
   * candidate of the last hour, a write transaction per 64, while all of them were held (4,000
   * held: 63 transactions, ~200 ms, every 10 s). The first sweep after a start reads the queue.
   */
  let gcSweepAt = -Infinity;
  let sweep = { startedAt: 0, dueAt: Infinity };
  const gc: Worker = {
    name: 'gc',
    async step() {
      if (cascaded.size > 0) {
        const ids = [...cascaded.values()].sort(compareBytes).slice(0, BATCH);
        for (const id of ids) cascaded.delete(chunkIdHex(id));
        const r = await collect(core, core.o.holdMs, ids);
        follow(r.children);
        // Followed after its sweep ended too: a child held back moves the next sweep up.
        sweep.dueAt = Math.min(sweep.dueAt, r.dueAt);
        gcSweepAt = Math.min(gcSweepAt, r.dueAt);
      } else {
        if (after === undefined) {
          if (core.now() < gcSweepAt) return 'idle';
          sweep = { startedAt: core.now(), dueAt: Infinity };
        }
        const r = await pass(core, core.o.holdMs, after);
        after = r.seen < BATCH ? undefined : r.last;
        follow(r.children);
        sweep.dueAt = Math.min(sweep.dueAt, r.dueAt);
        if (after === undefined) gcSweepAt = Math.min(sweep.dueAt, sweep.startedAt + core.o.holdMs);
      }
      // Idle at the end of a sweep once its cascades are followed, whatever it deleted. Not "until
      // a sweep deletes nothing" (as runGc converges): the queue is in id order and holds every
      // candidate within its hold, so under steady overwrites something comes due during nearly
      // every sweep and the worker walked the whole queue back to back (issue-3-gc-worker-rescans).
      // What came due behind the cursor waits for the next sweep, as if it had come due just after.
      return after !== undefined || cascaded.size > 0 ? 'busy' : 'idle';
    },
    // A release since (an Abort's drain, an overwrite, another worker's purge) stamps its
    // candidates now, due a hold later: never before gcSweepAt (see above), so this tells the
    // runner in time without reading the queue.
    due: () => cascaded.size > 0 || after !== undefined || core.now() >= gcSweepAt,
  };
  let drained = drainProgress(core);
  const intents: Worker = {
    name: 'intent-expiry',
    async step() {
      const expired = await expireIntents(core, false);
      // Aborted uploads' intents an Abort's background drain did not finish (a restart, a failure).
      const steps = await drainAbortedUploads(core, DRAIN_STEPS);
      // Busy also when a background drain moved since the last step: what it released is for GC,
      // which may have looked at its queue just before (faults-ops 'abort', io-after).
      const moved = drainProgress(core) !== drained;
      drained = drainProgress(core);
      return expired > 0 || steps > 0 || moved ? 'busy' : 'idle';
    },
  };
  // A sweep walks every chunk file (a directory scan plus a row lookup per chunk). Orphans appear
  // when a process dies between a chunk's put and its row (the first sweep after start finds them)
  // or when a write fails in this process (writer.orphansSuspected: a chunk's row or put, a GC
  // batch's deletes): sweeps in between only
  // guard against the unforeseen, so they are paced instead of running every idle cycle.
  // The first sweep: at once unless the previous process stopped cleanly (core.ts: suspected).
  let nextSweepAt = core.now() + ORPHAN_SWEEP_EVERY_MS;
  let retryAt = -Infinity;
  const orphans: Worker = {
    name: 'orphan-sweep',
    async step() {
      // The pause after a failed sweep holds even when orphans are suspected again meanwhile: on a
      // failing disk puts and GC deletes fail too, and each would otherwise start a sweep at once
      // (issue-3-orphan-sweep-retry-pause). The suspicion stays for the sweep after the pause.
      if (core.now() < retryAt) return 'idle';
      if (!core.writer.orphansSuspected && core.now() < nextSweepAt) return 'idle';
      // A sweep that failed part-way (a delete's EIO) is still owed: a minute later, not an hour
      // (nor at every step: a file that keeps failing would have every chunk file read again).
      const n = await sweepOrphans(core).catch((e: unknown) => {
        nextSweepAt = retryAt = core.now() + ORPHAN_SWEEP_RETRY_MS;
        throw e;
      });
      if (n === 0) nextSweepAt = core.now() + ORPHAN_SWEEP_EVERY_MS;
      return n > 0 ? 'busy' : 'idle';
    },
    // A write or a GC delete that failed meanwhile: sweep without waiting for the runner's pause.
    due: () => core.now() >= retryAt && (core.writer.orphansSuspected || core.now() >= nextSweepAt),
  };
  const all = [gc, intents, orphans, tombstoneWorker(core), feedTrimWorker(core), completedUploadsWorker(core), lifecycleWorker(core), scrubWorker(core), snapshotSweepWorker(core), bucketCloneWorker(core)];
  // As every Engine method (engine.ts): a step's storage failure (a range scan, a transaction)
  // reaches the caller as an engine error, never raw.
  return all.map((w) => {
    const out: Worker = { name: w.name, step: () => storage(w.step()) };
    return w.due ? { ...out, due: w.due } : out;
  });
}


/**
 * Bucket snapshots (shared/spec/ccow.md §10): a named UVID cut-off T, O(1) to take. Purges of
 * entries a snapshot pins only hide them (commit.ts `purgeEntry`); deleting a snapshot queues the
 * bucket for a paged sweep of the hidden entries that no remaining snapshot pins.
 */
import { randomBytes } from 'node:crypto';
import { fromHex, nextTurn, prefixEnd, toHex } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { SnapshotInfo, Worker } from './api.js';
import { bucketById, cloneUsing } from './buckets.js';
import { applyEffects, forgetCutoffs, isPinned, keyEntries, newEffects, snapshotCutoffs, verReferrer, type TxEffects } from './commit.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { decodeHiddenSweep, decodeSnapshotRecord, decodeVersionValue, encodeHiddenSweep, encodeSnapshotRecord, type SnapshotRecord } from './format/records.js';
import { bsnapKey, bucketPrefix, decodeObjectKey, encodeObjectKey, HIDDEN_SWEEP_PREFIX, hiddenSweepKey, prefixRange, T } from './keys.js';
import { dropRef } from './refs.js';
import { storage } from './storage-errors.js';
import { uvidToVersionId } from './uvid.js';

function toInfo(bucket: string, r: SnapshotRecord): SnapshotInfo {
  return { bucket, name: r.name, uvid: uvidToVersionId(fromHex(r.uvid)), createdAt: new Date(r.createdAt) };
}

export async function snapshotCreate(core: Core, bucket: string, name: string): Promise<SnapshotInfo> {
  const b = await core.bucket(bucket);
  if (!name) throw EngineErrors.INVALID_ARGUMENT('snapshot name must not be empty');
  const rec = await storage(core.backend.meta.transaction((tx) => {
    // Not into a bucket deleted since the lookup (its snapshot rows went with it).
    core.bucketInTx(tx, b);
    const k = bsnapKey(b.id, name);
    if (tx.get(k) !== undefined) throw EngineErrors.SNAPSHOT_EXISTS(`snapshot ${name} exists`);
    // Issued inside the transaction: every version committed before it has a smaller UVID.
    const r: SnapshotRecord = { name, uvid: toHex(core.uvids.next()), createdAt: Math.floor(core.now()) };
    tx.put(k, encodeSnapshotRecord(r));
    forgetCutoffs(core, b.id);
    return r;
  })).finally(() => forgetCutoffs(core, b.id));
  return toInfo(b.rec.name, rec);
}

export async function snapshotList(core: Core, bucket: string): Promise<SnapshotInfo[]> {
  const b = await core.bucket(bucket);
  const out: SnapshotInfo[] = [];
  for await (const [, v] of core.backend.meta.range(prefixRange(bucketPrefix(T.BSNAP, b.id)))) out.push(toInfo(b.rec.name, decodeSnapshotRecord(v)));
  return out;
}

/**
 * Delete a snapshot. Its row goes in one transaction, which also queues the bucket for a sweep of
 * the hidden entries no snapshot pins any more (§10: "deleting a snapshot enqueues its bucket for
 * a sweep"); the sweep then runs a page of the name index at a time, each page's removals in a
 * transaction of their own, and drops the queue row at the end. One transaction over the whole
 * bucket (as before) held the event loop for the scan: ~290 ms at 50,000 keys, seconds at 10^6.
 * A sweep a crash interrupts is finished by the snapshot-sweep worker.
 */
export async function snapshotDelete(core: Core, bucket: string, name: string): Promise<void> {
  const b = await core.bucket(bucket);
  const token = randomBytes(16);
  await storage(core.backend.meta.transaction((tx) => {
    const k = bsnapKey(b.id, name);
    if (tx.get(k) === undefined) throw EngineErrors.NO_SUCH_SNAPSHOT(`no snapshot ${name} in ${bucket}`);
    // A clone filling from its view needs the entries it pins until the fill is done.
    const clone = cloneUsing(tx, b.rec.id, name);
    if (clone !== undefined) throw EngineErrors.SNAPSHOT_IN_USE(`bucket ${clone} is being cloned from snapshot ${name} (a running gateway finishes it, or the same clone command run again)`);
    tx.del(k);
    tx.put(hiddenSweepKey(b.id), encodeHiddenSweep(token));
    forgetCutoffs(core, b.id);
  })).finally(() => forgetCutoffs(core, b.id));
  // The snapshot is gone once that transaction committed; a sweep that fails part-way stays queued
  // and the snapshot-sweep worker finishes it (and leaves it alone meanwhile: `sweeping`).
  const mine = token.toString('hex');
  const running = sweeping.get(core) ?? new Set<string>();
  sweeping.set(core, running.add(mine));
  await sweepHidden(core, b, token).catch(() => undefined).finally(() => running.delete(mine));
}

/** Tokens of the sweeps snapshotDelete is running in this process, which the worker must not start again. */
const sweeping = new WeakMap<Core, Set<string>>();

/** Name-index rows read per sweep page. */
const SWEEP_PAGE = 256;

/**
 * Remove the bucket's hidden entries that no snapshot pins any more (their purge was recorded when
 * they were hidden), a page at a time; then drop the queue row if it is still `token`'s (a later
 * snapshot delete queued the bucket again: its own sweep drops it). Each page's keys are decided
 * again inside their transaction, from the key's entries and the cut-offs as they are then.
 */
export async function sweepHidden(core: Core, bucket: Bucket, token: Uint8Array, opts: { after?: Buffer; pages?: number } = {}): Promise<Buffer | undefined> {
  const bucketId = bucket.id;
  const base = bucketPrefix(T.NI, bucketId);
  const end = prefixEnd(base)!;
  let after = opts.after;
  for (let page = 1; ; page++) {
    const keys = new Set<string>();
    let seen = 0;
    for await (const [k, v] of core.backend.meta.range({ ...(after ? { gt: after } : { gte: base }), lt: end, limit: SWEEP_PAGE })) {
      seen++;
      after = Buffer.from(k);
      if (decodeVersionValue(v).rec.hidden) keys.add(decodeObjectKey(k, base.length).key);
    }
    if (keys.size > 0) {
      const gone = await storage(core.backend.meta.transaction((tx) => {
        // A bucket deleted since has no entries left to sweep.
        const b = bucketIfSame(core, tx, bucket);
        if (!b) return true;
        const cutoffs = snapshotCutoffs(core, tx, b.id);
        const fx = newEffects();
        for (const key of keys) sweepKey(core, tx, b, encodeObjectKey(key), cutoffs, fx);
        applyEffects(tx, b.id, fx);
        return false;
      }));
      if (gone) break;
    }
    if (seen < SWEEP_PAGE) break;
    // `pages` done: the caller goes on from `after` later (a worker step is bounded).
    if (opts.pages !== undefined && page >= opts.pages) return after;
    // Store reads are synchronous behind the async contract: let other requests run between pages.
    await nextTurn();
  }
  await dropQueued(core, bucketId, token);
  return undefined;
}

/** Drop the bucket's queue row if it is still `token`'s. */
async function dropQueued(core: Core, bucketId: Buffer, token: Uint8Array): Promise<void> {
  await storage(core.backend.meta.transaction((tx) => {
    const raw = tx.get(hiddenSweepKey(bucketId));
    if (raw && decodeHiddenSweep(raw).equals(token)) tx.del(hiddenSweepKey(bucketId));
  }));
}

/** `b` as of `tx`, or undefined once it was deleted (or its name re-created). */
function bucketIfSame(core: Core, tx: MetaTx, b: Bucket): Bucket | undefined {
  try {
    return core.bucketInTx(tx, b);
  } catch (e) {
    if (EngineErrors.NO_SUCH_BUCKET.is(e)) return undefined;
    throw e;
  }
}

/** Remove one key's hidden entries that no snapshot pins (§10 pinning rule, as purgeEntry decides it). */
function sweepKey(core: Core, tx: MetaTx, b: Bucket, enc: Buffer, cutoffs: readonly Buffer[], fx: TxEffects): void {
  const entries = keyEntries(tx, b.id, enc);
  const now = core.now();
  entries.forEach((e, i) => {
    if (!e.rec.hidden || isPinned(e, entries, cutoffs, i)) return;
    tx.del(e.k);
    if (e.rec.vmEmbedded) fx.physical -= e.vm?.length ?? 0;
    else if (e.rec.vmId) dropRef(tx, fromHex(e.rec.vmId), verReferrer(b.id, e.uvid), now);
    if (!e.rec.deleted) fx.logical -= e.rec.size;
  });
}

/** Pages of the name index one step of the snapshot-sweep worker reads. */
const SWEEP_STEP_PAGES = 16;

/** Finishes the sweeps that a crash (or a failed page) left queued, SWEEP_STEP_PAGES pages per step. */
export function snapshotSweepWorker(core: Core): Worker {
  let doing: { b: Bucket; token: Buffer; after: Buffer } | undefined;
  return {
    name: 'snapshot-sweep',
    async step() {
      if (doing) {
        const after = await sweepHidden(core, doing.b, doing.token, { after: doing.after, pages: SWEEP_STEP_PAGES });
        doing = after ? { ...doing, after } : undefined;
        return 'busy';
      }
      let queued: { id: Buffer; token: Buffer } | undefined;
      for await (const [k, v] of core.backend.meta.range({ ...prefixRange(HIDDEN_SWEEP_PREFIX), limit: 1 })) queued = { id: Buffer.from(k.subarray(HIDDEN_SWEEP_PREFIX.length)), token: decodeHiddenSweep(v) };
      if (!queued || sweeping.get(core)?.has(queued.token.toString('hex'))) return 'idle';
      const b = await bucketById(core, queued.id);
      if (b && b.id.equals(queued.id)) {
        const after = await sweepHidden(core, b, queued.token, { pages: SWEEP_STEP_PAGES });
        if (after) doing = { b, token: queued.token, after };
      } else await dropQueued(core, queued.id, queued.token); // the bucket went, and its entries with it
      return 'busy';
    },
  };
}

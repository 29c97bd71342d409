/**
 * Bucket snapshots (shared/spec/ccow.md §10): a named UVID cut-off T, O(1) to take. Purges of
 * entries a snapshot pins only hide them (commit.ts `purgeEntry`); deleting a snapshot sweeps the
 * bucket's hidden entries that no remaining snapshot pins.
 */
import { fromHex, toHex } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { SnapshotInfo } from './api.js';
import { applyEffects, isPinned, newEffects, snapshotCutoffs, verReferrer, type TxEffects } from './commit.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { decodeSnapshotRecord, decodeVersionValue, encodeSnapshotRecord, type SnapshotRecord, type VersionRecord } from './format/records.js';
import { bsnapKey, bucketPrefix, decodeObjectKey, prefixRange, T, uvidOfNiKey } from './keys.js';
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
    return r;
  }));
  return toInfo(b.rec.name, rec);
}

export async function snapshotList(core: Core, bucket: string): Promise<SnapshotInfo[]> {
  const b = await core.bucket(bucket);
  const out: SnapshotInfo[] = [];
  for await (const [, v] of core.backend.meta.range(prefixRange(bucketPrefix(T.BSNAP, b.id)))) out.push(toInfo(b.rec.name, decodeSnapshotRecord(v)));
  return out;
}

export async function snapshotDelete(core: Core, bucket: string, name: string): Promise<void> {
  const b = await core.bucket(bucket);
  await storage(core.backend.meta.transaction((tx) => {
    const k = bsnapKey(b.id, name);
    if (tx.get(k) === undefined) throw EngineErrors.NO_SUCH_SNAPSHOT(`no snapshot ${name} in ${bucket}`);
    tx.del(k);
    const fx = newEffects();
    sweepHidden(core, tx, b, fx);
    applyEffects(tx, b.id, fx);
  }));
}

/** Remove hidden entries that no snapshot pins any more (their purge was recorded when they were hidden). */
function sweepHidden(core: Core, tx: MetaTx, b: Bucket, fx: TxEffects): void {
  const cutoffs = snapshotCutoffs(tx, b.id);
  const base = bucketPrefix(T.NI, b.id);
  const drop: { k: Uint8Array; uvid: Buffer; vmId?: string; embedded: number; size: number; deleted: boolean }[] = [];
  let prevKey: string | undefined;
  // The key's entries seen so far (newer than the current one, newest first), for the pinning rule.
  let newer: { uvid: Buffer; rec: VersionRecord }[] = [];
  for (const [k, v] of tx.range(prefixRange(base))) {
    const { key } = decodeObjectKey(k, base.length);
    const uvid = uvidOfNiKey(k);
    if (key !== prevKey) newer = [];
    prevKey = key;
    const { rec, vm } = decodeVersionValue(v);
    if (rec.hidden && !isPinned({ uvid, rec }, newer, cutoffs)) {
      drop.push({ k, uvid, vmId: rec.vmEmbedded ? undefined : rec.vmId, embedded: vm?.length ?? 0, size: rec.size, deleted: rec.deleted });
    }
    newer.push({ uvid, rec });
  }
  const now = core.now();
  for (const d of drop) {
    tx.del(d.k);
    if (d.vmId) dropRef(tx, fromHex(d.vmId), verReferrer(b.id, d.uvid), now);
    fx.physical -= d.embedded;
    if (!d.deleted) fx.logical -= d.size;
  }
}

/**
 * Derived indexes: tables that repeat what the primary tables say in an order a reader needs
 * (the quiet-marker index `Q` for the tombstone purge, the owner index `O` for ListBuckets;
 * keys.ts), written and dropped in the same transactions as the rows they stand for. A store
 * written by an older build lacks them, so each one has a state row `E ‖ "ix:" ‖ name` (`ix1`)
 * saying it is complete; without it the tombstone purge falls back to its full scan and builds `Q`
 * on the way (housekeeping.ts), and the start rebuilds `O` from the bucket table (buckets.ts).
 *
 * A build that does not know an index writes the store without keeping it; if that build ran
 * after the index was complete, the index misses rows. So the state row carries the epoch of the
 * process that last kept the index, and each start (openState) carries it to the new epoch only
 * when the previous process was that one; otherwise the row is dropped and the index rebuilt.
 */
import type { MetaTx, MetaStore } from '../storage/contract/index.js';
import { decodeDerivedIndexRecord, encodeDerivedIndexRecord } from './format/records.js';
import { prefixRange, stateKey } from './keys.js';

/** The derived indexes this build keeps. */
export const DERIVED_INDEXES = ['quiet', 'owner'] as const;
export type DerivedIndex = (typeof DERIVED_INDEXES)[number];

const PREFIX = 'ix:';
const ixKey = (name: DerivedIndex): Buffer => stateKey(PREFIX + name);

/**
 * At start, inside the transaction that bumps the epoch from `prevEpoch` (undefined: a new store)
 * to `epoch`: a new store has every index complete (it has no rows); otherwise an index stays
 * complete only if the previous process kept it.
 */
export function carryDerivedIndexes(tx: MetaTx, prevEpoch: number | undefined, epoch: number, now: number): void {
  if (prevEpoch === undefined) {
    for (const name of DERIVED_INDEXES) tx.put(ixKey(name), encodeDerivedIndexRecord({ epoch, builtAt: now }));
    return;
  }
  for (const [k, v] of [...tx.range(prefixRange(stateKey(PREFIX)))]) {
    const r = decodeDerivedIndexRecord(v);
    const known = (DERIVED_INDEXES as readonly string[]).includes(Buffer.from(k).subarray(1 + PREFIX.length).toString('latin1'));
    if (known && r.epoch === prevEpoch) tx.put(k, encodeDerivedIndexRecord({ ...r, epoch }));
    else tx.del(k);
  }
}

/** Whether `name` is complete, inside a transaction. */
export function derivedIndexReadyTx(tx: MetaTx, name: DerivedIndex): boolean {
  return tx.get(ixKey(name)) !== undefined;
}

/** Whether `name` is complete (every row it stands for is in it). */
export async function derivedIndexReady(meta: MetaStore, name: DerivedIndex): Promise<boolean> {
  return (await meta.get(ixKey(name))) !== undefined;
}

/** Record `name` complete (the pass that built it is over), kept by this process's `epoch`. */
export function markDerivedIndexBuilt(tx: MetaTx, name: DerivedIndex, epoch: number, now: number): void {
  tx.put(ixKey(name), encodeDerivedIndexRecord({ epoch, builtAt: now }));
}

/**
 * Single-PUT intents (shared/spec/ccow.md §9, §13): which of them can expire, and how they are
 * dropped — a bounded batch of members per transaction, never the whole intent in one.
 *
 * Only single-PUT intents expire (multipart intents end at Complete or Abort, multipart.ts). Those
 * of older process epochs belong to writers that died; those of this process belong to the PUTs in
 * flight here, since one process owns the data dir (§13). So neither needs the intent table read
 * whole: a PUT intent's id begins with its epoch as u32 BE (core.ts newIntent), and the older
 * epochs' ids sort before this one's, in one range at the start of the table; this process's own are
 * the PUTs it has in flight, kept in memory below. The intent-expiry worker read and decoded the
 * whole table every step and at every start: with 10^4 open multipart uploads, 10^4 upload intents
 * a step for nothing (issue-3-intent-expiry-open-uploads).
 *
 * Dropping an intent drops a reference and a membership row per chunk it holds, and stamps and
 * queues each chunk. In one transaction, a 2 GiB PUT of 1 MiB chunks cut off at its end wrote
 * 8,189 rows in 71–127 ms (local backend, three runs) with every write of the store waiting. Each
 * transaction now drops at most DRAIN_BATCH members (refs.ts dropIntentBatch: 1,024 rows, 7–17 ms);
 * the record goes in the one that finds fewer left, so a kill between two leaves the intent, still
 * listed, for the next start to finish (issue-3-failed-put-drain, issue-3-failed-put-drain-crash).
 */
import type { MetaTx } from '../storage/contract/index.js';
import type { Intent } from './chunk-writer.js';
import type { Core } from './core.js';
import { decodeIntentRecord } from './format/records.js';
import { intentKey, T } from './keys.js';
import { DRAIN_BATCH, dropIntentBatch } from './refs.js';
import { storage } from './storage-errors.js';

/**
 * The PUT intents of each engine not yet dropped: in flight (registered by `trackPut` before the
 * first chunk), or abandoned with their drop unfinished (a transaction failed; `dropping` is set).
 * Bounded by the PUTs in flight, whatever the number of open uploads.
 */
const live = new WeakMap<Core, Set<Intent>>();

function liveOf(core: Core): Set<Intent> {
  let s = live.get(core);
  if (!s) live.set(core, (s = new Set()));
  return s;
}

/** Register a PUT's intent (core.newIntent) for lease expiry; `untrackPut` or `abandonPut` ends it. */
export function trackPut(core: Core, intent: Intent): void {
  liveOf(core).add(intent);
}

/** The PUT of `intent` committed: its commit dropped the intent (§7.4). */
export function untrackPut(core: Core, intent: Intent): void {
  liveOf(core).delete(intent);
}

/**
 * The PUT of `intent` failed: drop its intent (§9), a batch per transaction, before the caller
 * answers. A drop that fails part-way is left to the intent-expiry worker: the intent stays
 * registered, marked `dropping`.
 */
export async function abandonPut(core: Core, intent: Intent): Promise<void> {
  // renewedAt 0: no transaction ever wrote the record (a small put, or one that failed early).
  if (intent.renewedAt !== 0) {
    intent.dropping = true;
    await dropPutIntent(core, intent.id, Infinity);
  }
  liveOf(core).delete(intent);
}

/**
 * One bounded step of dropping intent `id`: up to DRAIN_BATCH members, and the record once fewer
 * were left; true when the intent is gone.
 */
function dropStep(tx: MetaTx, id: Buffer, now: number): boolean {
  if (tx.get(intentKey(id)) === undefined) return true;
  return dropIntentBatch(tx, id, now, DRAIN_BATCH);
}

/** Drop intent `id` in at most `maxSteps` transactions; returns how many ran and whether it is gone. */
async function dropPutIntent(core: Core, id: Buffer, maxSteps: number): Promise<{ steps: number; gone: boolean }> {
  let steps = 0;
  while (steps < maxSteps) {
    steps++;
    if (await storage(core.backend.meta.transaction((tx) => dropStep(tx, id, core.now())))) return { steps, gone: true };
  }
  return { steps, gone: false };
}

/**
 * At start (§13 recovery): drop the single-PUT intents of older process epochs, whose writers died.
 * Reads only the range of ids below this epoch's (an upload intent's id is random: one lands in
 * that range with odds of epoch / 2^32, and is skipped by its kind). Every store this build opens
 * has epoch-prefixed PUT intent ids (they came with fbe135a, before the oldest store in
 * test/fixtures/old-stores). Returns how many were dropped.
 */
export async function expireOlderEpochs(core: Core): Promise<number> {
  const upper = Buffer.allocUnsafe(5);
  upper[0] = T.INTENT;
  upper.writeUInt32BE(core.epoch >>> 0, 1);
  const dead: Buffer[] = [];
  for await (const [k, v] of core.backend.meta.range({ gte: Buffer.from([T.INTENT]), lt: upper })) {
    const r = decodeIntentRecord(v);
    if (r.kind === 'put' && r.epoch < core.epoch) dead.push(Buffer.from(k.subarray(1)));
  }
  // Nothing else writes to these intents (their writers are gone), and a kill part-way leaves them
  // for the next start, which is of a newer epoch still.
  for (const id of dead) await dropPutIntent(core, id, Infinity);
  return dead.length;
}

/**
 * The intent-expiry worker's share (§9): drop this process's PUT intents whose lease ran out (their
 * writer stalled past it; `dropping` then makes it fail instead of going on or committing) and those
 * an abandoned PUT left part-way, in at most `maxSteps` transactions. Returns how many ran.
 */
export async function expireDuePuts(core: Core, maxSteps: number): Promise<number> {
  const s = liveOf(core);
  const now = core.now();
  let steps = 0;
  for (const intent of [...s]) {
    if (steps >= maxSteps) break;
    // renewedAt is when this process last wrote the record, whose expiresAt is renewedAt + lease.
    if (intent.renewedAt === 0 || !(intent.dropping || intent.renewedAt + intent.lease < now)) continue;
    intent.dropping = true;
    const r = await dropPutIntent(core, intent.id, maxSteps - steps);
    steps += r.steps;
    if (r.gone) s.delete(intent);
  }
  return steps;
}

/**
 * Single-PUT intents (shared/spec/ccow.md §9, §13): which of them can expire, and dropping them.
 *
 * Only single-PUT intents expire (multipart intents end at Complete or Abort, multipart.ts). Those
 * of older process epochs belong to writers that died; those of this process belong to the PUTs in
 * flight here, since one process owns the data dir (§13). So neither needs the intent table read
 * whole: a PUT intent's id begins with its epoch as u32 BE (core.ts newIntent), and the older
 * epochs' ids sort before this one's, in one range at the start of the table; this process's own are
 * the PUTs it has in flight, kept in memory below. The intent-expiry worker read and decoded the
 * whole table every step and at every start: with 10^4 open multipart uploads, 10^4 upload intents
 * a step for nothing (issue-3-intent-expiry-open-uploads).
 */
import type { Intent } from './chunk-writer.js';
import type { Core } from './core.js';
import { decodeIntentRecord } from './format/records.js';
import { intentKey, T } from './keys.js';
import { dropIntent } from './refs.js';
import { storage } from './storage-errors.js';

/**
 * The PUT intents of each engine in flight (registered by `trackPut` before the first chunk):
 * bounded by the PUTs in flight, whatever the number of open uploads.
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

/** The PUT of `intent` failed: drop its intent (§9) before the caller answers. */
export async function abandonPut(core: Core, intent: Intent): Promise<void> {
  // renewedAt 0: no transaction ever wrote the record (a small put, or one that failed early).
  if (intent.renewedAt !== 0) await dropPutIntent(core, intent.id);
  liveOf(core).delete(intent);
}

/** Drop intent `id` (what it holds becomes GC candidates). */
async function dropPutIntent(core: Core, id: Buffer): Promise<void> {
  await storage(core.backend.meta.transaction((tx) => {
    if (tx.get(intentKey(id)) !== undefined) dropIntent(tx, id, core.now());
  }));
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
  for (const id of dead) await dropPutIntent(core, id);
  return dead.length;
}

/**
 * The intent-expiry worker's share (§9): drop this process's PUT intents whose lease ran out (their
 * writer stalled past it, and fails when it goes on: chunk-writer.ts renewIntent). Returns how many.
 */
export async function expireDuePuts(core: Core): Promise<number> {
  const s = liveOf(core);
  const now = core.now();
  let n = 0;
  for (const intent of [...s]) {
    // renewedAt is when this process last wrote the record, whose expiresAt is renewedAt + lease.
    if (intent.renewedAt === 0 || intent.renewedAt + intent.lease >= now) continue;
    await dropPutIntent(core, intent.id);
    s.delete(intent);
    n++;
  }
  return n;
}

/**
 * Issue #3 (a restarted gateway's reads at start): the GC worker's first sweep after a start visits
 * every candidate queued within the last hold (an hour of overwrites and deletes), and it read each
 * one's chunk row and back-references, in a write transaction per 64 candidates, to find that
 * nearly all of them were still held: on a scratch store 4,000 candidates, 63 transactions and
 * 4,000 chunk rows (RssFile +164 MiB). The queue value is the stamp a candidate's hold runs from at
 * the earliest (refs.ts markUnreferenced), so the sweep passes over those within it without a
 * transaction; the cascade's children, queued without a stamp, are still decided by their rows.
 *
 * Here ~600 chunks of a refused put are queued within their hold, and a version deleted long ago
 * is due: after a restart the first sweep opens transactions for the due one only (and its
 * cascade), collects it whole, and the held chunks go once their hold is over.
 */
import assert from 'node:assert/strict';
import type { MetaStore } from '../../src/storage/contract/index.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;
const HOLD = 60_000;

async function chunkCount(h: Harness): Promise<number> {
  return (await h.backend.stats()).chunkCount;
}

/** Transactions `fn` opens on `meta`. */
async function transactions(meta: MetaStore, fn: () => Promise<unknown>): Promise<number> {
  const real = meta.transaction.bind(meta);
  let n = 0;
  meta.transaction = ((...a: Parameters<typeof real>) => {
    n++;
    return real(...a);
  }) as typeof real;
  try {
    await fn();
  } finally {
    meta.transaction = real;
  }
  return n;
}

eachBackend('a GC sweep passes over candidates within their hold without reading their rows', async (h) => {
  await h.engine.createBucket('b', { owner: 't', chunkSize: CHUNK });
  const empty = await chunkCount(h);
  // A version of 9 chunks, 3 CMs and a VM, deleted and due by the time of the sweep.
  await h.engine.putObject({ bucket: 'b', key: 'v' }, body(bytes(9 * CHUNK, 1)));
  const version = (await chunkCount(h)) - empty;
  await h.engine.deleteObject({ bucket: 'b', key: 'v' });
  h.clock.advance(HOLD + 1);
  const data = bytes(600 * CHUNK, 2);
  await assert.rejects(h.engine.putObject({ bucket: 'b', key: 'short' }, body(data), { expectedSize: data.length + 1 }), { code: 'CCOW_ERR_INCOMPLETE_BODY' });
  const held = (await chunkCount(h)) - empty - version;
  assert.ok(held >= 600, `${held} chunks held`);
  await h.restart();

  const gc = h.engine.workers().find((w) => w.name === 'gc')!;
  const sweep = async (): Promise<void> => {
    for (let i = 0; (await gc.step()) === 'busy'; i++) assert.ok(i < 1000, 'the GC worker never went idle');
  };
  const txs = await transactions(h.backend.meta, sweep);
  // The VM in one batch, its CMs and chunks as followed cascades: a few transactions, not one per
  // 64 of the ~610 queued candidates with the held ones among them.
  assert.ok(txs <= 3, `${txs} transactions for one due version among ${held} held candidates`);
  assert.equal(await chunkCount(h), empty + held, 'the due version was collected whole');

  h.clock.advance(HOLD);
  await sweep();
  assert.equal(await chunkCount(h), empty, 'the held chunks were collected once due');
  assert.equal(await h.engine.gc(), 0);
});

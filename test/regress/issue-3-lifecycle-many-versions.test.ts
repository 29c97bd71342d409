/**
 * Regress (issue #3, review of the lifecycle worker): a key with many versions must cost a pass
 * work in proportion to its versions. Two traps: (1) noncurrent expiration re-read all of the key's
 * entries after each version it purged — a key with n due versions read ~n²/2 rows inside one write
 * transaction (LMDB has one writer: every put waited); (2) a key whose versions span several
 * 256-row pages was re-read in a transaction on every page it touched, even with nothing due.
 * Counted in rows read inside transactions and in transactions, never in time.
 */
import assert from 'node:assert/strict';
import type { Engine, LifecycleRule } from '../../src/engine/index.js';
import type { MetaTx } from '../../src/storage/contract/index.js';
import { body, eachBackend, type Harness } from '../integration/engine/harness.js';

const DAY = 86_400_000;
const VERSIONS = 700; // about three pages of the name index

async function setRules(e: Engine, rules: LifecycleRule[]): Promise<void> {
  await e.putBucketConfig('b', 'lifecycle', { v: 1, rules });
}

/** Run a whole lifecycle pass, counting transactions and the rows they read. */
async function pass(h: Harness): Promise<{ txs: number; rowsRead: number }> {
  const meta = h.backend.meta;
  const real = meta.transaction.bind(meta);
  const n = { txs: 0, rowsRead: 0 };
  meta.transaction = (<T>(fn: (tx: MetaTx) => T, o?: Parameters<typeof real>[1]) => {
    n.txs++;
    return real((tx) => {
      const counted: MetaTx = {
        get: (k) => tx.get(k),
        put: (k, v) => tx.put(k, v),
        del: (k) => tx.del(k),
        *range(r) {
          for (const kv of tx.range(r)) {
            n.rowsRead++;
            yield kv;
          }
        },
      };
      return fn(counted);
    }, o);
  });
  try {
    const w = h.engine.workers().find((x) => x.name === 'lifecycle')!;
    for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);
  } finally {
    meta.transaction = real;
  }
  return n;
}

eachBackend('lifecycle: a key with hundreds of versions costs one transaction and linear reads per pass', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  await e.putObject({ bucket: 'b', key: 'a' }, body(Buffer.from('first')));
  for (let i = 0; i < VERSIONS; i++) await e.putObject({ bucket: 'b', key: 'hot' }, body(Buffer.from(`v${i}`)));
  await e.putObject({ bucket: 'b', key: 'z' }, body(Buffer.from('last')));

  // Nothing due yet: the multi-page key is read once, not once per page.
  await setRules(e, [{ id: 'nc', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30, newerNoncurrentVersions: 2 } }]);
  h.clock.advance(2 * DAY);
  const idle = await pass(h);
  assert.ok(idle.txs <= 1, `${idle.txs} transactions with nothing due`);
  assert.equal((await e.listVersions('b', { limit: 1000 })).entries.length, VERSIONS + 2);

  // Everything due: all but the current and the two newest noncurrent versions go, in linear reads.
  h.clock.advance(40 * DAY);
  const busy = await pass(h);
  const left = await e.listVersions('b', { prefix: 'hot', limit: 1000 });
  assert.equal(left.entries.length, 3);
  assert.ok(left.entries[0]!.isLatest);
  assert.ok(busy.txs <= 2, `${busy.txs} transactions`);
  assert.ok(busy.rowsRead < 20 * VERSIONS, `${busy.rowsRead} rows read in transactions to purge ${VERSIONS - 3} versions`);
});

/**
 * Issue #3 (a restarted gateway's reads at start and in steady state): the bucket-clone worker
 * (src/engine/bucket-clone.ts) read every bucket record at every step, looking for clones a crash
 * or a failed bucketClone left marked unfinished; the runner steps every worker each round (every
 * 10 s idle, back to back while another worker is busy: 63 steps of the first GC sweep of a scratch
 * store read the 210-row bucket table 63 times). There are none nearly always. The worker now
 * scans at its first step and then only after a bucketClone call failed, until a scan finds none.
 */
import assert from 'node:assert/strict';
import { createEngine } from '../../src/engine/index.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { faultyBackend } from '../helpers/faulty-backend.js';
import { body, eachBackend } from '../integration/engine/harness.js';

const BUCKETS = 40;

eachBackend('the bucket-clone worker reads the bucket table again only after a clone may have been left unfinished', async (h) => {
  // Transactions left before the store fails (EIO), and stays failing.
  let left = Infinity;
  const e = await createEngine(faultyBackend(h.backend, (call) => (call === 'meta.transaction' && --left < 0 ? { error: Object.assign(new Error('injected'), { code: 'EIO' }) } : undefined)), h.opts);
  try {
    for (let i = 0; i < BUCKETS; i++) await e.createBucket(`b${i}`, { owner: 't' });
    await e.createBucket('src', { owner: 't' });
    for (let i = 0; i < 600; i++) await e.putObject({ bucket: 'src', key: `k${i}` }, body(Buffer.from(`v${i}`)));
    await e.snapshotCreate('src', 's');
    const worker = e.workers().find((w) => w.name === 'bucket-clone')!;
    const steps = (n: number): Promise<number> => rowsRead(h.backend.meta, async () => {
      for (let i = 0; i < n; i++) await worker.step();
    });

    assert.ok((await steps(1)) > BUCKETS, 'the first step looks for unfinished clones');
    assert.equal(await steps(20), 0, 'steps with no clone left unfinished read the bucket table again');

    // A clone whose fill fails after its first page (the create, 256 commits, the cursor), and
    // whose removal fails too: left marked, as after a crash.
    left = 1 + 256 + 1;
    await assert.rejects(e.bucketClone('src', 's', 'copy'), /injected/);
    left = Infinity;
    assert.equal(await e.getBucket('copy'), undefined, 'left unfinished');
    // The worker finds it and finishes it, a page per step, then stops looking.
    for (let i = 0; i < 10 && (await e.getBucket('copy')) === undefined; i++) await worker.step();
    assert.equal((await e.listObjects('copy', { limit: 1000 })).entries.length, 600, 'the worker finished the clone');
    await worker.step();
    assert.equal(await steps(20), 0, 'steps after the clone was finished read the bucket table again');
  } finally {
    await e.close();
  }
});

/**
 * Issue #3 (periodic reads of a running gateway): every Abort (or Complete) that left its upload's
 * rows to the background drain also told the intent-expiry worker to scan the intent table for
 * aborted intents, and that scan reads every upload intent: every open upload's (10^4 open uploads:
 * 10^4 rows per such Abort). The background drain has that intent in its queue; the scan is for
 * what it cannot take: a restart, a failed drain step, a full queue. It now runs only then.
 */
import assert from 'node:assert/strict';
import { createEngine, type Engine, type Worker } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { faultyBackend } from '../helpers/faulty-backend.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const B = 'bkt';
const OPEN = 50;
const PART = 8192;

async function rows(h: Harness, table: number): Promise<number> {
  let n = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

async function stepUntilIdle(w: Worker): Promise<void> {
  for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
}

/** An upload of 40 parts of 8 chunks: more rows than an Abort drops in its own transaction. */
async function bigUpload(e: Engine, key: string): Promise<string> {
  const up = await e.createUpload({ bucket: B, key }, {});
  for (let n = 1; n <= 40; n++) await e.putPart(B, up.uploadId, n, body(bytes(PART, n)));
  return up.uploadId;
}

eachBackend('an Abort the background drain finishes does not make the intent-expiry worker read every intent', async (h) => {
  // A backend whose meta transaction fails once `pass` more have gone through (the drain's, here).
  let pass = Infinity;
  const e = await createEngine(faultyBackend(h.backend, (call) => (call === 'meta.transaction' && pass-- === 0 ? { error: StorageErrors.IO('injected') } : undefined)), h.opts);
  try {
    await e.createBucket(B, { owner: 't', chunkSize: 1024 });
    for (let i = 0; i < OPEN; i++) await e.createUpload({ bucket: B, key: `open-${i}` }, {});
    const worker = e.workers().find((w) => w.name === 'intent-expiry')!;
    await stepUntilIdle(worker);
    const drained = async (): Promise<void> => {
      for (let i = 0; i < 10_000 && (await rows(h, T.INTENT)) > OPEN; i++) await new Promise((r) => setImmediate(r));
    };

    for (let i = 0; i < 3; i++) {
      await e.abortUpload(B, await bigUpload(e, `big-${i}`));
      await drained();
      // Without the fix the next step scanned the intent table: OPEN rows after each Abort.
      const read = await rowsRead(h.backend.meta, () => stepUntilIdle(worker));
      assert.equal(read, 0, `Abort ${i}: ${read} rows read by the worker after the background drain finished`);
    }
    assert.equal(await rows(h, T.INTENT), OPEN);

    // A drain step that fails leaves the intent to the worker's scan, which finishes it.
    const id = await bigUpload(e, 'failing');
    pass = 1; // the Abort's own transaction
    await e.abortUpload(B, id);
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await rows(h, T.INTENT), OPEN + 1, 'the failed drain left the aborted intent');
    await stepUntilIdle(worker);
    assert.equal(await rows(h, T.INTENT), OPEN, 'the worker drained it');
    assert.equal(await rows(h, T.PART), 0);
  } finally {
    await e.close();
  }
});

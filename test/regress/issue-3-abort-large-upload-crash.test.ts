/**
 * Regress (issue #3, scale hunt), the kill -9 half of issue-3-abort-large-upload: an Abort now
 * answers after one small transaction and drops what its upload held afterwards, a batch per
 * transaction. A SIGKILL at any point — during the Abort, or between two of its drain's
 * transactions — must leave neither a visible upload (when the Abort answered) nor anything held
 * for ever: after the restart the intent-expiry worker finishes the drain, GC collects every chunk
 * and fsck is clean (shared/spec/ccow.md §9, §13). The child is test/helpers/abort-drain-writer.ts;
 * it announces every transaction after the Abort and pauses before the next, so a kill at its n-th
 * line lands after exactly that many drain transactions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { DRAIN_BUCKET as B, DRAIN_ENGINE_OPTS, DRAIN_KEY, type DrainLine } from '../helpers/abort-drain-writer.js';
import { runAndKill } from '../helpers/kill-child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const CHILD = fileURLToPath(new URL('../helpers/abort-drain-writer.js', import.meta.url));
/**
 * 400 parts of two chunks: 400 part rows and 800 members, five batches of 256 rows — the Abort's own
 * transaction drops the first, four drain transactions the rest (a kill after the second leaves some).
 */
const PARTS = 400;

async function count(backend: StorageBackend, table: number): Promise<number> {
  let n = 0;
  for await (const _ of backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

/** Kill the child where `at` says, reopen its store, check what it left and recover. */
async function killAndRecover(at: { line: DrainLine['t']; n?: number }, intentsLeft: number | undefined): Promise<void> {
  const dir = await makeTempDir('abort-crash');
  try {
    const k = await runAndKill<DrainLine>([CHILD, dir.path, String(PARTS)], {
      early: false,
      delayMs: 0,
      armAt: (l) => l.t === at.line && (at.n === undefined || (l.t === 'tx' && l.n === at.n)),
    });
    assert.equal(k.signal, 'SIGKILL', `the child was killed (stderr: ${k.stderr})`);
    const ready = k.lines.find((l) => l.t === 'ready');
    assert.ok(ready?.t === 'ready', 'the upload was made');
    const answered = k.lines.some((l) => l.t === 'aborted');
    const backend = await createLocalBackend({ dataDirs: [dir.path], durability: 'strict' });
    try {
      const e = await createEngine(backend, DRAIN_ENGINE_OPTS);
      if (intentsLeft !== undefined) assert.equal(await count(backend, T.INTENT), intentsLeft, 'the kill left the drain unfinished');
      const listed = (await e.listUploads(B, { limit: 10 })).uploads;
      if (answered) {
        // API_AbortMultipartUpload: once it answered, the upload is gone for every call.
        assert.deepEqual(listed, [], 'an answered Abort is durable');
        await assert.rejects(e.listParts(B, ready.uploadId), { code: EngineErrors.NO_SUCH_UPLOAD.code });
      } else {
        for (const u of listed) {
          assert.equal(u.key, DRAIN_KEY);
          await e.abortUpload(B, u.uploadId);
        }
      }
      // The background job owning the rest after a restart (no GC's run yet: it would drain too).
      const worker = e.workers().find((w) => w.name === 'intent-expiry')!;
      for (let i = 0; i < 100 && (await worker.step()) === 'busy'; i++);
      assert.equal(await count(backend, T.INTENT), 0, 'the intent-expiry worker dropped the intent');
      assert.equal(await count(backend, T.PART), 0, 'and the part rows');
      await e.gc({ graceMs: 0 });
      await e.sweepOrphans();
      assert.equal(await e.gc({ graceMs: 0 }), 0, 'GC converged');
      assert.equal((await e.bucketStats(B)).physicalBytes, 0, 'every chunk of the upload collected');
      const f = await e.fsck();
      assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs }, { missing: [], leaked: [], dangling: [] });
      await e.close();
    } finally {
      await backend.close();
    }
  } finally {
    await dir.cleanup();
  }
}

test('kill -9 while the Abort runs: the upload is either still there or gone, nothing leaks', () => killAndRecover({ line: 'aborting' }, undefined));

test('kill -9 after the first drain transactions: the intent-expiry worker finishes after the restart', async () => {
  await killAndRecover({ line: 'tx', n: 1 }, 1);
  await killAndRecover({ line: 'tx', n: 2 }, 1);
});

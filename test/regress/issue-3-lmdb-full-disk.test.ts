/**
 * Regression (issue #3 "ENOSPC … typed errors, the store stays consistent, the next write works once
 * space is back"; found by the issue #5 disk-full test): small objects live in LMDB (inline VMs,
 * chunks ≤ 16 KiB in `blobs`) and bypassed the 90 % fill limit, so they filled the disk to 100 %.
 * Then LMDB's commits failed with lmdb-js's untyped "Commit failed" (500 InternalError, not 507),
 * sometimes with EIO, and deletes and GC could not commit either: space could not be freed.
 *
 * Now data-adding transactions and small-chunk puts stop at the fill limit of LMDB's disk with a
 * typed NO_SPACE, deletes and GC (which do not add data) still commit, fsck is clean, and writes
 * resume once deletes have freed LMDB pages. Runs on a small tmpfs (the tests run as root); skipped
 * where mounting is impossible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

async function* one(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function usedPercent(dir: string): number {
  const s = statfsSync(dir);
  return 100 * (1 - s.bavail / s.blocks);
}

test('a disk filled by small objects: NO_SPACE at the fill limit, deletes and GC still work, writes resume', { timeout: 120_000 }, async (t) => {
  const mnt = await mountTmpfs(8, 'ccow-regress-lmdb-full-');
  if (!mnt) {
    t.skip('cannot mount a tmpfs here');
    return;
  }
  const dir = join(mnt.path, 'data');
  try {
    const backend = await createLocalBackend({ dataDirs: [dir] });
    const e = await createEngine(backend, { holdMs: 0 });
    try {
      await e.createBucket('b', { owner: 't' });
      // Alternate inline objects (in the name index) and 12 KiB ones (a chunk in LMDB `blobs`).
      let n = 0;
      let refusal: unknown;
      for (; n < 100_000; n++) {
        try {
          await e.putObject({ bucket: 'b', key: `k${n}` }, one(randomBytes(n % 2 ? 3000 : 12_000)));
        } catch (err) {
          refusal = err;
          break;
        }
      }
      assert.ok(EngineErrors.NO_SPACE.is(refusal), `typed NO_SPACE, got ${String(refusal)}`);
      assert.ok(n > 100, `${n} objects fitted`);
      // The fill limit (90 %) held: LMDB never had to face a full disk.
      assert.ok(usedPercent(dir) < 95, `disk ${usedPercent(dir).toFixed(1)} % used`);
      t.diagnostic(`${n} small objects, then NO_SPACE at ${usedPercent(dir).toFixed(1)} % used`);

      for (let i = 0; i < n; i++) await e.deleteObject({ bucket: 'b', key: `k${i}` });
      assert.ok((await e.gc({ graceMs: 0 })) > 0);
      const report = await e.fsck();
      assert.deepEqual({ missing: report.missing, corrupt: report.corrupt, leaked: report.leaked, dangling: report.danglingRefs }, { missing: [], corrupt: [], leaked: [], dangling: [] });
      assert.equal((await e.listObjects('b', { limit: 10 })).entries.length, 0);

      // LMDB does not shrink its file, but reuses the pages the deletes freed.
      for (let i = 0; i < 50; i++) await e.putObject({ bucket: 'b', key: `again${i}` }, one(randomBytes(12_000)));
      assert.equal((await e.head({ bucket: 'b', key: 'again49' })).size, 12_000);
    } finally {
      await e.close();
      await backend.close();
    }
  } finally {
    await mnt.release();
  }
});

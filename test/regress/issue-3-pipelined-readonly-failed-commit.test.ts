/**
 * Issue #3 (review of 0f84677, pipelined metadata commits): a read-only transaction that read the
 * writes of a commit still in flight waited for that commit to settle and then checked whether a
 * commit had failed meanwhile. But a failed commit was recorded as failed only after its lmdb-js
 * error had been mapped (an await on lmdb-js's `commitError` promise), after the check: when the
 * commit failed (a full disk), the read-only transaction resolved with the value it had read from
 * it, a value that was never committed (probe: `n` read as `v20` while `n` stayed `v19`). Now the
 * read-only transaction waits until a failure is recorded, and fails with the commit it read from;
 * a read-only transaction that read only committed rows still answers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (v: Uint8Array | undefined): string | undefined => (v ? Buffer.from(v).toString() : undefined);
const isCommitError = (e: unknown): boolean => StorageErrors.NO_SPACE.is(e) || StorageErrors.IO.is(e);

test('a read-only transaction that read a commit in flight fails when that commit fails', { timeout: 60_000 }, async (t) => {
  const mnt = await mountTmpfs(4, 'ccow-ro-failed-');
  if (!mnt) {
    t.skip('cannot mount a tmpfs here (the tests run as root in CI)');
    return;
  }
  try {
    const backend = await createLocalBackend({ dataDirs: [join(mnt.path, 'd')] });
    try {
      await backend.meta.transaction((tx) => tx.put(b('n'), b('start')));
      let failedAt = -1;
      let results: PromiseSettledResult<string | undefined>[] = [];
      for (let i = 0; i < 200 && failedAt < 0; i++) {
        // Not `grows`: the fill limit does not stop it, the disk does.
        const big = backend.meta.transaction((tx) => {
          tx.put(b('n'), b(`v${i}`));
          tx.put(b(`big${i}`), Buffer.alloc(200_000, i));
          return undefined;
        });
        // Read-only, started while `big` is in flight: by get, by range, and one that reads only
        // a committed row.
        const byGet = backend.meta.transaction((tx) => str(tx.get(b('n'))));
        const byRange = backend.meta.transaction((tx) => [...tx.range({ gte: b('n'), lte: b('n') })].map(([, v]) => str(v)).join());
        const committedOnly = backend.meta.transaction((tx) => str(tx.get(b('start-marker'))) ?? 'absent');
        results = await Promise.allSettled([big, byGet, byRange, committedOnly]);
        if (results[0]!.status === 'rejected') failedAt = i;
        else {
          assert.deepEqual(
            results.map((r) => (r as PromiseFulfilledResult<string | undefined>).value),
            [undefined, `v${i}`, `v${i}`, 'absent'],
          );
        }
      }
      assert.ok(failedAt > 0, 'the disk filled up');
      assert.equal(str(await backend.meta.get(b('n'))), `v${failedAt - 1}`);
      const [, byGet, byRange, committedOnly] = results;
      // They read `v<failedAt>`, which was never committed: they must not answer with it.
      assert.equal(byGet!.status, 'rejected', `read-only get answered ${JSON.stringify((byGet as PromiseFulfilledResult<unknown>).value)}`);
      assert.ok(isCommitError((byGet as PromiseRejectedResult).reason));
      assert.equal(byRange!.status, 'rejected', `read-only range answered ${JSON.stringify((byRange as PromiseFulfilledResult<unknown>).value)}`);
      assert.ok(isCommitError((byRange as PromiseRejectedResult).reason));
      assert.deepEqual(committedOnly, { status: 'fulfilled', value: 'absent' });
      // Later read-only transactions read what is committed.
      assert.equal(await backend.meta.transaction((tx) => str(tx.get(b('n')))), `v${failedAt - 1}`);
    } finally {
      await backend.close();
    }
  } finally {
    await mnt.release();
  }
});

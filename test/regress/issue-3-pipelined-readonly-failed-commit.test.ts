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
import { test } from 'node:test';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { fillUntilCommitFails, withTmpfsBackend } from '../helpers/tmpfs.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (v: Uint8Array | undefined): string | undefined => (v ? Buffer.from(v).toString() : undefined);
const isCommitError = (e: unknown): boolean => StorageErrors.NO_SPACE.is(e) || StorageErrors.IO.is(e);

test('a read-only transaction that read a commit in flight fails when that commit fails', { timeout: 60_000 }, async (t) => {
  await withTmpfsBackend(t, 4, 'ccow-ro-failed-', async (backend) => {
    // Read-only, started while the large commit is in flight: by get, by range, and one that reads
    // only a committed row. Until the disk is full they answer with what it wrote.
    const { failedAt, big, alongside: [byGet, byRange, committedOnly] } = await fillUntilCommitFails(
      backend.meta,
      () => [
        backend.meta.transaction((tx) => str(tx.get(b('n')))),
        backend.meta.transaction((tx) => [...tx.range({ gte: b('n'), lte: b('n') })].map(([, v]) => str(v)).join()),
        backend.meta.transaction((tx) => str(tx.get(b('start-marker'))) ?? 'absent'),
      ],
      (i, values) => assert.deepEqual(values, [`v${i}`, `v${i}`, 'absent']),
    );
    assert.equal(big.status, 'rejected');
    assert.equal(str(await backend.meta.get(b('n'))), `v${failedAt - 1}`);
    // They read `v<failedAt>`, which was never committed: they must not answer with it.
    assert.equal(byGet!.status, 'rejected', `read-only get answered ${JSON.stringify((byGet as PromiseFulfilledResult<unknown>).value)}`);
    assert.ok(isCommitError((byGet as PromiseRejectedResult).reason));
    assert.equal(byRange!.status, 'rejected', `read-only range answered ${JSON.stringify((byRange as PromiseFulfilledResult<unknown>).value)}`);
    assert.ok(isCommitError((byRange as PromiseRejectedResult).reason));
    assert.deepEqual(committedOnly, { status: 'fulfilled', value: 'absent' });
    // Later read-only transactions read what is committed.
    assert.equal(await backend.meta.transaction((tx) => str(tx.get(b('n')))), `v${failedAt - 1}`);
  });
});

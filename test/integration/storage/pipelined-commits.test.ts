/**
 * The local MetaStore's pipelined commits (src/storage/local/meta-store.ts, pending-writes.ts): a
 * transaction runs on the main thread at once and reads through the writes of commits still in
 * flight; when a commit fails (a full disk), the commits chained after it — which may have read its
 * writes — fail with it instead of landing on a state that lacks them, and later transactions
 * start from what is really committed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { fillUntilCommitFails, withTmpfsBackend } from '../../helpers/tmpfs.js';

after(removeTempDirs);

const b = (s: string): Buffer => Buffer.from(s);
const str = (v: Uint8Array | undefined): string | undefined => (v ? Buffer.from(v).toString() : undefined);

test('concurrent transactions see the writes of commits still in flight, by get and by range (forward and reverse)', async () => {
  const dir = await makeTempDir('ccow-pipelined-');
  const backend = await createLocalBackend({ dataDirs: [join(dir.path, 'd0')], mapSize: 256 * 1024 * 1024 });
  try {
    const n = 300;
    // Each transaction counts the rows under q/ (forward, then the last one in reverse) and adds the
    // next; every one of them runs while earlier ones are still committing.
    const seen = await Promise.all(
      Array.from({ length: n }, () =>
        backend.meta.transaction((tx) => {
          let count = 0;
          for (const _ of tx.range({ gte: b('q/'), lt: b('q0') })) count++;
          const last = [...tx.range({ gte: b('q/'), lt: b('q0'), reverse: true, limit: 1 })][0];
          const expectLast = count === 0 ? undefined : `q/${String(count - 1).padStart(4, '0')}`;
          assert.equal(last ? str(last[0]) : undefined, expectLast);
          // A delete still in flight hides the committed row.
          if (count > 0) assert.equal(tx.get(b(`d/${count - 1}`)), undefined);
          tx.put(b(`q/${String(count).padStart(4, '0')}`), b(String(count)));
          tx.put(b(`d/${count}`), b('x'));
          tx.del(b(`d/${count}`));
          return count;
        }),
      ),
    );
    assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
    const keys: string[] = [];
    for await (const [k] of backend.meta.range({ gte: b('q/'), lt: b('q0') })) keys.push(str(k)!);
    assert.equal(keys.length, n);
    assert.equal(keys.at(-1), `q/${String(n - 1).padStart(4, '0')}`);
    for await (const _ of backend.meta.range({ gte: b('d/'), lt: b('d0') })) assert.fail('a deleted key is listed');
  } finally {
    await backend.close();
  }
});

test('a commit that fails on a full disk takes the transactions that read its writes with it; later ones work', { timeout: 60_000 }, async (t) => {
  await withTmpfsBackend(t, 4, 'ccow-pipelined-full-', async (backend) => {
    // The reader reads the large commit's write while it is in flight.
    const { failedAt, big, alongside: [reader] } = await fillUntilCommitFails(backend.meta, (i) => [
      backend.meta.transaction((tx) => {
        const v = str(tx.get(b('n')));
        tx.put(b(`seen${i}`), b(v ?? ''));
        return v;
      }),
    ]);
    assert.equal(big.status, 'rejected');
    // LMDB reports the short write on the full disk as EIO; the store answers NO_SPACE (507).
    assert.ok(StorageErrors.NO_SPACE.is(big.reason), String(big.reason));
    // The reader saw `v<failedAt>`, which never landed: it must not have committed either.
    assert.equal(reader!.status, 'rejected');
    assert.ok(StorageErrors.NO_SPACE.is((reader as PromiseRejectedResult).reason), String((reader as PromiseRejectedResult).reason));
    assert.equal(str(await backend.meta.get(b('n'))), `v${failedAt - 1}`);
    assert.equal(await backend.meta.get(b(`seen${failedAt}`)), undefined);
    assert.equal(await backend.meta.get(b(`big${failedAt}`)), undefined);
    // Every earlier reader saw what was committed before it.
    for (let i = 0; i < failedAt; i++) assert.equal(str(await backend.meta.get(b(`seen${i}`))), `v${i}`);
    // Space back: later transactions start from the committed state.
    for (let i = 0; i < failedAt; i += 2) await backend.meta.transaction((tx) => tx.del(b(`big${i}`)));
    const now = await backend.meta.transaction((tx) => {
      tx.put(b('after'), b('ok'));
      return str(tx.get(b('n')));
    });
    assert.equal(now, `v${failedAt - 1}`);
    assert.equal(str(await backend.meta.get(b('after'))), 'ok');
  });
});

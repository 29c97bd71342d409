/**
 * Regress (issue #3): the engine's bucket cache could be refilled with a stale record. A lookup
 * that missed the cache read the bucket record; a DeleteBucket committed and cached "gone" while
 * that read was in flight; the lookup then cached the record it had read. Every later call saw the
 * deleted bucket as existing, and since commits check the bucket through the same cache
 * (bucketInTx), a PutObject committed an object into the deleted bucket. (Found in review: lmdb-js
 * reads are synchronous, so the window needs a backend whose reads really wait, e.g. a remote
 * metadata store; the test widens it with a read that waits for a gate.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

/** `inner` with meta.get of one key held until `release()`, once armed. */
function gatedBackend(inner: StorageBackend): { backend: StorageBackend; arm: (key: Buffer) => { reached: Promise<void>; release: () => void } } {
  let gate: { key: Buffer; reached: () => void; wait: Promise<void> } | undefined;
  const meta = new Proxy(inner.meta, {
    get(target, prop, receiver) {
      if (prop !== 'get') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (key: Uint8Array) => {
        const value = await target.get(key);
        const g = gate;
        if (g && Buffer.from(key).equals(g.key)) {
          gate = undefined;
          g.reached();
          await g.wait;
        }
        return value;
      };
    },
  });
  const backend = new Proxy(inner, { get: (t, p, r) => (p === 'meta' ? meta : Reflect.get(t, p, r)) });
  return {
    backend,
    arm(key) {
      let reached!: () => void;
      let release!: () => void;
      const r = new Promise<void>((res) => (reached = res));
      const wait = new Promise<void>((res) => (release = res));
      gate = { key, reached, wait };
      return { reached: r, release };
    },
  };
}

test('a bucket deleted while a cache-missing lookup reads it stays deleted: no put lands in it', async () => {
  const inner = createMemoryBackend();
  const first = await createEngine(inner, { holdMs: 0 });
  await first.createBucket('b', { owner: 't' });
  await first.close();

  const { backend, arm } = gatedBackend(inner);
  // A fresh engine: its bucket cache is empty.
  const e = await createEngine(backend, { holdMs: 0 });
  const { bucketKey } = await import('../../src/engine/keys.js');
  const gate = arm(bucketKey('b'));
  const lookup = e.head({ bucket: 'b', key: 'k' }).catch((err: unknown) => err);
  await gate.reached;
  // The lookup has read the record; the bucket goes before it continues.
  await e.deleteBucket('b');
  gate.release();
  const seen = await lookup;
  assert.ok(EngineErrors.NO_SUCH_KEY.is(seen) || EngineErrors.NO_SUCH_BUCKET.is(seen), String(seen));

  await assert.rejects(e.putObject({ bucket: 'b', key: 'k' }, Readable.from([Buffer.from('data')])), (err: unknown) => EngineErrors.NO_SUCH_BUCKET.is(err));
  assert.equal(await e.getBucket('b'), undefined);
  await e.close();
  // Nothing was written under the deleted bucket: a new engine finds no bucket and no object.
  const after = await createEngine(inner, { holdMs: 0 });
  assert.equal(await after.getBucket('b'), undefined);
  await after.close();
  await inner.close();
});

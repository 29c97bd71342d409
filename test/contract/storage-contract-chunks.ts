/**
 * Contract cases for ChunkStore (shared/spec/ccow.md §16): verified, idempotent puts; CHUNK_MISSING;
 * batched has; idempotent delete; iterate; byte ownership; stats; close.
 */
import assert from 'node:assert/strict';
import { chunkIdHex, chunkIdOf } from '../../src/common/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { chunk, payload, s, type ContractCase } from './contract-helpers.js';

/** Sizes around the local backend's blob/file boundary (16 KiB) plus a large chunk. */
const SIZES = [0, 1, 100, 16 * 1024, 16 * 1024 + 1, 300_000, 2 * 1024 * 1024];

export const chunkCases: ContractCase[] = [
  {
    name: 'chunks: put then get returns the same bytes, for small and large chunks',
    async run(_t, { backend }) {
      const cs = SIZES.map((n, i) => chunk(n, i + 1));
      await Promise.all(cs.map((c) => backend.chunks.put(c.id, c.bytes)));
      for (const c of cs) {
        const got = await backend.chunks.get(c.id);
        assert.equal(got.length, c.bytes.length);
        assert.ok(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(c.bytes), `size ${c.bytes.length}`);
      }
    },
  },
  {
    name: 'chunks: a put whose bytes do not hash to the id fails with BAD_DIGEST and stores nothing',
    async run(_t, { backend }) {
      for (const n of [10, 2 * 1024 * 1024]) {
        const c = chunk(n, 7);
        const wrong = payload(n, 8);
        await assert.rejects(backend.chunks.put(c.id, wrong), (e) => StorageErrors.BAD_DIGEST.is(e));
        assert.deepEqual(await backend.chunks.has([c.id, chunkIdOf(wrong)]), [false, false]);
      }
    },
  },
  {
    name: 'chunks: get of an absent chunk fails with CHUNK_MISSING',
    async run(_t, { backend }) {
      await assert.rejects(backend.chunks.get(chunk(5, 99).id), (e) => StorageErrors.CHUNK_MISSING.is(e));
      await assert.rejects(backend.chunks.get(chunk(100_000, 99).id), (e) => StorageErrors.CHUNK_MISSING.is(e));
    },
  },
  {
    name: 'chunks: put is idempotent, also when racing with itself',
    async run(_t, { backend }) {
      for (const n of [50, 1024 * 1024]) {
        const c = chunk(n, 3);
        await backend.chunks.put(c.id, c.bytes);
        await backend.chunks.put(c.id, c.bytes);
        await Promise.all(Array.from({ length: 8 }, () => backend.chunks.put(c.id, Buffer.from(c.bytes))));
        assert.ok(Buffer.from(await backend.chunks.get(c.id)).equals(c.bytes));
      }
      const ids = [];
      for await (const id of backend.chunks.iterate()) ids.push(chunkIdHex(id));
      assert.equal(ids.length, 2);
    },
  },
  {
    name: 'chunks: has answers a batch in order, with duplicates and an empty batch',
    async run(_t, { backend }) {
      const small = chunk(10, 1);
      const large = chunk(100_000, 2);
      const absent = chunk(10, 3);
      const absentLarge = chunk(100_000, 4);
      await backend.chunks.put(small.id, small.bytes);
      await backend.chunks.put(large.id, large.bytes);
      assert.deepEqual(await backend.chunks.has([]), []);
      assert.deepEqual(await backend.chunks.has([absent.id, small.id, absentLarge.id, large.id, small.id]), [false, true, false, true, true]);
    },
  },
  {
    name: 'chunks: delete removes, is idempotent, and deleting an absent chunk is fine',
    async run(_t, { backend }) {
      const cs = [chunk(10, 1), chunk(200_000, 2)];
      for (const c of cs) await backend.chunks.put(c.id, c.bytes);
      for (const c of cs) {
        await backend.chunks.delete(c.id);
        await backend.chunks.delete(c.id);
        assert.deepEqual(await backend.chunks.has([c.id]), [false]);
        await assert.rejects(backend.chunks.get(c.id), (e) => StorageErrors.CHUNK_MISSING.is(e));
      }
      await backend.chunks.delete(chunk(5, 42).id);
      // A deleted chunk can be stored again.
      await backend.chunks.put(cs[1]!.id, cs[1]!.bytes);
      assert.deepEqual(await backend.chunks.has([cs[1]!.id]), [true]);
    },
  },
  {
    name: 'chunks: concurrent put and delete of one id leave a consistent state',
    async run(_t, { backend }) {
      for (const n of [30, 120_000]) {
        const c = chunk(n, 11);
        await Promise.all([backend.chunks.put(c.id, c.bytes), backend.chunks.delete(c.id), backend.chunks.put(c.id, c.bytes), backend.chunks.delete(c.id), backend.chunks.put(c.id, c.bytes)]);
        const [present] = await backend.chunks.has([c.id]);
        if (present) assert.ok(Buffer.from(await backend.chunks.get(c.id)).equals(c.bytes));
        else await assert.rejects(backend.chunks.get(c.id), (e) => StorageErrors.CHUNK_MISSING.is(e));
      }
    },
  },
  {
    name: 'chunks: iterate lists exactly the stored ids',
    async run(_t, { backend }) {
      const cs = SIZES.map((n, i) => chunk(n, 100 + i));
      for (const c of cs) await backend.chunks.put(c.id, c.bytes);
      await backend.chunks.delete(cs[2]!.id);
      await backend.chunks.delete(cs[5]!.id);
      const listed: string[] = [];
      for await (const id of backend.chunks.iterate()) listed.push(chunkIdHex(id));
      const expected = cs.filter((_, i) => i !== 2 && i !== 5).map((c) => chunkIdHex(c.id));
      assert.deepEqual(listed.sort(), expected.sort());
    },
  },
  {
    name: 'chunks: stored bytes are not aliased by callers',
    async run(_t, { backend }) {
      for (const n of [64, 50_000]) {
        const c = chunk(n, 5);
        const input = Buffer.from(c.bytes);
        await backend.chunks.put(c.id, input);
        input.fill(0);
        const got = await backend.chunks.get(c.id);
        assert.ok(Buffer.from(got).equals(c.bytes));
        got.fill(1);
        assert.ok(Buffer.from(await backend.chunks.get(c.id)).equals(c.bytes));
      }
    },
  },
  {
    name: 'chunks: stats count chunks and payload bytes',
    async run(_t, { backend }) {
      const cs = [chunk(10, 1), chunk(20_000, 2), chunk(300, 3)];
      for (const c of cs) await backend.chunks.put(c.id, c.bytes);
      let st = await backend.stats();
      assert.equal(st.chunkCount, 3);
      assert.equal(st.chunkBytes, 20_310);
      await backend.chunks.delete(cs[1]!.id);
      await backend.chunks.put(cs[0]!.id, cs[0]!.bytes);
      st = await backend.stats();
      assert.equal(st.chunkCount, 2);
      assert.equal(st.chunkBytes, 310);
    },
  },
  {
    name: 'chunks: chunks survive close and reopen',
    persistent: true,
    async run(_t, env) {
      const cs = SIZES.map((n, i) => chunk(n, 200 + i));
      for (const c of cs) await env.backend.chunks.put(c.id, c.bytes);
      await env.backend.chunks.delete(cs[0]!.id);
      const backend = await env.reopen();
      assert.deepEqual(await backend.chunks.has(cs.map((c) => c.id)), cs.map((_, i) => i !== 0));
      for (const c of cs.slice(1)) assert.ok(Buffer.from(await backend.chunks.get(c.id)).equals(c.bytes));
      const st = await backend.stats();
      assert.equal(st.chunkCount, cs.length - 1);
    },
  },
  {
    name: 'backend: every call fails with CLOSED after close',
    async run(_t, { backend }) {
      const c = chunk(10, 1);
      await backend.chunks.put(c.id, c.bytes);
      await backend.close();
      const closed = (e: unknown): boolean => StorageErrors.CLOSED.is(e);
      await assert.rejects(backend.chunks.put(c.id, c.bytes), closed);
      await assert.rejects(backend.chunks.get(c.id), closed);
      await assert.rejects(backend.chunks.has([c.id]), closed);
      await assert.rejects(backend.chunks.delete(c.id), closed);
      await assert.rejects(backend.meta.get(s('k')), closed);
      await assert.rejects(backend.meta.transaction(() => 1), closed);
      await assert.rejects(async () => {
        for await (const _ of backend.meta.range({})) break;
      }, closed);
      await assert.rejects(backend.meta.visit({}, () => 'next'), closed);
      await assert.rejects(async () => {
        for await (const _ of backend.chunks.iterate()) break;
      }, closed);
      await backend.close();
    },
  },
  {
    name: 'backend: close during a visit ends it (CLOSED, or done if it never paused) and close resolves',
    async run(_t, { backend }) {
      for (let i = 0; i < 6000; i += 2000) {
        await backend.meta.transaction((tx) => {
          for (let j = i; j < i + 2000; j++) tx.put(s(`c${String(j).padStart(5, '0')}`), s('v'));
        });
      }
      let closing: Promise<void> | undefined;
      let rows = 0;
      const walk = backend.meta.visit({ gte: s('c') }, () => {
        if (++rows === 10) closing = backend.close();
        return 'next';
      });
      const outcome = await walk.then(
        () => 'done',
        (e: unknown) => (StorageErrors.CLOSED.is(e) ? 'closed' : e),
      );
      assert.ok(outcome === 'done' || outcome === 'closed', `visit ended with ${String(outcome)}`);
      // A store that pauses between rows (local, every 2048) stops at its first pause.
      if (outcome === 'closed') assert.ok(rows < 6000, `${rows} rows visited before CLOSED`);
      else assert.equal(rows, 6000);
      await closing;
      await assert.rejects(backend.meta.get(s('c00000')), (e: unknown) => StorageErrors.CLOSED.is(e));
    },
  },
];

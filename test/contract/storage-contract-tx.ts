/**
 * Contract cases for MetaStore.transaction (shared/spec/ccow.md §16): read-your-writes, rollback on
 * throw, serialisability under concurrency, synchronous-only callbacks.
 */
import assert from 'node:assert/strict';
import { b, collect, hex, putAll, s, type ContractCase } from './contract-helpers.js';

const str = (u: Uint8Array | undefined): string | undefined => (u === undefined ? undefined : Buffer.from(u).toString());

export const txCases: ContractCase[] = [
  {
    name: 'tx: resolves to the value fn returns',
    async run(_t, { backend }) {
      assert.equal(await backend.meta.transaction(() => 42), 42);
      assert.deepEqual(await backend.meta.transaction(() => ({ ok: true })), { ok: true });
    },
  },
  {
    name: 'tx: reads see the transaction\'s own writes (get and range)',
    async run(_t, { backend }) {
      await putAll(backend, [
        [s('a'), s('1')],
        [s('b'), s('2')],
        [s('c'), s('3')],
      ]);
      const seen = await backend.meta.transaction((tx) => {
        tx.put(s('a'), s('1b'));
        tx.put(s('bb'), s('new'));
        tx.del(s('c'));
        return {
          a: str(tx.get(s('a'))),
          bb: str(tx.get(s('bb'))),
          c: str(tx.get(s('c'))),
          keys: [...tx.range({})].map(([k]) => Buffer.from(k).toString()),
          rev: [...tx.range({ reverse: true, limit: 2 })].map(([k, v]) => `${Buffer.from(k).toString()}=${Buffer.from(v).toString()}`),
        };
      });
      assert.deepEqual(seen, { a: '1b', bb: 'new', c: undefined, keys: ['a', 'b', 'bb'], rev: ['bb=new', 'b=2'] });
      assert.equal(str(await backend.meta.get(s('bb'))), 'new');
      assert.equal(await backend.meta.get(s('c')), undefined);
    },
  },
  {
    name: 'tx: a throw rolls back every write and rejects with the thrown error',
    async run(_t, { backend }) {
      await putAll(backend, [
        [s('keep'), s('v1')],
        [s('gone'), s('v2')],
      ]);
      const boom = new Error('boom');
      await assert.rejects(
        backend.meta.transaction((tx) => {
          tx.put(s('keep'), s('changed'));
          tx.put(s('keep'), s('changed twice'));
          tx.del(s('gone'));
          tx.put(s('fresh'), s('x'));
          tx.del(s('fresh'));
          tx.put(s('fresh2'), s('y'));
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await collect(backend.meta.range({})), [
        [hex(s('gone')), hex(s('v2'))],
        [hex(s('keep')), hex(s('v1'))],
      ]);
    },
  },
  {
    name: 'tx: a failed transaction does not disturb concurrent ones',
    async run(_t, { backend }) {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          backend.meta.transaction((tx) => {
            tx.put(s(`k${String(i).padStart(2, '0')}`), s('v'));
            if (i % 3 === 0) throw new Error(`fail ${i}`);
            return i;
          }),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(ok, 13);
      const keys = (await collect(backend.meta.range({}))).map(([k]) => Buffer.from(k, 'hex').toString());
      assert.deepEqual(
        keys,
        Array.from({ length: 20 }, (_, i) => i)
          .filter((i) => i % 3 !== 0)
          .map((i) => `k${String(i).padStart(2, '0')}`),
      );
    },
  },
  {
    name: 'tx: concurrent read-modify-write transactions are serialisable (no lost update)',
    async run(_t, { backend }) {
      const key = s('counter');
      const bump = (): Promise<number> =>
        backend.meta.transaction((tx) => {
          const cur = tx.get(key);
          const n = (cur ? Buffer.from(cur).readUInt32BE(0) : 0) + 1;
          const out = Buffer.alloc(4);
          out.writeUInt32BE(n);
          tx.put(key, out);
          return n;
        });
      const got = await Promise.all(Array.from({ length: 64 }, bump));
      assert.deepEqual([...got].sort((x, y) => x - y), Array.from({ length: 64 }, (_, i) => i + 1));
      assert.equal(Buffer.from((await backend.meta.get(key))!).readUInt32BE(0), 64);
    },
  },
  {
    name: 'tx: many concurrent writers all commit and are visible once resolved',
    async run(_t, { backend }) {
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          for (let i = 0; i < 10; i++) {
            const k = s(`w${String(w).padStart(2, '0')}-${i}`);
            await backend.meta.transaction((tx) => tx.put(k, b(w, i)));
            assert.equal(hex((await backend.meta.get(k))!), hex(b(w, i)));
          }
        }),
      );
      assert.equal((await collect(backend.meta.range({}))).length, 160);
    },
  },
  {
    name: 'tx: an async fn is rejected and its writes are rolled back',
    async run(_t, { backend }) {
      await assert.rejects(
        backend.meta.transaction((tx) => {
          tx.put(s('async'), s('x'));
          return Promise.resolve(1);
        }),
        TypeError,
      );
      assert.equal(await backend.meta.get(s('async')), undefined);
    },
  },
  {
    name: 'tx: the tx object is unusable after its transaction ends',
    async run(_t, { backend }) {
      let leaked: Parameters<Parameters<typeof backend.meta.transaction>[0]>[0] | undefined;
      await backend.meta.transaction((tx) => {
        leaked = tx;
      });
      assert.throws(() => leaked!.get(s('x')), TypeError);
      assert.throws(() => leaked!.put(s('x'), s('y')), TypeError);
      assert.equal(await backend.meta.get(s('x')), undefined);
    },
  },
  {
    name: 'tx: deleting every key while iterating tx.range visits each key once (forward and reverse)',
    async run(_t, { backend }) {
      const keys = Array.from({ length: 2500 }, (_, i) => s(`d${String(i).padStart(5, '0')}`));
      await putAll(backend, keys.map((k) => [k, s('v')] as const));
      await putAll(backend, [
        [s('c'), s('before')],
        [s('e'), s('after')],
      ]);
      const visited = await backend.meta.transaction((tx) => {
        let n = 0;
        for (const [k] of tx.range({ gte: s('d'), lt: s('e') })) {
          tx.del(k);
          n++;
        }
        return n;
      });
      assert.equal(visited, 2500);
      // The same in reverse, over keys put back.
      await putAll(backend, keys.map((k) => [k, s('v')] as const));
      const seen = await backend.meta.transaction((tx) => {
        const order: string[] = [];
        for (const [k] of tx.range({ gt: s('c'), lte: s('d99999'), reverse: true })) {
          tx.del(k);
          order.push(Buffer.from(k).toString());
        }
        return order;
      });
      assert.deepEqual(seen, keys.map((k) => k.toString()).reverse());
      assert.deepEqual(
        (await collect(backend.meta.range({}))).map(([k]) => Buffer.from(k, 'hex').toString()),
        ['c', 'e'],
      );
    },
  },
  {
    name: 'tx: writes made while iterating tx.range show up ahead of the cursor',
    async run(_t, { backend }) {
      const keys = Array.from({ length: 3000 }, (_, i) => s(`k${String(i).padStart(4, '0')}`));
      await putAll(backend, keys.map((k) => [k, s('v')] as const));
      const seen = await backend.meta.transaction((tx) => {
        const out: string[] = [];
        for (const [k] of tx.range({ gte: s('k') })) {
          const key = Buffer.from(k).toString();
          out.push(key);
          if (key === 'k0000') {
            tx.put(s('k2999z'), s('n'));
            tx.del(s('k0001'));
            tx.put(s('k0000a'), s('n'));
          }
        }
        return out;
      });
      assert.equal(seen.length, 3001);
      assert.deepEqual(seen.slice(0, 3), ['k0000', 'k0000a', 'k0002']);
      assert.equal(seen.at(-1), 'k2999z');
    },
  },
  {
    name: 'tx: values read inside a transaction are copies',
    async run(_t, { backend }) {
      await putAll(backend, [[s('k'), s('value')]]);
      await backend.meta.transaction((tx) => {
        tx.get(s('k'))!.fill(0x21);
        for (const [, v] of tx.range({})) v.fill(0x21);
      });
      assert.equal(str(await backend.meta.get(s('k'))), 'value');
    },
  },
  {
    name: 'tx: a write committed by one transaction is seen by the next',
    async run(_t, { backend }) {
      await backend.meta.transaction((tx) => tx.put(s('seq'), s('1')));
      const seen = await backend.meta.transaction((tx) => str(tx.get(s('seq'))));
      assert.equal(seen, '1');
    },
  },
];

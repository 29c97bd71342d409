/**
 * Contract cases for MetaStore reads: bytewise order, range bounds, reverse, limit, snapshots,
 * key validation and byte ownership (shared/spec/ccow.md §16).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RangeOptions } from '../../src/storage/contract/index.js';
import { b, collect, hex, putAll, s, type ContractCase } from './contract-helpers.js';

/** Keys chosen to catch signed-byte, length-before-content and prefix ordering mistakes. */
const TRICKY = [b(0x00), b(0x00, 0x00), b(0x00, 0xff), b(0x01), b(0x7f), b(0x80), b(0x80, 0x00), b(0xfe, 0xff, 0xff), b(0xff), b(0xff, 0x00), b(0xff, 0xff), b(0xff, 0xff, 0xff)];
const SORTED_HEX = TRICKY.map(hex).sort((x, y) => Buffer.compare(Buffer.from(x, 'hex'), Buffer.from(y, 'hex')));

/** Expected keys (hex) of a range over TRICKY, computed the obvious way. */
function model(keys: readonly string[], o: RangeOptions): string[] {
  const cmp = (x: string, y: Uint8Array): number => Buffer.compare(Buffer.from(x, 'hex'), Buffer.from(y));
  let out = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x, 'hex'), Buffer.from(y, 'hex')));
  out = out.filter((k) => (!o.gte || cmp(k, o.gte) >= 0) && (!o.gt || cmp(k, o.gt) > 0) && (!o.lt || cmp(k, o.lt) < 0) && (!o.lte || cmp(k, o.lte) <= 0));
  if (o.reverse) out.reverse();
  return o.limit === undefined ? out : out.slice(0, Math.max(0, o.limit));
}

async function keysOf(it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<string[]> {
  return (await collect(it)).map(([k]) => k);
}

export const metaCases: ContractCase[] = [
  {
    name: 'meta: get of an absent key is undefined',
    async run(_t, { backend }) {
      assert.equal(await backend.meta.get(s('nope')), undefined);
    },
  },
  {
    name: 'meta: put then get round-trips keys and values, including an empty value',
    async run(_t, { backend }) {
      const big = Buffer.alloc(100_000, 7);
      await putAll(backend, [
        [s('a'), s('1')],
        [b(0x00), b()],
        [s('big'), big],
      ]);
      assert.equal(hex((await backend.meta.get(s('a')))!), hex(s('1')));
      const empty = await backend.meta.get(b(0x00));
      assert.ok(empty !== undefined, 'an empty value is a value, not absence');
      assert.equal(empty.length, 0);
      assert.ok(Buffer.from((await backend.meta.get(s('big')))!).equals(big));
    },
  },
  {
    name: 'meta: keys order bytewise (0x00, 0xff, prefixes, high bit)',
    async run(_t, { backend }) {
      // Insert in a scrambled order.
      await putAll(backend, [...TRICKY].reverse().map((k, i) => [k, b(i)] as const));
      assert.deepEqual(await keysOf(backend.meta.range({})), SORTED_HEX);
      assert.deepEqual(await keysOf(backend.meta.range({ reverse: true })), [...SORTED_HEX].reverse());
    },
  },
  {
    name: 'meta: range bounds gte/gt/lt/lte, alone and combined, forward and reverse, with limits',
    async run(_t, { backend }) {
      await putAll(backend, TRICKY.map((k) => [k, k] as const));
      const probes = [b(0x00), b(0x00, 0x00), b(0x01), b(0x7f, 0xff), b(0x80), b(0xff), b(0xff, 0xff), b(0xff, 0xff, 0xff, 0xff)];
      for (const p of probes) {
        for (const q of probes) {
          for (const reverse of [false, true]) {
            const cases: RangeOptions[] = [{ gte: p }, { gt: p }, { lt: p }, { lte: p }, { gte: p, lt: q }, { gt: p, lte: q }, { gte: p, lte: q, limit: 2 }, { gt: p, lt: q, limit: 1 }];
            for (const c of cases) {
              const o = { ...c, reverse };
              assert.deepEqual(await keysOf(backend.meta.range(o)), model(SORTED_HEX, o), `range ${JSON.stringify({ ...o, gte: o.gte && hex(o.gte), gt: o.gt && hex(o.gt), lt: o.lt && hex(o.lt), lte: o.lte && hex(o.lte) })}`);
            }
          }
        }
      }
    },
  },
  {
    name: 'meta: both gte and gt (or lt and lte) given: the tighter bound wins',
    async run(_t, { backend }) {
      await putAll(backend, TRICKY.map((k) => [k, k] as const));
      const o1 = { gte: b(0x01), gt: b(0x01), lte: b(0xff), lt: b(0xff) };
      assert.deepEqual(await keysOf(backend.meta.range(o1)), ['7f', '80', '8000', 'feffff']);
      const o2 = { gte: b(0x80), gt: b(0x01), lt: b(0xff, 0xff), lte: b(0xff) };
      assert.deepEqual(await keysOf(backend.meta.range(o2)), ['80', '8000', 'feffff', 'ff']);
    },
  },
  {
    name: 'meta: limit 0 and empty or inverted ranges yield nothing',
    async run(_t, { backend }) {
      await putAll(backend, TRICKY.map((k) => [k, k] as const));
      assert.deepEqual(await keysOf(backend.meta.range({ limit: 0 })), []);
      assert.deepEqual(await keysOf(backend.meta.range({ gte: b(0x80), lt: b(0x80) })), []);
      assert.deepEqual(await keysOf(backend.meta.range({ gte: b(0xff), lt: b(0x01) })), []);
      assert.deepEqual(await keysOf(backend.meta.range({ gte: b(0xff), lt: b(0x01), reverse: true })), []);
      assert.deepEqual(await keysOf(backend.meta.range({ gte: b(0x80), lte: b(0x80) })), ['80']);
    },
  },
  {
    name: 'meta: range matches a simple model on random keys and bounds (property)',
    async run(_t, { backend }) {
      const byte = fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff);
      const key = fc.array(byte, { minLength: 1, maxLength: 3 }).map((xs) => Buffer.from(xs));
      const bound = fc.option(key, { nil: undefined });
      const opts = fc.record({ gte: bound, gt: bound, lt: bound, lte: bound, reverse: fc.boolean(), limit: fc.option(fc.nat(6), { nil: undefined }) });
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(key, { selector: hex, maxLength: 25 }), fc.array(opts, { minLength: 1, maxLength: 6 }), async (keys, ranges) => {
          // Replace the whole store with `keys` in one transaction.
          await backend.meta.transaction((tx) => {
            for (const [k] of [...tx.range({})]) tx.del(k);
            for (const k of keys) tx.put(k, k);
          });
          const hexKeys = keys.map(hex);
          for (const r of ranges) {
            const o: RangeOptions = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
            assert.deepEqual(await keysOf(backend.meta.range(o)), model(hexKeys, o));
          }
        }),
        { numRuns: 40, seed: 0x5eed },
      );
    },
  },
  {
    name: 'meta: range values are the stored values',
    async run(_t, { backend }) {
      await putAll(backend, [
        [s('k1'), s('v1')],
        [s('k2'), s('v2')],
      ]);
      assert.deepEqual(await collect(backend.meta.range({})), [
        [hex(s('k1')), hex(s('v1'))],
        [hex(s('k2')), hex(s('v2'))],
      ]);
    },
  },
  {
    name: 'meta: a range is a snapshot: writes after iteration starts are not seen',
    async run(_t, { backend }) {
      const keys = Array.from({ length: 600 }, (_, i) => s(`k${String(i).padStart(4, '0')}`));
      await putAll(backend, keys.map((k) => [k, s('old')] as const));
      const seen: string[] = [];
      let changed = false;
      for await (const [k, v] of backend.meta.range({ gte: s('k') })) {
        seen.push(Buffer.from(k).toString());
        assert.equal(Buffer.from(v).toString(), 'old');
        if (!changed) {
          changed = true;
          await backend.meta.transaction((tx) => {
            for (let i = 0; i < 600; i += 2) tx.put(keys[i]!, s('new'));
            for (let i = 1; i < 600; i += 2) tx.del(keys[i]!);
            tx.put(s('k0000a'), s('new'));
            tx.put(s('k9999'), s('new'));
          });
        }
      }
      assert.equal(seen.length, 600);
      // The store did change.
      assert.equal(Buffer.from((await backend.meta.get(keys[0]!))!).toString(), 'new');
      assert.equal(await backend.meta.get(keys[1]!), undefined);
    },
  },
  {
    name: 'meta: breaking out of a range early releases it; later writes and scans work',
    async run(_t, { backend }) {
      await putAll(backend, Array.from({ length: 300 }, (_, i) => [s(`r${String(i).padStart(3, '0')}`), s('v')] as const));
      for (let round = 0; round < 5; round++) {
        let n = 0;
        for await (const _ of backend.meta.range({ gte: s('r') })) if (++n === 3) break;
        assert.equal(n, 3);
        await putAll(backend, [[s(`r${round}x`), s('w')]]);
      }
      assert.equal((await keysOf(backend.meta.range({ gte: s('r') }))).length, 305);
    },
  },
  {
    name: 'meta: stored bytes are not aliased by callers (inputs and outputs are copies)',
    async run(_t, { backend }) {
      const k = s('alias');
      const v = s('value');
      await putAll(backend, [[k, v]]);
      v.fill(0x21);
      k.fill(0x21);
      const got = await backend.meta.get(s('alias'));
      assert.equal(Buffer.from(got!).toString(), 'value');
      got!.fill(0x22);
      assert.equal(Buffer.from((await backend.meta.get(s('alias')))!).toString(), 'value');
      for await (const [rk, rv] of backend.meta.range({})) {
        rk.fill(0x23);
        rv.fill(0x23);
      }
      assert.equal(Buffer.from((await backend.meta.get(s('alias')))!).toString(), 'value');
      // Values handed out stay the caller's: later reads, scans and writes do not change them
      // (the engine keeps views into records it decoded).
      const held = (await backend.meta.get(s('alias')))!;
      const heldScan: Uint8Array[] = [];
      for await (const [, rv] of backend.meta.range({})) heldScan.push(rv);
      await putAll(backend, [[s('alias'), s('other!')], [s('zzz'), Buffer.alloc(5000, 1)]]);
      for (let i = 0; i < 3; i++) await backend.meta.get(s('zzz'));
      for await (const _ of backend.meta.range({})) { /* reads into whatever buffers the store has */ }
      assert.equal(Buffer.from(held).toString(), 'value');
      assert.deepEqual(heldScan.map((x) => Buffer.from(x).toString()), ['value']);
    },
  },
  {
    name: 'meta: visit walks forward ranges like range, with lent bytes that hold during the call (property)',
    async run(_t, { backend }) {
      const byte = fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff);
      const key = fc.array(byte, { minLength: 1, maxLength: 3 }).map((xs) => Buffer.from(xs));
      const bound = fc.option(key, { nil: undefined });
      const opts = fc.record({ gte: bound, gt: bound, lt: bound, lte: bound, limit: fc.option(fc.nat(6), { nil: undefined }) });
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(key, { selector: hex, maxLength: 25 }), fc.array(opts, { minLength: 1, maxLength: 6 }), async (keys, ranges) => {
          await backend.meta.transaction((tx) => {
            for (const [k] of [...tx.range({})]) tx.del(k);
            // Value = key repeated 2000 times: values past one LMDB page (overflow) are lent too.
            for (const k of keys) tx.put(k, Buffer.concat(Array.from({ length: 2000 }, () => k)));
          });
          for (const r of ranges) {
            const o: RangeOptions = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
            const seen: string[] = [];
            await backend.meta.visit(o, (k, v) => {
              assert.equal(v.length, 2000 * k.length);
              for (let i = 0; i < v.length; i += k.length) assert.equal(hex(v.subarray(i, i + k.length)), hex(k));
              seen.push(hex(k));
              return 'next';
            });
            assert.deepEqual(seen, model(keys.map(hex), o));
          }
        }),
        { numRuns: 30, seed: 0x715 },
      );
    },
  },
  {
    name: 'meta: visit seeks forward, stops, and counts its limit across seeks',
    async run(_t, { backend }) {
      await putAll(backend, TRICKY.map((k) => [k, k] as const));
      const walk = async (o: RangeOptions, step: (k: string) => 'next' | 'stop' | Uint8Array): Promise<string[]> => {
        const seen: string[] = [];
        await backend.meta.visit(o, (k) => {
          seen.push(hex(k));
          return step(hex(k));
        });
        return seen;
      };
      // From 00 jump to 7f, from 80 jump past every 80… key, stop at ff.
      const jumps = (k: string): 'next' | 'stop' | Uint8Array => (k === '00' ? b(0x7f) : k === '80' ? b(0x80, 0xff) : k === 'ff' ? 'stop' : 'next');
      assert.deepEqual(await walk({}, jumps), ['00', '7f', '80', 'feffff', 'ff']);
      assert.deepEqual(await walk({ limit: 3 }, jumps), ['00', '7f', '80']);
      // A seek to or past the upper bound ends the walk.
      assert.deepEqual(await walk({ lt: b(0x80) }, (k) => (k === '00' ? b(0x80) : 'next')), ['00']);
      assert.deepEqual(await walk({ lte: b(0x80) }, (k) => (k === '00' ? b(0x80) : 'next')), ['00', '80']);
      assert.deepEqual(await walk({ gt: b(0xff), limit: 0 }, () => 'next'), []);
      await assert.rejects(walk({ reverse: true }, () => 'next'), TypeError);
      await assert.rejects(walk({}, (k) => (k === '7f' ? b(0x01) : 'next')), TypeError);
      await assert.rejects(walk({}, (k) => (k === '7f' ? b(0x7f) : 'next')), TypeError);
      // The store is usable after a walk that threw.
      assert.equal((await walk({}, () => 'next')).length, TRICKY.length);
    },
  },
  {
    name: 'meta: visit seeks of every distance (next row, a few rows, far, past the end, to an absent key) with a limit',
    async run(_t, { backend }) {
      // 200 keys 2-byte big-endian 0..199; seeks jump d rows ahead for d in 1..40, by an absent key too.
      const key = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
      await putAll(backend, Array.from({ length: 200 }, (_, n) => [key(n), key(n)] as const));
      for (const limit of [undefined, 5, 17]) {
        const seen: number[] = [];
        const want: number[] = [];
        let n = 0;
        for (let d = 1; n < 200; d = (d % 40) + 1) {
          want.push(n);
          n += d;
        }
        await backend.meta.visit(limit === undefined ? {} : { limit }, (k) => {
          const at = (k[0]! << 8) | k[1]!;
          seen.push(at);
          const d = (seen.length - 1) % 40 + 1;
          // Odd distances seek to the key itself, even ones to an absent key just below it.
          return d % 2 ? key(at + d) : Buffer.concat([key(at + d - 1), Buffer.from([0xff])]);
        });
        assert.deepEqual(seen, limit === undefined ? want : want.slice(0, limit), `limit ${limit}`);
      }
    },
  },
  {
    name: 'meta: a visit may seek to a key cut from the lent value, even across a pause with reads in it',
    async run(_t, { backend }) {
      const k = (i: number): Buffer => s(`k${String(i).padStart(5, '0')}`);
      await backend.meta.transaction((tx) => {
        for (let i = 0; i < 5000; i++) tx.put(k(i), i === 2047 ? s('SEEK:k03000') : s('XXXX:k00001'));
      });
      const seen: string[] = [];
      let read: Promise<unknown> | undefined;
      await backend.meta.visit({}, (key, v) => {
        seen.push(Buffer.from(key).toString());
        if (seen.length === 2048) {
          // A read while the walk pauses (the local store pauses after 2048 rows) reuses the
          // memory the value was lent from.
          read = new Promise((resolve) => setImmediate(() => resolve(backend.meta.get(k(5)))));
          return v.subarray(5);
        }
        return seen.length > 2048 ? 'stop' : 'next';
      });
      assert.equal(Buffer.from((await read) as Uint8Array).toString(), 'XXXX:k00001');
      assert.deepEqual(seen.slice(2046), ['k02046', 'k02047', 'k03000']);
    },
  },
  {
    name: 'meta: a visit is one snapshot across pauses and seeks; a throw in the callback ends it',
    async run(_t, { backend }) {
      const N = 12_000;
      const keys = Array.from({ length: N }, (_, i) => s(`v${String(i).padStart(5, '0')}`));
      for (let i = 0; i < N; i += 2000) await putAll(backend, keys.slice(i, i + 2000).map((k) => [k, s('old')] as const));
      let n = 0;
      let write: Promise<void> | undefined;
      await backend.meta.visit({ gte: s('v') }, (k, v) => {
        assert.equal(Buffer.from(v).toString(), 'old');
        n++;
        if (n === 1) {
          // Lands during one of the store's pauses (if it pauses) before the seek below.
          write = backend.meta.transaction((tx) => {
            for (let i = 0; i < N; i += 3) tx.del(keys[i]!);
            for (let i = 1; i < N; i += 3) tx.put(keys[i]!, s('new'));
            tx.put(s('v99999'), s('new'));
          });
        }
        // Jump over a stretch in the middle: the rows after the seek come from the same snapshot.
        return Buffer.from(k).toString() === 'v11000' ? s('v11500') : 'next';
      });
      await write;
      assert.equal(n, N - 499, 'every row but v11001…v11499, none of the later writes');
      assert.equal(await backend.meta.get(keys[0]!), undefined, 'the store did change');
      await assert.rejects(
        backend.meta.visit({ gte: s('v') }, () => {
          throw new RangeError('mine');
        }),
        RangeError,
      );
      let after = 0;
      await backend.meta.visit({ gte: s('v') }, () => (++after, 'next'));
      assert.equal(after, N - Math.ceil(N / 3) + 1);
    },
  },
  {
    name: 'meta: keys must be 1..1978 bytes',
    async run(_t, { backend }) {
      await assert.rejects(backend.meta.get(b()), TypeError);
      await assert.rejects(
        backend.meta.transaction((tx) => tx.put(b(), s('x'))),
        TypeError,
      );
      await assert.rejects(
        backend.meta.transaction((tx) => tx.put(Buffer.alloc(1979, 1), s('x'))),
        TypeError,
      );
      await putAll(backend, [[Buffer.alloc(1978, 1), s('max')]]);
      assert.equal(Buffer.from((await backend.meta.get(Buffer.alloc(1978, 1)))!).toString(), 'max');
    },
  },
  {
    name: 'meta: range and visit bounds and seek keys longer than any key select the same keys (issue 4)',
    async run(_t, { backend }) {
      // Keys around the 1978-byte limit: a long run of 0x61, shorter and longer neighbours, and the
      // longest key itself. Bounds of 1979..4500 bytes (a listing's prefix, marker or start-after)
      // must compare bytewise like short ones; LMDB cannot position a cursor on them.
      const run = (n: number, tail: number[] = []): Buffer => Buffer.concat([Buffer.alloc(n, 0x61), Buffer.from(tail)]);
      const keys = [run(1), run(1000), run(1977), run(1978), run(1977, [0x62]), run(1977, [0x60]), run(10, [0x62]), b(0x62)];
      await putAll(backend, keys.map((k) => [k, k] as const));
      const all = keys.map(hex);
      const longs = [run(1979), run(2017), run(4500), run(1977, [0x62, 0x00]), run(1977, [0x60, 0xff]), run(1978, [0x00])];
      for (const L of longs) {
        for (const o of [{ gte: L }, { gt: L }, { lt: L }, { lte: L }, { gte: L, reverse: true }, { lt: L, reverse: true }, { gte: run(1), lt: L }, { gt: L, lte: b(0x62) }] as RangeOptions[]) {
          const want = model(all, o);
          assert.deepEqual(await keysOf(backend.meta.range(o)), want, `range ${JSON.stringify(Object.keys(o))} at ${L.length} bytes`);
          const inTx = await backend.meta.transaction((tx) => [...tx.range(o)].map(([k]) => hex(k)));
          assert.deepEqual(inTx, want, `tx.range at ${L.length} bytes`);
          if (!o.reverse) {
            const seen: string[] = [];
            await backend.meta.visit(o, (k) => {
              seen.push(hex(k));
              return 'next';
            });
            assert.deepEqual(seen, want, `visit at ${L.length} bytes`);
          }
        }
        // A seek to a long key goes where a bound there would.
        const seen: string[] = [];
        await backend.meta.visit({}, (k) => {
          seen.push(hex(k));
          return hex(k) === hex(run(1)) ? L : 'next';
        });
        assert.deepEqual(seen, [hex(run(1)), ...model(all, { gte: L })], `seek to ${L.length} bytes`);
      }
    },
  },
  {
    name: 'meta: Uint8Array views with an offset work as keys and values',
    async run(_t, { backend }) {
      const backing = Buffer.from('xxKEYyyVALUEzz');
      const key = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
      const value = new Uint8Array(backing.buffer, backing.byteOffset + 7, 5);
      await putAll(backend, [[key, value]]);
      assert.equal(Buffer.from((await backend.meta.get(s('KEY')))!).toString(), 'VALUE');
      assert.deepEqual(await keysOf(backend.meta.range({})), [hex(s('KEY'))]);
    },
  },
  {
    name: 'meta: data survives close and reopen',
    persistent: true,
    async run(_t, env) {
      await putAll(env.backend, [
        [s('p1'), s('one')],
        [b(0xff), b(0x00)],
      ]);
      await env.backend.meta.transaction((tx) => tx.del(s('p1')));
      await putAll(env.backend, [[s('p2'), s('two')]]);
      const backend = await env.reopen();
      assert.equal(await backend.meta.get(s('p1')), undefined);
      assert.equal(Buffer.from((await backend.meta.get(s('p2')))!).toString(), 'two');
      assert.deepEqual(await keysOf(backend.meta.range({})), [hex(s('p2')), 'ff']);
    },
  },
];

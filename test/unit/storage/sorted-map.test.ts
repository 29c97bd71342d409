/** The memory backend's ordered map against a naive model (storage/memory/sorted-map.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compareKeys, scanView, SortedMap } from '../../../src/storage/memory/sorted-map.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('compareKeys is bytewise order, for short keys and past the JS prefix', () => {
  const key = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));
  fc.assert(
    fc.property(key, key, (a, b) => Math.sign(compareKeys(a, b)) === Math.sign(Buffer.compare(a, b))),
    { numRuns: 2000, seed: 1 },
  );
  const long = Buffer.alloc(30, 7);
  assert.ok(compareKeys(Buffer.concat([long, Buffer.from([1])]), Buffer.concat([long, Buffer.from([2])])) < 0);
  assert.ok(compareKeys(Buffer.concat([long, Buffer.from([1])]), long) > 0);
});

test('set/get/delete and ordered scans match a Map model across block splits', () => {
  const m = new SortedMap();
  const model = new Map<string, string>();
  let x = 12345;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 6000; i++) {
    const k = Buffer.alloc(3);
    k.writeUIntBE(rnd() % 4000, 0, 3);
    if (rnd() % 4 === 0) {
      assert.equal(m.delete(k) !== undefined, model.delete(hex(k)));
    } else {
      const v = Buffer.from([i & 0xff]);
      m.set(k, v);
      model.set(hex(k), hex(v));
    }
  }
  assert.equal(m.size, model.size);
  const sorted = [...model.keys()].sort();
  assert.deepEqual([...scanView(m.live, {}, false)].map(([k]) => hex(k)), sorted);
  assert.deepEqual([...scanView(m.live, {}, true)].map(([k]) => hex(k)), [...sorted].reverse());
  for (const k of sorted.slice(0, 50)) assert.equal(hex(m.get(Buffer.from(k, 'hex'))!), model.get(k));
  // Bounded scans.
  const lo = Buffer.from('000400', 'hex');
  const hi = Buffer.from('000800', 'hex');
  const want = sorted.filter((k) => k > '000400' && k <= '000800');
  assert.deepEqual([...scanView(m.live, { lower: { key: lo, inclusive: false }, upper: { key: hi, inclusive: true } }, false)].map(([k]) => hex(k)), want);
  assert.deepEqual([...scanView(m.live, { lower: { key: lo, inclusive: false }, upper: { key: hi, inclusive: true } }, true)].map(([k]) => hex(k)), [...want].reverse());
});

test('a snapshot does not change when the map does (copy-on-write blocks)', () => {
  const m = new SortedMap();
  for (let i = 0; i < 3000; i++) m.set(Buffer.from(String(i).padStart(5, '0')), Buffer.from('a'));
  const snap = m.snapshot();
  const before = [...scanView(snap, {}, false)].map(([k, v]) => `${k.toString()}=${v.toString()}`);
  for (let i = 0; i < 3000; i += 3) m.delete(Buffer.from(String(i).padStart(5, '0')));
  for (let i = 0; i < 3000; i += 5) m.set(Buffer.from(String(i).padStart(5, '0') + 'x'), Buffer.from('b'));
  m.set(Buffer.from('00001'), Buffer.from('c'));
  assert.deepEqual([...scanView(snap, {}, false)].map(([k, v]) => `${k.toString()}=${v.toString()}`), before);
  assert.equal(m.get(Buffer.from('00001'))!.toString(), 'c');
});

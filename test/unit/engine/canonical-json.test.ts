/**
 * canonicalJson (shared/spec/ccow.md §7.1) against a plain reference writer: keys sorted by code
 * unit at every depth, undefined members dropped, no whitespace. The fast path re-keys objects in
 * place and copies only what changes; random objects (nested, arrays, integer-like and `__proto__`
 * keys, undefined members) must give the reference bytes and leave the input untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../../src/engine/format/bin.js';
import { seededRandom } from '../../helpers/crash-writer.js';

function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? JSON.stringify(v.toString()) : (JSON.stringify(v) ?? 'null');
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : reference(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
}

const KEYS = ['a', 'b', 'Z', 'size', 'etag', 'é', '10', '2', '__proto__', 'aa', '', 'x-amz-meta', 'vmId', 'uvid'];

function randomValue(r: () => number, depth: number): unknown {
  const p = r();
  if (depth > 2 || p < 0.45) {
    const q = r();
    if (q < 0.2) return Math.floor(r() * 1e9);
    if (q < 0.35) return r() < 0.5;
    if (q < 0.45) return null;
    if (q < 0.55) return undefined;
    if (q < 0.6) return BigInt(Math.floor(r() * 1e6));
    return `s${Math.floor(r() * 100)}"\n`;
  }
  if (p < 0.6) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const k = KEYS[Math.floor(r() * KEYS.length)]!;
    // Own property even for `__proto__` (as JSON.parse makes it), not the prototype setter.
    Object.defineProperty(o, k, { value: randomValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

test('canonicalJson equals the reference writer on random values and does not change its input', () => {
  const r = seededRandom(20261127);
  for (let i = 0; i < 5000; i++) {
    const v = randomValue(r, 0);
    const before = reference(v);
    assert.equal(canonicalJson(v), before, `value #${i}`);
    assert.equal(reference(v), before, `input changed, value #${i}`);
  }
});

test('canonicalJson: a sorted flat record is written as is; an unsorted one is re-keyed', () => {
  assert.equal(canonicalJson({ a: 1, b: 'x', c: undefined, d: true }), '{"a":1,"b":"x","d":true}');
  assert.equal(canonicalJson({ uvid: 'u', etag: '"e"', size: 3, deleted: false }), '{"deleted":false,"etag":"\\"e\\"","size":3,"uvid":"u"}');
  assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: { z: 1, y: { x: 0, w: 9n } } }), '{"a":{"y":{"w":"9","x":0},"z":1},"b":[{"c":2,"d":1}]}');
  assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
});

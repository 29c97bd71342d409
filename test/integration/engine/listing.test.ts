/**
 * Listings (shared/spec/ccow.md §7.2, s3-surface.md §4.1): prefix, delimiter roll-up (any
 * delimiter), start-after (a common prefix skips everything under it), paging, UTF-8 byte order.
 * Checked against a plain model, with fast-check on the memory backend and fixed cases on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Engine, ListPage } from '../../../src/engine/index.js';
import { body, eachBackend, openHarness } from './harness.js';

type Item = { key: string; isPrefix: boolean };
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const cmp = (a: string, b: string) => Buffer.compare(utf8(a), utf8(b));

function cpOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

/** What a listing must return, in order. */
function model(keys: string[], prefix: string, delimiter: string | undefined, startAfter?: string): Item[] {
  const out: Item[] = [];
  // A start-after that is a common prefix, or a key under one, skips every key under that prefix
  // (S3's answer: LocalStack's AWS-validated list-objects-manual-first-file).
  const afterCp = startAfter !== undefined && startAfter.startsWith(prefix) ? cpOf(startAfter, prefix, delimiter) : undefined;
  for (const k of [...new Set(keys)].sort(cmp)) {
    if (!k.startsWith(prefix)) continue;
    if (startAfter !== undefined && (cmp(k, startAfter) <= 0 || (afterCp !== undefined && k.startsWith(afterCp)))) continue;
    const cp = cpOf(k, prefix, delimiter);
    const item = cp !== undefined ? { key: cp, isPrefix: true } : { key: k, isPrefix: false };
    const last = out[out.length - 1];
    if (last && last.isPrefix && item.isPrefix && last.key === item.key) continue;
    out.push(item);
  }
  return out;
}

function itemsOf(p: ListPage): Item[] {
  // Entries and prefixes interleave in key order.
  return [...p.entries.map((e) => ({ key: e.key, isPrefix: false })), ...p.commonPrefixes.map((c) => ({ key: c, isPrefix: true }))].sort((a, b) => cmp(a.key, b.key));
}

/** Page through a listing the way the S3 layer does (continuation = last item, prefix flag). */
async function pageAll(e: Engine, bucket: string, prefix: string, delimiter: string | undefined, limit: number, startAfter?: string): Promise<Item[]> {
  const out: Item[] = [];
  let after = startAfter;
  for (let guard = 0; guard < 10_000; guard++) {
    const p = await e.listObjects(bucket, { prefix, delimiter, startAfter: after, limit });
    const items = itemsOf(p);
    assert.ok(items.length <= limit);
    out.push(...items);
    if (!p.truncated) return out;
    assert.deepEqual(p.next, items[items.length - 1], 'next is the last item shown');
    after = p.next!.key;
  }
  throw new Error('listing did not end');
}

const KEYS = ['a', 'a/', 'a/b', 'a/b/c', 'a/c', 'a//d', 'ab', 'b', 'b-1', 'b-2-x', 'b-2-y', 'c', 'é', 'z', '😀', '\uffff', 'a\u0000x', 'a\u0000', 'zz/zz', 'a-', 'a.b'];

eachBackend('fixed key set: prefixes, delimiters, start-after, paging', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  for (const k of KEYS) await e.putObject({ bucket: 'b', key: k }, body(Buffer.from(k)));
  for (const [prefix, delimiter] of [['', undefined], ['', '/'], ['a', '/'], ['a/', '/'], ['', '-'], ['b', '-'], ['', 'b'], ['a', '\u0000'], ['', '//']] as [string, string | undefined][]) {
    for (const limit of [1, 2, 3, 1000]) {
      for (const startAfter of [undefined, 'a', 'a/', 'b-2-', 'zz']) {
        assert.deepEqual(await pageAll(e, 'b', prefix, delimiter, limit, startAfter), model(KEYS, prefix, delimiter, startAfter), `prefix=${prefix} delim=${delimiter} limit=${limit} after=${startAfter}`);
      }
    }
  }
  // UTF-8 byte order, not UTF-16 order: U+FFFF sorts before U+1F600.
  const all = (await e.listObjects('b', { limit: 1000 })).entries.map((x) => x.key);
  assert.deepEqual(all.slice(-3), ['é', '\uffff', '😀']);
  assert.deepEqual(await e.listObjects('b', { limit: 0 }), { entries: [], commonPrefixes: [], truncated: false });
});

test('listing matches the model for random keys, prefixes and delimiters (memory)', async () => {
  const h = await openHarness('memory');
  let n = 0;
  try {
    const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', '/', '-', 'é', '\u0000', '😀'), minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 25 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 2 }),
        fc.option(fc.constantFrom('/', '-', 'b', 'a/', '\u0000'), { nil: undefined }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(keyArb, { nil: undefined }),
        async (keys, prefix, delimiter, limit, startAfter) => {
          const bucket = `p${n++}`;
          await h.engine.createBucket(bucket, { owner: 't' });
          for (const k of keys) await h.engine.putObject({ bucket, key: k }, body(Buffer.alloc(0)));
          assert.deepEqual(await pageAll(h.engine, bucket, prefix, delimiter, limit, startAfter), model(keys, prefix, delimiter, startAfter));
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    await h.close();
  }
});

eachBackend('listVersions: markers, delimiter and paging by key-marker/version-id-marker', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const made: string[] = [];
  for (const k of ['a', 'b/1', 'b/2', 'c']) {
    for (let i = 0; i < 3; i++) made.push(`${k}@${(await e.putObject({ bucket: 'b', key: k }, body(Buffer.from(`${k}${i}`)))).versionId}`);
  }
  await e.deleteObject({ bucket: 'b', key: 'c' });
  const full = (await e.listVersions('b', { limit: 1000 })).entries;
  assert.equal(full.length, 13);
  assert.deepEqual(full.filter((v) => v.isLatest).map((v) => `${v.key}${v.deleteMarker ? '(DM)' : ''}`), ['a', 'b/1', 'b/2', 'c(DM)']);
  for (const limit of [1, 2, 4, 5]) {
    const seen: string[] = [];
    let km: string | undefined;
    let vm: string | undefined;
    for (;;) {
      const p = await e.listVersions('b', { limit, keyMarker: km, versionIdMarker: vm });
      seen.push(...p.entries.map((v) => `${v.key}@${v.versionId}`));
      if (!p.truncated) break;
      km = p.nextKeyMarker;
      vm = p.nextVersionIdMarker;
    }
    assert.deepEqual(seen, full.map((v) => `${v.key}@${v.versionId}`), `limit ${limit}`);
  }
  const d = await e.listVersions('b', { limit: 1000, delimiter: '/' });
  assert.deepEqual(d.commonPrefixes, ['b/']);
  assert.equal(d.entries.length, 7);
  const afterPrefix = await e.listVersions('b', { limit: 1000, delimiter: '/', keyMarker: 'b/' });
  assert.deepEqual(afterPrefix.entries.map((v) => v.key), ['c', 'c', 'c', 'c']);
  await assert.rejects(e.listVersions('b', { limit: 10, versionIdMarker: 'x' }), { code: 'CCOW_ERR_INVALID_ARGUMENT' });
  await assert.rejects(e.listVersions('b', { limit: 10, keyMarker: 'a', versionIdMarker: 'x' }), { code: 'CCOW_ERR_INVALID_ARGUMENT' });
  // A well-formed id of no stored version is a place all the same (S3 goes on after a deleted marker):
  // the oldest possible one comes after every version of 'a'.
  const afterA = await e.listVersions('b', { limit: 1000, keyMarker: 'a', versionIdMarker: '0'.repeat(26) });
  assert.deepEqual(afterA.entries.map((v) => `${v.key}@${v.versionId}`), full.filter((v) => v.key !== 'a').map((v) => `${v.key}@${v.versionId}`));
});

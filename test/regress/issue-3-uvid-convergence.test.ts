/**
 * Issue #3 (engine audit): "two writers to one key converge on the same winner in any order"
 * (shared/spec/ccow.md §6: the current version is the largest UVID, nothing else decides; the name
 * index is a grow-only set with purge tombstones, which converges under any delivery order).
 *
 * The engine has no way to apply a version that carries a UVID issued elsewhere (no ISGW apply
 * path yet: commit.ts always issues `core.uvids.next(head)`), so "the same versions delivered in
 * another order" cannot be driven. What is reachable is tested instead: several writers of one
 * segment, each an engine with its own node id over one shared store (the way several gateways
 * share a cluster store; the local store has one owner per data dir, §13, so the memory store
 * stands in), with clocks skewed both ways:
 * - whatever the order of their commits, the head is the last commit, its UVID is the largest
 *   (§6 issuing rule `ts = max(now, head.ts + 1, prev.ts)`, so a writer whose clock is behind
 *   still wins when it commits last), and every writer sees the same head and version list;
 * - concurrent commits leave one head, the largest UVID, seen alike by every writer;
 * - purging the same set of versions in every order leaves the same head and list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine, type ObjectVersion } from '../../src/engine/index.js';
import { versionIdToUvid } from '../../src/engine/uvid.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { body, fakeClock, readAll } from '../integration/engine/harness.js';

const T0 = 1_763_000_000_000;
/** Clock offsets (ms) of writers 1..5: behind and ahead of each other by seconds to minutes. */
const SKEW = [0, -10_000, 5_000, -120_000, 60_000];

interface Writer {
  node: number;
  engine: Engine;
}

/** `n` writers (node ids 1..n) over one fresh memory store, and a versioned bucket 'b'. */
async function open(n: number): Promise<{ writers: Writer[]; close(): Promise<void> }> {
  const backend = createMemoryBackend();
  const writers: Writer[] = [];
  // All open before any write: an engine's start expires older epochs' put intents (engine.ts).
  for (let i = 0; i < n; i++) writers.push({ node: i + 1, engine: await createEngine(backend, { nodeId: i + 1, clock: fakeClock(T0 + SKEW[i]!) }) });
  await writers[0]!.engine.createBucket('b', { owner: 't' });
  await writers[0]!.engine.putBucketConfig('b', 'versioning', 'Enabled');
  return {
    writers,
    async close() {
      for (const w of writers) await w.engine.close();
      await backend.close();
    },
  };
}

const nodeOf = (versionId: string): number => versionIdToUvid(versionId)!.readUInt16BE(10);
const put = (w: Writer, label: string): Promise<ObjectVersion> => w.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from(label)));

/** The head and the version list as one writer sees them, and the head's bytes. */
async function view(e: Engine): Promise<{ head: string; list: string[]; latest: string[]; bytes: string }> {
  const head = (await e.head({ bucket: 'b', key: 'k' })).versionId;
  const page = await e.listVersions('b', { limit: 100 });
  return {
    head,
    list: page.entries.map((v) => v.versionId),
    latest: page.entries.filter((v) => v.isLatest).map((v) => v.versionId),
    bytes: (await readAll(e, 'b', 'k')).toString(),
  };
}

/** Every writer sees the same head and list; the head is the largest UVID; returns that view. */
async function agreed(writers: Writer[]): Promise<Awaited<ReturnType<typeof view>>> {
  const first = await view(writers[0]!.engine);
  for (const w of writers.slice(1)) assert.deepEqual(await view(w.engine), first, `writer ${w.node} sees what writer 1 sees`);
  // Version ids are base32hex of the UVID and sort like it (§ "S3 version id"): newest first.
  assert.deepEqual(first.list, [...first.list].sort().reverse(), 'versions listed by UVID, largest first');
  assert.equal(first.head, first.list[0], 'the head is the largest UVID');
  assert.deepEqual(first.latest, [first.head], 'exactly the head is latest');
  return first;
}

/** All orders of `xs`. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Deterministic shuffles of 0..n-1 (a seeded Fisher–Yates), plus the identity and its reverse. */
function shuffles(n: number, count: number): number[][] {
  const id = Array.from({ length: n }, (_, i) => i);
  const out = [id, [...id].reverse()];
  let x = 12345;
  while (out.length < count) {
    const p = [...id];
    for (let i = n - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const j = x % (i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    out.push(p);
  }
  return out;
}

test('two writers with different node ids: the later commit wins with the larger UVID, in both orders, whichever clock is ahead', async () => {
  for (const order of [[0, 1], [1, 0]]) {
    // Writer 2's clock is 10 s behind writer 1's: in [0, 1] the writer behind commits last, in [1, 0] the one ahead.
    const s = await open(2);
    try {
      const [first, second] = order.map((i) => s.writers[i]!);
      const v1 = await put(first!, `from ${first!.node}`);
      const v2 = await put(second!, `from ${second!.node}`);
      assert.ok(v2.versionId > v1.versionId, `order ${order.join(',')}: the second commit's UVID is larger`);
      assert.equal(nodeOf(v1.versionId), first!.node, 'a UVID carries its writer\'s node id');
      assert.equal(nodeOf(v2.versionId), second!.node);
      assert.deepEqual([v1.generation, v2.generation], [1, 2]);
      const v = await agreed(s.writers);
      assert.deepEqual({ head: v.head, list: v.list, bytes: v.bytes }, { head: v2.versionId, list: [v2.versionId, v1.versionId], bytes: `from ${second!.node}` });
    } finally {
      await s.close();
    }
  }
});

test('five writers committing to one key in shuffled orders: the head is always the last commit, the largest UVID, seen alike by all', async () => {
  for (const order of shuffles(5, 8)) {
    const s = await open(5);
    try {
      const made: ObjectVersion[] = [];
      for (const [n, i] of order.entries()) made.push(await put(s.writers[i]!, `w${i + 1}#${n}`));
      for (let n = 1; n < made.length; n++) assert.ok(made[n]!.versionId > made[n - 1]!.versionId, `order ${order.join(',')}: UVIDs grow with the commits`);
      assert.deepEqual(made.map((v) => nodeOf(v.versionId)), order.map((i) => i + 1));
      assert.deepEqual(made.map((v) => v.generation), [1, 2, 3, 4, 5]);
      const v = await agreed(s.writers);
      assert.deepEqual(v.list, made.map((x) => x.versionId).reverse(), `order ${order.join(',')}`);
      assert.equal(v.bytes, `w${order[4]! + 1}#4`);
    } finally {
      await s.close();
    }
  }
});

test('five writers committing to one key at once: one head, the largest UVID, seen alike by all', async () => {
  for (let round = 0; round < 4; round++) {
    const s = await open(5);
    try {
      // Started in a different order each round; the store serialises the commits.
      const order = shuffles(5, 4)[round]!;
      const made = await Promise.all(order.map((i) => put(s.writers[i]!, `w${i + 1}`)));
      const ids = made.map((x) => x.versionId);
      assert.equal(new Set(ids).size, 5, 'unique UVIDs');
      const v = await agreed(s.writers);
      assert.deepEqual(v.list, [...ids].sort().reverse());
      const winner = made.find((x) => x.versionId === v.head)!;
      assert.equal(v.bytes, `w${nodeOf(winner.versionId)}`, 'the head\'s bytes are its writer\'s');
      // Generations follow the commit order, which is the UVID order (§6: head.generation + 1).
      const byUvid = [...made].sort((a, b) => (a.versionId < b.versionId ? -1 : 1));
      assert.deepEqual(byUvid.map((x) => x.generation), [1, 2, 3, 4, 5]);
    } finally {
      await s.close();
    }
  }
});

test('purging the same versions in every order leaves the same head and version list', async () => {
  // Versions 0..4 by writers 1..5 in this order; purge 1, 3 and 4 (4 is the head) in all 6 orders.
  const purge = [1, 3, 4];
  const results: string[] = [];
  for (const order of permutations(purge)) {
    const s = await open(5);
    try {
      const made: ObjectVersion[] = [];
      for (const w of s.writers) made.push(await put(w, `v${made.length}`));
      // Each purge by another writer than the version's, round the ring.
      for (const [n, i] of order.entries()) await s.writers[(i + n + 1) % 5]!.engine.deleteObject({ bucket: 'b', key: 'k' }, { versionId: made[i]!.versionId });
      const v = await agreed(s.writers);
      assert.deepEqual(v.list, [made[2]!.versionId, made[0]!.versionId], `order ${order.join(',')}: versions 2 and 0 remain`);
      assert.equal(v.head, made[2]!.versionId, 'the largest remaining UVID is the head');
      assert.equal(v.bytes, 'v2');
      // Comparable across stores (UVIDs differ per run): labels of the listed versions, newest first.
      const labels = await Promise.all(v.list.map(async (id) => (await readAll(s.writers[0]!.engine, 'b', 'k', { versionId: id })).toString()));
      results.push(labels.join(' '));
    } finally {
      await s.close();
    }
  }
  assert.deepEqual(results, Array<string>(6).fill('v2 v0'));
});

/**
 * Issue #4 (s3-bench `--many`, 16 concurrent 1 GiB uploads, peak RSS bound 300 MiB): the uploads
 * end together, and each one's CM store and commit write ~3 metadata rows per chunk (the `cm:`
 * reference; dropping the intent drops its reference and membership row). All sixteen ran at once:
 * ~50,000 writes were in flight together, their bookkeeping (the meta store's overlay, lmdb-js's
 * queued instructions) outlived several young-generation GCs and was promoted, and the gateway's
 * RSS rose from ~255 to 315–340 MiB within the last two seconds — the run's peak. Writers with at
 * least LARGE_COMMIT_LEAVES leaves now store their CMs and commit one at a time
 * (write-path.ts largeCommitTurn); small puts never wait.
 *
 * The test makes every transaction's durability take a while (as LMDB's fsync does), ends three
 * large puts at the same moment and checks that no two of their commits were in flight together
 * (all three were before), that a small put still commits while they wait, and the data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine } from '../../src/engine/index.js';
import { LARGE_COMMIT_LEAVES } from '../../src/engine/write-path.js';
import type { MetaTx, StorageBackend } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

const CHUNK = 4096;
const LEAVES = LARGE_COMMIT_LEAVES + 8;

/** One metadata transaction: when its function ran, when it settled, how many rows it deleted. */
interface TxSpan {
  start: number;
  end: number;
  dels: number;
}

/** `inner` whose transactions settle `delayMs` after their function ran, each one recorded. */
function slowCommits(inner: StorageBackend, delayMs: number): { backend: StorageBackend; spans: TxSpan[] } {
  const spans: TxSpan[] = [];
  let clock = 0;
  const transaction = async <T>(fn: (tx: MetaTx) => T, opts?: unknown): Promise<T> => {
    const span: TxSpan = { start: 0, end: 0, dels: 0 };
    const result = await (inner.meta.transaction as (f: (tx: MetaTx) => T, o?: unknown) => Promise<T>)((tx) => {
      span.start = ++clock;
      const counting: MetaTx = {
        get: (k) => tx.get(k),
        range: (o) => tx.range(o),
        put: (k, v) => tx.put(k, v),
        del: (k) => {
          span.dels++;
          tx.del(k);
        },
      };
      return fn(counting);
    }, opts);
    await sleep(delayMs);
    span.end = ++clock;
    spans.push(span);
    return result;
  };
  const meta = new Proxy(inner.meta, {
    get(target, prop, receiver) {
      if (prop === 'transaction') return transaction;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const backend = new Proxy(inner, { get: (t, p, r) => (p === 'meta' ? meta : Reflect.get(t, p, r)) });
  return { backend, spans };
}

/** Distinct bytes for chunk `c` of object `seed`. */
function chunkOf(seed: number, c: number): Buffer {
  const b = Buffer.alloc(CHUNK, seed + 1);
  b.writeUInt32LE(c, 0);
  b.writeUInt32LE(seed, 4);
  return b;
}

test('large puts that end together store their CMs and commit one at a time; small puts do not wait', { timeout: 60_000 }, async () => {
  const { backend, spans } = slowCommits(createMemoryBackend(), 20);
  const e = await createEngine(backend, { digestWorker: false });
  try {
    await e.createBucket('b', { owner: 'o', chunkSize: CHUNK });
    const n = 3;
    let waiting = 0;
    let go!: () => void;
    const allThere = new Promise<void>((r) => (go = r));
    async function* body(seed: number): AsyncGenerator<Uint8Array> {
      for (let c = 0; c < LEAVES - 1; c++) yield chunkOf(seed, c);
      // Every body ends at the same moment, as sixteen equal uploads do.
      if (++waiting === n) go();
      await allThere;
      yield chunkOf(seed, LEAVES - 1);
    }
    const md5s = Array.from({ length: n }, (_, i) => {
      const h = createHash('md5');
      for (let c = 0; c < LEAVES; c++) h.update(chunkOf(i, c));
      return `"${h.digest('hex')}"`;
    });
    const large = Promise.all(Array.from({ length: n }, (_, i) => e.putObject({ bucket: 'b', key: `big-${i}` }, body(i))));
    await allThere;
    let largeDone = false;
    void large.then(() => (largeDone = true), () => undefined);
    const small = await e.putObject({ bucket: 'b', key: 'small' }, (async function* () { yield Buffer.from('hi'); })());
    assert.equal(largeDone, false, 'the small put waited for the large commits');
    const puts = await large;
    assert.deepEqual(puts.map((p) => p.etag), md5s);
    assert.equal(small.size, 2);
    for (let i = 0; i < n; i++) {
      const r = await e.read({ bucket: 'b', key: `big-${i}` });
      const h = createHash('md5');
      for await (const piece of r.body) h.update(piece);
      assert.equal(`"${h.digest('hex')}"`, md5s[i]);
    }

    // The commits: each drops its intent (a reference and a membership row per leaf).
    const commits = spans.filter((s) => s.dels >= LARGE_COMMIT_LEAVES).sort((a, b) => a.start - b.start);
    assert.equal(commits.length, n, `large commits: ${JSON.stringify(commits)}`);
    for (let i = 1; i < commits.length; i++) {
      assert.ok(commits[i]!.start > commits[i - 1]!.end, `large commit ${i} ran while ${i - 1} was in flight: ${JSON.stringify(commits)}`);
    }
  } finally {
    await e.close();
  }
});

/**
 * Issue #4 (s3-bench `--many`, 16 concurrent 1 GiB uploads, peak RSS bound 300 MiB): when a large
 * upload committed, dropping its intent read every held chunk twice — a point read of the intent's
 * reference and a range read for any other reference (refs.ts dropRef) — a read pair per leaf,
 * ~1,040 pairs for a 1 GiB object, whose garbage (~5 KB per range read through the meta store's
 * overlay and lmdb-js's iterator) was most of what the end of the sixteen uploads allocated. The
 * chunks and CMs of the committed tree hold a `vm:`/`cm:` reference by then (§9: the intent is
 * dropped after the VM refs exist), so the commit now deletes their holds without reading; members
 * outside the tree (a replaced multipart part) are still checked and queued for GC.
 *
 * The test counts the reads of the commit transaction (a range read per leaf before) and checks
 * that the bookkeeping is the same: no hold, membership row or intent left, nothing queued for GC
 * that the object uses, a replaced part's chunks queued and collected, fsck clean.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { T } from '../../src/engine/keys.js';
import type { MetaTx, StorageBackend } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

const CHUNK = 4096;
const LEAVES = 300;

/** Reads and deletes of one metadata transaction. */
interface TxCount {
  gets: number;
  ranges: number;
  dels: number;
}

/** `inner` with every transaction's reads and deletes counted. */
function counting(inner: StorageBackend): { backend: StorageBackend; txs: TxCount[] } {
  const txs: TxCount[] = [];
  const transaction = <T>(fn: (tx: MetaTx) => T, opts?: unknown): Promise<T> =>
    (inner.meta.transaction as (f: (tx: MetaTx) => T, o?: unknown) => Promise<T>)((tx) => {
      const c: TxCount = { gets: 0, ranges: 0, dels: 0 };
      txs.push(c);
      return fn({
        get: (k) => (c.gets++, tx.get(k)),
        range: (o) => (c.ranges++, tx.range(o)),
        put: (k, v) => tx.put(k, v),
        del: (k) => (c.dels++, tx.del(k)),
      });
    }, opts);
  const meta = new Proxy(inner.meta, {
    get(target, prop, receiver) {
      if (prop === 'transaction') return transaction;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { backend: new Proxy(inner, { get: (t, p, r) => (p === 'meta' ? meta : Reflect.get(t, p, r)) }), txs };
}

/** Distinct bytes for chunk `c` of object `seed`. */
function chunkOf(seed: number, c: number): Buffer {
  const b = Buffer.alloc(CHUNK, seed + 1);
  b.writeUInt32LE(c, 0);
  b.writeUInt32LE(seed, 4);
  return b;
}

async function* chunks(seed: number, n: number): AsyncGenerator<Uint8Array> {
  for (let c = 0; c < n; c++) yield chunkOf(seed, c);
}

async function readAll(e: Engine, key: string): Promise<Buffer> {
  const r = await e.read({ bucket: 'b', key });
  const out: Buffer[] = [];
  for await (const piece of r.body) out.push(Buffer.from(piece));
  return Buffer.concat(out);
}

/** Keys of metadata table `t` (one-byte prefix). */
async function table(backend: StorageBackend, t: number): Promise<number> {
  let n = 0;
  for await (const _ of backend.meta.range({ gte: Buffer.from([t]), lt: Buffer.from([t + 1]) })) n++;
  return n;
}

async function clean(e: Engine): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.leaked, r.danglingRefs], [[], [], [], []]);
}

test('a commit drops its intent without reading the holds on its own tree; nothing is left or queued', async () => {
  const inner = createMemoryBackend();
  const { backend, txs } = counting(inner);
  // Order 16: 300 leaves make two levels of CMs, so the intent holds CMs as well as chunks.
  const e = await createEngine(backend, { digestWorker: false, btreeOrder: 16 });
  try {
    await e.createBucket('b', { owner: 'o', chunkSize: CHUNK });
    const before = txs.length;
    await e.putObject({ bucket: 'b', key: 'big' }, chunks(1, LEAVES));
    // The commit deletes a hold and a membership row per leaf and per CM.
    const commit = txs.slice(before).find((t) => t.dels >= 2 * LEAVES);
    assert.ok(commit, `no commit among ${JSON.stringify(txs.slice(before))}`);
    // Before: a range read and a point read per held chunk (≥ 300 range reads).
    assert.ok(commit.ranges <= 8, `commit range reads: ${commit.ranges}`);
    assert.ok(commit.gets <= 16, `commit point reads: ${commit.gets}`);

    assert.deepEqual(await readAll(e, 'big'), Buffer.concat(Array.from({ length: LEAVES }, (_, c) => chunkOf(1, c))));
    assert.equal(await table(inner, T.MEMBER), 0, 'membership rows left');
    assert.equal(await table(inner, T.INTENT), 0, 'intents left');
    assert.equal(await table(inner, T.GCQ), 0, 'chunks of a live object queued for GC');
    assert.equal(await e.gc({ graceMs: 0 }), 0);
    await clean(e);

    // Overwritten, the old version's chunks (no longer in any tree) are collected as before.
    await e.putObject({ bucket: 'b', key: 'big' }, chunks(2, LEAVES));
    assert.ok((await e.gc({ graceMs: 0 })) >= LEAVES);
    assert.deepEqual(await readAll(e, 'big'), Buffer.concat(Array.from({ length: LEAVES }, (_, c) => chunkOf(2, c))));
    await clean(e);
  } finally {
    await e.close();
  }
});

test('multipart complete: the chunks of a replaced part are still checked, queued and collected', async () => {
  const inner = createMemoryBackend();
  const e = await createEngine(inner, { digestWorker: false, btreeOrder: 16, minPartSize: CHUNK });
  try {
    await e.createBucket('b', { owner: 'o', chunkSize: CHUNK });
    const up = await e.createUpload({ bucket: 'b', key: 'mp' }, {});
    await e.putPart('b', up.uploadId, 1, chunks(3, 40));
    // Part 1 again: the first upload's 40 chunks stay held by the upload's intent, outside the tree.
    const p1 = await e.putPart('b', up.uploadId, 1, chunks(4, 40));
    const p2 = await e.putPart('b', up.uploadId, 2, chunks(5, 40));
    await e.completeUpload('b', up.uploadId, [p1, p2].map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
    assert.equal(await table(inner, T.MEMBER), 0, 'membership rows left');
    assert.equal(await table(inner, T.GCQ), 40, 'the replaced part\'s chunks are queued');
    assert.equal(await e.gc({ graceMs: 0 }), 40);
    const want = Buffer.concat([...Array.from({ length: 40 }, (_, c) => chunkOf(4, c)), ...Array.from({ length: 40 }, (_, c) => chunkOf(5, c))]);
    assert.deepEqual(await readAll(e, 'mp'), want);
    await clean(e);
  } finally {
    await e.close();
  }
});

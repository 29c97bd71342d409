/**
 * Issue #3 (GC model fuzz, test/integration/fuzz/gc-model.test.ts): payload chunks and manifests
 * share one id space (shared/spec/ccow.md §2: chunk, CM and VM ids are all the BLAKE3 of the stored
 * bytes) and one chunk row per id (§9). Data whose chunk holds the exact bytes of a manifest (which
 * anyone can compute for a file they know: ids, grid and fan-out are deterministic) met the
 * manifest's row:
 *
 * - a manifest stored first: the payload was "deduplicated" onto it (§12 claim), never reached the
 *   ChunkStore, and the acknowledged object read CCOW_ERR_CHUNK_MISSING;
 * - the payload stored first: a later object's CM found the payload's row and was never stored,
 *   and that object read CCOW_ERR_CHUNK_MISSING (another tenant's upload could break it, dedup
 *   being store-wide by default, §2);
 * - a VM stored onto a payload's row kept the row's payload kind: GC then deleted it as a payload,
 *   leaving the VM blob and its children's references behind (a leak).
 *
 * Now a payload whose stored bytes would begin with a manifest tag is stored zstd-compressed, so it
 * can never have a manifest's id. Every case reads back exact, and after deleting everything and a
 * GC past the hold the store holds nothing and fsck is clean.
 */
import assert from 'node:assert/strict';
import { chunkIdOf } from '../../src/common/index.js';
import type { Engine } from '../../src/engine/index.js';
import { decodeChunkRow } from '../../src/engine/format/records.js';
import { blobKey, prefixRange, Sub, T } from '../../src/engine/keys.js';
import { body, bytes, eachBackend, readAll, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;
/** Above the inline size (4096): stored as chunks, and a multiple of the chunk size. */
const LEAD = 9 * CHUNK;
const HOLD = 60_000;

/** Blobs of the manifests of one kind (2 CM, 3 VM) in the store. */
async function manifests(h: Harness, kind: 2 | 3): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const [k, v] of h.backend.meta.range(prefixRange(Buffer.from([T.CHUNK])))) {
    if (k.length !== 34 || k[33] !== Sub.ROW || decodeChunkRow(v).kind !== kind) continue;
    const blob = await h.backend.meta.get(Buffer.concat([k.subarray(0, 33), Buffer.from([Sub.BLOB])]));
    out.push(Buffer.from(blob!));
  }
  return out;
}

/** Delete every version and collect past the hold: nothing may stay, and fsck is clean. */
async function drainClean(h: Harness): Promise<void> {
  const e = h.engine;
  for (const b of await e.listBuckets()) {
    for (const v of (await e.listVersions(b.name, { limit: 1000 })).entries) await e.deleteObject({ bucket: b.name, key: v.key }, { versionId: v.versionId });
  }
  h.clock.advance(HOLD + 1);
  await e.gc();
  let rows = 0;
  for await (const _ of h.backend.meta.range(prefixRange(Buffer.from([T.CHUNK])))) rows++;
  assert.deepEqual({ chunks: (await h.backend.stats()).chunkCount, rows }, { chunks: 0, rows: 0 }, 'nothing left');
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs, missingRefs: r.missingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [] });
}

const put = (e: Engine, key: string, data: Buffer) => e.putObject({ bucket: 'b', key }, body(data, 700));

eachBackend('a chunk holding the bytes of a stored CM is stored as data and reads back', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  // 10 chunks under fan-out 4 (TEST_OPTS): CMs.
  await put(e, 'x', bytes(10 * CHUNK, 1));
  const [cm] = await manifests(h, 2);
  assert.ok(cm && cm.length < CHUNK);
  const y = Buffer.concat([bytes(LEAD, 2), cm]);
  await put(e, 'y', y);
  assert.ok((await readAll(e, 'b', 'y')).equals(y), 'the object whose last chunk is a CM\'s bytes');
  assert.ok((await readAll(e, 'b', 'x')).equals(bytes(10 * CHUNK, 1)));
  await drainClean(h);
});

eachBackend('a CM whose bytes a stored chunk already holds is stored, and its object reads back', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  const z = bytes(10 * CHUNK, 3);
  await put(e, 'z', z);
  const [cm] = await manifests(h, 2);
  // z and its CMs go; the same CM bytes come back first as data, then as z's CM again.
  await e.deleteObject({ bucket: 'b', key: 'z' });
  h.clock.advance(HOLD + 1);
  await e.gc();
  assert.deepEqual(await manifests(h, 2), []);
  const p = Buffer.concat([bytes(LEAD, 4), cm!]);
  await put(e, 'p', p);
  await put(e, 'z', z);
  assert.ok((await readAll(e, 'b', 'z')).equals(z), 'the object whose CM has the bytes of stored data');
  assert.ok((await readAll(e, 'b', 'p')).equals(p));
  await drainClean(h);
});

eachBackend('a VM whose bytes a stored chunk already holds is collected as a manifest: no blob or child left', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  // 9 chunks under fan-out 4: a VM of 3 CM refs, shorter than a chunk.
  const x = bytes(LEAD, 5);
  await put(e, 'x', x);
  const [vm] = await manifests(h, 3);
  assert.ok(vm && vm.length < CHUNK);
  await e.deleteObject({ bucket: 'b', key: 'x' });
  h.clock.advance(HOLD + 1);
  await e.gc();
  assert.deepEqual(await manifests(h, 3), []);
  // The VM's bytes come back first as data, then as x's VM again (the same attributes: the same bytes).
  const p = Buffer.concat([bytes(LEAD, 6), vm]);
  await put(e, 'p', p);
  await put(e, 'x', x);
  assert.ok(Buffer.from((await h.backend.meta.get(blobKey(chunkIdOf(vm))))!).equals(vm), 'x has the same VM again');
  assert.ok((await readAll(e, 'b', 'x')).equals(x));
  assert.ok((await readAll(e, 'b', 'p')).equals(p));
  await drainClean(h);
});

/**
 * Issue #3 (follow-up of issue-3-payload-manifest-id): a store written before that fix may hold a
 * payload chunk whose bytes are a manifest's (payloads, CMs and VMs share one id space and one
 * chunk row per id, shared/spec/ccow.md §2). A later write producing that manifest found the row
 * and took it as stored: a CM was never written (the object read CHUNK_MISSING once acknowledged);
 * a VM got its blob under a payload-kind row (collected as a payload later). Such a write now fails
 * with CHUNK_CORRUPT naming the id, and nothing of it becomes visible.
 */
import assert from 'node:assert/strict';
import { ChunkLoc, decodeChunkRow, encodeChunkRow } from '../../src/engine/format/records.js';
import { blobKey, chunkKey, prefixRange, Sub, T } from '../../src/engine/keys.js';
import { chunkIdOf } from '../../src/common/index.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;
const HOLD = 60_000;

/** Blobs of the stored manifests of one kind (2 CM, 3 VM). */
async function manifests(h: Harness, kind: 2 | 3): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const [k, v] of h.backend.meta.range(prefixRange(Buffer.from([T.CHUNK])))) {
    if (k.length !== 34 || k[33] !== Sub.ROW || decodeChunkRow(v).kind !== kind) continue;
    out.push(Buffer.from((await h.backend.meta.get(blobKey(k.subarray(1, 33))))!));
  }
  return out;
}

/** What the code before the fix stored for a data chunk holding `stored`: a payload file and row. */
async function plantOldPayload(h: Harness, stored: Buffer): Promise<void> {
  const id = chunkIdOf(stored);
  await h.backend.chunks.put(id, stored);
  const now = h.clock.now();
  await h.backend.meta.transaction((tx) => tx.put(chunkKey(id), encodeChunkRow({ kind: 1, loc: ChunkLoc.STORE, storedLength: stored.length, createdAt: now, touchedAt: now, unreferencedAt: 0, bucketId: Buffer.alloc(16) })));
}

/** Put `data` as `key`, note its manifest of `kind`, delete it and collect it all. */
async function manifestOf(h: Harness, key: string, data: Buffer, kind: 2 | 3): Promise<Buffer> {
  await h.engine.putObject({ bucket: 'b', key }, body(data, 700));
  const [m] = await manifests(h, kind);
  assert.ok(m);
  await h.engine.deleteObject({ bucket: 'b', key });
  h.clock.advance(HOLD + 1);
  await h.engine.gc();
  assert.deepEqual(await manifests(h, kind), [], 'collected');
  return m;
}

// 10 chunks under fan-out 4 (TEST_OPTS): CMs; 9 chunks: a VM of 3 CM refs.
for (const [name, kind, data] of [['CM', 2, bytes(10 * CHUNK, 1)], ['VM', 3, bytes(9 * CHUNK, 5)]] as const) {
  eachBackend(`a ${name} whose id an old payload holds: the write fails, nothing visible`, async (h) => {
    await h.engine.createBucket('b', { owner: 't', chunkSize: CHUNK });
    await plantOldPayload(h, await manifestOf(h, 'x', data, kind));
    await assert.rejects(h.engine.putObject({ bucket: 'b', key: 'x' }, body(data, 700)), { code: 'CCOW_ERR_CHUNK_CORRUPT' });
    await assert.rejects(h.engine.head({ bucket: 'b', key: 'x' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  });
}

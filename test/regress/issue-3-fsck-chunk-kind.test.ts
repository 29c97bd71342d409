/**
 * Issue #3 (follow-up of issue-3-payload-manifest-id, found by the GC model fuzz): before that fix a
 * manifest could be stored onto a payload's chunk row (same bytes, same id) and keep the row's
 * payload kind, so GC would collect it as a payload and leave its blob and children behind; and a
 * payload ref could point at a manifest's row. fsck (shared/spec/ccow.md §9 audit) checked neither:
 * it verified a chunk once per id, whatever it was reached as, and never compared the row's kind
 * with the use. Stores written before the fix can hold such rows; fsck now reports them as corrupt.
 */
import assert from 'node:assert/strict';
import { encodeChunkRow, decodeChunkRow } from '../../src/engine/format/records.js';
import { prefixRange, Sub, T } from '../../src/engine/keys.js';
import { toHex } from '../../src/common/index.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;

/** Row keys and hex ids of the chunk rows of one kind (1 payload, 2 CM, 3 VM). */
async function rowsOf(h: Harness, kind: 1 | 2 | 3): Promise<{ key: Buffer; hex: string; value: Buffer }[]> {
  const out: { key: Buffer; hex: string; value: Buffer }[] = [];
  for await (const [k, v] of h.backend.meta.range(prefixRange(Buffer.from([T.CHUNK])))) {
    if (k.length !== 34 || k[33] !== Sub.ROW || decodeChunkRow(v).kind !== kind) continue;
    out.push({ key: Buffer.from(k), hex: toHex(k.subarray(1, 33)), value: Buffer.from(v) });
  }
  return out;
}

async function recast(h: Harness, row: { key: Buffer; value: Buffer }, kind: 1 | 2 | 3): Promise<void> {
  await h.backend.meta.transaction((tx) => tx.put(row.key, encodeChunkRow({ ...decodeChunkRow(row.value), kind })));
}

async function objectWithManifests(h: Harness): Promise<void> {
  await h.engine.createBucket('b', { owner: 't', chunkSize: CHUNK });
  // 10 chunks under fan-out 4 (TEST_OPTS): a VM over CMs.
  await h.engine.putObject({ bucket: 'b', key: 'x' }, body(bytes(10 * CHUNK, 1), 700));
  const r = await h.engine.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.leaked], [[], [], []], 'clean before the damage');
}

eachBackend('fsck reports a VM whose chunk row says payload', async (h) => {
  await objectWithManifests(h);
  const [vm] = await rowsOf(h, 3);
  assert.ok(vm);
  await recast(h, vm, 1);
  const r = await h.engine.fsck();
  assert.ok(r.corrupt.includes(vm.hex), `corrupt: ${JSON.stringify(r.corrupt)}`);
  assert.equal(r.damaged.length, 1, 'the object is reported damaged');
});

eachBackend('fsck reports a CM whose chunk row says payload, and a payload whose row says CM', async (h) => {
  await objectWithManifests(h);
  const [cm] = await rowsOf(h, 2);
  const [payload] = await rowsOf(h, 1);
  assert.ok(cm && payload);
  await recast(h, cm, 1);
  await recast(h, payload, 2);
  const r = await h.engine.fsck();
  assert.ok(r.corrupt.includes(cm.hex), `CM in corrupt: ${JSON.stringify(r.corrupt)}`);
  assert.ok(r.corrupt.includes(payload.hex), `payload in corrupt: ${JSON.stringify(r.corrupt)}`);
});

/**
 * Issue #3 (engine audit): "a byte-range read fetches only the chunks the range covers"
 * (shared/spec/ccow.md §5: a range read touches O(depth + leaves in range) nodes) was implemented
 * (tree.ts leavesInRange, reader.ts readRange) but no test proved it. This counts the store reads of
 * ranged reads of a 101-chunk object, on a cold engine (manifest caches empty), with fan-out 4 (the
 * chunk map is a 3-level tree of CMs under the VM) and with the default fan-out (the VM holds every
 * leaf ref):
 * - payload chunks come through ChunkStore.get: exactly the chunks the range overlaps, by id;
 * - manifests (the VM and the CMs) are blobs in the metadata store (§13), read through
 *   MetaStore.get: one VM plus, per tree level, each node above a touched leaf, never the whole map.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkIdOf } from '../../src/common/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { Sub, T } from '../../src/engine/keys.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { body, bytes, collect } from '../integration/engine/harness.js';

const CHUNK = 4096;
/** 100 full chunks and a 1000-byte tail: 101 leaves. */
const SIZE = 100 * CHUNK + 1000;
const LEAVES = Math.ceil(SIZE / CHUNK);
const DATA = bytes(SIZE, 31);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Chunk ids of the payload (codec 'none': the id is the BLAKE3 of the chunk's bytes). */
const IDS = Array.from({ length: LEAVES }, (_, i) => hex(chunkIdOf(DATA.subarray(i * CHUNK, (i + 1) * CHUNK))));

interface Range {
  name: string;
  offset: number;
  length?: number;
}

const RANGES: Range[] = [
  { name: 'first byte', offset: 0, length: 1 },
  { name: 'the whole first chunk, ending on its boundary', offset: 0, length: CHUNK },
  { name: 'inside a middle chunk', offset: 50 * CHUNK + 7, length: 100 },
  { name: 'one middle chunk exactly', offset: 50 * CHUNK, length: CHUNK },
  { name: 'straddling one chunk boundary', offset: 5000, length: 4000 },
  { name: 'straddling a boundary between two leaf CMs (fan-out 4)', offset: 4 * CHUNK - 10, length: 20 },
  { name: 'four chunks across a boundary between leaf CMs', offset: 60 * CHUNK - 1, length: 2 * CHUNK + 2 },
  { name: 'suffix (offset to the end)', offset: SIZE - 5000 },
  { name: 'last byte', offset: SIZE - 1 },
];

/** Indexes of the leaves `[offset, end)` overlaps. */
function touched(r: Range): number[] {
  const end = r.length === undefined ? SIZE : r.offset + r.length;
  const out: number[] = [];
  for (let i = Math.floor(r.offset / CHUNK); i * CHUNK < end; i++) out.push(i);
  return out;
}

/**
 * Manifest blobs a cold read of `leaves` loads: the VM, and at each CM level the distinct nodes
 * above those leaves. tree.ts bulk-loads groups of `fanout` from the left, level by level, until
 * the root (kept in the VM) has at most `fanout` refs.
 */
function manifestsFor(leaves: number[], fanout: number): number {
  let n = 1;
  let span = fanout;
  for (let nodes = LEAVES; nodes > fanout; nodes = Math.ceil(nodes / fanout), span *= fanout) {
    n += new Set(leaves.map((i) => Math.floor(i / span))).size;
  }
  return n;
}

/** Counts of the store reads made since the last `reset`. */
interface Counted {
  chunkIds: string[];
  manifests: number;
  reset(): void;
}

/** Count ChunkStore.get (ids) and MetaStore.get of manifest blobs (keys.ts blobKey: 'C' ‖ id ‖ BLOB). */
function instrument(backend: StorageBackend): Counted {
  const c: Counted = { chunkIds: [], manifests: 0, reset: () => void ((c.chunkIds = []), (c.manifests = 0)) };
  const getChunk = backend.chunks.get.bind(backend.chunks);
  backend.chunks.get = (id, o) => {
    c.chunkIds.push(hex(id));
    return getChunk(id, o);
  };
  const getMeta = backend.meta.get.bind(backend.meta);
  backend.meta.get = (k) => {
    if (k.length === 34 && k[0] === T.CHUNK && k[33] === Sub.BLOB) c.manifests++;
    return getMeta(k);
  };
  return c;
}

for (const kind of ['memory', 'local'] as const) {
  for (const fanout of [4, 640]) {
    test(`a range read fetches only the chunks it covers and the tree nodes above them (fan-out ${fanout}) [${kind}]`, async () => {
      let dir: TempDir | undefined;
      if (kind === 'local') dir = await makeTempDir('range-read');
      const backend = kind === 'memory' ? createMemoryBackend() : await createLocalBackend({ dataDirs: [dir!.path], durability: 'relaxed' });
      const counted = instrument(backend);
      let e: Engine = await createEngine(backend, { btreeOrder: fanout });
      // A fresh engine for each read: its VM/CM caches are empty, so every manifest it needs is read.
      const cold = async (): Promise<Engine> => {
        await e.close();
        e = await createEngine(backend, { btreeOrder: fanout });
        counted.reset();
        return e;
      };
      try {
        await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
        await e.putObject({ bucket: 'b', key: 'k' }, body(DATA, 65536));

        const all = Array.from({ length: LEAVES }, (_, i) => i);
        assert.deepEqual(await collect((await (await cold()).read({ bucket: 'b', key: 'k' })).body), DATA);
        assert.deepEqual(counted.chunkIds.sort(), [...IDS].sort(), 'a whole read fetches every chunk once');
        assert.equal(counted.manifests, manifestsFor(all, fanout), 'a whole read loads the VM and every CM once');
        if (fanout === 4) assert.equal(counted.manifests, 1 + 26 + 7 + 2, 'fan-out 4: 101 leaves under 26 + 7 + 2 CMs');
        else assert.equal(counted.manifests, 1, 'default fan-out: the VM holds all 101 refs');

        for (const r of RANGES) {
          const got = await collect((await (await cold()).read({ bucket: 'b', key: 'k' }, r.length === undefined ? { offset: r.offset } : { offset: r.offset, length: r.length })).body);
          const end = r.length === undefined ? SIZE : r.offset + r.length;
          assert.ok(got.equals(DATA.subarray(r.offset, end)), `${r.name}: the bytes`);
          const leaves = touched(r);
          assert.deepEqual(counted.chunkIds, leaves.map((i) => IDS[i]), `${r.name}: exactly the chunks ${leaves.join(', ')}, in order, once each`);
          const expected = manifestsFor(leaves, fanout);
          assert.equal(counted.manifests, expected, `${r.name}: manifest loads`);
          // The point of the tree: a range is O(depth) nodes, not the whole map (36 at fan-out 4).
          assert.ok(counted.manifests <= (fanout === 4 ? 1 + 2 * 3 : 1), `${r.name}: ${counted.manifests} manifest loads`);
        }
      } finally {
        await e.close();
        await backend.close();
        await dir?.cleanup();
      }
    });
  }
}

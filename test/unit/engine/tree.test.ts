/**
 * Property test of the chunk-manifest tree (shared/spec/ccow.md §5, §18 (3)): random appends and
 * multipart-style concatenations, then random range reads, against a plain Buffer model. A tiny
 * chunk size and fan-out 4 make the trees reach three and more levels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkIdHex, chunkIdOf, type ChunkId } from '../../../src/common/index.js';
import { prepareChunk } from '../../../src/engine/chunk-codec.js';
import { decodeCm } from '../../../src/engine/format/cm.js';
import { refEnd, RefKind, type ChunkRef } from '../../../src/engine/format/ref.js';
import { allLeaves, buildTree, leavesInRange, shiftRefs, type BuiltTree } from '../../../src/engine/tree.js';

const CHUNK = 16;
const FANOUT = 4;

/** An in-memory chunk/CM store keyed by hex id; CMs are verified like the engine does. */
class Store {
  readonly m = new Map<string, Buffer>();
  put(id: ChunkId, b: Buffer): void {
    this.m.set(chunkIdHex(id), b);
  }
  get(id: ChunkId): Buffer {
    const b = this.m.get(chunkIdHex(id));
    assert.ok(b, 'missing chunk');
    assert.deepEqual(chunkIdOf(b), id, 'chunk does not match its id');
    return b;
  }
  loadCm = async (id: ChunkId) => decodeCm(this.get(id));
}

/** Chunk `data` on its own grid from `base`, as a part or an appended run is. */
async function chunkRun(store: Store, data: Buffer, base: number): Promise<ChunkRef[]> {
  const out: ChunkRef[] = [];
  for (let o = 0; o < data.length; o += CHUNK) {
    const p = await prepareChunk(data.subarray(o, o + CHUNK), base + o, 'none');
    if (!p) continue;
    store.put(p.ref.id!, p.stored);
    out.push(p.ref);
  }
  return out;
}

function keepTree(store: Store, t: BuiltTree): ChunkRef[] {
  for (const cm of t.cms) store.put(cm.id, cm.bytes);
  return t.root;
}

async function readRange(store: Store, root: ChunkRef[], start: number, end: number): Promise<Buffer> {
  const out = Buffer.alloc(end - start);
  let last = -1;
  for await (const r of leavesInRange(root, start, end, store.loadCm)) {
    assert.ok(r.offset >= last, 'leaves come in offset order');
    last = refEnd(r);
    const bytes = r.kind === RefKind.INLINE ? r.data! : store.get(r.id!);
    const from = Math.max(start, r.offset);
    const to = Math.min(end, refEnd(r));
    bytes.copy(out, from - start, from - r.offset, to - r.offset);
  }
  return out;
}

async function depth(store: Store, root: ChunkRef[]): Promise<number> {
  const m = root.find((r) => r.kind === RefKind.MANIFEST);
  if (!m) return 1;
  return 1 + (await depth(store, (await store.loadCm(m.id!)).refs));
}

/** Data with zero runs, so holes appear. */
const dataArb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 120 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => new Uint8Array(n)) },
);
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), data: dataArb }),
  fc.record({ kind: fc.constant('concat' as const), parts: fc.array(dataArb, { minLength: 1, maxLength: 4 }) }),
);

test('tree appends and concatenations read back like a Buffer (≥ 1000 runs)', async () => {
  let maxDepth = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 3, maxLength: 3 }), async (ops, ranges) => {
      const store = new Store();
      let model = Buffer.alloc(0);
      let root: ChunkRef[] = [];
      for (const op of ops) {
        let leaves = await allLeaves(root, store.loadCm);
        if (op.kind === 'append') {
          const d = Buffer.from(op.data);
          leaves = leaves.concat(await chunkRun(store, d, model.length));
          model = Buffer.concat([model, d]);
        } else {
          // Multipart complete: each part chunked on its own grid, refs shifted, nothing re-read.
          for (const p of op.parts) {
            const d = Buffer.from(p);
            leaves = leaves.concat(shiftRefs(await chunkRun(store, d, 0), model.length));
            model = Buffer.concat([model, d]);
          }
        }
        const t = buildTree(leaves, FANOUT);
        root = keepTree(store, t);
        assert.ok(root.length <= FANOUT);
        for (const cm of t.cms) assert.ok(decodeCm(cm.bytes).refs.length <= FANOUT);
        maxDepth = Math.max(maxDepth, await depth(store, root));
        assert.deepEqual(await readRange(store, root, 0, model.length), model);
      }
      for (const [a, b] of ranges) {
        const start = model.length ? a % (model.length + 1) : 0;
        const end = Math.min(model.length, start + (b % 300));
        assert.deepEqual(await readRange(store, root, start, end), model.subarray(start, end));
      }
    }),
    { numRuns: 1000 },
  );
  assert.ok(maxDepth >= 3, `trees reached depth ${maxDepth}`);
});

test('rebuilding after an append keeps the ids of untouched full nodes (path copying for free)', async () => {
  const store = new Store();
  const data = Buffer.from(Array.from({ length: 64 * CHUNK }, (_, i) => (i % 251) + 1));
  const a = buildTree(await chunkRun(store, data, 0), FANOUT);
  const more = Buffer.alloc(3 * CHUNK, 7);
  const b = buildTree((await chunkRun(store, data, 0)).concat(await chunkRun(store, more, data.length)), FANOUT);
  const idsA = new Set(a.cms.map((c) => chunkIdHex(c.id)));
  const shared = b.cms.filter((c) => idsA.has(chunkIdHex(c.id))).length;
  assert.ok(shared >= 16, `only ${shared} CMs shared`);
});

test('a tree with at most fan-out leaves has no CM', () => {
  const leaves: ChunkRef[] = [{ kind: RefKind.INLINE, codec: 0, storedLength: 3, offset: 0, length: 3, data: Buffer.from('abc') }];
  const t = buildTree(leaves, 640);
  assert.equal(t.cms.length, 0);
  assert.deepEqual(t.root, leaves);
});

/**
 * The offset-keyed B+tree of chunk manifests (shared/spec/ccow.md §5). The root's entries live in
 * the VM; every other node is a CM addressed by its BLAKE3. Sequential writes (PUT, multipart
 * complete) bulk-load the tree bottom-up; because nodes are grouped from the left and addressed by
 * content, rebuilding after an append or a concatenation reproduces the ids of every untouched full
 * node, so those subtrees are shared with the previous version without any bookkeeping.
 */
import { chunkIdOf, toHex, type ChunkId } from '../common/index.js';
import { encodeCm, type ChunkManifest } from './format/cm.js';
import { CodecId, refEnd, RefKind, type ChunkRef } from './format/ref.js';

/** A CM produced by a build, with the ids it references (its `cm:` back-references). */
export interface BuiltCm {
  id: ChunkId;
  bytes: Buffer;
  level: number;
  children: ChunkId[];
}

/** Result of a bulk load: the VM's root refs and the CMs to store (children before parents). */
export interface BuiltTree {
  root: ChunkRef[];
  cms: BuiltCm[];
}

/** Smallest fan-out the engine uses (ccow.md README §5: max(order, 4)). */
export const MIN_FANOUT = 4;

/**
 * Bulk-load a tree over sorted, non-overlapping leaf refs (payload/inline). With at most `fanout`
 * leaves there is no CM at all: the leaves are the root.
 */
export function buildTree(leaves: readonly ChunkRef[], fanout: number): BuiltTree {
  const order = Math.max(fanout, MIN_FANOUT);
  const cms: BuiltCm[] = [];
  let level = 0;
  let refs = leaves as ChunkRef[];
  while (refs.length > order) {
    const next: ChunkRef[] = [];
    for (let i = 0; i < refs.length; i += order) {
      const group = refs.slice(i, i + order);
      next.push(storeNode(group, level, cms));
    }
    refs = next;
    level++;
  }
  return { root: refs, cms };
}

/**
 * Hex ids of every chunk and CM a tree references: the VM's root refs and each CM's children. Once
 * the tree's CMs and its VM are stored, each holds a `vm:` or `cm:` back-reference (commit.ts
 * CommitSpec.treeIds).
 */
export function treeIds(t: BuiltTree): Set<string> {
  const out = new Set<string>();
  for (const r of t.root) if (r.id) out.add(toHex(r.id));
  for (const cm of t.cms) for (const c of cm.children) out.add(toHex(c));
  return out;
}

function storeNode(group: ChunkRef[], level: number, out: BuiltCm[]): ChunkRef {
  const cm: ChunkManifest = { tree: 0, level, refs: group };
  const bytes = encodeCm(cm);
  const id = chunkIdOf(bytes);
  const children = group.filter((r) => r.id !== undefined).map((r) => r.id!);
  out.push({ id, bytes, level, children });
  const first = group[0]!;
  const last = group[group.length - 1]!;
  return { kind: RefKind.MANIFEST, codec: CodecId.NONE, storedLength: bytes.length, offset: first.offset, length: refEnd(last) - first.offset, id };
}

/** Loads (and verifies) a CM by id. */
export type CmLoader = (id: ChunkId) => Promise<ChunkManifest>;

/**
 * Leaf refs overlapping `[start, end)`, in offset order, loading only the CMs on the way
 * (a range read touches O(depth + leaves in range) nodes).
 */
export async function* leavesInRange(root: readonly ChunkRef[], start: number, end: number, load: CmLoader): AsyncGenerator<ChunkRef> {
  for (const r of root) {
    if (refEnd(r) <= start || r.offset >= end) continue;
    if (r.kind === RefKind.MANIFEST) {
      const cm = await load(r.id!);
      yield* leavesInRange(cm.refs, start, end, load);
    } else {
      yield r;
    }
  }
}

/** Every leaf ref of a tree, in order. */
export async function allLeaves(root: readonly ChunkRef[], load: CmLoader): Promise<ChunkRef[]> {
  const out: ChunkRef[] = [];
  for await (const r of leavesInRange(root, 0, Number.MAX_SAFE_INTEGER, load)) out.push(r);
  return out;
}

/** A copy of `refs` moved by `delta` bytes (multipart complete: parts' refs at their object offset). */
export function shiftRefs(refs: readonly ChunkRef[], delta: number): ChunkRef[] {
  return delta === 0 ? refs.slice() : refs.map((r) => ({ ...r, offset: r.offset + delta }));
}

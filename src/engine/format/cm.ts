/**
 * Chunk manifests (shared/spec/ccow.md §5): one node of an object's offset-keyed B+tree.
 * `"CCCM" | u8 formatVersion=1 | u8 tree (0 offset, 1 key) | u8 level | u32 count | refs`.
 */
import { ByteReader, ByteWriter, formatError } from './bin.js';
import { readRef, refSize, writeRef, type ChunkRef } from './ref.js';

export const CM_TAG = 'CCCM';
export const CM_FORMAT = 1;

/** A decoded chunk manifest. `level` 0 holds payload/inline refs; higher levels hold manifest refs. */
export interface ChunkManifest {
  tree: 0 | 1;
  level: number;
  refs: ChunkRef[];
}

/** Encode a CM (the bytes whose BLAKE3 is the CM id). */
export function encodeCm(cm: ChunkManifest): Buffer {
  const size = 4 + 3 + 4 + cm.refs.reduce((n, r) => n + refSize(r), 0);
  const w = new ByteWriter(size);
  w.ascii(CM_TAG).u8(CM_FORMAT).u8(cm.tree).u8(cm.level).u32(cm.refs.length);
  for (const r of cm.refs) writeRef(w, r);
  return w.finish();
}

/** Decode a CM; throws CCOW_ERR_FORMAT on anything unexpected. */
export function decodeCm(b: Uint8Array): ChunkManifest {
  const rd = new ByteReader(b, 'chunk manifest');
  rd.expectTag(CM_TAG);
  if (rd.u8() !== CM_FORMAT) throw formatError('chunk manifest (unknown format version)');
  const tree = rd.u8();
  if (tree !== 0 && tree !== 1) throw formatError('chunk manifest (unknown tree kind)');
  const level = rd.u8();
  const n = rd.u32();
  const refs: ChunkRef[] = [];
  for (let i = 0; i < n; i++) refs.push(readRef(rd));
  rd.end();
  return { tree, level, refs };
}

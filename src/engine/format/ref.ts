/**
 * Chunk references (shared/spec/ccow.md §4): one entry of a manifest. The format tag is the
 * containing manifest's (CCCM, CCVM, part record); the layout is the same everywhere.
 */
import { asChunkId, CHUNK_ID_BYTES, type ChunkId } from '../../common/index.js';
import { formatError, type ByteReader, type ByteWriter } from './bin.js';

/** Ref kinds: payload chunk, child chunk manifest, inline bytes. A hole is the absence of a ref. */
export const RefKind = { PAYLOAD: 1, MANIFEST: 2, INLINE: 4 } as const;
export type RefKind = (typeof RefKind)[keyof typeof RefKind];

/** Chunk codecs as stored in a ref. */
export const CodecId = { NONE: 0, LZ4: 1, ZSTD: 2 } as const;
export type CodecId = (typeof CodecId)[keyof typeof CodecId];

/** A reference to stored bytes covering `[offset, offset + length)` of an object. */
export interface ChunkRef {
  kind: RefKind;
  codec: CodecId;
  /** Stored (compressed) bytes; for inline refs the data length. */
  storedLength: number;
  offset: number;
  /** Logical bytes covered; for manifest refs the span of the subtree. */
  length: number;
  /** Chunk id (payload and manifest refs). */
  id?: ChunkId;
  /** The bytes (inline refs). */
  data?: Buffer;
}

/** Fixed part of an encoded ref: kind, codec, flags, storedLength, offset, length. */
const REF_HEAD = 1 + 1 + 2 + 4 + 8 + 8;

/** Encoded size of a ref. */
export function refSize(r: ChunkRef): number {
  return REF_HEAD + (r.kind === RefKind.INLINE ? r.storedLength : CHUNK_ID_BYTES);
}

/** Append one ref (§4 layout, little-endian). */
export function writeRef(w: ByteWriter, r: ChunkRef): void {
  w.u8(r.kind).u8(r.codec).u16(0).u32(r.storedLength).u64(r.offset).u64(r.length);
  if (r.kind === RefKind.INLINE) {
    if (!r.data || r.data.length !== r.storedLength) throw new TypeError('inline ref without matching data');
    w.bytes(r.data);
  } else {
    if (!r.id || r.id.length !== CHUNK_ID_BYTES) throw new TypeError('ref without a chunk id');
    w.bytes(r.id);
  }
}

/**
 * Read one ref. Inline data and ids are views into the record's bytes, not copies: records come
 * from the meta store as the caller's own bytes (MetaStore contract), and a copy of every inline
 * payload was a measurable part of a small GET (fresh ArrayBuffers are costly to make and collect).
 */
export function readRef(rd: ByteReader): ChunkRef {
  const kind = rd.u8();
  const codec = rd.u8();
  rd.u16(); // flags: reserved
  const storedLength = rd.u32();
  const offset = rd.u64();
  const length = rd.u64();
  if (codec > 2) throw formatError('ref (unknown codec)');
  if (kind === RefKind.INLINE) {
    if (codec !== CodecId.NONE || storedLength !== length) throw formatError('ref (inline with codec or length mismatch)');
    return { kind, codec, storedLength, offset, length, data: rd.bytes(storedLength) };
  }
  if (kind !== RefKind.PAYLOAD && kind !== RefKind.MANIFEST) throw formatError('ref (unknown kind)');
  return { kind, codec: codec as CodecId, storedLength, offset, length, id: asChunkId(rd.bytes(CHUNK_ID_BYTES)) };
}

/** End offset of a ref. */
export function refEnd(r: ChunkRef): number {
  return r.offset + r.length;
}

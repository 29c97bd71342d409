/** Branded identifiers (shared/spec/ccow.md §2). */
import { fromHex, toHex } from './bytes.js';

/** BLAKE3-256 of a chunk's stored bytes: 32 bytes. */
export type ChunkId = Uint8Array & { readonly __brand: 'ChunkId' };

/** Length of a chunk id in bytes. */
export const CHUNK_ID_BYTES = 32;

/** Chunk id as 64 lowercase hex characters. */
export function chunkIdHex(id: ChunkId): string {
  return toHex(id);
}

/** Parse a 64-hex chunk id. */
export function parseChunkId(hex: string): ChunkId {
  const b = fromHex(hex);
  if (b.length !== CHUNK_ID_BYTES) throw new TypeError(`chunk id must be ${CHUNK_ID_BYTES} bytes`);
  return b as unknown as ChunkId;
}

/** Treat 32 raw bytes as a chunk id (no copy). */
export function asChunkId(b: Uint8Array): ChunkId {
  if (b.length !== CHUNK_ID_BYTES) throw new TypeError(`chunk id must be ${CHUNK_ID_BYTES} bytes`);
  return b as ChunkId;
}

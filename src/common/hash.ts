/**
 * BLAKE3-256 through `@napi-rs/blake-hash` (native; the `blake3` npm package does not install here).
 * Chunk ids are BLAKE3-256 of the stored bytes (shared/spec/ccow.md §2).
 */
import { blake3 as nativeBlake3, Blake3Hasher } from '@napi-rs/blake-hash';
import type { ChunkId } from './ids.js';

/** BLAKE3-256 of `data` as 32 bytes. */
export function blake3(data: Uint8Array): Buffer {
  return nativeBlake3(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Chunk id of stored bytes. */
export function chunkIdOf(stored: Uint8Array): ChunkId {
  return blake3(stored) as unknown as ChunkId;
}

/** Incremental BLAKE3 hasher for streams. */
export function createBlake3(): { update(b: Uint8Array): void; digest(): Buffer } {
  const h = new Blake3Hasher();
  return {
    update(b) {
      h.update(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    },
    digest() {
      return h.digestBuffer();
    },
  };
}

/**
 * BLAKE3-256 through `@napi-rs/blake-hash` (native; the `blake3` npm package does not install here).
 * Chunk ids are BLAKE3-256 of the stored bytes (shared/spec/ccow.md §2).
 */
import { blake3 as nativeBlake3 } from '@napi-rs/blake-hash';
import type { ChunkId } from './ids.js';

/** BLAKE3-256 of `data` as 32 bytes. */
export function blake3(data: Uint8Array): Buffer {
  return nativeBlake3(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Chunk id of stored bytes. */
export function chunkIdOf(stored: Uint8Array): ChunkId {
  return blake3(stored) as unknown as ChunkId;
}

/**
 * On-disk format of a chunk file (shared/spec/ccow.md §13; habit 6: versioned, golden fixture in
 * test/fixtures/storage/chunk-file-v1.hex).
 *
 * ```
 * offset  size  field
 * 0       4     magic "CCKF" (0x43 0x43 0x4b 0x46)
 * 4       1     format version = 1
 * 5       3     reserved, zero
 * 8       8     payload length, unsigned big-endian
 * 16      n     payload (the chunk's stored bytes; its BLAKE3 is the file name)
 * ```
 *
 * The length lets a read tell a torn or truncated file (reported as missing, so the engine repairs
 * or reports it) from a complete one; payload corruption is left to the engine's hash check.
 */
import { StorageErrors } from '../contract/index.js';

/** Bytes before the payload. */
export const CHUNK_HEADER_BYTES = 16;
const MAGIC = 0x43434b46; // "CCKF"
const VERSION = 1;

/** The 16-byte header of a payload of `length` bytes. */
export function encodeChunkHeader(length: number): Buffer {
  const h = Buffer.alloc(CHUNK_HEADER_BYTES);
  h.writeUInt32BE(MAGIC, 0);
  h.writeUInt8(VERSION, 4);
  h.writeBigUInt64BE(BigInt(length), 8);
  return h;
}

/**
 * The payload of a whole chunk file, as a view into `file` (no copy).
 * Short or truncated → CHUNK_MISSING; unknown magic/version or trailing bytes → CHUNK_CORRUPT.
 */
export function decodeChunkFile(file: Buffer, name: string): Buffer {
  if (file.length < CHUNK_HEADER_BYTES) throw StorageErrors.CHUNK_MISSING(`chunk ${name}: file truncated`);
  if (file.readUInt32BE(0) !== MAGIC || file.readUInt8(4) !== VERSION) {
    throw StorageErrors.CHUNK_CORRUPT(`chunk ${name}: unknown file header`);
  }
  const length = file.readBigUInt64BE(8);
  const have = BigInt(file.length - CHUNK_HEADER_BYTES);
  if (have < length) throw StorageErrors.CHUNK_MISSING(`chunk ${name}: file truncated`);
  if (have > length) throw StorageErrors.CHUNK_CORRUPT(`chunk ${name}: trailing bytes after payload`);
  return file.subarray(CHUNK_HEADER_BYTES);
}

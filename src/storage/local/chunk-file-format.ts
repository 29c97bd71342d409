/**
 * On-disk format of a chunk file (shared/spec/ccow.md §13; habit 6: versioned, golden fixtures in
 * test/fixtures/storage/chunk-file-v1.hex and chunk-file-v2.hex).
 *
 * ```
 * offset  size  field
 * 0       4     magic "CCKF" (0x43 0x43 0x4b 0x46)
 * 4       1     format version (1 or 2)
 * 5       3     reserved, zero
 * 8       8     payload length n, unsigned big-endian
 * v1: 16  n     payload (the chunk's stored bytes; its BLAKE3 is the file name)
 * v2: 16  4080  zero (the header fills one 4 KiB block)
 *     4096 n    payload, then up to 4095 padding bytes (the file is a whole number of blocks)
 * ```
 *
 * v2 exists for O_DIRECT writes (open(2) "O_DIRECT": offsets, lengths and buffer addresses must be
 * block-aligned): the payload starts on a block boundary and the file ends on one, so a chunk goes
 * to disk straight from an aligned buffer, without the page-cache copy that costs ~2 CPU-seconds
 * per GiB on this class of VM (bench/RESULTS.md). Padding instead of a final ftruncate: truncating
 * into a block written with O_DIRECT makes the file system read and rewrite that block.
 *
 * The length lets a read tell a torn or truncated file (reported as missing, so the engine repairs
 * or reports it) from a complete one; payload corruption is left to the engine's hash check.
 */
import { StorageErrors } from '../contract/index.js';

/** Bytes of the v1 header (before the payload). */
export const CHUNK_HEADER_BYTES = 16;
/** The block size of v2 files: header block, payload alignment and file length granularity. */
export const CHUNK_BLOCK = 4096;
const MAGIC = 0x43434b46; // "CCKF"

/** `n` rounded up to a whole number of blocks. */
export function roundToBlock(n: number): number {
  return Math.ceil(n / CHUNK_BLOCK) * CHUNK_BLOCK;
}

/** The 16-byte v1 header of a payload of `length` bytes. */
export function encodeChunkHeader(length: number): Buffer {
  const h = Buffer.alloc(CHUNK_HEADER_BYTES);
  writeHeader(h, 1, length);
  return h;
}

/**
 * Write a v2 header block into `block` (at least CHUNK_BLOCK bytes; the first block is zeroed
 * beyond the 16 header bytes, so a reused buffer leaves no stale bytes in the file).
 */
export function writeChunkHeaderV2(block: Buffer, length: number): void {
  block.fill(0, CHUNK_HEADER_BYTES, CHUNK_BLOCK);
  writeHeader(block, 2, length);
}

/** Size of a v2 file holding `length` payload bytes. */
export function chunkFileV2Size(length: number): number {
  return CHUNK_BLOCK + roundToBlock(length);
}

function writeHeader(h: Buffer, version: number, length: number): void {
  h.writeUInt32BE(MAGIC, 0);
  h.writeUInt8(version, 4);
  h.writeUIntBE(0, 5, 3);
  h.writeBigUInt64BE(BigInt(length), 8);
}

/**
 * Payload length and offset from the first bytes of a chunk file (at least 16), or undefined when
 * they are not a known header.
 */
export function readChunkHeader(head: Buffer): { version: 1 | 2; length: number; offset: number } | undefined {
  if (head.length < CHUNK_HEADER_BYTES || head.readUInt32BE(0) !== MAGIC) return undefined;
  const version = head.readUInt8(4);
  if (version !== 1 && version !== 2) return undefined;
  const length = Number(head.readBigUInt64BE(8));
  return { version, length, offset: version === 1 ? CHUNK_HEADER_BYTES : CHUNK_BLOCK };
}

/**
 * The payload of a whole chunk file, as a view into `file` (no copy).
 * Short or truncated → CHUNK_MISSING; unknown magic/version or trailing bytes → CHUNK_CORRUPT.
 */
export function decodeChunkFile(file: Buffer, name: string): Buffer {
  if (file.length < CHUNK_HEADER_BYTES) throw StorageErrors.CHUNK_MISSING(`chunk ${name}: file truncated`);
  const h = readChunkHeader(file);
  if (!h) throw StorageErrors.CHUNK_CORRUPT(`chunk ${name}: unknown file header`);
  const end = h.offset + h.length;
  if (file.length < end) throw StorageErrors.CHUNK_MISSING(`chunk ${name}: file truncated`);
  // v1 files end with the payload; v2 files are padded to the next block boundary (and no further).
  const expected = h.version === 1 ? end : CHUNK_BLOCK + roundToBlock(h.length);
  if (file.length > expected) throw StorageErrors.CHUNK_CORRUPT(`chunk ${name}: trailing bytes after payload`);
  if (h.version === 2 && file.length < expected) throw StorageErrors.CHUNK_MISSING(`chunk ${name}: file truncated`);
  return file.subarray(h.offset, end);
}

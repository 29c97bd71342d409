/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the default checksum of current AWS SDKs
 * (shared/spec/s3-surface.md §5.1). Node ≥ 20.15 ships a native `zlib.crc32`; older runtimes fall
 * back to a slice-by-8 table implementation shared with CRC-32C.
 */
import * as zlib from 'node:zlib';
import { makeCrc32Update } from './crc32-table.js';

/** Reflected CRC-32 polynomial. */
export const CRC32_POLY = 0xedb88320;

const jsCrc32 = makeCrc32Update(CRC32_POLY);
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Continue a CRC-32 over `data`. `prev` is the finished CRC of the bytes before (0 for none), so
 * `crc32(b, crc32(a)) === crc32(a ‖ b)` — the zlib convention.
 */
export const crc32: (data: Uint8Array, prev?: number) => number = nativeCrc32
  ? (data, prev = 0) => nativeCrc32(data, prev)
  : (data, prev = 0) => jsCrc32(data, prev);

/** The pure-JS CRC-32 (exported for the benchmark and for cross-checking the native one). */
export const crc32Js: (data: Uint8Array, prev?: number) => number = (data, prev = 0) => jsCrc32(data, prev);

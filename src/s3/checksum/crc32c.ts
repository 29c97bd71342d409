/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), used by minio-go and offered by the SDKs
 * (shared/spec/s3-surface.md §5.1). Node has no native CRC-32C; this slice-by-8 table version is
 * several times faster than `@aws-crypto/crc32c`'s byte-at-a-time loop (bench/checksum-bench.ts),
 * which the tests keep as an independent reference.
 */
import { makeCrc32Update } from './crc32-table.js';

/** Reflected CRC-32C polynomial. */
export const CRC32C_POLY = 0x82f63b78;

const update = makeCrc32Update(CRC32C_POLY);

/** Continue a CRC-32C over `data` from the finished CRC `prev` of the bytes before (0 for none). */
export function crc32c(data: Uint8Array, prev = 0): number {
  return update(data, prev);
}

/**
 * S3 flexible checksums (shared/spec/s3-surface.md §5): CRC32, CRC32C, CRC64NVME, SHA1, SHA256 (and
 * MD5), incremental hashers, wire-value validation, CRC combination and multipart checksums.
 * Pure code, no I/O; errors are `ChecksumError` carrying an AWS code.
 */
export { ChecksumError } from './checksum-error.js';
export {
  CHECKSUM_ALGORITHMS, EMPTY_CHECKSUMS, algorithmOfHeader, checksumHeaderName, checksumOf, createChecksum,
  decodeChecksumValue, digestLength, isCrcAlgorithm, isEmptyChecksum, parseChecksumAlgorithm, toBase64, verifyChecksum,
} from './algorithms.js';
export type { ChecksumAlgorithm, DigestAlgorithm, Hasher } from './algorithms.js';
export { declaredChecksum, missingSdkChecksum, refuseUnsupported, sdkChecksumAlgorithm } from './request-checksum.js';
export type { DeclaredChecksum, HeaderBag } from './request-checksum.js';
export {
  combineChecksums, compositeChecksum, defaultChecksumType, fullObjectChecksum, resolveChecksumType,
} from './multipart.js';
export type { ChecksumType, PartChecksum } from './multipart.js';
export { crc32, crc32Js } from './crc32.js';
export { crc32c } from './crc32c.js';
export { Crc64Nvme, crc64nvme } from './crc64nvme.js';
export { crcCombine } from './combine.js';
export type { CrcSpec } from './combine.js';

/**
 * Multipart object checksums (shared/spec/s3-surface.md §5.3): COMPOSITE = base64(H(concat of the
 * binary part checksums)) + "-N"; FULL_OBJECT = the CRC of the whole object, obtained by combining
 * the part CRCs with their lengths — never by re-reading part data.
 */
import { checksumOf, isCrcAlgorithm, toBase64, digestLength } from './algorithms.js';
import type { ChecksumAlgorithm } from './algorithms.js';
import { crcCombine } from './combine.js';
import type { CrcSpec } from './combine.js';
import { CRC32_POLY } from './crc32.js';
import { CRC32C_POLY } from './crc32c.js';
import { CRC64NVME_POLY } from './crc64nvme.js';
import { ChecksumError } from './checksum-error.js';

/** How an object's checksum was computed (`x-amz-checksum-type`). */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

const SPECS: Record<'CRC32' | 'CRC32C' | 'CRC64NVME', CrcSpec> = {
  CRC32: { width: 32, poly: BigInt(CRC32_POLY) },
  CRC32C: { width: 32, poly: BigInt(CRC32C_POLY) },
  CRC64NVME: { width: 64, poly: CRC64NVME_POLY },
};

/** The type CreateMultipartUpload gets when the client names only the algorithm. */
export function defaultChecksumType(alg: ChecksumAlgorithm): ChecksumType {
  return alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
}

/**
 * Validate an (algorithm, `x-amz-checksum-type`) pair of CreateMultipartUpload: CRC64NVME allows
 * only FULL_OBJECT, SHA1/SHA256 only COMPOSITE, CRC32/CRC32C both. Invalid → `InvalidRequest`.
 */
export function resolveChecksumType(alg: ChecksumAlgorithm, type?: string): ChecksumType {
  if (type === undefined || type === '') return defaultChecksumType(alg);
  const t = type.trim().toUpperCase();
  if (t !== 'COMPOSITE' && t !== 'FULL_OBJECT') {
    throw new ChecksumError('InvalidRequest', `Value for x-amz-checksum-type header is invalid: ${type}`);
  }
  const ok = t === 'FULL_OBJECT' ? isCrcAlgorithm(alg) : alg !== 'CRC64NVME';
  if (!ok) throw new ChecksumError('InvalidRequest', `The ${t} checksum type cannot be used with the ${alg} checksum algorithm.`);
  return t;
}

function toBig(digest: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex'));
}

function fromBig(v: bigint, len: number): Buffer {
  return Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');
}

/**
 * CRC of A‖B from the digests of A and B and the byte length of B (CRC algorithms only).
 * Digests are the big-endian bytes `createChecksum().digest()` returns.
 */
export function combineChecksums(alg: ChecksumAlgorithm, digestA: Uint8Array, digestB: Uint8Array, lengthB: number | bigint): Buffer {
  if (!isCrcAlgorithm(alg)) throw new ChecksumError('InvalidRequest', `${alg} checksums cannot be combined`);
  const len = digestLength(alg);
  return fromBig(crcCombine(SPECS[alg], toBig(digestA), toBig(digestB), lengthB), len);
}

/** One completed part as the checksum code needs it. */
export interface PartChecksum {
  /** Binary part checksum (big-endian digest). */
  digest: Uint8Array;
  /** Part size in bytes. */
  size: number | bigint;
}

/** FULL_OBJECT checksum (binary) of an object made of `parts` in order, by CRC combination. */
export function fullObjectChecksum(alg: ChecksumAlgorithm, parts: readonly PartChecksum[]): Buffer {
  if (!isCrcAlgorithm(alg)) throw new ChecksumError('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${alg} checksum algorithm.`);
  let acc = checksumOf(alg, new Uint8Array(0));
  for (const p of parts) acc = combineChecksums(alg, acc, p.digest, p.size);
  return acc;
}

/** COMPOSITE checksum string `base64(H(d1‖…‖dN))-N` of the binary part checksums in part order. */
export function compositeChecksum(alg: ChecksumAlgorithm, partDigests: readonly Uint8Array[]): string {
  if (partDigests.length === 0) throw new ChecksumError('InvalidRequest', 'A composite checksum needs at least one part');
  const all = Buffer.concat(partDigests.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
  return `${toBase64(checksumOf(alg, all))}-${partDigests.length}`;
}

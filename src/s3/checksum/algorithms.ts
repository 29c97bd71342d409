/**
 * The flexible-checksum algorithms of S3 (shared/spec/s3-surface.md §5.1): names, header names,
 * digest sizes, incremental hashers and the base64 wire form. Values on the wire are base64 of the
 * big-endian digest; MD5 is here too because ETags and Content-MD5 use the same machinery.
 */
import { createHash } from 'node:crypto';
import { crc32 } from './crc32.js';
import { crc32c } from './crc32c.js';
import { Crc64Nvme } from './crc64nvme.js';
import { ChecksumError } from './checksum-error.js';

/** Algorithms a client may name in `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm`. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
/** Every digest this module computes (MD5 for ETags and Content-MD5). */
export type DigestAlgorithm = ChecksumAlgorithm | 'MD5';

/** All checksum algorithms, in AWS documentation order. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

const DIGEST_LENGTH: Record<DigestAlgorithm, number> = {
  CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32, MD5: 16,
};

/** Digest size in bytes. */
export function digestLength(alg: DigestAlgorithm): number {
  return DIGEST_LENGTH[alg];
}

/** True for the CRC family (the only ones that can be combined, hence allow FULL_OBJECT). */
export function isCrcAlgorithm(alg: DigestAlgorithm): alg is 'CRC32' | 'CRC32C' | 'CRC64NVME' {
  return alg === 'CRC32' || alg === 'CRC32C' || alg === 'CRC64NVME';
}

/** `x-amz-checksum-crc32` etc. (lower case, as S3Request headers are). */
export function checksumHeaderName(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** The algorithm a `x-amz-checksum-<alg>` header (or trailer) name carries, if any. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith('x-amz-checksum-')) return undefined;
  return asAlgorithm(lower.slice('x-amz-checksum-'.length));
}

function asAlgorithm(s: string): ChecksumAlgorithm | undefined {
  const upper = s.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/**
 * Parse an algorithm name as sent in `x-amz-sdk-checksum-algorithm`, `x-amz-checksum-algorithm` or
 * XML (case-insensitive). Unknown → `InvalidRequest` with S3's words, which list the algorithms it
 * takes (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
 * test_multipart_parts_checksum_exceptions, create-mpu-wrong-checksum-algo: "Checksum algorithm
 * provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1,
 * SHA256]", recorded before S3 added CRC64NVME); the list here is the gateway's.
 */
export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm {
  const alg = asAlgorithm(value.trim());
  if (!alg) throw new ChecksumError('InvalidRequest', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(', ')}]`);
  return alg;
}

/** An incremental digest. `digest()` may be called once. */
export interface Hasher {
  update(data: Uint8Array): this;
  digest(): Buffer;
}

class Crc32Hasher implements Hasher {
  #crc = 0;
  readonly #fn: (data: Uint8Array, prev: number) => number;
  constructor(fn: (data: Uint8Array, prev: number) => number) {
    this.#fn = fn;
  }
  update(data: Uint8Array): this {
    this.#crc = this.#fn(data, this.#crc);
    return this;
  }
  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.#crc >>> 0, 0);
    return out;
  }
}

class NodeHasher implements Hasher {
  readonly #h: ReturnType<typeof createHash>;
  constructor(name: string) {
    this.#h = createHash(name);
  }
  update(data: Uint8Array): this {
    this.#h.update(data);
    return this;
  }
  digest(): Buffer {
    return this.#h.digest();
  }
}

/** New incremental hasher for `alg`; `digest()` gives the big-endian bytes that AWS base64-encodes. */
export function createChecksum(alg: DigestAlgorithm): Hasher {
  switch (alg) {
    case 'CRC32': return new Crc32Hasher((d, p) => crc32(d, p));
    case 'CRC32C': return new Crc32Hasher(crc32c);
    case 'CRC64NVME': return new Crc64Nvme();
    case 'SHA1': return new NodeHasher('sha1');
    case 'SHA256': return new NodeHasher('sha256');
    case 'MD5': return new NodeHasher('md5');
  }
}

/** One-shot digest of `data`. */
export function checksumOf(alg: DigestAlgorithm, data: Uint8Array): Buffer {
  return createChecksum(alg).update(data).digest();
}

/** Base64 of a digest (the wire form). */
export function toBase64(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('base64');
}

/** Checksum values of empty input (what SDKs send when they checksum a body they do not have). */
export const EMPTY_CHECKSUMS: Readonly<Record<DigestAlgorithm, string>> = Object.freeze({
  CRC32: 'AAAAAA==',
  CRC32C: 'AAAAAA==',
  CRC64NVME: 'AAAAAAAAAAA=',
  SHA1: '2jmj7l5rSw0yVb/vlWAYkK/YBwk=',
  SHA256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  MD5: '1B2M2Y8AsgTpgAmY7PhCfg==',
});

/** True when `b64` is the checksum of empty input for `alg` (spec §5.3, §6 leniency rules). */
export function isEmptyChecksum(alg: DigestAlgorithm, b64: string): boolean {
  return EMPTY_CHECKSUMS[alg] === b64.trim();
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode and validate a checksum value: canonical base64 of exactly the digest length. A bad value
 * is `InvalidRequest` "Value for x-amz-checksum-crc32 header is invalid." (AWS wording), or
 * `InvalidDigest` for a Content-MD5 (alg `MD5`).
 */
export function decodeChecksumValue(alg: DigestAlgorithm, b64: string, source = 'header'): Buffer {
  const v = b64.trim();
  const bytes = BASE64.test(v) && v.length % 4 === 0 ? Buffer.from(v, 'base64') : undefined;
  if (!bytes || bytes.length !== DIGEST_LENGTH[alg] || bytes.toString('base64') !== v) {
    // Content-MD5 has its own code (spec §9 InvalidDigest); checksum headers use InvalidRequest.
    if (alg === 'MD5') throw new ChecksumError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
    throw new ChecksumError('InvalidRequest', `Value for ${checksumHeaderName(alg)} ${source} is invalid.`);
  }
  return bytes;
}

/**
 * Compare a computed digest with the value the client sent; mismatch → `BadDigest` with AWS's
 * message ("The CRC32 you specified did not match the calculated checksum.", spec §5.2).
 */
export function verifyChecksum(alg: DigestAlgorithm, expectedB64: string, computed: Uint8Array): void {
  if (toBase64(computed) === expectedB64.trim()) return;
  if (alg === 'MD5') throw new ChecksumError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  throw new ChecksumError('BadDigest', `The ${alg} you specified did not match the calculated checksum.`);
}

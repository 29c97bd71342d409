/**
 * Which checksum a request declares (shared/spec/s3-surface.md §5.1, §5.2, §6): a header value known
 * before the body, or an aws-chunked trailer known only after it.
 */
import { algorithmOfHeader, decodeChecksumValue, parseChecksumAlgorithm } from './algorithms.js';
import type { ChecksumAlgorithm } from './algorithms.js';
import { ChecksumError } from './checksum-error.js';

/** Header bag as in S3Request (lower-case names). Arrays are tolerated and joined with ','. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A checksum the client declared for the body. */
export type DeclaredChecksum =
  | { source: 'header'; algorithm: ChecksumAlgorithm; value: string; digest: Buffer }
  /** Value arrives in the aws-chunked trailer named `trailerName`. */
  | { source: 'trailer'; algorithm: ChecksumAlgorithm; trailerName: string };

// x-amz-checksum-* headers that are not checksum values.
const NOT_VALUES = new Set(['x-amz-checksum-algorithm', 'x-amz-checksum-type', 'x-amz-checksum-mode']);

/**
 * Checksum algorithms S3 has added that this gateway does not compute (the S3 API model of botocore
 * 1.43 lists ChecksumSHA512, ChecksumMD5, ChecksumXXHASH64, ChecksumXXHASH3, ChecksumXXHASH128 for
 * PutObject and UploadPart). A value for one of them, as a header or a trailer, is refused with the
 * words x-amz-checksum-algorithm gets for them (parseChecksumAlgorithm): skipping it stored the body
 * unverified, a mismatching value included, and answered 200 without the checksum. The presigned
 * query's values (body.ts queryChecksum) go through refuseUnsupported too.
 */
const UNSUPPORTED_ALGORITHMS = new Set(['sha512', 'md5', 'xxhash64', 'xxhash3', 'xxhash128']);

export function refuseUnsupported(name: string): void {
  const suffix = name.startsWith('x-amz-checksum-') ? name.slice('x-amz-checksum-'.length) : '';
  if (UNSUPPORTED_ALGORITHMS.has(suffix)) throw new ChecksumError('InvalidRequest', `Checksum algorithm ${suffix.toUpperCase()} is not supported`);
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v as string | undefined);
}

/**
 * The body checksum a PutObject/UploadPart request declares, from `x-amz-checksum-<alg>` headers,
 * `x-amz-trailer` and `x-amz-sdk-checksum-algorithm`. Rules (spec §5.1): more than one checksum →
 * `InvalidRequest`; a value for a different algorithm than `x-amz-sdk-checksum-algorithm` names →
 * `InvalidRequest`; a malformed value → `InvalidRequest`; a value for an algorithm S3 has and this
 * gateway does not (UNSUPPORTED_ALGORITHMS) → `InvalidRequest`. Returns undefined when none is declared.
 */
export function declaredChecksum(headers: HeaderBag): DeclaredChecksum | undefined {
  const found: DeclaredChecksum[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || NOT_VALUES.has(name)) continue;
    const alg = algorithmOfHeader(name);
    if (!alg) {
      refuseUnsupported(name);
      // A checksum header of no algorithm S3 knows (x-amz-checksum-sha256a) is refused, not
      // ignored: S3's answer quoted in versitygw#1104 (versitygw PostObject_invalid_checksum_algorithm).
      if (name.startsWith('x-amz-checksum-')) throw new ChecksumError('InvalidRequest', 'The algorithm type you specified in x-amz-checksum- header is invalid.');
      continue;
    }
    const value = headerValue(headers, name)!;
    found.push({ source: 'header', algorithm: alg, value: value.trim(), digest: decodeChecksumValue(alg, value) });
  }
  const trailer = headerValue(headers, 'x-amz-trailer');
  for (const t of trailer ? trailer.split(',') : []) {
    const name = t.trim().toLowerCase();
    refuseUnsupported(name);
    const alg = algorithmOfHeader(name);
    if (name && alg) found.push({ source: 'trailer', algorithm: alg, trailerName: name });
  }
  if (found.length > 1) {
    throw new ChecksumError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const sdkAlg = headerValue(headers, 'x-amz-sdk-checksum-algorithm');
  const declared = found[0];
  if (sdkAlg && declared && sdkChecksumAlgorithm(sdkAlg) !== declared.algorithm) throw invalidSdkAlgorithm();
  return declared;
}

/**
 * The algorithm `x-amz-sdk-checksum-algorithm` names (case-insensitive). A name S3 does not know
 * and a name other than the checksum sent are both 400 InvalidRequest "Value for
 * x-amz-sdk-checksum-algorithm header is invalid." (S3's words, quoted in versitygw#1598; Scality
 * CloudServer answers an unknown name the same). An empty value counts as absent (callers test it).
 */
export function sdkChecksumAlgorithm(value: string): ChecksumAlgorithm {
  try {
    return parseChecksumAlgorithm(value);
  } catch {
    throw invalidSdkAlgorithm();
  }
}

/**
 * `x-amz-sdk-checksum-algorithm` with no `x-amz-checksum-*` value and no `x-amz-trailer`: the API
 * reference (PutObject, UploadPart, DeleteObjects, PutBucket* ChecksumAlgorithm) says "there must
 * be a corresponding x-amz-checksum-algorithm or x-amz-trailer header sent. Otherwise, Amazon S3
 * fails the request with the HTTP status code 400 Bad Request"; S3's code and words, as quoted in
 * versitygw#1593, are these.
 */
export function missingSdkChecksum(): ChecksumError {
  return new ChecksumError('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
}

function invalidSdkAlgorithm(): ChecksumError {
  return new ChecksumError('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
}

/**
 * Bucket naming rules (shared/spec/s3-surface.md §1; AWS "General purpose bucket naming rules",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3–63 characters
 * of `[a-z0-9.-]`, starting and ending with a letter or digit, no `..`, not an IPv4 address, and
 * none of the prefixes and suffixes AWS reserves for access points and other aliases (a name a
 * client could create here but never on AWS would break a later migration). `_` is not allowed,
 * so the reserved `/_ccow/…` paths never shadow a bucket.
 */
import { S3Errors } from './errors.js';

/** Prefixes AWS reserves (`sthree-` covers `sthree-configurator`). */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
/** Suffixes AWS reserves for access point, Object Lambda, Multi-Region, directory and table aliases. */
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * No bucket name is longer (AWS's legacy us-east-1 limit; today's rule is 63). Longer names in a
 * request cannot name a bucket: they are refused before any lookup (the metadata store's keys are
 * bounded, so such a lookup would fail as an internal error, found by the issue #5 fuzzer).
 */
export const MAX_BUCKET_NAME_BYTES = 255;

/** Throw InvalidBucketName for a name longer than any bucket's (MAX_BUCKET_NAME_BYTES). */
export function checkBucketNameLength(name: string): void {
  if (Buffer.byteLength(name, 'utf8') > MAX_BUCKET_NAME_BYTES) throw S3Errors.InvalidBucketName({ fields: { BucketName: name } });
}

/** Whether `name` is a valid bucket name. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)
    && !name.includes('..')
    && !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
    && !RESERVED_PREFIXES.some((p) => name.startsWith(p))
    && !RESERVED_SUFFIXES.some((s) => name.endsWith(s));
}

/** Throw InvalidBucketName unless `name` is valid. */
export function checkBucketName(name: string): void {
  if (!isValidBucketName(name)) throw S3Errors.InvalidBucketName({ fields: { BucketName: name } });
}

/**
 * Bucket naming rules (shared/spec/s3-surface.md §1; AWS "Bucket naming rules"): 3–63 characters
 * of `[a-z0-9.-]`, starting and ending with a letter or digit, no `..`, not an IPv4 address. `_` is
 * not allowed, so the reserved `/_ccow/…` paths never shadow a bucket.
 */
import { S3Errors } from './errors.js';

/** Whether `name` is a valid bucket name. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)
    && !name.includes('..')
    && !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Throw InvalidBucketName unless `name` is valid. */
export function checkBucketName(name: string): void {
  if (!isValidBucketName(name)) throw S3Errors.InvalidBucketName({ fields: { BucketName: name } });
}

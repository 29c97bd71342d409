/**
 * The ids every S3 answer carries (shared/spec/s3-surface.md §1): `x-amz-request-id` and
 * `x-amz-id-2`. Both are cut from one pool of random bytes: a randomBytes() call per id was a
 * visible share of a small request's CPU (bench/s3-frontend-bench.ts). They must be unique, not
 * secret. Here in common so that http/ (ids of answers it makes itself) and s3/ share one source.
 */
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 8192;
let pool = randomBytes(POOL_BYTES);
let poolAt = 0;

/** The next `n` unused random bytes of the pool (a view; use it before the next call refills). */
function randomSlice(n: number): Buffer {
  if (poolAt + n > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

/** A new request id: 16 uppercase hex characters, as S3 writes `x-amz-request-id`. */
export function newRequestId(): string {
  return randomSlice(8).toString('hex').toUpperCase();
}

/** A new opaque `x-amz-id-2` value (AWS sends base64 of a host token). */
export function newHostId(): string {
  return randomSlice(24).toString('base64');
}

/**
 * The one mapping from storage errors to engine errors (shared/STYLE.md habit 2): nothing above the
 * engine sees a StorageErrors value raw.
 */
import { CodedError } from '../common/index.js';
import { StorageErrors, type TransactionOptions } from '../storage/contract/index.js';
import { EngineErrors } from './errors.js';

/** Translate a storage failure; engine errors and unknown errors pass through. */
export function mapStorageError(e: unknown): unknown {
  if (!(e instanceof CodedError)) return e;
  switch (e.code) {
    case StorageErrors.CHUNK_MISSING.code:
      return EngineErrors.CHUNK_MISSING(e.message, { cause: e });
    case StorageErrors.CHUNK_CORRUPT.code:
      return EngineErrors.CHUNK_CORRUPT(e.message, { cause: e });
    case StorageErrors.NO_SPACE.code:
      return EngineErrors.NO_SPACE(e.message, { cause: e });
    case StorageErrors.IO.code:
    case StorageErrors.CLOSED.code:
    case StorageErrors.LOCKED.code:
      return EngineErrors.UNAVAILABLE(e.message, { cause: e });
    default:
      return e;
  }
}

/** `p` with storage errors translated (one derived promise; every engine call goes through here). */
export function storage<T>(p: Promise<T>): Promise<T> {
  return p.catch(rethrowMapped);
}

function rethrowMapped(e: unknown): never {
  throw mapStorageError(e);
}

/**
 * Options of a transaction that adds data (a version, an upload or part, CMs, a bucket, a user): the
 * backend refuses it with NO_SPACE once its metadata disk is past the fill limit, so deletes and GC,
 * which do not pass it, keep the headroom to free space (storage contract, ccow.md §17).
 */
export const GROWS: TransactionOptions = Object.freeze({ grows: true });

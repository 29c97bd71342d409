/**
 * One place that turns node:fs errors into the storage catalog (shared/STYLE.md habit 2): full disk
 * → NO_SPACE, anything else → IO, with the OS error kept as `cause`.
 */
import { CodedError } from '../../common/index.js';
import { StorageErrors } from '../contract/index.js';

/** The errno code of an fs error, if any. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

/** True when `e` means "no space" (ENOSPC, or EDQUOT for a quota). */
export function isNoSpace(e: unknown): boolean {
  const c = errnoCode(e);
  return c === 'ENOSPC' || c === 'EDQUOT';
}

/** Map an fs error to a StorageErrors instance; catalog errors pass through unchanged. */
export function mapFsError(e: unknown, what: string): CodedError {
  if (e instanceof CodedError) return e;
  if (isNoSpace(e)) return StorageErrors.NO_SPACE(`no space left while ${what}`, { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return StorageErrors.IO(`I/O error while ${what}: ${msg}`, { cause: e });
}

/** errno values lmdb-js reports numerically: ENOSPC, EDQUOT; and LMDB's own MDB_MAP_FULL. */
const LMDB_NO_SPACE_CODES = new Set<unknown>([28, 122, -30792, 'ENOSPC', 'EDQUOT', 'MDB_MAP_FULL']);

/** True when an lmdb-js error means "no space" (the disk, or the pre-sized map). */
function isLmdbNoSpace(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  if (LMDB_NO_SPACE_CODES.has((e as { code?: unknown }).code)) return true;
  return e instanceof Error && /No space left on device|MDB_MAP_FULL|Disk quota exceeded/.test(e.message);
}

/**
 * Map a failed LMDB write to the storage catalog. lmdb-js rejects a failed batch commit with a
 * generic "Commit failed" error whose `commitError` promise rejects with the OS error; waiting for
 * it both finds the cause and gives that promise the handler lmdb-js leaves it without.
 */
export async function mapLmdbError(e: unknown, what: string): Promise<CodedError> {
  if (e instanceof CodedError) return e;
  let cause = e;
  const inner = typeof e === 'object' && e !== null ? (e as { commitError?: unknown }).commitError : undefined;
  if (inner && typeof (inner as Promise<unknown>).then === 'function') {
    cause = await (inner as Promise<unknown>).then(() => e, (c: unknown) => c);
  }
  return isLmdbNoSpace(e) ? mapLmdbErrorNow(e, what) : mapLmdbErrorNow(cause, what);
}

/** `mapLmdbError` for an error thrown synchronously (a put inside a transaction: MDB_MAP_FULL). */
export function mapLmdbErrorNow(e: unknown, what: string): CodedError {
  if (e instanceof CodedError) return e;
  if (isLmdbNoSpace(e)) return StorageErrors.NO_SPACE(`no space left while ${what}`, { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return StorageErrors.IO(`metadata store failed while ${what}: ${msg}`, { cause: e });
}

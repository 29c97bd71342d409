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

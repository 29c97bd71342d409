/**
 * `Range` and `partNumber` selection for GET/HEAD (shared/spec/s3-surface.md §4.6; RFC 9110 §14).
 */
import type { PartInfo } from '../engine/index.js';
import { S3Errors } from './errors.js';

/** A byte window of the object. */
export interface ByteWindow {
  offset: number;
  length: number;
}

/**
 * 416 InvalidRange. AWS names the range asked for and the object's size in the error body, in this
 * order; SDKs read ActualObjectSize to retry without a range.
 */
function unsatisfiable(header: string, size: number): Error {
  return S3Errors.InvalidRange({ headers: { 'content-range': `bytes */${size}` }, fields: { RangeRequested: header, ActualObjectSize: size } });
}

/**
 * Parse one `Range` header against an object of `size` bytes. Returns undefined when the header
 * is absent, syntactically invalid or names several ranges (S3 then answers 200 with the whole
 * object); throws InvalidRange (416, `Content-Range: bytes *\/size`) when unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): ByteWindow | undefined {
  if (header === undefined) return undefined;
  // RFC 9110 §14.1.2 grammar: no whitespace around '=' or inside a range-spec. `bytes= -1` and
  // `bytes=0 -1` are malformed, so S3 ignores them (200, the whole object: versitygw's
  // GetObject_with_range / HeadObject_with_range, written against S3); they were read as -1, 0-1.
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return undefined;
  if (a === '') {
    // Suffix range: the last n bytes; "-0" and any range of an empty object are unsatisfiable.
    const n = Number(b);
    if (n === 0 || size === 0) throw unsatisfiable(header, size);
    const len = Math.min(n, size);
    return { offset: size - len, length: len };
  }
  const first = Number(a);
  const last = b === '' ? size - 1 : Number(b);
  if (b !== '' && last < first) return undefined;
  if (first >= size) throw unsatisfiable(header, size);
  return { offset: first, length: Math.min(last, size - 1) - first + 1 };
}

/** `Content-Range` of a 206 answer. */
export function contentRange(w: ByteWindow, size: number): string {
  return `bytes ${w.offset}-${w.offset + w.length - 1}/${size}`;
}

/** Parse `partNumber`: an integer 1–10000, else InvalidArgument (§4.6). */
export function parsePartNumber(v: string): number {
  const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 10000)) {
    throw S3Errors.InvalidArgument({ message: 'Part number must be an integer between 1 and 10000, inclusive', fields: { ArgumentName: 'partNumber', ArgumentValue: v } });
  }
  return n;
}

/**
 * The window of part `n` (§4.6): a multipart object's n-th part; on a non-multipart object part 1
 * is the whole object; beyond the part count → 416 InvalidPartNumber, naming the part asked for and
 * the object's part count as S3 does (LocalStack's AWS recordings,
 * tests/aws/services/s3/test_s3.snapshot.json test_get_object_part: PartNumberRequested 10 /
 * ActualPartCount 2, and 2 / 1 on an object not uploaded in parts).
 */
export function partWindow(parts: readonly PartInfo[] | undefined, n: number, size: number): { window: ByteWindow; count: number } {
  const count = parts && parts.length > 0 ? parts.length : 1;
  if (n > count) throw S3Errors.InvalidPartNumber({ fields: { PartNumberRequested: String(n), ActualPartCount: String(count) } });
  if (!parts || parts.length === 0) return { window: { offset: 0, length: size }, count: 1 };
  let offset = 0;
  for (let i = 0; i < n - 1; i++) offset += parts[i]!.size;
  return { window: { offset, length: parts[n - 1]!.size }, count: parts.length };
}

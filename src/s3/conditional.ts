/**
 * Conditional requests (shared/spec/s3-surface.md §4.2; RFC 9110 §13.1–13.2): GET/HEAD
 * preconditions, copy-source preconditions, and the commit conditions of writes.
 */
import type { CommitCondition } from '../engine/index.js';
import { S3Errors } from './errors.js';
import { parseHttpDate } from './http-date.js';

/** What a precondition is evaluated against. */
export interface Validators {
  /** Quoted ETag. */
  etag: string;
  lastModified: Date;
}

/** Strip `W/` and quotes: the opaque tag. */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** `If-Match` (strong comparison: a weak tag never matches). */
function ifMatch(header: string, etag: string): boolean {
  return header.split(',').some((t) => {
    const s = t.trim();
    return s === '*' || (!s.startsWith('W/') && opaque(s) === opaque(etag));
  });
}

/** `If-None-Match` is true when no listed tag matches (weak comparison). */
function ifNoneMatch(header: string, etag: string): boolean {
  return !header.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
}

/** HTTP date → epoch seconds; undefined when unparseable (the header is then ignored). */
function httpDate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = parseHttpDate(v);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** Last-Modified at HTTP-date (second) precision. */
function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** The four precondition headers, by role. */
export interface ConditionHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** The precondition that decided a request, and its answer (RFC 9110 §13.2.2). */
export interface Failure {
  header: 'If-Match' | 'If-Unmodified-Since' | 'If-None-Match' | 'If-Modified-Since';
  status: 304 | 412;
}

/**
 * The first precondition that fails, in RFC 9110 §13.2.2 order (§4.2), or undefined.
 * If-None-Match present ⇒ If-Modified-Since is not evaluated at all. An If-Modified-Since later
 * than `now` is ignored (RFC 7232 §3.3: such a date is invalid): S3 then answers the GET or the
 * copy as if it were absent (AWS-validated in localstack's test_s3_get_object_preconditions and
 * test_s3_copy_object_preconditions, "ignore-future-modified-since").
 */
function firstFailure(c: ConditionHeaders, v: Validators, now: number): Failure | undefined {
  if (c.ifMatch !== undefined) {
    if (!ifMatch(c.ifMatch, v.etag)) return { header: 'If-Match', status: 412 };
  } else {
    const ius = httpDate(c.ifUnmodifiedSince);
    if (ius !== undefined && seconds(v.lastModified) > ius) return { header: 'If-Unmodified-Since', status: 412 };
  }
  if (c.ifNoneMatch !== undefined) {
    if (!ifNoneMatch(c.ifNoneMatch, v.etag)) return { header: 'If-None-Match', status: 304 };
  } else {
    const ims = httpDate(c.ifModifiedSince);
    if (ims !== undefined && ims <= Math.floor(now / 1000) && seconds(v.lastModified) <= ims) return { header: 'If-Modified-Since', status: 304 };
  }
  return undefined;
}

/** Evaluate GET/HEAD preconditions (§4.2): 'ok', or 304 / 412. `now` in ms (tests pin it). */
export function evaluatePreconditions(c: ConditionHeaders, v: Validators, now = Date.now()): 'ok' | 304 | 412 {
  return firstFailure(c, v, now)?.status ?? 'ok';
}

/**
 * The GET/HEAD precondition that fails, with its answer, or undefined: a 412's `<Condition>` names
 * that header (`If-Unmodified-Since` when it is the one, as S3 answers), not always `If-Match`.
 */
export function failedPrecondition(c: ConditionHeaders, v: Validators, now = Date.now()): Failure | undefined {
  return firstFailure(c, v, now);
}

/** The GET/HEAD precondition headers of a request. */
export function requestConditions(h: Record<string, string | undefined>): ConditionHeaders {
  return {
    ifMatch: h['if-match'],
    ifNoneMatch: h['if-none-match'],
    ifModifiedSince: h['if-modified-since'],
    ifUnmodifiedSince: h['if-unmodified-since'],
  };
}

/**
 * `x-amz-copy-source-if-*` against the copy source (§4.2): same precedence, but any failure is
 * 412 PreconditionFailed, never 304, and `<Condition>` names the header that failed, as S3's
 * answers do (`x-amz-copy-source-If-Unmodified-Since`…; recorded from AWS in localstack's
 * test_s3_preconditions.snapshot.json).
 */
export function checkCopySourceConditions(h: Record<string, string | undefined>, v: Validators, now = Date.now()): void {
  const c: ConditionHeaders = {
    ifMatch: h['x-amz-copy-source-if-match'],
    ifNoneMatch: h['x-amz-copy-source-if-none-match'],
    ifModifiedSince: h['x-amz-copy-source-if-modified-since'],
    ifUnmodifiedSince: h['x-amz-copy-source-if-unmodified-since'],
  };
  const failed = firstFailure(c, v, now);
  if (failed) throw S3Errors.PreconditionFailed({ fields: { Condition: `x-amz-copy-source-${failed.header}` } });
}

/**
 * Commit condition of PutObject / CompleteMultipartUpload / CopyObject (§4.2): `If-None-Match: *`
 * (create-only) and `If-Match: "etag"`, evaluated by the engine inside the commit lock. S3 answers
 * 501 NotImplemented, naming the header and saying why in `<additionalMessage>`, to both headers at
 * once, to an If-None-Match other than `*` and to `If-Match: *` (LocalStack's AWS-validated
 * test_s3_api.py: put-obj-both-precondition, put-obj-if-none-match-bad-value,
 * put-obj-if-match-star-value).
 */
export function commitCondition(h: Record<string, string | undefined>): CommitCondition | undefined {
  const inm = h['if-none-match']?.trim();
  const im = h['if-match']?.trim();
  if (inm === undefined && im === undefined) return undefined;
  const refuse = (header: string, additionalMessage: string): Error =>
    S3Errors.NotImplemented({ message: 'A header you provided implies functionality that is not implemented', fields: { Header: header, additionalMessage } });
  if (inm !== undefined && im !== undefined) throw refuse('If-Match,If-None-Match', 'Multiple conditional request headers present in the request');
  if (inm !== undefined && inm !== '*') throw refuse('If-None-Match', 'We don\'t accept the provided value of If-None-Match header for this API');
  if (im === '*') throw refuse('If-Match', 'We don\'t accept the provided value of If-Match header for this API');
  const c: CommitCondition = {};
  if (inm === '*') c.ifNoneMatch = '*';
  if (im !== undefined) c.ifMatch = im;
  return c;
}

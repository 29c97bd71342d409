/**
 * The SigV4 canonical request (AWS "Create a canonical request for Signature Version 4", S3 flavour;
 * shared/spec/s3-surface.md §2): canonical URI = the path as sent with each segment decoded and
 * URI-encoded once, not normalised (S3 keys may contain `.`, `..`, `//`); canonical query = every
 * pair decoded (a `+` is a space: `queryDecode`) then re-encoded, sorted by key then value, a bare `?uploads` becoming `uploads=`;
 * canonical headers = each signed header, lower-case name, value trimmed with inner whitespace
 * runs collapsed.
 */
import type { HeaderBag } from './headers.js';
import { percentDecode, queryDecode, splitQuery, uriEncodeBytes, decodeComponent } from './uri.js';

/** Canonical URI of a raw path. */
export function canonicalUri(rawPath: string): string {
  return rawPath.split('/').map((seg) => uriEncodeBytes(percentDecode(seg))).join('/');
}

/** Canonical query string of a raw query; pairs whose decoded key is `exclude` are dropped. */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const pairs: [string, string][] = [];
  for (const p of splitQuery(rawQuery)) {
    if (exclude !== undefined && decodeComponent(p.rawKey) === exclude) continue;
    pairs.push([uriEncodeBytes(queryDecode(p.rawKey)), uriEncodeBytes(queryDecode(p.rawValue))]);
  }
  // Encoded forms are ASCII, so UTF-16 comparison is byte order, as AWS sorts.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A header value as SigV4 signs it: trimmed, every run of whitespace collapsed to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** The canonical headers block (each `name:value\n`) for `signedHeaders`, in the order given. */
export function canonicalHeaders(headers: HeaderBag, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    // Own names only: a signed name such as `constructor` that was not sent is an absent header,
    // not Object.prototype's member (which made this throw: 500 InternalError).
    const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
    // Duplicated headers: each value is canonicalised, then joined with ',' (AWS rule).
    const value = v === undefined ? '' : typeof v === 'string'
      ? canonicalHeaderValue(v) : v.map(canonicalHeaderValue).join(',');
    out += `${name}:${value}\n`;
  }
  return out;
}

/** Inputs of a canonical request. */
export interface CanonicalRequestInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: HeaderBag;
  signedHeaders: readonly string[];
  payloadHash: string;
  /** Decoded query key left out (presigned: `X-Amz-Signature`). */
  excludeQueryKey?: string;
}

/** The full canonical request text. */
export function canonicalRequest(i: CanonicalRequestInput): string {
  return [
    i.method.toUpperCase(),
    canonicalUri(i.rawPath),
    canonicalQuery(i.rawQuery, i.excludeQueryKey),
    canonicalHeaders(i.headers, i.signedHeaders),
    i.signedHeaders.join(';'),
    i.payloadHash,
  ].join('\n');
}

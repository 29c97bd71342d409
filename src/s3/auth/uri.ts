/**
 * Byte-exact URI handling for signature canonicalisation. Work on bytes, not JS strings, so
 * that percent-escapes of invalid UTF-8 and stray `%` round-trip exactly as the client encoded them.
 */

const HEX = '0123456789ABCDEF';

// RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~ (AWS "UriEncode" keeps exactly these).
const UNRESERVED = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decode `%XX` escapes to bytes; anything else (including a `%` not followed by two hex digits and
 * `+`, which is no space in a path) is kept as its UTF-8 bytes.
 */
export function percentDecode(s: string): Buffer {
  if (!s.includes('%')) return Buffer.from(s, 'utf8');
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 37 && i + 2 < src.length) {
      const h = hexVal(src[i + 1]!);
      const l = hexVal(src[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[o++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[o++] = c;
  }
  return out.subarray(0, o);
}

/**
 * Bytes of one query-string key or value: `+` is a space, then `%XX` escapes are decoded. S3 reads
 * its query string form-encoded (a `+` in a query value is a space; a literal plus travels as
 * `%2B`): an unencoded `+` in a SigV2 query signature is the classic cause of intermittent
 * SignatureDoesNotMatch on AWS, and aws-sdk-go v1's SigV2 path (rclone `--s3-v2-auth`) sends a
 * prefix's spaces as `+`. Ceph RGW (`url_decode(…, in_query)`) and MinIO (Go's `url.ParseQuery`)
 * decode the same way. Paths are different: there `+` stays a `+` (`percentDecode`).
 */
export function queryDecode(s: string): Buffer {
  return percentDecode(s.includes('+') ? s.replaceAll('+', ' ') : s);
}

/** Decoded string form of a query-string key or value (invalid UTF-8 becomes U+FFFD). */
export function decodeComponent(s: string): string {
  return queryDecode(s).toString('utf8');
}

/** AWS `UriEncode`: every byte except the unreserved set as `%XX` (upper-case hex). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (const b of bytes) {
    if (UNRESERVED[b] || (keepSlash && b === 47)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Split a raw request target into path and raw query (no decoding); tolerates absolute-form. */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (scheme) target = target.slice(scheme[0].length);
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path: path === '' ? '/' : path, query: q < 0 ? '' : target.slice(q + 1) };
}

/** One raw `k=v` pair of a query string; `hasValue` is false for a bare `?uploads`. */
export interface RawQueryParam {
  rawKey: string;
  rawValue: string;
  hasValue: boolean;
}

/** Split a raw query into its `&`-separated pairs, in order, without decoding. Empty pieces drop. */
export function splitQuery(query: string): RawQueryParam[] {
  const out: RawQueryParam[] = [];
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    out.push(eq < 0
      ? { rawKey: piece, rawValue: '', hasValue: false }
      : { rawKey: piece.slice(0, eq), rawValue: piece.slice(eq + 1), hasValue: true });
  }
  return out;
}

/** Decoded query parameters (first occurrence wins), for reading auth parameters. */
export function queryParams(query: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of splitQuery(query)) {
    const k = decodeComponent(p.rawKey);
    if (!m.has(k)) m.set(k, decodeComponent(p.rawValue));
  }
  return m;
}

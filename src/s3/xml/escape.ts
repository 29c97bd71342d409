/**
 * Text escaping for S3 XML bodies and the `encoding-type=url` key encoding
 * (shared/spec/s3-surface.md §4.1). A leaf module: errors.ts and the XML codecs both use it.
 */

/** The S3 XML namespace every response root carries (s3-surface.md §1). */
export const S3_XML_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * Escape text for an element body. Besides the markup characters, every C0 control character
 * becomes a numeric character reference, as AWS writes them: a literal CR would be normalised to LF
 * by every XML parser (XML 1.0 §2.11), so `\r` must travel as `&#13;` to survive (s3-surface.md
 * §4.1). Quotes become `&quot;` so quoted ETags read `&quot;…&quot;` exactly as AWS renders them.
 *
 * A listing page escapes thousands of strings, nearly all clean but for the ETag quotes: one scan
 * of char codes, slicing only around the characters that change, costs a fraction of a
 * `replace()` with a callback.
 */
export function escapeXml(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 62 || (c > 31 && c !== 34 && c !== 38 && c !== 60 && c !== 62)) continue;
    const rep = c === 34 ? '&quot;' : c === 38 ? '&amp;' : c === 60 ? '&lt;' : c === 62 ? '&gt;' : `&#${c};`;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

const ALL_UNRESERVED = /^[A-Za-z0-9\-_.~/]*$/;

/**
 * `encoding-type=url` encoding of keys and prefixes (s3-surface.md §4.1): every UTF-8 byte outside
 * `A–Z a–z 0–9 - _ . ~ /` becomes `%XX` (uppercase hex). A space is `%20`, not AWS's `+`: `%20`
 * decodes to the same key under plain percent-decoding and under botocore's form-decoding.
 *
 * botocore asks for this encoding on every listing, so it is on the hot path: encodeURIComponent
 * (UTF-8, uppercase hex) does the work, then `/` is restored and the five marks it leaves alone
 * (`! ' ( ) *`) are encoded.
 */
export function urlEncodeKey(s: string): string {
  if (ALL_UNRESERVED.test(s)) return s;
  let enc: string;
  try {
    enc = encodeURIComponent(s);
  } catch {
    // A lone surrogate (not producible from a UTF-8 key, but a string may hold one): encode it
    // as UTF-8 encoding does, as U+FFFD.
    enc = encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
  }
  return enc.replace(/%2F|[!'()*]/g, (m) => (m === '%2F' ? '/' : `%${m.charCodeAt(0).toString(16).toUpperCase()}`));
}

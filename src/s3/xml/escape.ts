/**
 * Text escaping for S3 XML bodies and the `encoding-type=url` key encoding
 * (shared/spec/s3-surface.md §4.1). A leaf module: errors.ts and the XML codecs both use it.
 */

/** The S3 XML namespace every response root carries (s3-surface.md §1). */
export const S3_XML_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Escape text for an element body. Besides the markup characters, every C0 control character
 * becomes a numeric character reference, as AWS writes them: a literal CR would be normalised to LF
 * by every XML parser (XML 1.0 §2.11), so `\r` must travel as `&#13;` to survive (s3-surface.md
 * §4.1). Quotes become `&quot;` so quoted ETags read `&quot;…&quot;` exactly as AWS renders them.
 */
export function escapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"\u0000-\u001f]/g, (c) => ESCAPES[c] ?? `&#${c.charCodeAt(0)};`);
}

const UNRESERVED = /[A-Za-z0-9\-_.~/]/;

/**
 * `encoding-type=url` encoding of keys and prefixes (s3-surface.md §4.1): every UTF-8 byte outside
 * `A–Z a–z 0–9 - _ . ~ /` becomes `%XX` (uppercase hex). A space is `%20`, not AWS's `+`: `%20`
 * decodes to the same key under plain percent-decoding and under botocore's form-decoding.
 */
export function urlEncodeKey(s: string): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * A plain model of S3 listings (AWS API reference: ListObjectsV2, ListObjects, ListObjectVersions,
 * ListMultipartUploads) for the property tests of listing-model.test.ts, with the random key sets
 * and requests they draw and a small reader of the listing XML bodies.
 *
 * Semantics the model implements, as documented:
 * - keys ascend in UTF-8 byte order;
 * - `prefix` selects keys that start with it; `delimiter` (any string) rolls a key up into
 *   `prefix + X + delimiter` where the delimiter is its first occurrence after the prefix
 *   ("all keys between Prefix and the next occurrence of the string specified by the delimiter");
 * - a marker (V1 `marker`, V2 `start-after`/continuation, `key-marker`) lists what sorts after it;
 *   a marker that is itself one of the listing's common prefixes skips every key under it (S3's
 *   NextMarker after a common prefix, which s3-tests' test_bucket_list_delimiter_prefix pages through
 *   without seeing the prefix twice);
 * - keys and common prefixes both count against max-keys.
 */
import fc from 'fast-check';

/** Compare two strings as UTF-8 bytes (S3's key order; JS `<` compares UTF-16 units). */
export function cmpUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The common prefix `key` rolls up into, if any. */
export function rollUp(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

/** One item of a listing: a key (with its payload) or a common prefix. */
export type Item<T> = { key: string; value: T } | { prefix: string };

/**
 * The whole listing of `entries` (key → payloads, listed in the given order) after `marker`.
 * With a version marker, the marker key's payloads after it come first (ListObjectVersions /
 * ListMultipartUploads: "versions/uploads of key-marker after the id marker, then later keys").
 */
export function modelList<T>(
  entries: Map<string, T[]>,
  q: { prefix?: string; delimiter?: string; marker?: string; after?: (v: T) => boolean },
): Item<T>[] {
  const prefix = q.prefix ?? '';
  const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort(cmpUtf8);
  const out: Item<T>[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const cp = rollUp(k, prefix, q.delimiter);
    const values = entries.get(k)!;
    if (q.marker !== undefined) {
      const c = cmpUtf8(k, q.marker);
      if (c < 0) continue;
      if (c === 0 && !(q.after && cp === undefined)) continue;
      // A marker that is a common prefix, or (without a version/upload id marker) a key under one,
      // is past every key under that prefix (S3's answer: LocalStack's AWS-validated
      // list-objects-manual-first-file, list-object-versions-manual-first-file).
      if (cp !== undefined && (cp === q.marker || (!q.after && q.marker.startsWith(cp)))) continue;
    }
    if (cp !== undefined) {
      if (!seen.has(cp)) out.push({ prefix: cp });
      seen.add(cp);
      continue;
    }
    const shown = q.marker !== undefined && k === q.marker ? values.filter(q.after!) : values;
    for (const value of shown) out.push({ key: k, value });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random data.

/**
 * Key characters: ASCII letters, the delimiters tried (repeated so they occur often), characters
 * URL encoding must carry (`%`, `+`, space, `&`, `*`), control characters (never NUL: S3 keys may
 * hold it but clients cannot send it in a URL path reliably), a BMP private-use char that sorts
 * above every astral char in UTF-16 but below it in UTF-8, and astral chars.
 */
const CHARS = ['a', 'b', 'a', '/', '/', '/', '-', '%', '+', ' ', '&', '*', '<', '.', '\t', '\r', '\x01', '\x7f', 'é', '\uE000', '\uFFFD', '😀', '𝄞'];

/** A key: 1–6 characters from CHARS. */
export const keyArb = fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 6 }).map((a) => a.join(''));

/** Delimiters: single characters and multi-character strings, some absent. */
export const delimiterArb = fc.option(fc.constantFrom('/', 'a', '%', '+', ' ', '😀', '\uE000', '//', '/a', 'ab', 'a/', '\r'), { nil: undefined, freq: 3 });

/** A prefix: empty, or a random short string, or (by the test) the start of a key. */
export const prefixArb = fc.option(fc.array(fc.constantFrom('a', 'b', '/', '😀', '%', ' '), { minLength: 1, maxLength: 3 }).map((a) => a.join('')), { nil: undefined, freq: 2 });

/** Page sizes: mostly tiny, so paging crosses every boundary. */
export const pageArb = fc.constantFrom(1, 1, 2, 3, 5, 1000);

// ---------------------------------------------------------------------------------------------
// Reading the XML.

/** Undo escapeXml (the entities S3 writes: markup, quotes and numeric references). */
export function unescapeXml(s: string): string {
  return s.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g, (_m, dec?: string, hex?: string, name?: string) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name!]!;
  });
}

/** A text value as the client reads it: entities undone, then form-decoded when `url`-encoded. */
export function decodeValue(raw: string, url: boolean): string {
  const s = unescapeXml(raw);
  return url ? decodeURIComponent(s.replace(/\+/g, ' ')) : s;
}

/** Every `<name>…</name>` element body (raw) in document order. */
export function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>(.*?)</${name}>`, 'gs'))].map((m) => m[1]!);
}

/** The text of the first `<name>` child, raw. */
export function child(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/** Items of a page in document order: `itemTags` elements (with Key) and CommonPrefixes. */
export function pageItems(xml: string, itemTags: string[], url: boolean): { items: { tag: string; key: string; body: string }[]; prefixes: string[] } {
  const re = new RegExp(`<(${itemTags.join('|')})>(.*?)</\\1>`, 'gs');
  const items = [...xml.matchAll(re)].map((m) => ({ tag: m[1]!, key: decodeValue(child(m[2]!, 'Key')!, url), body: m[2]! }));
  const prefixes = elements(xml, 'CommonPrefixes').map((b) => decodeValue(child(b, 'Prefix')!, url));
  return { items, prefixes };
}

/** Percent-encode a query value (every byte but unreserved ones). */
export function q(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The URL path of an object key, `/` left as is (as the SDKs send it). */
export function keyPath(bucket: string, key: string): string {
  return `/${bucket}/${q(key).replace(/%2F/g, '/')}`;
}

/**
 * Helpers for the listing cases (list-v1, list-v2, list-versions): fill a bucket, list it raw and
 * pick the parsed fields apart.
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { asList, parseXml, type Xml } from './check.js';
import type { Ctx } from './types.js';

/** Create a bucket holding `keys` (body = the key), a few at a time. */
export async function filled(ctx: Ctx, prefix: string, keys: string[]): Promise<string> {
  const b = await ctx.bucket(prefix);
  await putAll(ctx, b, keys);
  return b;
}

/** Put every key (body = the key), four at a time. */
export async function putAll(ctx: Ctx, b: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 4) {
    await Promise.all(keys.slice(i, i + 4).map((k) => ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }))));
  }
}

/** `?a=1&b` from a record (values encoded; an empty value gives a bare name). */
export const queryString = (q: Record<string, string>): string =>
  Object.entries(q).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');

/** `GET /{b}?{query}` → the root element of the 200 answer and the body text. */
export async function listDoc(ctx: Ctx, b: string, query: Record<string, string>, root: string): Promise<{ doc: Xml; text: string }> {
  const qs = queryString(query);
  const res = await ctx.raw({ method: 'GET', path: `/${b}${qs ? `?${qs}` : ''}` });
  assert.equal(res.status, 200, res.text);
  const doc = parseXml(res.text)[root];
  assert.ok(doc !== undefined, `no <${root}> in ${res.text.slice(0, 200)}`);
  return { doc, text: res.text };
}

/** `GET /{b}?{query}` (query values encoded here) → the root element of the 200 answer. */
export async function listRaw(ctx: Ctx, b: string, query: Record<string, string>, root = 'ListBucketResult'): Promise<Xml> {
  return (await listDoc(ctx, b, query, root)).doc;
}

/** Keys of `<Contents>`. */
export const keysOf = (doc: Xml): string[] => asList(doc.Contents).map((c: Xml) => c.Key as string);

/** `<CommonPrefixes><Prefix>` values. */
export const prefixesOf = (doc: Xml): string[] => asList(doc.CommonPrefixes).map((p: Xml) => p.Prefix as string);

/** UTF-8 byte order, the order S3 lists keys in. */
export const byteOrder = (keys: string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** Form-decoding of an `encoding-type=url` value (`+` is a space under it, as AWS writes spaces). */
export const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));

/** One `<Version>` or `<DeleteMarker>` of a ListVersionsResult, in document order. */
export interface VersionEntry {
  kind: 'Version' | 'DeleteMarker';
  key: string;
  versionId: string;
  isLatest: boolean;
  fields: Xml;
}

/**
 * The entries of a ListVersionsResult body in document order (S3 interleaves versions and delete
 * markers newest first per key; a parsed object groups them by element name, the SDK too).
 */
export function versionEntries(xml: string): VersionEntry[] {
  const out: VersionEntry[] = [];
  for (const m of xml.matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)) {
    const fields = parseXml(`<e>${m[2]}</e>`).e;
    out.push({ kind: m[1] as VersionEntry['kind'], key: String(fields.Key), versionId: String(fields.VersionId), isLatest: fields.IsLatest === 'true', fields });
  }
  return out;
}

/** `GET /{b}?versions&…` → the parsed ListVersionsResult and its entries in document order. */
export async function listVersionsRaw(ctx: Ctx, b: string, query: Record<string, string> = {}): Promise<{ doc: Xml; entries: VersionEntry[] }> {
  const { doc, text } = await listDoc(ctx, b, { versions: '', ...query }, 'ListVersionsResult');
  return { doc, entries: versionEntries(text) };
}

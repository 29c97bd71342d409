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

/** `GET /{b}?{query}` (query values encoded here) → the root element of the 200 answer. */
export async function listRaw(ctx: Ctx, b: string, query: Record<string, string>, root = 'ListBucketResult'): Promise<Xml> {
  const qs = Object.entries(query).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const res = await ctx.raw({ method: 'GET', path: `/${b}${qs ? `?${qs}` : ''}` });
  assert.equal(res.status, 200, res.text);
  const doc = parseXml(res.text)[root];
  assert.ok(doc !== undefined, `no <${root}> in ${res.text.slice(0, 200)}`);
  return doc;
}

/** Keys of `<Contents>`. */
export const keysOf = (doc: Xml): string[] => asList(doc.Contents).map((c: Xml) => c.Key as string);

/** `<CommonPrefixes><Prefix>` values. */
export const prefixesOf = (doc: Xml): string[] => asList(doc.CommonPrefixes).map((p: Xml) => p.Prefix as string);

/** UTF-8 byte order, the order S3 lists keys in. */
export const byteOrder = (keys: string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** Form-decoding of an `encoding-type=url` value (`+` is a space under it, as AWS writes spaces). */
export const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));

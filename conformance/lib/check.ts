/**
 * Assertion helpers shared by case files: SDK errors, raw XML error bodies, response bodies.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { RawResponse } from './types.js';

/** What an SDK error is expected to carry. */
export interface ExpectedError {
  /** HTTP status. */
  status: number;
  /** AWS error code (the SDK's `name`; for HEAD, which has no body, the SDK derives it from the status). */
  code: string;
}

/** The fields of an SDK v3 service exception the cases look at. */
export interface SdkError extends Error {
  $metadata: { httpStatusCode?: number };
  $response?: { headers: Record<string, string> };
  Code?: string;
  [k: string]: unknown;
}

/** Await `p`, expect it to reject with an S3 error of this status and code; returns the error. */
export async function expectError(p: Promise<unknown>, want: ExpectedError): Promise<SdkError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${want.status} ${want.code}, but the request succeeded`);
  const e = err as SdkError;
  assert.ok(e.$metadata, `expected ${want.status} ${want.code}, got a non-HTTP error: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
  assert.deepEqual({ status: e.$metadata.httpStatusCode, code: e.name }, { status: want.status, code: want.code });
  return e;
}

/**
 * A node of a parsed XML document. Parsed XML is untyped by nature; cases index into it and
 * assert on what they find, so a precise type would only add casts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Xml = any;

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, removeNSPrefix: false });

/** Parse an XML body into plain objects (values stay strings; attributes as `@_name`). */
export function parseXml(text: string): Xml {
  return parser.parse(text);
}

/** A raw response must be an S3 XML error with this status and code; returns `<Error>`'s fields. */
export function expectRawError(res: RawResponse, status: number, code: string): Record<string, string> {
  const doc: Xml = res.text ? parseXml(res.text) : {};
  const e = (doc.Error ?? {}) as Record<string, string>;
  assert.deepEqual({ status: res.status, code: e.Code }, { status, code }, `body: ${res.text.slice(0, 300)}`);
  return e;
}

/** A list that fast-xml-parser may have collapsed to one element (or left out). */
export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Read an SDK streaming body (GetObject `Body`) in full. */
export async function bodyText(body: unknown): Promise<string> {
  assert.ok(body, 'expected a body');
  return (body as { transformToString(): Promise<string> }).transformToString();
}

/** Read an SDK streaming body as bytes. */
export async function bodyBytes(body: unknown): Promise<Buffer> {
  assert.ok(body, 'expected a body');
  return Buffer.from(await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** `n` deterministic bytes (a repeating pattern that differs at every offset of a 251-byte cycle). */
export function bytes(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) % 251;
  return b;
}

/** The quoted hex MD5 ETag of `data`. */
export function md5Etag(data: Buffer | string): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

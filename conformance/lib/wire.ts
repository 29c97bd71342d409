/**
 * Small helpers the case files share: reading S3 XML bodies, asserting S3 errors (raw and SDK),
 * checksums as S3 encodes them, and sending requests signed by conformance/lib/sign.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32c as awsCrc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { signV4, sha256hex, type Keys } from './sign.js';
import type { Ctx, RawResponse } from './types.js';

/** The checksum algorithms of "Checking object integrity" (CRC32, CRC32C, CRC64NVME, SHA1, SHA256). */
export const ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
/** One of {@link ALGORITHMS}. */
export type Algorithm = (typeof ALGORITHMS)[number];

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The binary digest of `data` under `alg` (big-endian for the CRCs). */
export async function digest(alg: Algorithm, data: Buffer): Promise<Buffer> {
  switch (alg) {
    case 'CRC32': return be32(zlibCrc32(data));
    case 'CRC32C': return be32(awsCrc32c(data));
    case 'CRC64NVME': {
      const h = new Crc64Nvme();
      h.update(data);
      return Buffer.from(await h.digest());
    }
    case 'SHA1': return createHash('sha1').update(data).digest();
    case 'SHA256': return createHash('sha256').update(data).digest();
  }
}

/** The base64 checksum value S3 puts in `x-amz-checksum-<alg>`. */
export async function checksum(alg: Algorithm, data: Buffer | string): Promise<string> {
  return (await digest(alg, Buffer.from(data))).toString('base64');
}

/** `x-amz-checksum-crc32` etc. */
export function checksumHeader(alg: Algorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

/** Base64 MD5 (Content-MD5). */
export function md5b64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

/** Hex MD5 (single-part ETag). */
export function md5hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** Deterministic test bytes. */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Text of the first `<tag>…</tag>` (entity-decoded), or undefined. */
export function xmlText(body: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(body);
  return m ? decodeEntities(m[1]!) : undefined;
}

/** Text of every `<tag>…</tag>`, in order. */
export function xmlAll(body: string, tag: string): string[] {
  return [...body.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => decodeEntities(m[1]!));
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

/** Assert an S3 error answer: exact status and, when the method has a body, the XML `Code`. */
export function assertError(res: RawResponse, status: number, code: string | undefined, what = ''): void {
  assert.equal(res.status, status, `${what} status (body: ${res.text.slice(0, 300)})`);
  if (code !== undefined) assert.equal(xmlText(res.text, 'Code'), code, `${what} error code (body: ${res.text.slice(0, 300)})`);
}

/** Assert a 2xx answer, showing the body when it is not. */
export function assertOk(res: RawResponse, status = 200, what = ''): void {
  assert.equal(res.status, status, `${what} status (body: ${res.text.slice(0, 300)})`);
}

/** Shape of an SDK v3 service exception. */
interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Assert that an SDK call fails with this HTTP status and S3 error code. */
export async function assertSdkError(p: Promise<unknown>, status: number, code: string): Promise<void> {
  let err: SdkError | undefined;
  try {
    await p;
  } catch (e) {
    err = e as SdkError;
  }
  assert.ok(err, `expected ${status} ${code}, the call succeeded`);
  assert.equal(err.$metadata?.httpStatusCode, status, `status (error ${err.name})`);
  assert.equal(err.Code ?? err.name, code);
}

/** Host header value for the target. */
export function hostOf(ctx: Ctx): string {
  return new URL(ctx.endpoint).host;
}

/** The default user's keys. */
export function keysOf(ctx: Ctx): Keys {
  return { accessKeyId: ctx.accessKey, secretAccessKey: ctx.secretKey };
}

/** The second user, or a clear failure when the target has none. */
export function otherOf(ctx: Ctx): { keys: Keys; s3: S3Client } {
  if (!ctx.other || !ctx.s3Other) throw new Error('this target has no second user');
  return { keys: { accessKeyId: ctx.other.accessKey, secretAccessKey: ctx.other.secretKey }, s3: ctx.s3Other };
}

/** A request to sign with conformance/lib/sign.ts and send. */
export interface V4Send {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Default: SHA-256 of the body. */
  payloadHash?: string;
  keys?: Keys;
  date?: Date;
  region?: string;
  signedHeaders?: string[];
  /** Scope service (default s3). */
  service?: string;
  /** Leave out `x-amz-date` (dated by `Date` instead). */
  omitAmzDate?: boolean;
  /** Further header lines sent as given (duplicates). */
  extraHeaders?: Array<[string, string]>;
  /** Rewrite the headers after signing (tampering). */
  after?: (headers: Record<string, string>) => void;
}

/** Sign with our own SigV4 code and send without further signing. */
export async function sendV4(ctx: Ctx, r: V4Send): Promise<RawResponse> {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const headers = { host: hostOf(ctx), ...(r.headers ?? {}) };
  const signed = signV4({
    method: r.method, path: r.path, headers, payloadHash: r.payloadHash ?? sha256hex(body ?? ''),
    keys: r.keys ?? keysOf(ctx), region: r.region ?? ctx.region, date: r.date ?? new Date(), signedHeaders: r.signedHeaders,
    service: r.service, omitAmzDate: r.omitAmzDate,
  });
  r.after?.(signed.headers);
  return ctx.raw({ method: r.method, path: r.path, headers: withoutHost(signed.headers), body, sign: 'none', extraHeaders: r.extraHeaders });
}

/** Drop `host` (the HTTP client sets the same value itself). */
export function withoutHost(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() !== 'host') out[k] = v;
  return out;
}

/** The canonical user id (owner ID) of a client's user, from ListBuckets (it needs one bucket). */
export async function ownerId(s3: S3Client): Promise<string> {
  const out = await s3.send(new ListBucketsCommand({}));
  const id = out.Owner?.ID;
  assert.ok(id, 'ListBuckets returned no Owner ID');
  return id;
}

/** Read an SDK body stream in full. */
export async function bodyBytes(body: unknown): Promise<Buffer> {
  const b = body as { transformToByteArray(): Promise<Uint8Array> } | undefined;
  assert.ok(b, 'no body');
  return Buffer.from(await b.transformToByteArray());
}

/**
 * SigV4 primitives: HMAC/SHA-256 helpers, the signing-key derivation with a small cache, and the
 * constant-time comparison every verifier uses (AWS "Calculate the signature for AWS Signature
 * Version 4": kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")).
 */
import crypto, { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { BoundedMemo } from '../../common/index.js';
import { AuthError } from './auth-error.js';
import type { AuthOptions, Credentials } from './types.js';

/** SHA-256 of the empty string, hex (chunk string-to-sign and empty bodies). */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lower-case hex SHA-256 (one `crypto.hash` call where Node has it, 20.12+: no Hash object). */
export function sha256Hex(data: string | Uint8Array): string {
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA256. */
export function hmacSha256(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Constant-time string equality (different lengths compare unequal without leaking content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // keep timing roughly independent of where lengths differ
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Derive a SigV4 signing key (no cache). */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmacSha256(`AWS4${secret}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, 'aws4_request');
}

// key: accessKey \0 date \0 region \0 service → { secret, key }. The secret is kept to detect a
// rotated secret under the same access key (the cached key is then recomputed, never reused).
const cache = new BoundedMemo<{ secret: string; key: Buffer }>(1024);

/**
 * Signing key for (accessKey, date, region, service), cached: one derivation costs four HMACs and
 * is the same for every request of a key on a day. Bounded; oldest entries are dropped first.
 */
export function signingKey(accessKey: string, secret: string, date: string, region: string, service: string): Buffer {
  const id = `${accessKey}\0${date}\0${region}\0${service}`;
  const hit = cache.get(id);
  if (hit && hit.secret === secret) return hit.key;
  return cache.set(id, { secret, key: deriveSigningKey(secret, date, region, service) }).key;
}

/**
 * Signing keys as KeyObjects, made once per key (the cached keys above live for a day). Node 24
 * checks whether a Buffer key is a KeyObject or a CryptoKey on every createHmac, through slots
 * lookups that cost more than the HMAC: 16.4 µs per createHmac with a Buffer key on Node 24.21
 * here, 1.8 µs with a KeyObject (Node 20: 5.1 and 2.1). Every SigV4 request signs once, and an
 * aws-chunked body once per chunk (bench/RESULTS.md, session 20).
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();

/** HMAC-SHA256 hex signature of a string to sign. */
export function sign(key: Buffer, stringToSign: string): string {
  let k = keyObjects.get(key);
  if (!k) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return createHmac('sha256', k).update(stringToSign, 'utf8').digest('hex');
}

/**
 * The SigV4 string to sign of a canonical request: a text is hashed as UTF-8, a Buffer as is (the
 * bytes as sent, `asSentBytes`).
 */
export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string | Buffer): string {
  return `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`;
}

/**
 * A text holding characters U+0080..U+00FF and none above, as the bytes they came from; undefined
 * for any other text. Node's HTTP parser hands header values over one character per byte
 * (latin1), so such a value is a header sent with bytes ≥ 0x80 — raw UTF-8, as the AWS SDKs for
 * Ruby, Go and Java send user metadata or an unencoded `x-amz-copy-source`, and sign those bytes.
 * The JS SDK v3 does the same (Node's client writes header strings as UTF-8). Hashing the
 * canonical request as UTF-8 would encode each such byte as two, so the signature check tries
 * these bytes too, after the UTF-8 try (which a signer hashing a latin1 byte's character as UTF-8
 * matches, and fastify.inject's strings).
 */
export function asSentBytes(text: string): Buffer | undefined {
  // eslint-disable-next-line no-control-regex
  return /[\x80-\xff]/.test(text) && !/[^\x00-\xff]/.test(text) ? Buffer.from(text, 'latin1') : undefined;
}

/** Parse `YYYYMMDDTHHMMSSZ` (ISO 8601 basic) into epoch ms, or undefined. */
export function parseAmzDate(s: string): number | undefined {
  // Concurrent requests of a client carry the same x-amz-date for up to a second: the last one is
  // remembered (undefined results too, which are as cheap to recompute).
  if (s === lastAmzDate) return lastAmzMs;
  lastAmzMs = parseAmzDateOnce(s);
  lastAmzDate = s;
  return lastAmzMs;
}

let lastAmzDate: string | undefined;
let lastAmzMs: number | undefined;

function parseAmzDateOnce(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  // Reject rolled-over dates such as 20130231.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return t;
}

/** Format epoch ms as `YYYYMMDDTHHMMSSZ`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The credentials of `accessKeyId`; an unknown key is InvalidAccessKeyId (every signature scheme). */
export async function lookupCredentials<C extends Credentials>(accessKeyId: string, opts: AuthOptions<C>): Promise<C> {
  const creds = await opts.lookupSecret(accessKeyId);
  if (!creds) {
    throw new AuthError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  return creds;
}

/**
 * A string's UTF-8 bytes as S3 shows them in a SignatureDoesNotMatch (`StringToSignBytes`,
 * `CanonicalRequestBytes`): two lower-case hex digits each, separated by spaces (`41 57 53 34 …`,
 * an S3 answer quoted in jcberquist/aws-cfml#9).
 */
export function hexBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/**
 * Hand-built request signatures for the cases an SDK will not produce: tampered presigned URLs,
 * SigV2, aws-chunked bodies with chunk and trailer signatures, deliberately wrong signatures.
 *
 * Written from the AWS documents, independent of the gateway's own signing code (the suite must
 * not share code with what it checks):
 * - SigV4 header and query auth: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 *   and https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 * - chunked upload: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * - trailers: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 * - SigV2: https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */
import { createHash, createHmac } from 'node:crypto';

/** An access key pair. */
export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Lower-case hex SHA-256. */
export function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the empty string (used in every chunk string to sign). */
export const EMPTY_SHA256 = sha256hex('');

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `YYYYMMDDTHHMMSSZ` (ISO 8601 basic, as in `x-amz-date`). */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The SigV4 signing key: HMAC chain over date, region, service and `aws4_request`. */
export function signingKey(secret: string, date: string, region: string, service = 's3'): Buffer {
  const kDate = hmac('AWS4' + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/**
 * RFC 3986 percent-encoding as SigV4 wants it: unreserved `A–Z a–z 0–9 - _ . ~` kept, everything
 * else `%XX` upper case; `/` kept only when `keepSlash` (object key paths).
 */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Path of an object as it goes on the wire: `/bucket/` + the key encoded once, `/` kept. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${uriEncode(key, true)}`;
}

/** Canonical query string: decode each pair, re-encode strictly, sort by key then value. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    return [uriEncode(decodeURIComponent(k)), uriEncode(decodeURIComponent(v))] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

/** What {@link signV4} signs. */
export interface V4Input {
  method: string;
  /** Path plus optional query, as sent on the wire (already encoded). */
  path: string;
  /** Request headers; `host` must be among them. Names any case. */
  headers: Record<string, string>;
  /** `x-amz-content-sha256` value to sign (also set as a header unless present). */
  payloadHash: string;
  keys: Keys;
  region: string;
  date: Date;
  /** Headers to sign (lower case); default: every header given (plus x-amz-date/x-amz-content-sha256). */
  signedHeaders?: string[];
  /** Service in the scope (default `s3`). */
  service?: string;
  /** Do not add `x-amz-date` (the request then dates itself with its `Date` header). */
  omitAmzDate?: boolean;
}

/** The parts of a SigV4 signature, for building chunk chains and for tampering. */
export interface V4Signed {
  /** Headers to send: the input's plus `x-amz-date`, `x-amz-content-sha256`, `authorization`. */
  headers: Record<string, string>;
  signature: string;
  amzDate: string;
  scope: string;
  signingKey: Buffer;
  canonicalRequest: string;
  stringToSign: string;
}

/** The canonical request of a header-signed SigV4 request. */
export function canonicalRequestV4(method: string, path: string, headers: Record<string, string>, signed: string[], payloadHash: string): string {
  const q = path.indexOf('?');
  const rawPath = q < 0 ? path : path.slice(0, q);
  const rawQuery = q < 0 ? '' : path.slice(q + 1);
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonHeaders = signed.map((h) => `${h}:${canonicalHeaderValue(lower.get(h) ?? '')}\n`).join('');
  return [method, rawPath, canonicalQuery(rawQuery), canonHeaders, signed.join(';'), payloadHash].join('\n');
}

/** Sign a request with `Authorization: AWS4-HMAC-SHA256 …` (header form). */
export function signV4(input: V4Input): V4Signed {
  const service = input.service ?? 's3';
  const date = amzDate(input.date);
  const scope = `${date.slice(0, 8)}/${input.region}/${service}/aws4_request`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  if (!input.omitAmzDate) headers['x-amz-date'] ??= date;
  headers['x-amz-content-sha256'] ??= input.payloadHash;
  const signed = (input.signedHeaders ?? Object.keys(headers)).map((h) => h.toLowerCase()).sort();
  const canonical = canonicalRequestV4(input.method, input.path, headers, signed, input.payloadHash);
  const sts = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonical)].join('\n');
  const key = signingKey(input.keys.secretAccessKey, date.slice(0, 8), input.region, service);
  const signature = hmac(key, sts).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.keys.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return { headers, signature, amzDate: date, scope, signingKey: key, canonicalRequest: canonical, stringToSign: sts };
}

/** What {@link presignV4} builds. */
export interface PresignInput {
  method: string;
  /** Path as on the wire, optionally with query parameters that are part of the signature. */
  path: string;
  /** Value of the Host header the request will carry. */
  host: string;
  keys: Keys;
  region: string;
  date: Date;
  expires: number;
  /** Further headers signed besides host (lower-case name → value the client will send). */
  signedHeaders?: Record<string, string>;
  /** Extra presign query parameters (e.g. `X-Amz-Security-Token`), signed. */
  extraQuery?: Record<string, string>;
}

/** A presigned SigV4 URL path + query (signature last), per "Authenticating Requests: Using Query Parameters". */
export function presignV4(p: PresignInput): string {
  const date = amzDate(p.date);
  const scope = `${date.slice(0, 8)}/${p.region}/s3/aws4_request`;
  const headers: Record<string, string> = { host: p.host, ...(p.signedHeaders ?? {}) };
  const signed = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${p.keys.accessKeyId}/${scope}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(p.expires),
    'X-Amz-SignedHeaders': signed.join(';'),
    ...(p.extraQuery ?? {}),
  };
  const q = p.path.indexOf('?');
  const base = q < 0 ? p.path : p.path.slice(0, q);
  const own = q < 0 ? '' : p.path.slice(q + 1);
  const query = [own, ...Object.entries(params).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)].filter((s) => s !== '').join('&');
  const canonical = canonicalRequestV4(p.method, `${base}?${query}`, headers, signed, 'UNSIGNED-PAYLOAD');
  const sts = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonical)].join('\n');
  const sig = hmac(signingKey(p.keys.secretAccessKey, date.slice(0, 8), p.region), sts).toString('hex');
  return `${base}?${query}&X-Amz-Signature=${sig}`;
}

/** Chunk signature (sigv4-streaming.html): HMAC over `AWS4-HMAC-SHA256-PAYLOAD` ‖ date ‖ scope ‖ previous ‖ ''-hash ‖ chunk hash. */
export function chunkSignature(key: Buffer, date: string, scope: string, previous: string, chunk: Buffer): string {
  const sts = ['AWS4-HMAC-SHA256-PAYLOAD', date, scope, previous, EMPTY_SHA256, sha256hex(chunk)].join('\n');
  return hmac(key, sts).toString('hex');
}

/** Trailer signature (sigv4-streaming-trailers.html): HMAC over `AWS4-HMAC-SHA256-TRAILER` ‖ date ‖ scope ‖ previous ‖ hash of the trailer lines. */
export function trailerSignature(key: Buffer, date: string, scope: string, previous: string, trailerLines: string): string {
  const sts = ['AWS4-HMAC-SHA256-TRAILER', date, scope, previous, sha256hex(trailerLines)].join('\n');
  return hmac(key, sts).toString('hex');
}

/** The three aws-chunked payload modes the gateway decodes. */
export type ChunkedMode = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';

/** How to frame an aws-chunked body (and how to break it). */
export interface ChunkedBody {
  mode: ChunkedMode;
  /** Data chunks (a final zero-length chunk is appended unless `omitFinal`). */
  chunks: Buffer[];
  /** Trailer headers (name → value), sent after the final chunk. */
  trailers?: Record<string, string>;
  /** Signed modes: the chain seed (the request's own signature) and what signs it. */
  signing?: { key: Buffer; date: string; scope: string; seed: string };
  /** Replace the signature of chunk i (index into the chunks, `chunks.length` = the final chunk). */
  badChunkSignature?: number;
  /** Send a wrong trailer signature. */
  badTrailerSignature?: boolean;
  /** End trailer lines with LF only (minio-go does). */
  trailerLf?: boolean;
  /** Leave out the final zero-length chunk and the trailers. */
  omitFinal?: boolean;
  /** Leave out the trailer section even though trailers were declared. */
  omitTrailers?: boolean;
}

/** Frame `chunks` as an aws-chunked body per the mode's grammar (s3-surface.md §2.1). */
export function awsChunked(b: ChunkedBody): Buffer {
  const signed = b.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
  const parts: Buffer[] = [];
  let prev = b.signing?.seed ?? '';
  const all = b.omitFinal ? b.chunks : [...b.chunks, Buffer.alloc(0)];
  all.forEach((chunk, i) => {
    let ext = '';
    if (signed) {
      if (!b.signing) throw new Error('signed aws-chunked needs signing');
      let sig = chunkSignature(b.signing.key, b.signing.date, b.signing.scope, prev, chunk);
      prev = sig;
      if (b.badChunkSignature === i) sig = flipHex(sig);
      ext = `;chunk-signature=${sig}`;
    }
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`));
    if (chunk.length > 0) parts.push(chunk, Buffer.from('\r\n'));
  });
  if (b.omitFinal) return Buffer.concat(parts);
  const withTrailers = b.trailers !== undefined && !b.omitTrailers && b.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  if (withTrailers) {
    const eol = b.trailerLf ? '\n' : '\r\n';
    const lines = Object.entries(b.trailers!).map(([k, v]) => `${k}:${v}`);
    let text = lines.map((l) => l + eol).join('');
    if (signed) {
      let sig = trailerSignature(b.signing!.key, b.signing!.date, b.signing!.scope, prev, lines.map((l) => l + '\n').join(''));
      if (b.badTrailerSignature) sig = flipHex(sig);
      text += `x-amz-trailer-signature:${sig}${eol}`;
    }
    parts.push(Buffer.from(text));
  }
  // The body ends with an empty line (after the trailers, if any).
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Change the first hex digit (a signature of the right shape that does not verify). */
export function flipHex(sig: string): string {
  return (sig[0] === '0' ? '1' : '0') + sig.slice(1);
}

/** SigV2 HMAC-SHA1 signature (base64) of a string to sign. */
export function signV2(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** What a SigV2 string to sign is made of (RESTAuthentication: "Constructing the StringToSign"). */
export interface V2Input {
  method: string;
  contentMd5?: string;
  contentType?: string;
  /** Date header value, or Expires (epoch seconds) for query auth; empty when x-amz-date is sent. */
  dateOrExpires: string;
  /** Request headers; the `x-amz-*` ones become CanonicalizedAmzHeaders. */
  headers?: Record<string, string>;
  /** `/bucket/key` as on the wire plus the sub-resources, e.g. `/b?acl`. */
  resource: string;
}

/** StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource. */
export function stringToSignV2(i: V2Input): string {
  const amz = Object.entries(i.headers ?? {})
    .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
    .filter(([k]) => k.startsWith('x-amz-'))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}:${v}\n`).join('');
  return [i.method, i.contentMd5 ?? '', i.contentType ?? '', i.dateOrExpires, amz + i.resource].join('\n');
}

/** The `Authorization: AWS AK:sig` header value. */
export function authorizationV2(keys: Keys, i: V2Input): string {
  return `AWS ${keys.accessKeyId}:${signV2(keys.secretAccessKey, stringToSignV2(i))}`;
}

/** A SigV2 presigned path: `path?[own&]AWSAccessKeyId=…&Expires=…&Signature=…`. */
export function presignV2(keys: Keys, method: string, path: string, resource: string, expires: number): string {
  const sig = signV2(keys.secretAccessKey, stringToSignV2({ method, dateOrExpires: String(expires), resource }));
  const sep = path.includes('?') ? '&' : '?';
  return `${path}${sep}AWSAccessKeyId=${encodeURIComponent(keys.accessKeyId)}&Expires=${expires}&Signature=${encodeURIComponent(sig)}`;
}

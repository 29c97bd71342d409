/**
 * AWS Signature Version 4 for S3, header form (`Authorization: AWS4-HMAC-SHA256 …`) and presigned
 * query form (`X-Amz-Algorithm=AWS4-HMAC-SHA256&…`). AWS docs: "Authenticating Requests: Using the
 * Authorization Header (AWS Signature Version 4)" and "… Using Query Parameters"; rules of
 * shared/spec/s3-surface.md §2.
 */
import { BoundedMemo } from '../../common/index.js';
import { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
import { canonicalRequest } from './canonical.js';
import { header } from './headers.js';
import type { SignableRequest } from './headers.js';
import { parseHttpDate } from '../http-date.js';
import { classifyPayload, validatePayloadHash } from './payload.js';
import { asSentBytes, formatAmzDate, hexBytes, lookupCredentials, parseAmzDate, safeEqual, sign, signingKey, stringToSign } from './signing.js';
import { DEFAULT_MAX_SKEW_MS, MAX_PRESIGN_EXPIRES_S } from './types.js';
import type { AuthOptions, Credentials, SignedAuth } from './types.js';
import { queryParams, splitTarget } from './uri.js';

/** The parts of a SigV4 credential (`AK/date/region/service/aws4_request`). */
export interface V4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
}

/** A parsed `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface V4AuthorizationHeader {
  credential: V4Credential;
  signedHeaders: readonly string[];
  signature: string;
}

/**
 * Split a credential from the right: the access key may itself contain `/` (operator-supplied keys
 * are any printable ASCII, spec §2), the four scope parts never do.
 */
export function parseCredential(value: string, code: string): V4Credential {
  return credentials.get(value) ?? credentials.set(value, Object.freeze(parseCredentialOnce(value, code)));
}

// Every request of a client repeats its credential and SignedHeaders strings (one scope a day):
// parsed once, shared frozen. Bounded, so junk values cannot grow them.
const credentials = new BoundedMemo<V4Credential>();
const signedHeaderLists = new BoundedMemo<readonly string[]>();
/** The members of a (memoized) SignedHeaders list, as a set. */
const signedSets = new WeakMap<readonly string[], Set<string>>();

/**
 * S3's words for a credential it cannot use, after the mechanism's own lead-in: "The authorization
 * header is malformed; the Credential is mal-formed; expecting …" (krobertson/deb-s3#157,
 * aws/aws-sdk-ruby#1276), "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed;
 * expecting …" for a presigned URL (TTLabs/EvaporateJS#491), no lead-in for a form's field (400
 * InvalidArgument naming X-Amz-Credential, versitygw PostObject_invalid_credential_format); a wrong
 * terminal and a date not yyyyMMdd are named (versitygw s3err MalformedAuth / PostAuth).
 */
function credentialError(code: string, value: string, problem: string): AuthError {
  const lead = code === 'AuthorizationHeaderMalformed' ? 'The authorization header is malformed; '
    : code === 'AuthorizationQueryParametersError' ? 'Error parsing the X-Amz-Credential parameter; ' : '';
  const details = code === 'InvalidArgument' ? { ArgumentName: 'X-Amz-Credential', ArgumentValue: value } : undefined;
  return new AuthError(code, lead + problem, details);
}

const MALFORMED_CREDENTIAL = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';

function parseCredentialOnce(value: string, code: string): V4Credential {
  const parts = value.split('/');
  if (parts.length < 5) throw credentialError(code, value, MALFORMED_CREDENTIAL);
  const terminal = parts[parts.length - 1]!;
  if (terminal !== 'aws4_request') throw credentialError(code, value, `incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  const [date, region, service] = parts.slice(-4) as [string, string, string];
  const accessKeyId = parts.slice(0, -4).join('/');
  if (!accessKeyId || !region || !service) throw credentialError(code, value, MALFORMED_CREDENTIAL);
  if (!/^\d{8}$/.test(date)) throw credentialError(code, value, `incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
}

function parseSignedHeaders(value: string, code: string): readonly string[] {
  const hit = signedHeaderLists.get(value);
  if (hit) return hit;
  const list = value.split(';').map((h) => h.trim().toLowerCase());
  if (list.length === 0 || list.some((h) => h === '')) throw new AuthError(code, 'SignedHeaders is malformed');
  return signedHeaderLists.set(value, Object.freeze(list));
}

/** A `,` (and any spaces) before one of the Authorization header's components. */
const COMPONENT_SEPARATOR = /,\s*(?=(?:Credential|SignedHeaders|Signature)\s*=)/;

/** Parse the SigV4 Authorization header (components in any order, `, ` or `,` separated). */
export function parseAuthorizationV4(value: string): V4AuthorizationHeader {
  const code = 'AuthorizationHeaderMalformed';
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(value.trim());
  if (!m) throw new AuthError(code, 'The authorization header is malformed; expecting AWS4-HMAC-SHA256.');
  const fields = new Map<string, string>();
  // Split only before a component name: an operator-supplied access key may contain ',' (any
  // printable ASCII but space, s3-surface.md §2), and a plain split(',') cut its Credential in two
  // (every request of such a key was 400 AuthorizationHeaderMalformed).
  for (const part of m[1]!.split(COMPONENT_SEPARATOR)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const cred = fields.get('Credential');
  const sh = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (!cred || !sh || !sig) {
    throw new AuthError(code, 'The authorization header is malformed; it must contain Credential, SignedHeaders and Signature.');
  }
  return { credential: parseCredential(cred, code), signedHeaders: parseSignedHeaders(sh, code), signature: sig };
}

/** Everything the shared verification step needs. */
interface V4Check {
  req: SignableRequest;
  credential: V4Credential;
  signedHeaders: readonly string[];
  signature: string;
  amzDate: string;
  /** Payload hashes to try in order (presigned has a documented fallback). */
  payloadHashes: string[];
  excludeQueryKey?: string;
  /** An `x-amz-*` header that may be sent without being signed (it is then ignored). */
  ignoredUnsigned?: string;
  /** Error code for malformed parameters (header vs query form). */
  malformedCode: string;
}

function checkScope<C extends Credentials>(c: V4Check, opts: AuthOptions<C>): void {
  const service = opts.service ?? 's3';
  if (c.credential.service !== service) {
    throw new AuthError(c.malformedCode, `The authorization is malformed; incorrect service "${c.credential.service}". This endpoint belongs to "${service}".`);
  }
  if (opts.strictRegion !== undefined && c.credential.region !== opts.strictRegion) {
    throw new AuthError(c.malformedCode,
      `The authorization header is malformed; the region '${c.credential.region}' is wrong; expecting '${opts.strictRegion}'`,
      { Region: opts.strictRegion });
  }
  if (c.amzDate.slice(0, 8) !== c.credential.date) {
    throw new AuthError(c.malformedCode, `Invalid credential date "${c.credential.date}". This date is not the same as X-Amz-Date: "${c.amzDate.slice(0, 8)}".`);
  }
}

/**
 * Every `x-amz-*` header sent, and `Host`, must be signed: an unsigned Host would let a captured
 * signature be replayed against another endpoint. AWS answers both with 403 AccessDenied and
 * `<HeadersNotSigned>` (for Host as seen against S3 in amazonka#272). A presigned URL's holder may
 * send `x-amz-content-sha256` unsigned: S3 ignores it, and leaves it out of `<HeadersNotSigned>`
 * (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py test_s3_ignored_special_headers, and
 * test_put_object_with_md5_and_chunk_signature_bad_headers[s3v4-True]: HeadersNotSigned
 * 'x-amz-date, x-amz-decoded-content-length' for a request sending all three).
 */
function checkUnsignedAmzHeaders<C extends Credentials>(c: V4Check, opts: AuthOptions<C>): void {
  if (opts.requireSignedAmzHeaders === false) return;
  let signed = signedSets.get(c.signedHeaders);
  if (!signed) signedSets.set(c.signedHeaders, (signed = new Set(c.signedHeaders)));
  let missing: string[] | undefined;
  for (const h in c.req.headers) {
    if ((h === 'host' || h.startsWith('x-amz-')) && c.req.headers[h] !== undefined && !signed.has(h) && h !== c.ignoredUnsigned) {
      (missing ??= []).push(h);
    }
  }
  if (missing) {
    throw new AuthError('AccessDenied', 'There were headers present in the request which were not signed',
      { HeadersNotSigned: missing.sort().join(', ') });
  }
}

/**
 * The raw paths whose canonical URI a signer may have signed. A slash sent encoded (`%2F`) is
 * signed either as sent (`%2F`: this gateway's canonical form, and any signer that signs the wire
 * path as is) or as a plain `/`: the `aws4` npm package decodes each segment and turns `%2F` back
 * into `/` for S3 (`decodeSlashesInPath`), and MinIO (`s3utils.EncodePath` of the decoded path)
 * and Tigris compute the same. Both name the same key, so accepting either widens nothing. A
 * `%252F` (a key holding the characters `%2F`) is not touched: it is a `%25` escape.
 */
function candidatePaths(path: string): string[] {
  return /%2f/i.test(path) ? [path, path.replace(/%2f/gi, '/')] : [path];
}

/** Compute and compare the signature; returns the signing key and the payload hash that matched. */
function matchSignature(c: V4Check, key: Buffer): string {
  const { path, query } = splitTarget(c.req.url);
  // A mismatch reports the canonical request of the last candidate, the path with `%2F` read as
  // `/`: S3's has `GET\n//<bucket>/…` for a presigned `/%2F<bucket>/…` (LocalStack's AWS-validated
  // tests/aws/services/s3/test_s3.py TestS3PresignedUrl::test_pre_signed_url_forward_slash_bucket).
  const paths = candidatePaths(path);
  const reported = paths[paths.length - 1];
  let first: { canonical: string; sts: string } | undefined;
  for (const rawPath of paths) {
    for (const payloadHash of c.payloadHashes) {
      const canonical = canonicalRequest({
        method: c.req.method, rawPath, rawQuery: query, headers: c.req.headers,
        signedHeaders: c.signedHeaders, payloadHash, ...(c.excludeQueryKey ? { excludeQueryKey: c.excludeQueryKey } : {}),
      });
      const sts = stringToSign(c.amzDate, c.credential.scope, canonical);
      if (safeEqual(sign(key, sts), c.signature)) return payloadHash;
      // Header bytes ≥ 0x80 signed as the bytes sent (signing.ts asSentBytes).
      const bytes = asSentBytes(canonical);
      if (bytes && safeEqual(sign(key, stringToSign(c.amzDate, c.credential.scope, bytes)), c.signature)) return payloadHash;
      if (rawPath === reported) first ??= { canonical, sts };
    }
  }
  // The elements S3 answers a mismatch with, in its order (jcberquist/aws-cfml#9: AWSAccessKeyId,
  // StringToSign, SignatureProvided, StringToSignBytes, CanonicalRequest, CanonicalRequestBytes).
  throw new AuthError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
    AWSAccessKeyId: c.credential.accessKeyId, StringToSign: first!.sts, SignatureProvided: c.signature, StringToSignBytes: hexBytes(first!.sts),
    CanonicalRequest: first!.canonical, CanonicalRequestBytes: hexBytes(first!.canonical),
  });
}

async function verify<C extends Credentials>(c: V4Check, opts: AuthOptions<C>): Promise<{ creds: C; key: Buffer; payloadHash: string }> {
  checkUnsignedAmzHeaders(c, opts);
  const creds = await lookupCredentials(c.credential.accessKeyId, opts);
  const { accessKeyId, date, region, service } = c.credential;
  const key = signingKey(accessKeyId, creds.secret, date, region, service);
  return { creds, key, payloadHash: matchSignature(c, key) };
}

function rejectSecurityToken(req: SignableRequest, tokenInQuery: boolean): void {
  if (tokenInQuery || header(req.headers, 'x-amz-security-token') !== undefined) {
    throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
}

/** The request time of a header-signed request: `x-amz-date`, else `Date` (RFC 1123). */
function headerAmzDate(req: SignableRequest): { amzDate: string; ms: number } {
  const xd = header(req.headers, 'x-amz-date');
  if (xd !== undefined) {
    const ms = parseAmzDate(xd.trim());
    if (ms === undefined) throw new AuthError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    return { amzDate: xd.trim(), ms };
  }
  const d = header(req.headers, 'date');
  const ms = d === undefined ? NaN : parseHttpDate(d);
  if (Number.isNaN(ms)) throw new AuthError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  return { amzDate: formatAmzDate(ms), ms };
}

/**
 * A time as S3 writes it in error details (`<ServerTime>`, `<Expires>`): ISO 8601 to the second,
 * `2018-03-29T11:17:34Z` (answers captured in lukejacksonn/react-slack-clone#27, aws-sdk-php#612).
 */
export function errorTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * ±15 min rule (spec §2) → `RequestTimeTooSkewed`. S3 names the request's date as the client sent
 * it (`<RequestTime>20150604T232559Z</RequestTime>` in aws-sdk-php#612, versitygw#1514): `sent`.
 */
export function checkSkew(requestMs: number, now: number, maxSkewMs = DEFAULT_MAX_SKEW_MS, sent?: string): void {
  if (Math.abs(now - requestMs) > maxSkewMs) {
    throw new AuthError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: sent ?? errorTime(requestMs), ServerTime: errorTime(now), MaxAllowedSkewMilliseconds: String(maxSkewMs),
    });
  }
}

/** Verify a request signed with `Authorization: AWS4-HMAC-SHA256 …`. */
export async function verifySigV4Header<C extends Credentials>(req: SignableRequest, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  const parsed = parseAuthorizationV4(header(req.headers, 'authorization') ?? '');
  rejectSecurityToken(req, false);
  const contentSha = header(req.headers, 'x-amz-content-sha256')?.trim();
  if (contentSha === undefined) {
    throw new AuthError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  validatePayloadHash(contentSha); // reject SigV4a / junk before any crypto
  const { amzDate, ms } = headerAmzDate(req);
  const now = (opts.now ?? Date.now)();
  const check: V4Check = {
    req, credential: parsed.credential, signedHeaders: parsed.signedHeaders, signature: parsed.signature,
    amzDate, payloadHashes: [contentSha], malformedCode: 'AuthorizationHeaderMalformed',
  };
  checkScope(check, opts);
  checkSkew(ms, now, opts.maxSkewMs, header(req.headers, 'x-amz-date')?.trim() ?? header(req.headers, 'date'));
  const { creds, key } = await verify(check, opts);
  const signing = { signingKey: key, amzDate, scope: parsed.credential.scope, seedSignature: parsed.signature };
  return {
    kind: 'signed', scheme: 'sigv4-header', accessKeyId: parsed.credential.accessKeyId, credentials: creds,
    payload: classifyPayload(contentSha, signing), region: parsed.credential.region, signedAt: new Date(ms),
  };
}

/**
 * A required presigned parameter. S3's message names them all and not the one missing (LocalStack's
 * AWS recording test_s3.py TestS3PresignedUrl::test_s3_put_presigned_url_missing_sig_param[s3v4]).
 */
function requiredParam(q: Map<string, string>, name: string): string {
  const v = q.get(name);
  if (v === undefined || v === '') {
    throw new AuthError('AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  return v;
}

/**
 * The request with each signed `x-amz-*` header it does not send taken from the query parameter of
 * that name. A presigner may put a header both in SignedHeaders and in the query (the AWS SDK for
 * JavaScript v3 did so for `x-amz-server-side-encryption`), and S3 takes the URL used without the
 * header (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
 * TestS3PresignedUrl::test_presigned_url_v4_signed_headers_in_qs). The query is covered by the
 * signature, so the value is as authentic as a header's.
 */
function withSignedQueryHeaders(req: SignableRequest, signedHeaders: readonly string[], q: Map<string, string>): SignableRequest {
  let headers: Record<string, string | readonly string[] | undefined> | undefined;
  for (const h of signedHeaders) {
    if (!h.startsWith('x-amz-') || req.headers[h] !== undefined) continue;
    const v = q.get(h);
    if (v === undefined) continue;
    headers ??= Object.assign({}, req.headers); // not a spread: members added after one are slow on Node 20
    headers[h] = v;
  }
  return headers ? { ...req, headers } : req;
}

/** Verify a presigned URL (`X-Amz-Algorithm=AWS4-HMAC-SHA256` in the query). */
export async function verifySigV4Presigned<C extends Credentials>(req: SignableRequest, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  const code = 'AuthorizationQueryParametersError';
  const q = queryParams(splitTarget(req.url).query);
  const alg = requiredParam(q, 'X-Amz-Algorithm');
  if (alg !== 'AWS4-HMAC-SHA256') {
    throw new AuthError(alg.startsWith('AWS4-ECDSA') ? 'InvalidRequest' : code, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`);
  }
  const credential = parseCredential(requiredParam(q, 'X-Amz-Credential'), code);
  const amzDate = requiredParam(q, 'X-Amz-Date');
  const signedHeaders = parseSignedHeaders(requiredParam(q, 'X-Amz-SignedHeaders'), code);
  const signature = requiredParam(q, 'X-Amz-Signature');
  const expiresRaw = requiredParam(q, 'X-Amz-Expires');
  rejectSecurityToken(req, q.has('X-Amz-Security-Token'));
  const ms = parseAmzDate(amzDate);
  if (ms === undefined) throw new AuthError(code, 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
  if (!/^\d{1,7}$/.test(expiresRaw)) throw new AuthError(code, 'X-Amz-Expires should be a number');
  const expires = Number(expiresRaw);
  if (expires > MAX_PRESIGN_EXPIRES_S) throw new AuthError(code, 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  if (expires < 1) throw new AuthError(code, 'X-Amz-Expires must be non-negative');
  // The presigner signs the hash it put in the query, else UNSIGNED-PAYLOAD; a client that signed
  // its own x-amz-content-sha256 header instead is the documented fallback.
  const queryHash = q.get('X-Amz-Content-Sha256');
  const headerHash = header(req.headers, 'x-amz-content-sha256')?.trim();
  const payloadHashes = queryHash !== undefined ? [queryHash]
    : headerHash !== undefined && headerHash !== 'UNSIGNED-PAYLOAD' ? ['UNSIGNED-PAYLOAD', headerHash] : ['UNSIGNED-PAYLOAD'];
  validatePayloadHash(queryHash ?? headerHash);
  const check: V4Check = {
    req: withSignedQueryHeaders(req, signedHeaders, q), credential, signedHeaders, signature, amzDate, payloadHashes, excludeQueryKey: 'X-Amz-Signature',
    ignoredUnsigned: 'x-amz-content-sha256', malformedCode: code,
  };
  checkScope(check, opts);
  const now = (opts.now ?? Date.now)();
  if (ms - now > (opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) throw new AuthError('AccessDenied', 'Request is not valid yet');
  if (now > ms + expires * 1000) {
    throw new AuthError('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expiresRaw, Expires: errorTime(ms + expires * 1000), ServerTime: errorTime(now),
    });
  }
  const { creds, key, payloadHash } = await verify(check, opts);
  const signing = { signingKey: key, amzDate, scope: credential.scope, seedSignature: signature };
  return {
    kind: 'signed', scheme: 'sigv4-presigned', accessKeyId: credential.accessKeyId, credentials: creds,
    payload: classifyPayload(payloadHash, signing), region: credential.region, signedAt: new Date(ms),
    expiresAt: new Date(ms + expires * 1000),
  };
}

/**
 * AWS Signature Version 2 for S3 (legacy; on by default, spec §2): `Authorization: AWS AK:sig` and
 * presigned `?AWSAccessKeyId=…&Expires=…&Signature=…`. AWS doc "Signing and Authenticating REST
 * Requests" (RESTAuthentication): Signature = Base64(HMAC-SHA1(secret, StringToSign)),
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n Date|Expires \n CanonicalizedAmzHeaders
 * CanonicalizedResource.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
import { header } from './headers.js';
import type { HeaderBag, SignableRequest } from './headers.js';
import { parseHttpDate } from '../http-date.js';
import { classifyPayload } from './payload.js';
import { checkSkew, errorTime } from './sigv4.js';
import { asSentBytes, hexBytes, lookupCredentials } from './signing.js';
import type { AuthOptions, Credentials, SignedAuth } from './types.js';
import { canonicalUri } from './canonical.js';
import { decodeComponent, splitQuery, splitTarget } from './uri.js';

/**
 * Query parameters that are part of the CanonicalizedResource (botocore `HmacV1Auth.QSAOfInterest`
 * plus the later additions AWS and MinIO sign: encryption, legal-hold, retention …).
 */
export const SIGV2_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'defaultObjectAcl', 'delete', 'encryption', 'intelligent-tiering',
  'inventory', 'legal-hold', 'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock',
  'ownershipControls', 'partNumber', 'policy', 'publicAccessBlock', 'replication', 'requestPayment', 'restore',
  'retention', 'select', 'select-type', 'storageClass', 'tagging', 'torrent', 'uploadId', 'uploads', 'versionId',
  'versioning', 'versions', 'website', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires',
]);

/**
 * Sub-resources of SIGV2_SUB_RESOURCES that botocore (boto3, aws CLI v1 with `signature_version
 * = s3`) leaves out of the CanonicalizedResource: its `HmacV1Auth.QSAOfInterest` (botocore/auth.py,
 * 1.43) never got them, while minio-go (`resourceList`: encryption, legal-hold, retention) and
 * Ceph RGW (`signed_subresources`: encryption, publicAccessBlock) sign some of them. AWS's own list
 * for these newer sub-resources is not documented (RESTAuthentication lists only the old ones), so
 * a header-signed request whose query names one is checked both ways: with it signed, and as
 * botocore signs it. Not a presigned URL: one handed out for `PUT /bucket` or `DELETE /bucket` would
 * otherwise also do `?ownershipControls` or `?publicAccessBlock` to the bucket.
 */
const SIGV2_UNSIGNED_BY_BOTOCORE: ReadonlySet<string> = new Set([
  'encryption', 'intelligent-tiering', 'legal-hold', 'ownershipControls', 'publicAccessBlock', 'retention',
]);

/** CanonicalizedAmzHeaders: `x-amz-*` lower-case, sorted, duplicates joined with ',', unfolded. */
export function canonicalAmzHeaders(headers: HeaderBag): string {
  const names = Object.keys(headers).filter((h) => h.startsWith('x-amz-') && headers[h] !== undefined).sort();
  return names.map((n) => `${n}:${header(headers, n)!.replace(/\s*\r?\n\s*/g, ' ').trim()}\n`).join('');
}

/**
 * CanonicalizedResource: [/bucket (virtual host)] + the path as sent + the signed sub-resources
 * sorted by name, with decoded values (AWS: sub-resource values are not URL-encoded when signed).
 */
export function canonicalResource(rawPath: string, rawQuery: string, hostBucket?: string, leaveOut?: ReadonlySet<string>): string {
  let res = hostBucket ? `/${hostBucket}${rawPath}` : rawPath;
  const subs: [string, string | undefined][] = [];
  for (const p of splitQuery(rawQuery)) {
    const k = decodeComponent(p.rawKey);
    if (!SIGV2_SUB_RESOURCES.has(k) || leaveOut?.has(k)) continue;
    const v = decodeComponent(p.rawValue);
    subs.push([k, p.hasValue && v !== '' ? v : undefined]);
  }
  subs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (subs.length > 0) res += '?' + subs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&');
  return res;
}

/**
 * The SigV2 string to sign. `dateOrExpires` is the Date line (empty when x-amz-date is sent) or
 * Expires; `leaveOut` names sub-resources the signer did not sign (see SIGV2_UNSIGNED_BY_BOTOCORE).
 */
export function stringToSignV2(req: SignableRequest, dateOrExpires: string, rawPath?: string, leaveOut?: ReadonlySet<string>): string {
  const { path, query } = splitTarget(req.url);
  return [
    req.method.toUpperCase(),
    header(req.headers, 'content-md5') ?? '',
    header(req.headers, 'content-type') ?? '',
    dateOrExpires,
    canonicalAmzHeaders(req.headers) + canonicalResource(rawPath ?? path, query, req.hostBucket, leaveOut),
  ].join('\n');
}

/** SigV2's signature: HMAC-SHA1 of the string to sign with the secret key (RESTAuthentication.html). */
export function signV2(secret: string, sts: string | Buffer): Buffer {
  return createHmac('sha1', secret).update(sts).digest(); // a string is hashed as UTF-8
}

/**
 * Compare against the path as sent, then against its canonical re-encoding: clients disagree on
 * which characters to escape in SigV2 resources (boto escapes like SigV4, s3cmd less), and on
 * which sub-resources to sign (SIGV2_UNSIGNED_BY_BOTOCORE).
 */
function matchV2(req: SignableRequest, accessKeyId: string, secret: string, dateOrExpires: string, signature: string, presigned: boolean): void {
  // A query Signature sent with a raw `+` arrives form-decoded as a space; base64 has no spaces,
  // so put the `+` back rather than fail a request whose only fault is its URL encoding.
  const given = Buffer.from(signature.replaceAll(' ', '+'), 'base64');
  const { path, query } = splitTarget(req.url);
  const leaveOuts: (ReadonlySet<string> | undefined)[] = [undefined];
  if (!presigned && splitQuery(query).some((p) => SIGV2_UNSIGNED_BY_BOTOCORE.has(decodeComponent(p.rawKey)))) leaveOuts.push(SIGV2_UNSIGNED_BY_BOTOCORE);
  const candidates = [path, canonicalUri(path)];
  // botocore signs a path-style request for a bucket alone (`GET /bkt?list-type=2`) over `/bkt/`:
  // "If the request URI is ONLY a bucket, the auth_path must be terminated with a '/'"
  // (botocore/handlers.py, fix_s3_host / auth_path) — S3 accepts it, so the bucket path with the
  // slash is one more candidate. Object paths get none: `/b/k/` names another object.
  if (!req.hostBucket && /^\/[^/]+$/.test(path)) candidates.push(`${path}/`);
  const distinct = candidates.filter((p, i, a) => a.indexOf(p) === i);
  for (const p of distinct) {
    for (const leaveOut of leaveOuts) {
      const sts = stringToSignV2(req, dateOrExpires, p, leaveOut);
      const mac = signV2(secret, sts);
      if (given.length === mac.length && timingSafeEqual(given, mac)) return;
      // Header bytes ≥ 0x80 signed as the bytes sent (signing.ts asSentBytes).
      const bytes = asSentBytes(sts);
      const macBytes = bytes && signV2(secret, bytes);
      if (macBytes && given.length === macBytes.length && timingSafeEqual(given, macBytes)) return;
    }
  }
  // The elements S3 answers a SigV2 mismatch with (LocalStack's AWS recordings, test_s3.py
  // TestS3PresignedUrl::test_presigned_url_signature_authentication[s3-False] invalid-get-1,
  // test_s3_put_presigned_url_with_different_headers[s3]: AWSAccessKeyId, StringToSign,
  // SignatureProvided, StringToSignBytes), in SigV4's order (sigv4.ts).
  const sts = stringToSignV2(req, dateOrExpires);
  throw new AuthError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
    AWSAccessKeyId: accessKeyId, StringToSign: sts, SignatureProvided: signature, StringToSignBytes: hexBytes(sts),
  });
}

/** InvalidRequest when SigV2 is switched off (`--no-sigv2`), for every SigV2 form of a request. */
export function refuseSigV2IfOff<C extends Credentials>(opts: AuthOptions<C>): void {
  if (opts.allowSigV2 === false) {
    throw new AuthError('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
}

/**
 * The access key id and signature of `Authorization: AWS AccessKeyId:Signature`. A malformed one
 * is 400 InvalidArgument naming the header, as S3 answers it (AuthorizationHeaderMalformed is
 * SigV4's code): "Authorization header is invalid -- one and only one ' ' (space) required" was
 * S3's answer to a key with a space (laurilehmijoki/s3_website#178, "Status Code: 400; Error Code:
 * InvalidArgument"), and the text for a value that is not `key:signature` is the one OpenStack
 * Swift's s3api, Scality Arsenal and s3rver copy from S3. s3-tests test_headers
 * test_object_create_bad_authorization_invalid_aws2 (`AWS HAHAHA` → 400 InvalidArgument).
 */
function parseSigV2Header(value: string): [accessKeyId: string, signature: string] {
  const details = { ArgumentName: 'Authorization', ArgumentValue: value };
  const rest = value.slice(4);
  if (value[3] !== ' ' || /\s/.test(rest)) {
    throw new AuthError('InvalidArgument', "Authorization header is invalid -- one and only one ' ' (space) required", details);
  }
  const m = /^([^:]*):([^:]+)$/.exec(rest);
  if (!m) throw new AuthError('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', details);
  return [m[1]!, m[2]!];
}

/** Verify `Authorization: AWS AccessKeyId:Signature`. */
export async function verifySigV2Header<C extends Credentials>(req: SignableRequest, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  refuseSigV2IfOff(opts);
  const [accessKeyId, signature] = parseSigV2Header((header(req.headers, 'authorization') ?? '').trim());
  if (header(req.headers, 'x-amz-security-token') !== undefined) throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  const amzDate = header(req.headers, 'x-amz-date');
  const dateLine = amzDate !== undefined ? '' : header(req.headers, 'date') ?? '';
  const ms = parseHttpDate(amzDate ?? dateLine);
  if (Number.isNaN(ms)) throw new AuthError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  checkSkew(ms, (opts.now ?? Date.now)(), opts.maxSkewMs, amzDate ?? dateLine);
  const payload = classifyPayload(header(req.headers, 'x-amz-content-sha256')?.trim());
  const creds = await lookupCredentials(accessKeyId, opts);
  matchV2(req, accessKeyId, creds.secret, dateLine, signature, false);
  return { kind: 'signed', scheme: 'sigv2-header', accessKeyId, credentials: creds, payload, signedAt: new Date(ms) };
}

/**
 * The headers a SigV2 presigned URL was signed with: the request's, plus the `x-amz-*` parameters
 * of its query. A presigner signs them as CanonicalizedAmzHeaders and then moves them from the
 * headers into the URL (botocore HmacV1QueryAuth `_inject_signature`: "These can be anything that
 * starts with x-amz, is Content-MD5, or is Content-Type"), so the holder of the URL need not send
 * them; S3 takes them back as headers both to verify and to act on: boto3
 * `generate_presigned_url('put_object', Params={..., 'Metadata': {'foo': 'bar'}})` (SigV2, boto3's
 * default for presigning) stores `foo: bar` (LocalStack's AWS recording test_s3.py
 * TestS3PresignedUrl::test_put_url_metadata). A header the request also sends wins, as for SigV4
 * (auth/hoisted.ts), which applies them to the request.
 */
function withQueryAmzHeaders(headers: HeaderBag, query: string): HeaderBag {
  let out: Record<string, string | readonly string[] | undefined> | undefined;
  for (const p of splitQuery(query)) {
    const name = decodeComponent(p.rawKey).toLowerCase();
    if (!name.startsWith('x-amz-') || headers[name] !== undefined) continue;
    out ??= Object.assign({}, headers); // not a spread: members added after one are slow on Node 20
    const value = decodeComponent(p.rawValue);
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(typeof prev === 'string' ? [prev] : prev), value];
  }
  return out ?? headers;
}

/** Verify a SigV2 presigned URL (`AWSAccessKeyId`, `Expires` in epoch seconds, `Signature`). */
export async function verifySigV2Presigned<C extends Credentials>(req: SignableRequest, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  refuseSigV2IfOff(opts);
  const q = new Map(splitQuery(splitTarget(req.url).query).map((p) => [decodeComponent(p.rawKey), decodeComponent(p.rawValue)]));
  const accessKeyId = q.get('AWSAccessKeyId');
  const signature = q.get('Signature');
  const expires = q.get('Expires');
  // A missing one is 403 AccessDenied from S3, not SigV4's 400 AuthorizationQueryParametersError
  // (LocalStack's AWS recording test_s3.py TestS3PresignedUrl::test_s3_put_presigned_url_missing_sig_param[s3]:
  // a boto3 SigV2 URL without Expires); a malformed Expires keeps the 400.
  const message = 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters';
  if (!accessKeyId || !signature || !expires) throw new AuthError('AccessDenied', message);
  if (!/^\d{1,12}$/.test(expires)) throw new AuthError('AuthorizationQueryParametersError', message);
  if (q.has('x-amz-security-token') || header(req.headers, 'x-amz-security-token') !== undefined) {
    throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  const now = (opts.now ?? Date.now)();
  const expiresMs = Number(expires) * 1000;
  if (now > expiresMs) {
    throw new AuthError('AccessDenied', 'Request has expired', { Expires: errorTime(expiresMs), ServerTime: errorTime(now) });
  }
  const creds = await lookupCredentials(accessKeyId, opts);
  matchV2({ ...req, headers: withQueryAmzHeaders(req.headers, splitTarget(req.url).query) }, accessKeyId, creds.secret, expires, signature, true);
  // After the signature: a SigV2 URL sent with `x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`
  // and an x-amz-date the URL did not sign is 403 SignatureDoesNotMatch from S3 (LocalStack's AWS
  // recording test_s3.py TestS3PresignedUrl::test_put_object_with_md5_and_chunk_signature_bad_headers[s3-True]),
  // not the AccessDenied a signed streaming payload without SigV4 gets here once the signature holds.
  const payload = classifyPayload(header(req.headers, 'x-amz-content-sha256')?.trim());
  return { kind: 'signed', scheme: 'sigv2-presigned', accessKeyId, credentials: creds, payload, expiresAt: new Date(expiresMs) };
}

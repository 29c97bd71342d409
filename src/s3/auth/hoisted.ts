/**
 * Request headers "hoisted" into the query of a presigned URL (SigV4, and SigV2 as botocore makes it).
 *
 * Presigners put `x-amz-*` request parameters into the URL instead of the signed headers, so the
 * holder of the URL need not send them: the AWS SDK for JavaScript v3 does it for every `x-amz-*`
 * header it is not told to keep (`x-amz-meta-*`, `x-amz-acl`, `x-amz-tagging`,
 * `x-amz-storage-class` …), the Go and Ruby SDKs for metadata. S3 applies them as if they were
 * headers: an object PUT through such a URL gets its metadata (aws-sdk-js-v3#4694, where the SDK
 * maintainers observed it against S3; aws-sdk-ruby#1808). The query is covered by the signature,
 * so they are as authentic as signed headers.
 */
import { asFieldHeader } from '../object-headers.js';
/** Query parameters of the presigned form itself: authentication, never request headers. */
const AUTH_PARAMS = new Set([
  'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders',
  'x-amz-signature', 'x-amz-security-token', 'x-amz-content-sha256',
]);

/**
 * Checksums are not hoisted: the JavaScript SDK v3 (≥ 3.729) presigns a PutObject with the CRC32 of
 * an empty body (`x-amz-checksum-crc32=AAAAAA==`) whatever is uploaded later, and the S3 user guide
 * says presigned uploads do not support these checksums ("Sharing objects with presigned URLs").
 * The body reader looks at them itself (s3/body.ts `queryChecksum`): it ignores that empty-body
 * value and verifies any other one, as s3-surface.md §6 asks.
 */
function isChecksumParam(name: string): boolean {
  return name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm';
}

/**
 * The request's headers with the `x-amz-*` parameters of a presigned query added (names
 * lower-cased); a header the request also sends wins. Other requests' headers are returned as is.
 * Authentication must still see the request's own headers (its unsigned-header check is about them).
 */
export function withHoistedHeaders(
  headers: Record<string, string | undefined>,
  query: readonly (readonly [string, string])[],
): Record<string, string | undefined> {
  // SigV4 (`X-Amz-Credential`) and SigV2 (`AWSAccessKeyId` + `Signature`: botocore's
  // HmacV1QueryAuth moves the signed x-amz-* headers into the query too, sigv2.ts withQueryAmzHeaders).
  const presigned = query.some(([k]) => k === 'X-Amz-Credential')
    || (query.some(([k]) => k === 'AWSAccessKeyId') && query.some(([k]) => k === 'Signature'));
  if (!presigned) return headers;
  let out: Record<string, string | undefined> | undefined;
  for (const [k, v] of query) {
    const name = k.toLowerCase();
    if (!name.startsWith('x-amz-') || AUTH_PARAMS.has(name) || isChecksumParam(name)) continue;
    if (headers[name] !== undefined || out?.[name] !== undefined) continue;
    out ??= Object.assign({}, headers); // not a spread: members added after one are slow on Node 20
    out[name] = ECHOED.test(name) ? asFieldHeader(name, v) : v;
  }
  return out ?? headers;
}

/**
 * Hoisted parameters stored with the object and sent back as response headers on GET and HEAD. A
 * query parameter, unlike a header, may hold any character (its percent-decoding is UTF-8):
 * `x-amz-meta-a=%0A`, `=%F0%9F%98%80` or `x-amz-meta-%C3%BC=v` were stored as they were, and every
 * GET and HEAD of the object then answered 500. They get PostObject's treatment of form fields
 * (object-headers.ts asFieldHeader): a name that is not a token or a control character in a value
 * is 400 InvalidArgument, other non-ASCII values become the RFC 2047 encoded-word AWS presents
 * non-ASCII metadata as.
 */
const ECHOED = /^(x-amz-meta-|x-amz-website-redirect-location$)/;

/**
 * Object attributes in and out of HTTP headers (shared/spec/s3-surface.md §3 PutObject/GetObject):
 * `x-amz-meta-*`, the standard headers an object stores, storage class, tagging; and the response
 * headers of GET/HEAD.
 */
import { setEntry } from '../common/index.js';
import type { BucketInfo, ObjectVersion, VersionAttrs } from '../engine/index.js';
import { objectExpiry, uploadAbortDue } from '../engine/index.js';
import { stripAwsChunked } from './auth/index.js';
import { checkCustomerKeyHeaders } from './customer-key.js';
import { S3Errors } from './errors.js';
import { parseTaggingHeader } from './xml/config.js';

/**
 * `x-amz-website-redirect-location`: S3 keeps it as object metadata and returns it on GET/HEAD
 * (API_PutObject). It must start with `/`, `http://` or `https://` and is at most 2 KB; else 400
 * InvalidRedirectLocation. A copy with the COPY directive does not carry it over (API_CopyObject:
 * "This value is unique to each object and is not copied").
 */
export const REDIRECT_HEADER = 'x-amz-website-redirect-location' as const;

/** Standard headers stored with the object and returned on GET/HEAD (ccow.md §7.1 sysMeta). */
export const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires', REDIRECT_HEADER] as const;

/** The request's redirect location, checked; undefined when absent. */
export function redirectLocationOf(h: Record<string, string | undefined>): string | undefined {
  const v = h[REDIRECT_HEADER];
  if (v === undefined) return undefined;
  if (!/^(\/|https?:\/\/)/.test(v) || Buffer.byteLength(v) > 2048) throw S3Errors.InvalidRedirectLocation();
  return v;
}

/**
 * A header value that did not arrive as an HTTP header (a `response-*` query parameter, through
 * asOverrideValue; a PostObject form field), made fit to be one. Control characters (CR/LF would split the header) → 400
 * InvalidArgument "Invalid character in <name>"; a value with non-ASCII characters becomes an RFC 2047
 * encoded-word of its UTF-8 bytes, as AWS presents non-ASCII metadata (UsingMetadata.html: values
 * are "encoded as per RFC 2047 to make them mail-safe before returning"). Node refuses some of those
 * characters in a header: a raw one left a response unsent (issue #5 fuzzer), or made every GET and
 * HEAD of an object stored by a form answer 500.
 */
export function asHeaderValue(name: string, v: string): string {
  refuseControlChars(name, v);
  return mailSafe(v);
}

/**
 * A value as AWS presents user metadata (UsingMetadata.html, user-defined metadata): "If the string
 * contains only US-ASCII characters, it is presented as is", else "encoded as per RFC 2047 to make
 * them mail-safe": one B encoded-word of the value's UTF-8 bytes, the form AWS answers (MinIO
 * measured it, minio/minio#21282: `ö` sent as raw UTF-8 came back `=?UTF-8?B?w4PCtg==?=`).
 */
export function mailSafe(v: string): string {
  return /^[\x20-\x7e\t]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

/** An RFC 2047 §2 encoded-word: =?charset[*language]?B|Q?text?= (no spaces, no `?` in the text). */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * A metadata value with its RFC 2047 encoded-words decoded, as S3 stores them ("Values of such
 * headers are character decoded as per RFC 2047 before storing", UsingMetadata.html). White space
 * between two adjacent encoded-words is dropped (RFC 2047 §6.2); a word in a charset Node cannot
 * decode, or whose text does not decode, is kept as it came.
 */
export function decodeEncodedWords(v: string): string {
  if (!v.includes('=?')) return v;
  let out = '';
  let last = 0;
  let afterWord = false;
  for (const m of v.matchAll(ENCODED_WORD)) {
    const decoded = decodeWord(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    const between = v.slice(last, m.index);
    if (decoded === undefined) {
      out += between + m[0];
      afterWord = false;
    } else {
      out += (afterWord && /^[ \t]*$/.test(between) ? '' : between) + decoded;
      afterWord = true;
    }
    last = m.index + m[0].length;
  }
  return out + v.slice(last);
}

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
  let bytes: Buffer;
  if (encoding === 'B' || encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
    bytes = Buffer.from(text, 'base64');
  } else {
    // Q (RFC 2047 §4.2): `_` is a space, `=XX` a byte in hex, anything else itself.
    if (/=(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
    bytes = Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  try {
    return new TextDecoder(charset.toLowerCase(), { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** An HTTP field name (RFC 9110 §5.6.2 token), lower case. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * A request field that is not an HTTP header but is stored as one (a PostObject form field, a
 * presigned URL's hoisted query parameter; lower-case name): an `x-amz-meta-*` name that is not an
 * HTTP token is 400 InvalidArgument, and so is a control character in its value (which is then
 * kept as it is: metadata goes out mail-safe); other values go through asHeaderValue. Stored raw,
 * either made every GET and HEAD of the object answer 500 (Node refuses such a header).
 */
export function asFieldHeader(name: string, v: string): string {
  if (!name.startsWith('x-amz-meta-')) return asHeaderValue(name, v);
  if (!HTTP_TOKEN.test(name)) {
    throw S3Errors.InvalidArgument({ message: 'Invalid character in a metadata field name', fields: { ArgumentName: 'x-amz-meta-*' } });
  }
  // Stored as it is and sent mail-safe (userMetaOf, objectHeaders): no encoding here to undo there.
  refuseControlChars(name, v);
  return v;
}

/** Control characters (CR/LF would split the header) → 400 InvalidArgument "Invalid character in <name>". */
function refuseControlChars(name: string, v: string): void {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      throw S3Errors.InvalidArgument({ message: `Invalid character in ${name}`, fields: { ArgumentName: name } });
    }
  }
}

/**
 * A `response-*` override (GetObject / HeadObject query parameter) as the header it replaces. AWS
 * writes the value in ISO-8859-1 and answers a value it cannot write so with 400 InvalidArgument
 * "Header value cannot be represented using ISO-8859-1." naming the parameter and the value (the
 * error bodies quoted in guardian/grid#1716 and IQSS/dataverse#4524 for response-content-disposition
 * with U+2019 and U+2013; clients put RFC 5987 `filename*=UTF-8''…` in the parameter instead), and
 * so does this. A value within ISO-8859-1 but not ASCII still goes out as asHeaderValue's RFC 2047
 * encoded-word, not as AWS's Latin-1 bytes: Node 20 cannot write those in Content-Disposition once
 * Content-Length is set (it turns the value into a latin1 Buffer and then validates that Buffer's
 * UTF-8 decoding, nodejs/node#46528: ERR_INVALID_CHAR, a 500), and writes other header strings as
 * UTF-8.
 */
export function asOverrideValue(name: string, v: string): string {
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0xff) {
      throw S3Errors.InvalidArgument({ message: 'Header value cannot be represented using ISO-8859-1.', fields: { ArgumentName: name, ArgumentValue: v } });
    }
  }
  return asHeaderValue(name, v);
}

/** User metadata limit: names + values, UTF-8 bytes (§3). */
export const MAX_USER_META_BYTES = 2048;

/** Storage classes stored and echoed (§3). */
export const STORAGE_CLASSES = new Set(['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'REDUCED_REDUNDANCY']);

/** Default Content-Type of objects stored without one (what AWS answers). */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/**
 * `x-amz-storage-class`: the accepted classes; GLACIER, DEEP_ARCHIVE, unknown → InvalidStorageClass,
 * naming the class asked for in StorageClassRequested as S3 does (LocalStack's AWS recordings,
 * tests/aws/services/s3/test_s3.snapshot.json test_put_object_storage_class_outposts: OUTPOSTS on
 * PutObject and CreateMultipartUpload; test_post_object_with_storage_class: FakeClass).
 */
export function storageClassOf(h: Record<string, string | undefined>): string | undefined {
  const v = h['x-amz-storage-class']?.trim();
  if (v === undefined || v === '') return undefined;
  if (!STORAGE_CLASSES.has(v)) throw S3Errors.InvalidStorageClass({ fields: { StorageClassRequested: v } });
  return v;
}

/**
 * Request headers of server-side encryption: SSE-S3 and SSE-KMS, SSE-C, and SSE-C of a copy source
 * (AWS PutObject, CopyObject, UploadPart(Copy) request headers).
 */
const ENCRYPTION_HEADERS = [
  'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-bucket-key-enabled', 'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-server-side-encryption-customer-key', 'x-amz-server-side-encryption-customer-key-md5',
] as const;

/** SSE-C headers naming the key a copy source was encrypted with (CopyObject, UploadPartCopy). */
const COPY_SOURCE_KEY_HEADERS = [
  'x-amz-copy-source-server-side-encryption-customer-algorithm', 'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
] as const;

/** The methods `x-amz-server-side-encryption` names (API_PutObject: AES256 | aws:kms | aws:kms:dsse). */
const SSE_METHODS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

const SSE_HEADER = 'x-amz-server-side-encryption';

/**
 * What S3 refuses in a write's encryption headers whatever the bucket can do, each a 400
 * InvalidArgument as AWS answers it (seen from S3 by its users): an unknown method, "The encryption
 * method specified is not supported" (paperclip#2243, logstash-output-s3#118,
 * kafka-connect-storage-cloud#57 with `AES-256`); SSE-C headers beside a method, "Server Side
 * Encryption with Customer provided key is incompatible with the encryption method specified."
 * (aws-sdk-ruby#1302, kafka-connect-storage-cloud#389); a KMS key id without `aws:kms`, "Server Side
 * Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms"
 * (amazonica#338). ceph/s3-tests test_put_obj_enc_conflict_* assert the same codes. A client that
 * made such a mistake learns it here, not that the feature is missing.
 */
function checkEncryptionHeaders(h: Record<string, string | undefined>): void {
  const method = h[SSE_HEADER];
  if (method !== undefined && !SSE_METHODS.has(method)) {
    throw S3Errors.InvalidArgument({ message: 'The encryption method specified is not supported', fields: { ArgumentName: SSE_HEADER, ArgumentValue: method } });
  }
  const customer = h['x-amz-server-side-encryption-customer-algorithm'] !== undefined || h['x-amz-server-side-encryption-customer-key'] !== undefined
    || h['x-amz-server-side-encryption-customer-key-md5'] !== undefined;
  if (method !== undefined && customer) {
    throw S3Errors.InvalidArgument({ message: 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified.', fields: { ArgumentName: SSE_HEADER, ArgumentValue: method } });
  }
  if (h['x-amz-server-side-encryption-aws-kms-key-id'] !== undefined && method !== 'aws:kms' && method !== 'aws:kms:dsse') {
    throw S3Errors.InvalidArgument({ message: 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', fields: { ArgumentName: SSE_HEADER, ArgumentValue: method ?? 'null' } });
  }
}

/**
 * Refuse server-side encryption requests (P2 / No in §3): storing the object unencrypted while the
 * client asked for encryption would be a silent lie, so every write that can carry these headers
 * (PutObject, CopyObject with either directive, CreateMultipartUpload, UploadPart, UploadPartCopy)
 * answers NotImplemented — once the headers are ones S3 itself would accept (checkEncryptionHeaders,
 * and for SSE-C keys checkCustomerKeyHeaders).
 */
export function refuseEncryption(h: Record<string, string | undefined>): void {
  checkEncryptionHeaders(h);
  checkCustomerKeyHeaders(h);
  // A copy source's key headers on a copy are answered once the source is found
  // (refuseCopySourceCustomerKey); on any other write they stay a request for the feature.
  const copySourceKey = h['x-amz-copy-source'] === undefined && COPY_SOURCE_KEY_HEADERS.some((name) => h[name] !== undefined);
  if (copySourceKey || ENCRYPTION_HEADERS.some((name) => h[name] !== undefined)) {
    throw S3Errors.NotImplemented('Server-side encryption is not implemented');
  }
}

/**
 * `x-amz-server-side-encryption` on a request that does not choose how an object is stored (GetObject,
 * HeadObject, GetObjectAttributes, UploadPart, UploadPartCopy, CompleteMultipartUpload): S3 answers
 * 400 InvalidArgument "x-amz-server-side-encryption header is not supported for this operation."
 * (seen from S3 on CompleteMultipartUpload in ClickHouse#64570, on UploadPart in aws-sdk-js#819 and
 * s3cmd#276; API_GetObject / API_HeadObject: sending it on a read "you'll get an HTTP 400 Bad
 * Request error"; every object on S3 is encrypted, at least with SSE-S3). ceph/s3-tests
 * test_sse_kms_read_declare and test_sse_s3_default_method_head expect the 400.
 */
export function refuseEncryptionHeader(h: Record<string, string | undefined>): void {
  if (h[SSE_HEADER] !== undefined) {
    throw S3Errors.InvalidArgument({ message: 'x-amz-server-side-encryption header is not supported for this operation.', fields: { ArgumentName: SSE_HEADER, ArgumentValue: h[SSE_HEADER] } });
  }
}

/**
 * SSE-C headers on a read (GetObject, HeadObject, GetObjectAttributes): the client asks S3 to
 * decrypt the object with its key. No object here is stored with SSE-C (every write that asks for
 * it is refused above), and AWS answers such a read of an object that is not SSE-C encrypted with
 * 400 InvalidRequest "The encryption parameters are not applicable to this object." (the AWS error
 * quoted in boto/boto3#982; MinIO DecryptObjectInfo, errInvalidEncryptionParameters, minio/minio#7332
 * "working as intended"; the NeoFS gateway's GetObjectAttributes checks it too) instead of handing
 * back the stored bytes as if they had been decrypted with that key.
 */
export function refuseCustomerKeyRead(h: Record<string, string | undefined>): void {
  if (h['x-amz-server-side-encryption-customer-algorithm'] !== undefined || h['x-amz-server-side-encryption-customer-key'] !== undefined
    || h['x-amz-server-side-encryption-customer-key-md5'] !== undefined) {
    throw S3Errors.InvalidRequest('The encryption parameters are not applicable to this object.');
  }
}

/**
 * SSE-C headers for a copy source (`x-amz-copy-source-server-side-encryption-customer-*`), checked
 * once the source is found: they ask S3 to decrypt the source with that key, and no object here is
 * stored with SSE-C, so S3's answer is a read's: 400 InvalidRequest "The encryption parameters are
 * not applicable to this object." (as refuseCustomerKeyRead; minio/mint's SSE-C copy tests expect
 * it of a plain source). They were answered 501, which told the client that a feature was
 * missing rather than that its request did not fit the source. Well-formedness is checked first
 * (checkCustomerKeyHeaders, from refuseEncryption).
 */
export function refuseCopySourceCustomerKey(h: Record<string, string | undefined>): void {
  if (COPY_SOURCE_KEY_HEADERS.some((name) => h[name] !== undefined)) {
    throw S3Errors.InvalidRequest('The encryption parameters are not applicable to this object.');
  }
}

const WRITE_OFFSET = ['x-amz-write-offset-bytes'] as const;

/**
 * `x-amz-write-offset-bytes` on PutObject asks to append the body at that offset of the existing
 * object (PutObject API reference: "only supported for objects in the Amazon S3 Express One Zone
 * storage class in directory buckets"; User Guide, "Appending data to objects in directory
 * buckets"). No bucket here is a directory bucket, and storing the body as the whole object would
 * replace the data the client meant to extend, so the write answers NotImplemented naming the
 * header, as a write with any other If-None-Match than `*` does (conditional.ts).
 */
export function refuseWriteOffset(h: Record<string, string | undefined>): void {
  refuseDirectoryConditions(h, WRITE_OFFSET);
}

/**
 * Conditions S3 evaluates for directory buckets only: DeleteObject's `x-amz-if-match-size` and
 * `x-amz-if-match-last-modified-time` (API_DeleteObject: "If the Size value does not match, the
 * operation returns a 412 Precondition Failed error … This functionality is only supported for
 * directory buckets") and AbortMultipartUpload's `x-amz-if-match-initiated-time`
 * (API_AbortMultipartUpload: aborts "only if it was initiated on the provided timestamp", directory
 * buckets only). No bucket here is a directory bucket, and deleting the object or discarding the
 * upload whatever its size or time (as happened: the headers were ignored) removes what the client
 * meant to keep, so the request answers NotImplemented naming the header and changes nothing, as a
 * write with `x-amz-write-offset-bytes` does.
 */
export const DELETE_CONDITIONS = ['x-amz-if-match-size', 'x-amz-if-match-last-modified-time'] as const;
export const ABORT_CONDITIONS = ['x-amz-if-match-initiated-time'] as const;

export function refuseDirectoryConditions(h: Record<string, string | undefined>, names: readonly string[]): void {
  for (const name of names) {
    if (h[name] !== undefined) {
      throw S3Errors.NotImplemented({ message: 'A header you provided implies functionality that is not implemented', fields: { Header: name } });
    }
  }
}

/**
 * `x-amz-bypass-governance-retention` on DeleteObject or DeleteObjects, whatever its value: no
 * bucket here has Object Lock (§3), and S3 refuses the header on a bucket without it, 400
 * InvalidArgument, ArgumentName the header, rather than deleting (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_api.py test_delete_object_with_no_locking:
 * delete-object-bypass-no-lock, delete-object-bypass-no-lock-false, delete-objects-bypass-no-lock).
 */
export function refuseGovernanceBypass(h: Record<string, string | undefined>): void {
  if (h['x-amz-bypass-governance-retention'] !== undefined) {
    throw S3Errors.InvalidArgument({
      message: 'x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.',
      fields: { ArgumentName: 'x-amz-bypass-governance-retention' },
    });
  }
}

/**
 * Object Lock headers on a write (§3: object lock is "No"). No bucket here has an Object Lock
 * configuration, and AWS answers such a write to a bucket without one with 400 InvalidRequest
 * "Bucket is missing Object Lock Configuration" — rather than storing an object the client believes
 * is retained or on legal hold.
 */
export function refuseObjectLock(h: Record<string, string | undefined>): void {
  if (h['x-amz-object-lock-mode'] !== undefined || h['x-amz-object-lock-retain-until-date'] !== undefined || h['x-amz-object-lock-legal-hold'] !== undefined) {
    throw S3Errors.InvalidRequest('Bucket is missing Object Lock Configuration');
  }
}

/**
 * `x-amz-meta-*` headers (names lower-cased, prefix removed); over 2 KiB → MetadataTooLarge. Any
 * header-legal name is kept, `__proto__` included (setEntry): AWS restricts only the prefix, the
 * lower case and the 2 KB size (User Guide, "Working with object metadata", user-defined metadata),
 * and MinIO keeps them in a Go map (ObjectInfo.UserDefined map[string]string) where no name is special.
 * Values are stored with their RFC 2047 encoded-words decoded (decodeEncodedWords) and go out
 * mail-safe (objectHeaders), as S3 does. The size counts the stored value's UTF-8 bytes; a raw byte
 * ≥ 0x80 is the ISO-8859-1 character Node reads it as, as S3 reads it (two UTF-8 bytes; see mailSafe).
 */
export function userMetaOf(h: Record<string, string | undefined>): Record<string, string> {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, sent] of Object.entries(h)) {
    if (!name.startsWith('x-amz-meta-') || sent === undefined) continue;
    const k = name.slice('x-amz-meta-'.length);
    const value = decodeEncodedWords(sent);
    setEntry(meta, k, value);
    size += Buffer.byteLength(k) + Buffer.byteLength(value);
  }
  if (size > MAX_USER_META_BYTES) throw S3Errors.MetadataTooLarge({ fields: { Size: size, MaxSizeAllowed: MAX_USER_META_BYTES } });
  return meta;
}

/**
 * The attributes a write stores, from its headers. `contentEncoding` overrides the header
 * (aws-chunked removed, §2.1). The `aws-chunked` coding is never stored, whether or not the body
 * came in that framing (a PutObject without a streaming payload hash, CreateMultipartUpload,
 * CopyObject with REPLACE, a POST form field): "Amazon S3 stores the resulting object without the
 * aws-chunked value in the content-encoding header. If aws-chunked is the only value that you pass
 * in the content-encoding header, S3 considers the content-encoding header empty and does not
 * return this header" (AWS, API sigv4-streaming.html); ceph/s3-tests
 * test_object_content_encoding_aws_chunked sends it with an empty, unframed body.
 */
export function versionAttrsOf(h: Record<string, string | undefined>, contentEncoding?: string | null): VersionAttrs {
  refuseEncryption(h);
  refuseObjectLock(h);
  redirectLocationOf(h);
  const sysMeta: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const v = name === 'content-encoding'
      ? stripAwsChunked(contentEncoding !== undefined ? contentEncoding ?? undefined : h[name])
      : h[name];
    if (v !== undefined && v !== '') sysMeta[name] = v;
  }
  const attrs: VersionAttrs = { userMeta: userMetaOf(h), sysMeta };
  if (h['content-type'] !== undefined) attrs.contentType = h['content-type'];
  const sc = storageClassOf(h);
  if (sc) attrs.storageClass = sc;
  if (h['x-amz-tagging'] !== undefined) attrs.tags = parseTaggingHeader(h['x-amz-tagging']);
  return attrs;
}

/** RFC 1123 date of a `Last-Modified` header (§1). */
export function httpDate(d: Date): string {
  return d.toUTCString();
}

/** Whether responses about this version show `x-amz-version-id` (never in never-versioned buckets' null versions). */
export function showsVersionId(v: { versionId: string }, bucket?: BucketInfo): boolean {
  return v.versionId !== 'null' || (bucket !== undefined && bucket.versioning !== 'Unversioned');
}

/**
 * `x-amz-expiration` of a response about the current version `v` (PutObject, CopyObject,
 * CompleteMultipartUpload, and GetObject / HeadObject without a versionId): when an enabled
 * lifecycle `Expiration` (Days or Date) of the bucket applies to it, `expiry-date="<RFC 1123
 * date>", rule-id="<URL-encoded rule ID>"` of the rule that acts first (API_PutObject,
 * API_HeadObject: "It includes the expiry-date and rule-id key-value pairs ... The value of the
 * rule-id is URL-encoded"). The date is the one the lifecycle worker acts on: the engine's
 * `objectExpiry` (engine/lifecycle-rules.ts) is the worker's evaluation — filters on prefix, the
 * version's tags and size, Days rounded up to midnight UTC, the earliest rule winning, as MinIO's
 * `PredictExpiryTime`/`SetPredictionHeaders` and Ceph's `s3_expiration_header` pick it.
 * NoncurrentVersionExpiration, ExpiredObjectDeleteMarker and AbortIncompleteMultipartUpload never
 * give it (Ceph PR #69642: "x-amz-expiration ... only describes the current-version Expiration
 * action"). A request naming a versionId gets none: MinIO PR #11718 ("Follow S3 specification to
 * return Expiration header in HEAD/GET call only when version-id is not passed"), Ceph PR #69642,
 * Scality cloudserver (`isVersionedReq`) — callers leave it out for those.
 */
export function expirationHeader(bucket: BucketInfo | undefined, v: ObjectVersion): Record<string, string> {
  const x = bucket ? objectExpiry(bucket.configs, v) : undefined;
  if (!x) return {};
  return { 'x-amz-expiration': `expiry-date="${httpDate(new Date(x.at))}", rule-id="${encodeURIComponent(x.rule.id ?? '')}"` };
}

/**
 * `x-amz-abort-date` / `x-amz-abort-rule-id` of a multipart upload of `key` begun at `initiated`
 * (API_CreateMultipartUpload, API_ListParts: "If the bucket has a lifecycle rule configured with an
 * action to abort incomplete multipart uploads and the prefix in the lifecycle rule matches the
 * object name in the request, the response includes this header"): the date the lifecycle worker
 * aborts it (engine/lifecycle-rules.ts `uploadAbortDue`, the worker's own evaluation). The rule ID
 * goes as is (not documented as encoded, unlike x-amz-expiration's); one a header cannot carry is
 * URL-encoded.
 */
export function abortHeaders(bucket: BucketInfo, key: string, initiated: Date): Record<string, string> {
  const a = uploadAbortDue(bucket.configs, key, initiated.getTime());
  if (!a) return {};
  const id = a.rule.id ?? '';
  return { 'x-amz-abort-date': httpDate(new Date(a.at)), 'x-amz-abort-rule-id': /^[\x20-\x7e]*$/.test(id) ? id : encodeURIComponent(id) };
}

/** Options of objectHeaders. */
export interface ObjectHeaderOptions {
  bucket?: BucketInfo;
  /** GET (not HEAD) adds x-amz-tagging-count (§3). */
  includeTagCount?: boolean;
  /** x-amz-checksum-mode: ENABLED on a whole-object answer (§5.4). */
  includeChecksum?: boolean;
}

/** GET/HEAD response headers describing a version (without length/range headers). */
export function objectHeaders(v: ObjectVersion, o: ObjectHeaderOptions = {}): Record<string, string> {
  const h: Record<string, string> = {
    etag: v.etag,
    'last-modified': httpDate(v.lastModified),
    'content-type': v.contentType ?? DEFAULT_CONTENT_TYPE,
    'accept-ranges': 'bytes',
  };
  for (const [k, val] of Object.entries(v.sysMeta)) if ((STORED_HEADERS as readonly string[]).includes(k)) h[k] = val;
  for (const [k, val] of Object.entries(v.userMeta)) h[`x-amz-meta-${k}`] = mailSafe(val);
  if (showsVersionId(v, o.bucket)) h['x-amz-version-id'] = v.versionId;
  if (v.storageClass && v.storageClass !== 'STANDARD') h['x-amz-storage-class'] = v.storageClass;
  if (o.includeTagCount && v.tags && Object.keys(v.tags).length > 0) h['x-amz-tagging-count'] = String(Object.keys(v.tags).length);
  if (o.includeChecksum && v.checksum) {
    h[`x-amz-checksum-${v.checksum.algorithm.toLowerCase()}`] = v.checksum.value;
    h['x-amz-checksum-type'] = v.checksum.type;
  }
  return h;
}

/** `response-*` query overrides of GetObject (AWS GetObject "Overriding response header values"). */
export const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

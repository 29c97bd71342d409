/**
 * The S3 error catalog (shared/STYLE.md habit 1) and the one engine/auth → S3 mapping (habit 2).
 *
 * Every AWS error code the gateway can answer with is declared once below, with its HTTP status and
 * AWS's default message (shared/spec/s3-surface.md §9; messages as the AWS S3 API reference
 * "Error responses" page words them). `test/unit/s3/errors.test.ts` parses the §9 table and fails when
 * a code is missing here or has another status.
 */
import { CodedError } from '../common/index.js';
import { EngineErrors } from '../engine/index.js';

/** Extra XML elements AWS adds to some errors (`<Key>`, `<BucketName>`, `<Condition>`, …), in order. */
export type ErrorFields = Record<string, string | number | undefined>;

/** Options when raising a catalog error. */
export interface S3ErrorOptions {
  /** Replaces the catalog's default message. */
  message?: string;
  /** Extra elements rendered inside `<Error>` after `<Message>`. */
  fields?: ErrorFields;
  /** Extra response headers (e.g. `x-amz-delete-marker`, `Content-Range`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that renders as an AWS S3 XML error response. `code` is the AWS code verbatim. */
export class S3Error extends CodedError {
  readonly fields: ErrorFields;
  readonly headers: Record<string, string>;
  /**
   * True when this error stands for something the S3 layer did not map on purpose (habit 2): the
   * caller must log it (with `cause` and the request id) — the client only sees `InternalError`.
   */
  readonly internal: boolean;
  constructor(code: string, statusCode: number, message: string, opts: S3ErrorOptions = {}, internal = false) {
    super(code, message, statusCode, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'S3Error';
    this.fields = opts.fields ?? {};
    this.headers = opts.headers ?? {};
    this.internal = internal;
  }
}

/** One declared catalog entry: call it to raise; `is` tests an unknown value. */
export interface S3ErrorFactory {
  (opts?: S3ErrorOptions | string): S3Error;
  readonly code: string;
  readonly statusCode: number;
  readonly defaultMessage: string;
  is(e: unknown): e is S3Error;
}

function declare(code: string, statusCode: number, defaultMessage: string): S3ErrorFactory {
  const f = ((opts?: S3ErrorOptions | string) => {
    const o = typeof opts === 'string' ? { message: opts } : (opts ?? {});
    return new S3Error(code, statusCode, o.message ?? defaultMessage, o);
  }) as S3ErrorFactory;
  Object.defineProperties(f, {
    code: { value: code },
    statusCode: { value: statusCode },
    defaultMessage: { value: defaultMessage },
    is: { value: (e: unknown) => e instanceof S3Error && e.code === code },
  });
  return f;
}

/**
 * The catalog. Keys are the AWS codes; s3-surface.md §9 lists when each is used.
 *
 * @example
 * throw S3Errors.NoSuchKey({ fields: { Key: key } });
 */
export const S3Errors = {
  /** Not in the §9 table: an ACL sent to a bucket with ACLs disabled (Object Ownership BucketOwnerEnforced; user guide, object-ownership-error-responses). */
  AccessControlListNotSupported: declare('AccessControlListNotSupported', 400, 'The bucket does not allow ACLs'),
  AccessDenied: declare('AccessDenied', 403, 'Access Denied'),
  AccessForbidden: declare('AccessForbidden', 403, 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.'),
  AuthorizationHeaderMalformed: declare('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed.'),
  AuthorizationQueryParametersError: declare('AuthorizationQueryParametersError', 400, 'Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.'),
  BadRequest: declare('BadRequest', 400, 'Insufficient information. Origin request header needed.'),
  BadDigest: declare('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.'),
  BucketAlreadyExists: declare('BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'),
  BucketAlreadyOwnedByYou: declare('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.'),
  BucketNotEmpty: declare('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty'),
  ConditionalRequestConflict: declare('ConditionalRequestConflict', 409, 'A conflicting conditional operation is currently in progress against this resource. Please try again.'),
  EntityTooLarge: declare('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'),
  // S3's wording on the wire (apache/arrow-rs#3233, a Complete against s3.us-west-2; also
  // minio#1536, versitygw#1980), not the error page's "… minimum allowed object size.".
  EntityTooSmall: declare('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size'),
  /**
   * Not in the §9 table: PutBucketVersioning with neither Status nor MfaDelete (LocalStack's
   * AWS-validated test_s3_api.py test_bucket_versioning_crud, put-versioning-empty).
   */
  IllegalVersioningConfigurationException: declare('IllegalVersioningConfigurationException', 400, 'The Versioning element must be specified'),
  /** Not in the §9 table: PostObject with no file part, or a second one (S3 error code list). */
  IncorrectNumberOfFilesInPostRequest: declare('IncorrectNumberOfFilesInPostRequest', 400, 'POST requires exactly one file upload per request.'),
  IncompleteBody: declare('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header'),
  InsufficientStorage: declare('InsufficientStorage', 507, 'Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.'),
  InternalError: declare('InternalError', 500, 'We encountered an internal error. Please try again.'),
  InvalidAccessKeyId: declare('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'),
  InvalidArgument: declare('InvalidArgument', 400, 'Invalid Argument'),
  /** Not in the §9 table: disabling ACLs (BucketOwnerEnforced) on a bucket whose ACL grants anyone but its owner (S3 error code list). */
  InvalidBucketAclWithObjectOwnership: declare('InvalidBucketAclWithObjectOwnership', 400, 'Bucket cannot have ACLs set with ObjectOwnership\'s BucketOwnerEnforced setting'),
  InvalidBucketName: declare('InvalidBucketName', 400, 'The specified bucket is not valid.'),
  // S3's wording on the wire (versity/versitygw#1526), as s3/checksum words it too.
  InvalidDigest: declare('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.'),
  /** Not in the §9 table: an SSE-C algorithm other than AES256 (S3 error code list). */
  InvalidEncryptionAlgorithmError: declare('InvalidEncryptionAlgorithmError', 400, 'The Encryption request you specified is not valid. Supported value: AES256.'),
  InvalidPart: declare('InvalidPart', 400, 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.'),
  InvalidPartNumber: declare('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable'),
  InvalidPartOrder: declare('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'),
  /** Not in the §9 table: a PostObject policy that is not a valid POST policy document (S3 error code list). */
  InvalidPolicyDocument: declare('InvalidPolicyDocument', 400, 'The content of the form does not meet the conditions specified in the policy document.'),
  InvalidRange: declare('InvalidRange', 416, 'The requested range is not satisfiable'),
  InvalidRequest: declare('InvalidRequest', 400, 'Invalid Request'),
  InvalidStorageClass: declare('InvalidStorageClass', 400, 'The storage class you specified is not valid'),
  InvalidTag: declare('InvalidTag', 400, 'The TagKey you have provided is invalid'),
  InvalidToken: declare('InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'),
  /** Not in the §9 table: AWS's answer to a request target that is not valid percent-encoded UTF-8. */
  InvalidURI: declare('InvalidURI', 400, 'Couldn\'t parse the specified URI.'),
  KeyTooLongError: declare('KeyTooLongError', 400, 'Your key is too long'),
  /** Not in the §9 table: AWS's answer to a Put*Acl document its schema refuses (missing Owner, unknown permission). */
  MalformedACLError: declare('MalformedACLError', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  MalformedPolicy: declare('MalformedPolicy', 400, 'This policy contains invalid Json'),
  /** Not in the §9 table: a PostObject body that is not well-formed multipart/form-data (S3 error code list). */
  MalformedPOSTRequest: declare('MalformedPOSTRequest', 400, 'The body of your POST request is not well-formed multipart/form-data.'),
  MalformedTrailerError: declare('MalformedTrailerError', 400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.'),
  MalformedXML: declare('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  /** Not in the §9 table: PostObject form fields before the file over 20 KB (S3 error code list). */
  MaxPostPreDataLengthExceeded: declare('MaxPostPreDataLengthExceeded', 400, 'Your POST request fields preceding the upload file were too large.'),
  MetadataTooLarge: declare('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size'),
  MethodNotAllowed: declare('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  MissingContentLength: declare('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  /** Not in the §9 table: AWS's answer to a Put*Acl that names no ACL at all (no x-amz-acl, no grant header, no body). */
  MissingSecurityHeader: declare('MissingSecurityHeader', 400, 'Your request was missing a required header'),
  NoSuchBucket: declare('NoSuchBucket', 404, 'The specified bucket does not exist'),
  NoSuchBucketPolicy: declare('NoSuchBucketPolicy', 404, 'The bucket policy does not exist'),
  NoSuchCORSConfiguration: declare('NoSuchCORSConfiguration', 404, 'The CORS configuration does not exist'),
  NoSuchKey: declare('NoSuchKey', 404, 'The specified key does not exist.'),
  NoSuchLifecycleConfiguration: declare('NoSuchLifecycleConfiguration', 404, 'The lifecycle configuration does not exist'),
  NoSuchTagSet: declare('NoSuchTagSet', 404, 'The TagSet does not exist'),
  NoSuchUpload: declare('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'),
  NoSuchVersion: declare('NoSuchVersion', 404, 'The specified version does not exist.'),
  NoSuchWebsiteConfiguration: declare('NoSuchWebsiteConfiguration', 404, 'The specified bucket does not have a website configuration'),
  NotImplemented: declare('NotImplemented', 501, 'A header you provided implies functionality that is not implemented'),
  NotModified: declare('NotModified', 304, 'Not Modified'),
  ObjectLockConfigurationNotFoundError: declare('ObjectLockConfigurationNotFoundError', 404, 'Object Lock configuration does not exist for this bucket'),
  OwnershipControlsNotFoundError: declare('OwnershipControlsNotFoundError', 404, 'The bucket ownership controls were not found'),
  InvalidRedirectLocation: declare('InvalidRedirectLocation', 400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."),
  NoSuchPublicAccessBlockConfiguration: declare('NoSuchPublicAccessBlockConfiguration', 404, 'The public access block configuration was not found'),
  PreconditionFailed: declare('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
  RequestHeaderSectionTooLarge: declare('RequestHeaderSectionTooLarge', 400, 'Your request header section exceeds the maximum allowed size.'),
  RequestTimeout: declare('RequestTimeout', 400, 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.'),
  RequestTimeTooSkewed: declare('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  ServerSideEncryptionConfigurationNotFoundError: declare('ServerSideEncryptionConfigurationNotFoundError', 404, 'The server side encryption configuration was not found'),
  ServiceUnavailable: declare('ServiceUnavailable', 503, 'Please reduce your request rate.'),
  SignatureDoesNotMatch: declare('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  SlowDown: declare('SlowDown', 503, 'Please reduce your request rate.'),
  /** Not in the §9 table: AWS's answer to a Put*Acl carrying both ACL headers and a body. */
  UnexpectedContent: declare('UnexpectedContent', 400, 'This request does not support content'),
  XAmzContentSHA256Mismatch: declare('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'),
} as const;

/** Every AWS code of the catalog. */
export type S3ErrorCode = keyof typeof S3Errors;

/** Catalog lookup by AWS code (undefined when the code is not declared). */
export function errorByCode(code: string): S3ErrorFactory | undefined {
  return Object.hasOwn(S3Errors, code) ? S3Errors[code as S3ErrorCode] : undefined;
}

/**
 * Engine error → S3 error, on purpose (habit 2). Engine codes not listed here (CHUNK_MISSING,
 * CHUNK_CORRUPT, CODEC_UNAVAILABLE, snapshot errors) are internal: the client sees InternalError
 * and the caller logs the cause. A storage timeout can never surface as NoSuchKey.
 */
const ENGINE_TO_S3: ReadonlyMap<string, S3ErrorFactory> = new Map([
  [EngineErrors.NO_SUCH_BUCKET.code, S3Errors.NoSuchBucket],
  [EngineErrors.BUCKET_EXISTS.code, S3Errors.BucketAlreadyExists],
  [EngineErrors.BUCKET_NOT_EMPTY.code, S3Errors.BucketNotEmpty],
  [EngineErrors.NO_SUCH_KEY.code, S3Errors.NoSuchKey],
  [EngineErrors.NO_SUCH_VERSION.code, S3Errors.NoSuchVersion],
  [EngineErrors.NO_SUCH_UPLOAD.code, S3Errors.NoSuchUpload],
  [EngineErrors.PRECONDITION.code, S3Errors.PreconditionFailed],
  [EngineErrors.INVALID_PART.code, S3Errors.InvalidPart],
  [EngineErrors.INVALID_PART_ORDER.code, S3Errors.InvalidPartOrder],
  [EngineErrors.ENTITY_TOO_SMALL.code, S3Errors.EntityTooSmall],
  [EngineErrors.ENTITY_TOO_LARGE.code, S3Errors.EntityTooLarge],
  [EngineErrors.INCOMPLETE_BODY.code, S3Errors.IncompleteBody],
  [EngineErrors.INVALID_ARGUMENT.code, S3Errors.InvalidArgument],
  [EngineErrors.INVALID_RANGE.code, S3Errors.InvalidRange],
  [EngineErrors.NO_SPACE.code, S3Errors.InsufficientStorage],
  [EngineErrors.UNAVAILABLE.code, S3Errors.ServiceUnavailable],
]);

/** Engine errors whose own message is safe and useful to show the client. */
const KEEP_ENGINE_MESSAGE = new Set<string>([EngineErrors.INVALID_ARGUMENT.code]);

/**
 * Translate anything thrown below the S3 layer into the S3Error the client sees.
 *
 * - an S3Error passes through;
 * - an engine error (`CCOW_ERR_*`) is mapped by the table above; a head that is a delete marker
 *   becomes NoSuchKey with `x-amz-delete-marker: true` (s3-surface.md §9);
 * - an auth or checksum error (s3/auth `AuthError`, s3/checksum `ChecksumError`, recognised by
 *   their `awsCode`) maps to the catalog entry of that code, with the auth error's `details` as
 *   extra XML elements;
 * - everything else becomes InternalError with `internal: true` — the caller must log it.
 */
export function mapError(e: unknown): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof CodedError) {
    if (e.code === EngineErrors.DELETE_MARKER.code) {
      return S3Errors.NoSuchKey({ headers: { 'x-amz-delete-marker': 'true' }, cause: e });
    }
    const f = ENGINE_TO_S3.get(e.code);
    if (f) return f({ message: KEEP_ENGINE_MESSAGE.has(e.code) ? e.message : undefined, fields: e.details && { ...e.details }, cause: e });
  }
  const awsCode = awsCodeOf(e);
  if (awsCode !== undefined) {
    const f = errorByCode(awsCode);
    if (f && f !== S3Errors.InternalError) {
      return f({ message: (e as Error).message || undefined, fields: detailsOf(e), cause: e });
    }
  }
  return internalError(e);
}

/** The InternalError for an unexpected failure (flagged for logging). */
export function internalError(cause: unknown): S3Error {
  const f = S3Errors.InternalError;
  return new S3Error(f.code, f.statusCode, f.defaultMessage, { cause }, true);
}

/** Extra XML elements an auth error carries (`StringToSign`, `CanonicalRequest`, …; never secrets). */
function detailsOf(e: unknown): ErrorFields | undefined {
  const d = (e as { details?: unknown }).details;
  if (typeof d !== 'object' || d === null) return undefined;
  const out: ErrorFields = {};
  for (const [k, v] of Object.entries(d)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** `awsCode` of an auth error (duck-typed so this module does not depend on s3/auth's internals). */
function awsCodeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !(e instanceof Error)) return undefined;
  const c = (e as { awsCode?: unknown }).awsCode;
  return typeof c === 'string' ? c : undefined;
}

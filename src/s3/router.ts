/**
 * The S3 router: a pure function from (method, path, query, headers) to an S3Operation
 * (shared/STYLE.md habit 3, after Garage's `src/api/s3/router.rs`). No I/O, no engine, no auth —
 * `test/unit/s3/router.test.ts` drives it with request lines from the AWS API reference.
 */
import { splitTarget } from './auth/uri.js';
import { checkBucketNameLength } from './bucket-name.js';
import { S3Errors } from './errors.js';
import { OPERATION_INFO, type OperationOf, type S3Operation, type S3OperationKind } from './operations.js';

/** The part of URLSearchParams the router needs (a parameter without `=` has the value ''). */
export interface QueryLike {
  has(name: string): boolean;
  get(name: string): string | null;
}

/** What the router looks at. */
export interface RouteInput {
  method: string;
  /** The raw path as sent (percent-encoded, not normalised). */
  path: string;
  query: QueryLike;
  headers: Record<string, string | undefined>;
  /** Bucket taken from a virtual-hosted `Host`; the whole path is then the key. */
  hostBucket?: string;
}

/** Longest key S3 accepts, in UTF-8 bytes (s3-surface.md §1). */
export const MAX_KEY_BYTES = 1024;

/**
 * Throw KeyTooLongError for a key over MAX_KEY_BYTES. AWS's body carries `<Size>` and
 * `<MaxSizeAllowed>`, not the key (a capture from S3 in basho/riak_cs#1233; versitygw#2080).
 */
export function checkKeyLength(key: string): void {
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) throw S3Errors.KeyTooLongError({ fields: { Size: size, MaxSizeAllowed: MAX_KEY_BYTES } });
}

/**
 * Route one request. Throws only InvalidURI (path not valid percent-encoded UTF-8),
 * KeyTooLongError and InvalidBucketName (a name longer than any bucket's); every other outcome, NotImplemented and MethodNotAllowed included, is an
 * operation.
 *
 * @example
 * route({ method: 'GET', path: '/b', query: new URLSearchParams('list-type=2'), headers: {} })
 * // → { kind: 'ListObjectsV2', bucket: 'b', action: 's3:ListBucket', access: 'bucket-read' }
 */
export function route(req: RouteInput): S3Operation {
  const { bucket, key } = splitPath(req.path, req.hostBucket);
  if (bucket !== undefined) checkBucketNameLength(bucket);
  const method = req.method.toUpperCase();
  const versioned = req.query.has('versionId');
  if (bucket === undefined) {
    return method === 'GET' ? op('ListBuckets', {}) : op('MethodNotAllowed', {});
  }
  refuseCopySource(method, req.query, req.headers);
  if (key === undefined) return routeBucket(method, bucket, req.query);
  checkKeyLength(key);
  return routeObject(method, bucket, key, req.query, req.headers, versioned);
}

/**
 * `x-amz-copy-source` belongs to PUT (CopyObject, UploadPartCopy): S3 refuses it on GET, HEAD and
 * DELETE, of a bucket or an object, and on a POST with `uploadId`, with 400 InvalidArgument "You can
 * only specify a copy source header for copy requests." (versitygw#1642, written against S3;
 * versitygw RouterCopySourceNotAllowed). It was ignored: a DELETE carrying it deleted the object.
 */
function refuseCopySource(method: string, q: QueryLike, h: Record<string, string | undefined>): void {
  const source = h['x-amz-copy-source'];
  if (source === undefined) return;
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || (method === 'POST' && q.has('uploadId'))) {
    throw S3Errors.InvalidArgument({ message: 'You can only specify a copy source header for copy requests.', fields: { ArgumentName: 'x-amz-copy-source', ArgumentValue: source } });
  }
}

/**
 * Split the raw path into bucket and key, percent-decoding each exactly once. Keys keep `.`, `..`,
 * `//` and a leading `/` (s3-surface.md §2: S3 does not normalise paths). `/b` and `/b/` both
 * address the bucket.
 */
export function splitPath(rawPath: string, hostBucket?: string): { bucket?: string; key?: string } {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (hostBucket !== undefined) return path === '' ? { bucket: hostBucket } : { bucket: hostBucket, key: decode(path) };
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path) };
  const rest = path.slice(slash + 1);
  const bucket = decode(path.slice(0, slash));
  return rest === '' ? { bucket } : { bucket, key: decode(rest) };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw S3Errors.InvalidURI();
  }
}

/** A query-string key or value: form-decoded, `+` is a space (see auth `queryDecode`). */
function decodeQuery(s: string): string {
  return decode(s.includes('+') ? s.replaceAll('+', ' ') : s);
}

/** Build an operation with its action and access class from OPERATION_INFO. */
function op<K extends S3OperationKind>(
  kind: K,
  fields: Omit<OperationOf<K>, 'kind' | 'action' | 'access'>,
  versioned = false,
): OperationOf<K> {
  const info = OPERATION_INFO[kind];
  const action = versioned && info.versioned ? info.versioned : info.action;
  return { kind, ...fields, action, access: info.access } as unknown as OperationOf<K>;
}

type BucketSub = readonly (readonly [param: string, kind: S3OperationKind | string])[];

// Subresource tables, checked in order. A string that is not an operation kind names a feature
// marked "No" in s3-surface.md §3 (answered 501 NotImplemented).
const BUCKET_GET: BucketSub = [
  ['acl', 'GetBucketAcl'], ['tagging', 'GetBucketTagging'], ['versioning', 'GetBucketVersioning'],
  ['cors', 'GetBucketCors'], ['policyStatus', 'GetBucketPolicyStatus'], ['policy', 'GetBucketPolicy'],
  ['location', 'GetBucketLocation'], ['uploads', 'ListMultipartUploads'], ['versions', 'ListObjectVersions'],
  ['lifecycle', 'GetBucketLifecycleConfiguration'], ['encryption', 'GetBucketEncryption'],
  ['object-lock', 'GetObjectLockConfiguration'], ['notification', 'GetBucketNotificationConfiguration'],
  ['logging', 'GetBucketLogging'], ['requestPayment', 'GetBucketRequestPayment'],
  ['accelerate', 'GetBucketAccelerateConfiguration'], ['website', 'GetBucketWebsite'],
  ['ownershipControls', 'GetBucketOwnershipControls'],
  ['replication', 'GetBucketReplication'], ['inventory', 'GetBucketInventoryConfiguration'],
  ['analytics', 'GetBucketAnalyticsConfiguration'], ['metrics', 'GetBucketMetricsConfiguration'],
  ['intelligent-tiering', 'GetBucketIntelligentTieringConfiguration'], ['publicAccessBlock', 'GetPublicAccessBlock'],
  ['session', 'CreateSession'],
  // S3 Metadata and ABAC (API reference, 2025): before these rows they listed the bucket instead.
  ['metadataTable', 'GetBucketMetadataTableConfiguration'], ['metadataConfiguration', 'GetBucketMetadataConfiguration'],
  ['abac', 'GetBucketAbac'],
];

const BUCKET_PUT: BucketSub = [
  ['acl', 'PutBucketAcl'], ['tagging', 'PutBucketTagging'], ['versioning', 'PutBucketVersioning'],
  ['cors', 'PutBucketCors'], ['policy', 'PutBucketPolicy'], ['lifecycle', 'PutBucketLifecycleConfiguration'],
  ['encryption', 'PutBucketEncryption'], ['object-lock', 'PutObjectLockConfiguration'],
  ['notification', 'PutBucketNotificationConfiguration'], ['logging', 'PutBucketLogging'],
  ['requestPayment', 'PutBucketRequestPayment'], ['accelerate', 'PutBucketAccelerateConfiguration'],
  ['website', 'PutBucketWebsite'], ['ownershipControls', 'PutBucketOwnershipControls'],
  ['replication', 'PutBucketReplication'], ['inventory', 'PutBucketInventoryConfiguration'],
  ['analytics', 'PutBucketAnalyticsConfiguration'], ['metrics', 'PutBucketMetricsConfiguration'],
  ['intelligent-tiering', 'PutBucketIntelligentTieringConfiguration'], ['publicAccessBlock', 'PutPublicAccessBlock'],
  ['metadataJournalTable', 'UpdateBucketMetadataJournalTableConfiguration'],
  ['metadataInventoryTable', 'UpdateBucketMetadataInventoryTableConfiguration'],
  ['metadataAnnotationTable', 'UpdateBucketMetadataAnnotationTableConfiguration'], ['abac', 'PutBucketAbac'],
];

const BUCKET_DELETE: BucketSub = [
  ['tagging', 'DeleteBucketTagging'], ['cors', 'DeleteBucketCors'], ['policy', 'DeleteBucketPolicy'],
  ['lifecycle', 'DeleteBucketLifecycle'], ['encryption', 'DeleteBucketEncryption'],
  ['website', 'DeleteBucketWebsite'], ['ownershipControls', 'DeleteBucketOwnershipControls'],
  ['replication', 'DeleteBucketReplication'], ['inventory', 'DeleteBucketInventoryConfiguration'],
  ['analytics', 'DeleteBucketAnalyticsConfiguration'], ['metrics', 'DeleteBucketMetricsConfiguration'],
  ['intelligent-tiering', 'DeleteBucketIntelligentTieringConfiguration'], ['publicAccessBlock', 'DeletePublicAccessBlock'],
  // Without these rows DELETE /{b}?metadataTable was DeleteBucket: an empty bucket was deleted.
  ['metadataTable', 'DeleteBucketMetadataTableConfiguration'], ['metadataConfiguration', 'DeleteBucketMetadataConfiguration'],
];

const BUCKET_POST: BucketSub = [
  ['metadataTable', 'CreateBucketMetadataTableConfiguration'], ['metadataConfiguration', 'CreateBucketMetadataConfiguration'],
];

function isKind(s: string): s is S3OperationKind {
  return Object.hasOwn(OPERATION_INFO, s);
}

/**
 * GET of these subresources without `id` lists the bucket's configurations; with `id` it gets one
 * (API_ListBucketMetricsConfigurations: `GET /?metrics&continuation-token=…`, API_GetBucketMetricsConfiguration:
 * `GET /?metrics&id=Id`; the same for inventory, analytics and intelligent-tiering). All are 501 here,
 * but the answer and the log name the operation the client called.
 */
const LISTED_WITHOUT_ID: Readonly<Record<string, string>> = {
  inventory: 'ListBucketInventoryConfigurations', analytics: 'ListBucketAnalyticsConfigurations',
  metrics: 'ListBucketMetricsConfigurations', 'intelligent-tiering': 'ListBucketIntelligentTieringConfigurations',
};

/** First matching subresource of `table`, as an operation (`rename` may answer another name for its parameter). */
function fromTable(table: BucketSub, query: QueryLike, bucket: string, rename?: (param: string) => string | undefined): S3Operation | undefined {
  for (const [param, kind] of table) {
    if (!query.has(param)) continue;
    const name = rename?.(param) ?? kind;
    if (isKind(name)) return op(name as 'GetBucketAcl', { bucket });
    return op('NotImplemented', { operation: name, bucket });
  }
  return undefined;
}

function routeBucket(method: string, bucket: string, q: QueryLike): S3Operation {
  switch (method) {
    case 'GET':
      return fromTable(BUCKET_GET, q, bucket, (p) => (q.has('id') || !Object.hasOwn(LISTED_WITHOUT_ID, p) ? undefined : LISTED_WITHOUT_ID[p]))
        ?? op(q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', { bucket });
    case 'HEAD':
      return op('HeadBucket', { bucket });
    case 'PUT':
      return fromTable(BUCKET_PUT, q, bucket) ?? op('CreateBucket', { bucket });
    case 'DELETE':
      return fromTable(BUCKET_DELETE, q, bucket) ?? op('DeleteBucket', { bucket });
    case 'POST':
      if (q.has('delete')) return op('DeleteObjects', { bucket });
      // Anything else is a browser form upload (API_PostObject: `POST / HTTP/1.1`, the key in the form).
      return fromTable(BUCKET_POST, q, bucket) ?? op('PostObject', { bucket });
    case 'OPTIONS':
      return op('CorsPreflight', { bucket });
    default:
      return op('MethodNotAllowed', { bucket });
  }
}

function routeObject(
  method: string,
  bucket: string,
  key: string,
  q: QueryLike,
  h: Record<string, string | undefined>,
  versioned: boolean,
): S3Operation {
  const at = { bucket, key };
  const notImplemented = (operation: string): S3Operation => op('NotImplemented', { operation, bucket, key });
  // `?torrent` names the object's torrent, which has GET only (API_GetObjectTorrent). Another method
  // fell through to the object itself: PUT ?torrent overwrote it, DELETE ?torrent deleted it.
  // versitygw RouterObjectTorrentMethodNotAllowed: 405 with `Allow: GET` for HEAD, PUT, DELETE, POST.
  if (q.has('torrent') && method !== 'GET' && method !== 'OPTIONS') {
    throw S3Errors.MethodNotAllowed({ headers: { allow: 'GET' }, fields: { Method: method, ResourceType: 'OBJECT' } });
  }
  switch (method) {
    case 'GET':
      if (q.has('acl')) return op('GetObjectAcl', at, versioned);
      if (q.has('tagging')) return op('GetObjectTagging', at, versioned);
      if (q.has('uploadId')) return op('ListParts', at);
      if (q.has('attributes')) return op('GetObjectAttributes', at, versioned);
      if (q.has('torrent')) return notImplemented('GetObjectTorrent');
      if (q.has('retention')) return notImplemented('GetObjectRetention');
      if (q.has('legal-hold')) return notImplemented('GetObjectLegalHold');
      if (q.has('annotation')) return notImplemented('GetObjectAnnotation');
      // Bucket subresources asked of a key: S3 refuses them rather than answering the object
      // (S3's answer quoted in versitygw#1688; versitygw RouterListVersionsWithKey / RouterGetUploadsWithKey).
      if (q.has('versions')) throw S3Errors.InvalidRequest('There is no such thing as the ?versions sub-resource for a key');
      if (q.has('uploads')) throw S3Errors.InvalidRequest('Key is not expected for the GET method ?uploads subresource');
      return op('GetObject', at, versioned);
    case 'HEAD':
      return op('HeadObject', at, versioned);
    case 'PUT':
      if (q.has('acl')) return op('PutObjectAcl', at, versioned);
      if (q.has('tagging')) return op('PutObjectTagging', at, versioned);
      if (q.has('retention')) return notImplemented('PutObjectRetention');
      if (q.has('legal-hold')) return notImplemented('PutObjectLegalHold');
      // Object subresources of the API reference that are not PutObject: before, each of these
      // overwrote the object with the request's body (RenameObject: with nothing).
      if (q.has('renameObject')) return notImplemented('RenameObject');
      if (q.has('encryption')) return notImplemented('UpdateObjectEncryption');
      if (q.has('annotation')) return notImplemented('PutObjectAnnotation');
      // x-amz-copy-source turns a part upload into UploadPartCopy and a put into CopyObject.
      // Half a part upload is refused as S3 refuses it, instead of being stored as the object
      // (partNumber alone) or read as part number '' (uploadId alone): S3's answers quoted in
      // versitygw#1237 / #1226 and #1236 (versitygw RouterPutPartNumberWithoutUploadId,
      // RouterPUTObjectOnlyUploadId).
      if (q.has('uploadId')) {
        if (!q.has('partNumber')) {
          throw S3Errors.MethodNotAllowed({ headers: { allow: 'DELETE, POST, GET' }, fields: { Method: 'PUT', ResourceType: 'UPLOAD' } });
        }
        return op(h['x-amz-copy-source'] !== undefined ? 'UploadPartCopy' : 'UploadPart', at);
      }
      if (q.has('partNumber')) {
        throw S3Errors.InvalidArgument({ message: 'This operation does not accept partNumber without uploadId', fields: { ArgumentName: 'partNumber', ArgumentValue: 'partNumber' } });
      }
      return op(h['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject', at);
    case 'DELETE':
      if (q.has('tagging')) return op('DeleteObjectTagging', at, versioned);
      if (q.has('uploadId')) return op('AbortMultipartUpload', at);
      if (q.has('annotation')) return notImplemented('DeleteObjectAnnotation');
      return op('DeleteObject', at, versioned);
    case 'POST':
      if (q.has('uploads')) return op('CreateMultipartUpload', at);
      if (q.has('uploadId')) return op('CompleteMultipartUpload', at);
      if (q.has('restore')) return notImplemented('RestoreObject');
      if (q.has('select')) return notImplemented('SelectObjectContent');
      return op('MethodNotAllowed', at);
    case 'OPTIONS':
      return op('CorsPreflight', at);
    default:
      return op('MethodNotAllowed', at);
  }
}

/**
 * Parsed query string. As in URLSearchParams, `+` is a space (S3 form-decodes its query string;
 * SDKs send a literal plus as `%2B` and a space as `%20`); unlike it, a parameter without `=`
 * (`?uploads`) is present with the value '', and malformed percent-encoding → InvalidURI.
 */
export class QueryParams implements QueryLike {
  readonly #entries: [string, string][];
  constructor(raw: string) {
    this.#entries = [];
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decodeQuery(eq < 0 ? part : part.slice(0, eq));
      this.#entries.push([name, eq < 0 ? '' : decodeQuery(part.slice(eq + 1))]);
    }
  }
  has(name: string): boolean {
    return this.#entries.some(([n]) => n === name);
  }
  /** First value of `name`, or null. */
  get(name: string): string | null {
    return this.#entries.find(([n]) => n === name)?.[1] ?? null;
  }
  /** Every (name, value) pair in order. */
  entries(): readonly (readonly [string, string])[] {
    return this.#entries;
  }
}

/**
 * Split a raw request target into its path and parsed query, exactly as authentication splits it
 * (auth `splitTarget`: an absolute-form `scheme://authority` prefix and a `#` fragment are not part
 * of what is signed). Routing anything the signature does not cover — parameters after a raw `#`
 * (Node passes it through in `req.url`) — let a captured presigned URL be pointed at another
 * version, other response headers or an unsigned `x-amz-acl`.
 */
export function parseTarget(url: string): { path: string; rawQuery: string; query: QueryParams } {
  const { path, query: rawQuery } = splitTarget(url);
  return { path, rawQuery, query: new QueryParams(rawQuery) };
}

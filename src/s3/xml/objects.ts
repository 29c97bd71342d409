/**
 * Object-operation bodies: DeleteObjects request/result (shared/spec/s3-surface.md §4.3),
 * CopyObjectResult (§4.4) and GetObjectAttributesResponse (§5.4).
 */
import type { PartInfo, StoredChecksum } from '../../engine/index.js';
import { S3Errors } from '../errors.js';
import { parseXmlAsync, renderXml, XmlSequence, type XmlObject } from './codec.js';
import { checksumElements } from './multipart.js';

/** Most keys one DeleteObjects request may name (§1). */
export const MAX_DELETE_KEYS = 1000;

/** A parsed `<Delete>` request. */
export interface DeleteRequestXml {
  quiet: boolean;
  /** `etag`: the object's `<ETag>`, a condition on that key's delete (If-Match of DeleteObject). */
  objects: { key: string; versionId?: string; etag?: string }[];
}

/**
 * Parse `<Delete>`; no objects, more than 1000, or an object without Key → MalformedXML. An
 * object's `<ETag>` makes its delete conditional (User Guide, "How to perform conditional deletes":
 * "For conditionally deleting multiple objects using the DeleteObjects operation, you must provide
 * the ETag value in the ETag element of the object in the XML request body"; a failed precondition
 * is that key's `<Error>`).
 */
export async function parseDeleteRequest(body: Buffer): Promise<DeleteRequestXml> {
  const root = await parseXmlAsync(body, 'Delete');
  const objects = root.all('Object').map((o) => {
    const key = o.childText('Key');
    if (key === undefined || key === '') throw S3Errors.MalformedXML();
    const versionId = o.childToken('VersionId');
    const etag = o.childToken('ETag');
    // <LastModifiedTime> and <Size> make that key's delete conditional, for directory buckets only
    // (API_ObjectIdentifier); none is one here. Refused before anything is deleted, as DeleteObject
    // refuses x-amz-if-match-size / x-amz-if-match-last-modified-time (object-headers.ts DELETE_CONDITIONS), rather
    // than deleting the key whatever its size or time.
    if (o.childText('Size') !== undefined || o.childText('LastModifiedTime') !== undefined) {
      throw S3Errors.NotImplemented('DeleteObjects conditions on Size and LastModifiedTime are not implemented');
    }
    const obj: { key: string; versionId?: string; etag?: string } = { key };
    if (versionId) obj.versionId = versionId;
    if (etag) obj.etag = etag;
    return obj;
  });
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw S3Errors.MalformedXML();
  return { quiet: root.childToken('Quiet')?.toLowerCase() === 'true', objects };
}

/** One outcome of DeleteObjects, in request order. */
export type DeleteOutcome =
  | { ok: true; key: string; versionId?: string; deleteMarker?: boolean; deleteMarkerVersionId?: string }
  | { ok: false; key: string; versionId?: string; code: string; message: string };

/** `<DeleteResult>`; with `quiet` only the errors are listed (§4.3). */
export function renderDeleteResult(outcomes: DeleteOutcome[], quiet: boolean): string {
  const items: [string, XmlObject][] = [];
  for (const o of outcomes) {
    if (o.ok) {
      if (quiet) continue;
      items.push(['Deleted', {
        Key: o.key,
        VersionId: o.versionId,
        DeleteMarker: o.deleteMarker ? true : undefined,
        DeleteMarkerVersionId: o.deleteMarkerVersionId,
      }]);
    } else {
      items.push(['Error', { Key: o.key, VersionId: o.versionId, Code: o.code, Message: o.message }]);
    }
  }
  return renderXml('DeleteResult', { Results: new XmlSequence(items) });
}

/** `<CopyObjectResult>`. */
export function renderCopyObjectResult(etag: string, lastModified: Date, checksum?: StoredChecksum): string {
  return renderXml('CopyObjectResult', { ETag: etag, LastModified: lastModified, ...checksumElements(checksum, true) });
}

/** The attribute names `x-amz-object-attributes` may list (§5.4). */
export const OBJECT_ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;

/** One attribute name. */
export type ObjectAttribute = (typeof OBJECT_ATTRIBUTES)[number];

/** GetObjectAttributes response input. */
export interface ObjectAttributesXml {
  attributes: ReadonlySet<ObjectAttribute>;
  /** Quoted ETag; rendered unquoted, as AWS does for this operation. */
  etag: string;
  checksum?: StoredChecksum;
  /** The part listing; only `total` (and no list) when the parts are not listed. */
  parts?: { total: number; marker?: number; next?: number; maxParts?: number; truncated?: boolean; list: PartInfo[] };
  storageClass: string;
  size: number;
}

/** `<GetObjectAttributesResponse>` with only the requested attributes. */
export function renderObjectAttributes(r: ObjectAttributesXml): string {
  const want = (a: ObjectAttribute): boolean => r.attributes.has(a);
  const parts = r.parts;
  return renderXml('GetObjectAttributesResponse', {
    ETag: want('ETag') ? r.etag.replace(/^"|"$/g, '') : undefined,
    // A COMPOSITE checksum is shown without its `-N` part count here (HEAD/GET and Complete carry
    // it): what S3 answers, as LocalStack's AWS-validated provider renders it and as clients that
    // read it from S3 expect (Quilt's checksum lambda appends `-{TotalPartsCount}` itself).
    Checksum: want('Checksum') && r.checksum ? checksumElements({ ...r.checksum, value: r.checksum.value.replace(/-\d+$/, '') }, true) : undefined,
    ObjectParts: want('ObjectParts') && parts
      ? {
          // The member is TotalPartsCount but its XML name is PartsCount (the S3 Smithy model's
          // @xmlName, which botocore, SDK v3 and the Rust SDK all read); <TotalPartsCount> reaches
          // every SDK as "absent".
          PartsCount: parts.total,
          PartNumberMarker: parts.marker,
          NextPartNumberMarker: parts.next,
          MaxParts: parts.maxParts,
          IsTruncated: parts.truncated,
          Part: parts.list.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ...checksumElements(p.checksum) })),
        }
      : undefined,
    StorageClass: want('StorageClass') ? r.storageClass : undefined,
    ObjectSize: want('ObjectSize') ? r.size : undefined,
  });
}

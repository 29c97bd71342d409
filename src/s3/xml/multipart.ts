/**
 * Multipart bodies (shared/spec/s3-surface.md §4.5, §5.3; AWS API reference
 * CreateMultipartUpload, CompleteMultipartUpload, ListParts, ListMultipartUploads, UploadPartCopy).
 */
import type { ChecksumAlgorithm, StoredChecksum, UploadedPart, UploadInfo } from '../../engine/index.js';
import { S3Errors } from '../errors.js';
import { parseXmlAsync, renderXml, renderXmlBytes, type XmlObject } from './codec.js';
import { keyEncoder, ownerXml, type OwnerXml } from './list.js';

/** The checksum algorithms in the order AWS documents their elements. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** `ChecksumCRC32`-style elements for one stored checksum (nothing when absent). */
export function checksumElements(c: StoredChecksum | undefined, withType = false): XmlObject {
  if (!c) return {};
  return withType ? { [`Checksum${c.algorithm}`]: c.value, ChecksumType: c.type } : { [`Checksum${c.algorithm}`]: c.value };
}

/** `<InitiateMultipartUploadResult>`. */
export function renderInitiateUpload(bucket: string, key: string, uploadId: string): string {
  return renderXml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
}

/** One `<Part>` of a CompleteMultipartUpload request. */
export interface CompletePartXml {
  partNumber: number;
  etag: string;
  /** Checksum values listed for the part, by algorithm. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * Parse `<CompleteMultipartUpload>`. A part without a valid PartNumber or ETag is MalformedXML;
 * zero parts too (AWS: "You must specify at least one part" is MalformedXML).
 */
export async function parseCompleteUpload(body: Buffer): Promise<CompletePartXml[]> {
  const root = await parseXmlAsync(body, 'CompleteMultipartUpload');
  const parts = root.all('Part').map((p): CompletePartXml => {
    const num = p.childToken('PartNumber');
    const etag = p.childToken('ETag');
    // A negative number parses: it is refused by the handler (InvalidArgument), as 0 is.
    if (num === undefined || !/^-?\d{1,5}$/.test(num) || etag === undefined) throw S3Errors.MalformedXML();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const alg of CHECKSUM_ALGORITHMS) {
      const v = p.childToken(`Checksum${alg}`);
      if (v !== undefined && v !== '') checksums[alg] = v;
    }
    return { partNumber: Number(num), etag, checksums };
  });
  if (parts.length === 0) throw S3Errors.MalformedXML();
  return parts;
}

/** CompleteMultipartUpload response input. */
export interface CompleteResultXml {
  location: string;
  bucket: string;
  key: string;
  etag: string;
  checksum?: StoredChecksum;
}

/** `<CompleteMultipartUploadResult>`. */
export function renderCompleteResult(r: CompleteResultXml): string {
  return renderXml('CompleteMultipartUploadResult', {
    Location: r.location,
    Bucket: r.bucket,
    Key: r.key,
    ETag: r.etag,
    ...checksumElements(r.checksum, true),
  });
}

/** ListParts response input. */
export interface ListPartsXml {
  bucket: string;
  key: string;
  uploadId: string;
  partNumberMarker: number;
  nextPartNumberMarker?: number;
  maxParts: number;
  truncated: boolean;
  parts: UploadedPart[];
  /** Who created the upload (API_ListParts `Initiator`). */
  initiator: OwnerXml;
  /** The owner of the object to be (API_ListParts `Owner`: "the object owner, after the object is created"). */
  owner: OwnerXml;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: string;
}

/** `<ListPartsResult>`. */
export function renderListParts(r: ListPartsXml): Buffer {
  return renderXmlBytes('ListPartsResult', {
    Bucket: r.bucket,
    Key: r.key,
    UploadId: r.uploadId,
    PartNumberMarker: r.partNumberMarker,
    NextPartNumberMarker: r.nextPartNumberMarker,
    MaxParts: r.maxParts,
    IsTruncated: r.truncated,
    Part: r.parts.map((p) => ({
      PartNumber: p.partNumber,
      LastModified: p.lastModified,
      ETag: p.etag,
      Size: p.size,
      ...checksumElements(p.checksum),
    })),
    Initiator: ownerXml(r.initiator),
    Owner: ownerXml(r.owner),
    StorageClass: r.storageClass,
    ChecksumAlgorithm: r.checksumAlgorithm,
    ChecksumType: r.checksumType,
  });
}

/** ListMultipartUploads response input. */
export interface ListUploadsXml {
  bucket: string;
  keyMarker: string;
  uploadIdMarker: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  prefix: string;
  delimiter?: string;
  maxUploads: number;
  encodingType?: string;
  truncated: boolean;
  uploads: UploadInfo[];
  commonPrefixes: string[];
  /**
   * Per upload: who created it (API_Initiator, "Container element that identifies who initiated
   * the multipart upload") and the owner of the object to be (API_MultipartUpload `Owner`).
   */
  initiatorOf: (u: UploadInfo) => OwnerXml;
  ownerOf: (u: UploadInfo) => OwnerXml;
}

/** `<ListMultipartUploadsResult>`. */
export function renderListUploads(r: ListUploadsXml): Buffer {
  const enc = keyEncoder(r.encodingType);
  return renderXmlBytes('ListMultipartUploadsResult', {
    Bucket: r.bucket,
    KeyMarker: enc(r.keyMarker),
    UploadIdMarker: r.uploadIdMarker,
    NextKeyMarker: r.nextKeyMarker === undefined ? undefined : enc(r.nextKeyMarker),
    NextUploadIdMarker: r.nextUploadIdMarker,
    Prefix: enc(r.prefix),
    Delimiter: r.delimiter === undefined ? undefined : enc(r.delimiter),
    MaxUploads: r.maxUploads,
    IsTruncated: r.truncated,
    EncodingType: r.encodingType,
    Upload: r.uploads.map((u) => ({
      Key: enc(u.key),
      UploadId: u.uploadId,
      Initiator: ownerXml(r.initiatorOf(u)),
      Owner: ownerXml(r.ownerOf(u)),
      StorageClass: u.attrs.storageClass ?? 'STANDARD',
      Initiated: u.initiated,
      ChecksumAlgorithm: u.checksumAlgorithm,
      ChecksumType: u.checksumType,
    })),
    CommonPrefixes: r.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/** `<CopyPartResult>` of UploadPartCopy. */
export function renderCopyPartResult(p: UploadedPart): string {
  return renderXml('CopyPartResult', { ETag: p.etag, LastModified: p.lastModified, ...checksumElements(p.checksum) });
}

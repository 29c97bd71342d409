/** Engine error catalog (shared/spec/ccow.md §1). The S3 and S3X layers map these in one function each. */
import { defineError } from '../common/index.js';

export const EngineErrors = {
  NO_SUCH_BUCKET: defineError('CCOW_ERR_NO_SUCH_BUCKET', 'bucket does not exist', 404),
  BUCKET_EXISTS: defineError('CCOW_ERR_BUCKET_EXISTS', 'bucket already exists', 409),
  BUCKET_NOT_EMPTY: defineError('CCOW_ERR_BUCKET_NOT_EMPTY', 'bucket is not empty', 409),
  NO_SUCH_KEY: defineError('CCOW_ERR_NO_SUCH_KEY', 'object does not exist', 404),
  NO_SUCH_VERSION: defineError('CCOW_ERR_NO_SUCH_VERSION', 'version does not exist', 404),
  /** Head is a delete marker; `cause` carries nothing, the message carries the marker's version id. */
  DELETE_MARKER: defineError('CCOW_ERR_DELETE_MARKER', 'the requested version is a delete marker', 404),
  NO_SUCH_UPLOAD: defineError('CCOW_ERR_NO_SUCH_UPLOAD', 'multipart upload does not exist', 404),
  NO_SUCH_SNAPSHOT: defineError('CCOW_ERR_NO_SUCH_SNAPSHOT', 'snapshot does not exist', 404),
  SNAPSHOT_EXISTS: defineError('CCOW_ERR_SNAPSHOT_EXISTS', 'snapshot already exists', 409),
  /** A bucket clone of the snapshot is still filling (bucket-clone.ts); the message names it. */
  SNAPSHOT_IN_USE: defineError('CCOW_ERR_SNAPSHOT_IN_USE', 'a bucket clone of this snapshot is still being made', 409),
  PRECONDITION: defineError('CCOW_ERR_PRECONDITION', 'precondition failed', 412),
  INVALID_PART: defineError('CCOW_ERR_INVALID_PART', 'part missing or does not match', 400),
  INVALID_PART_ORDER: defineError('CCOW_ERR_INVALID_PART_ORDER', 'parts are not in ascending order', 400),
  ENTITY_TOO_SMALL: defineError('CCOW_ERR_ENTITY_TOO_SMALL', 'part smaller than the minimum', 400),
  ENTITY_TOO_LARGE: defineError('CCOW_ERR_ENTITY_TOO_LARGE', 'object larger than allowed', 400),
  INCOMPLETE_BODY: defineError('CCOW_ERR_INCOMPLETE_BODY', 'body shorter or longer than declared', 400),
  INVALID_ARGUMENT: defineError('CCOW_ERR_INVALID_ARGUMENT', 'invalid argument', 400),
  INVALID_RANGE: defineError('CCOW_ERR_INVALID_RANGE', 'range not satisfiable', 416),
  CHUNK_MISSING: defineError('CCOW_ERR_CHUNK_MISSING', 'a chunk of this object is missing', 500),
  CHUNK_CORRUPT: defineError('CCOW_ERR_CHUNK_CORRUPT', 'a chunk of this object is corrupt', 500),
  NO_SPACE: defineError('CCOW_ERR_NO_SPACE', 'no space left on the data disks', 507),
  UNAVAILABLE: defineError('CCOW_ERR_UNAVAILABLE', 'storage unavailable', 503),
  CODEC_UNAVAILABLE: defineError('CCOW_ERR_CODEC_UNAVAILABLE', 'compression codec unavailable', 500),
} as const;

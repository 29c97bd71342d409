/**
 * The handler table: one handler per operation kind. Typed as a mapped type over every kind, so
 * the compiler fails when an operation has no handler (shared/STYLE.md habit 3).
 */
import type { Handler } from '../context.js';
import type { OperationOf, S3Operation, S3OperationKind } from '../operations.js';
import * as bucket from './bucket.js';
import * as config from './bucket-config.js';
import { completeMultipartUpload } from './complete.js';
import { copyObject } from './copy.js';
import * as list from './list.js';
import * as misc from './misc.js';
import * as mp from './multipart.js';
import * as meta from './object-meta.js';
import * as read from './object-read.js';
import * as write from './object-write.js';
import { postObject } from './post-object.js';

/** Every kind's handler. */
export const HANDLERS: { readonly [K in S3OperationKind]: Handler<OperationOf<K>> } = {
  ListBuckets: bucket.listBuckets,
  CreateBucket: bucket.createBucket,
  HeadBucket: bucket.headBucket,
  DeleteBucket: bucket.deleteBucket,
  GetBucketLocation: bucket.getBucketLocation,
  GetBucketVersioning: bucket.getBucketVersioning,
  PutBucketVersioning: bucket.putBucketVersioning,
  ListObjects: list.listObjects,
  ListObjectsV2: list.listObjectsV2,
  ListObjectVersions: list.listObjectVersions,
  ListMultipartUploads: mp.listMultipartUploads,
  GetBucketLifecycleConfiguration: config.getBucketLifecycle,
  PutBucketLifecycleConfiguration: config.putBucketLifecycle,
  DeleteBucketLifecycle: config.deleteBucketLifecycle,
  GetBucketCors: config.getBucketCors,
  PutBucketCors: config.putBucketCors,
  DeleteBucketCors: config.deleteBucketCors,
  GetBucketPolicy: config.getBucketPolicy,
  PutBucketPolicy: config.putBucketPolicy,
  DeleteBucketPolicy: config.deleteBucketPolicy,
  GetBucketPolicyStatus: config.getBucketPolicyStatus,
  GetBucketAcl: config.getBucketAcl,
  PutBucketAcl: config.putBucketAcl,
  GetBucketTagging: config.getBucketTagging,
  PutBucketTagging: config.putBucketTagging,
  DeleteBucketTagging: config.deleteBucketTagging,
  GetBucketEncryption: config.getBucketEncryption,
  GetObjectLockConfiguration: config.getObjectLockConfiguration,
  GetBucketNotificationConfiguration: config.getBucketNotification,
  PutBucketNotificationConfiguration: config.putBucketNotification,
  GetBucketLogging: config.getBucketLogging,
  PutBucketLogging: config.putBucketLogging,
  GetBucketRequestPayment: config.getBucketRequestPayment,
  PutBucketRequestPayment: config.putBucketRequestPayment,
  GetBucketAccelerateConfiguration: config.getBucketAccelerate,
  GetBucketWebsite: config.getBucketWebsite,
  GetBucketOwnershipControls: config.getBucketOwnershipControls,
  PutBucketOwnershipControls: config.putBucketOwnershipControls,
  DeleteBucketOwnershipControls: config.deleteBucketOwnershipControls,
  GetPublicAccessBlock: config.getPublicAccessBlock,
  DeleteBucketWebsite: config.deleteAbsentConfig,
  DeleteBucketEncryption: config.deleteAbsentConfig,
  DeletePublicAccessBlock: config.deleteAbsentConfig,
  DeleteObjects: write.deleteObjects,
  PostObject: postObject,
  PutObject: write.putObject,
  GetObject: read.getObject,
  HeadObject: read.headObject,
  DeleteObject: write.deleteObject,
  CopyObject: copyObject,
  GetObjectAttributes: read.getObjectAttributes,
  GetObjectTagging: meta.getObjectTagging,
  PutObjectTagging: meta.putObjectTagging,
  DeleteObjectTagging: meta.deleteObjectTagging,
  GetObjectAcl: meta.getObjectAcl,
  PutObjectAcl: meta.putObjectAcl,
  CreateMultipartUpload: mp.createMultipartUpload,
  UploadPart: mp.uploadPart,
  UploadPartCopy: mp.uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: mp.abortMultipartUpload,
  ListParts: mp.listParts,
  CorsPreflight: misc.corsPreflight,
  NotImplemented: misc.notImplemented,
  MethodNotAllowed: misc.methodNotAllowed,
  Extension: misc.unregisteredExtension,
};

/** The handler of `op`. */
export function handlerFor(op: S3Operation): Handler {
  return HANDLERS[op.kind] as Handler;
}

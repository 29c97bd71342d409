/**
 * The S3 operations the router produces (shared/STYLE.md habit 3): a discriminated union whose
 * `kind` is the AWS API name, plus, per kind, the IAM action bucket policies name and the access
 * class ACL-lite checks (shared/spec/s3-surface.md §3, §8).
 */

/** Operations on the service (no bucket). */
type ServiceKind = 'ListBuckets';

/** Operations addressed to a bucket. */
type BucketKind =
  | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket'
  | 'ListObjects' | 'ListObjectsV2' | 'ListObjectVersions' | 'ListMultipartUploads'
  | 'GetBucketLocation' | 'GetBucketVersioning' | 'PutBucketVersioning'
  | 'GetBucketLifecycleConfiguration' | 'PutBucketLifecycleConfiguration' | 'DeleteBucketLifecycle'
  | 'GetBucketCors' | 'PutBucketCors' | 'DeleteBucketCors'
  | 'GetBucketPolicy' | 'PutBucketPolicy' | 'DeleteBucketPolicy' | 'GetBucketPolicyStatus'
  | 'GetBucketAcl' | 'PutBucketAcl'
  | 'GetBucketTagging' | 'PutBucketTagging' | 'DeleteBucketTagging'
  | 'GetBucketEncryption' | 'GetObjectLockConfiguration' | 'GetBucketNotificationConfiguration' | 'PutBucketNotificationConfiguration'
  | 'GetBucketLogging' | 'PutBucketLogging' | 'GetBucketRequestPayment' | 'PutBucketRequestPayment' | 'GetBucketAccelerateConfiguration'
  | 'GetBucketWebsite' | 'GetPublicAccessBlock'
  | 'DeleteBucketWebsite' | 'DeleteBucketEncryption' | 'DeletePublicAccessBlock'
  | 'GetBucketOwnershipControls' | 'PutBucketOwnershipControls' | 'DeleteBucketOwnershipControls'
  | 'DeleteObjects' | 'PostObject';

/** Operations addressed to an object. */
type ObjectKind =
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CopyObject' | 'GetObjectAttributes'
  | 'GetObjectTagging' | 'PutObjectTagging' | 'DeleteObjectTagging' | 'GetObjectAcl' | 'PutObjectAcl'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload' | 'ListParts';

/** Fields every routed operation carries. */
interface Routed {
  /** IAM action checked against bucket policies ('' when no authorisation applies). */
  action: string;
  /** How ACL-lite authorises it (§8). */
  access: Access;
}

/**
 * One routed request. Handlers switch on `kind`; the handler table is typed so the compiler checks
 * that every kind has one.
 */
export type S3Operation =
  | Each<ServiceKind, object>
  | Each<BucketKind, { bucket: string }>
  | Each<ObjectKind, { bucket: string; key: string }>
  /** `OPTIONS` preflight (§7): unauthenticated. */
  | Each<'CorsPreflight', { bucket: string; key?: string }>
  /** A feature marked "No" in §3: 501 after authentication. `operation` names it for the message. */
  | Each<'NotImplemented', { operation: string; bucket?: string; key?: string }>
  /** A method the resource does not support: 405. */
  | Each<'MethodNotAllowed', { bucket?: string; key?: string }>
  /** A request claimed by a registered extension (S3X, s3x.md §1): `extension` names it. */
  | Each<'Extension', { extension: string; bucket?: string; key?: string }>;

/** One union member per kind (distributes over K), so `Extract<…, {kind: K}>` narrows exactly. */
type Each<K extends string, F> = K extends string ? { kind: K } & F & Routed : never;

/** Every operation kind. */
export type S3OperationKind = S3Operation['kind'];

/** The operation of a given kind. */
export type OperationOf<K extends S3OperationKind> = Extract<S3Operation, { kind: K }>;

/**
 * Access classes (ACL-lite, §8). `bucket-*` need that permission in the bucket ACL; `object-*` in
 * the object's ACL; `owner` only the bucket owner (or a policy Allow); `authenticated` any signed
 * caller; `public` nobody is checked (CORS preflight); `none` no authorisation (the answer is an
 * error anyway).
 */
export type Access =
  | 'public' | 'none' | 'authenticated' | 'owner'
  | 'bucket-read' | 'bucket-write' | 'bucket-read-acp' | 'bucket-write-acp'
  | 'object-read' | 'object-read-acp' | 'object-write-acp';

/** Action and access per kind; `versioned` is the action used when the request names a versionId. */
interface KindInfo {
  action: string;
  versioned?: string;
  access: Access;
}

/**
 * The action table (AWS "Actions, resources, and condition keys for Amazon S3"). Access classes
 * follow the user guide's "Mapping of ACL permissions and access policy permissions": object
 * tagging is in no ACL permission, so it is `owner` (bucket owner or policy).
 */
export const OPERATION_INFO: { readonly [K in S3OperationKind]: KindInfo } = {
  ListBuckets: { action: 's3:ListAllMyBuckets', access: 'authenticated' },
  CreateBucket: { action: 's3:CreateBucket', access: 'authenticated' },
  HeadBucket: { action: 's3:ListBucket', access: 'bucket-read' },
  DeleteBucket: { action: 's3:DeleteBucket', access: 'owner' },
  ListObjects: { action: 's3:ListBucket', access: 'bucket-read' },
  ListObjectsV2: { action: 's3:ListBucket', access: 'bucket-read' },
  ListObjectVersions: { action: 's3:ListBucketVersions', access: 'bucket-read' },
  ListMultipartUploads: { action: 's3:ListBucketMultipartUploads', access: 'bucket-read' },
  GetBucketLocation: { action: 's3:GetBucketLocation', access: 'owner' },
  GetBucketVersioning: { action: 's3:GetBucketVersioning', access: 'owner' },
  PutBucketVersioning: { action: 's3:PutBucketVersioning', access: 'owner' },
  GetBucketLifecycleConfiguration: { action: 's3:GetLifecycleConfiguration', access: 'owner' },
  PutBucketLifecycleConfiguration: { action: 's3:PutLifecycleConfiguration', access: 'owner' },
  DeleteBucketLifecycle: { action: 's3:PutLifecycleConfiguration', access: 'owner' },
  GetBucketCors: { action: 's3:GetBucketCORS', access: 'owner' },
  PutBucketCors: { action: 's3:PutBucketCORS', access: 'owner' },
  DeleteBucketCors: { action: 's3:PutBucketCORS', access: 'owner' },
  GetBucketPolicy: { action: 's3:GetBucketPolicy', access: 'owner' },
  PutBucketPolicy: { action: 's3:PutBucketPolicy', access: 'owner' },
  DeleteBucketPolicy: { action: 's3:DeleteBucketPolicy', access: 'owner' },
  GetBucketPolicyStatus: { action: 's3:GetBucketPolicyStatus', access: 'owner' },
  GetBucketAcl: { action: 's3:GetBucketAcl', access: 'bucket-read-acp' },
  PutBucketAcl: { action: 's3:PutBucketAcl', access: 'bucket-write-acp' },
  GetBucketTagging: { action: 's3:GetBucketTagging', access: 'owner' },
  PutBucketTagging: { action: 's3:PutBucketTagging', access: 'owner' },
  DeleteBucketTagging: { action: 's3:PutBucketTagging', access: 'owner' },
  GetBucketEncryption: { action: 's3:GetEncryptionConfiguration', access: 'owner' },
  GetObjectLockConfiguration: { action: 's3:GetBucketObjectLockConfiguration', access: 'owner' },
  GetBucketNotificationConfiguration: { action: 's3:GetBucketNotification', access: 'owner' },
  PutBucketNotificationConfiguration: { action: 's3:PutBucketNotification', access: 'owner' },
  GetBucketLogging: { action: 's3:GetBucketLogging', access: 'owner' },
  PutBucketLogging: { action: 's3:PutBucketLogging', access: 'owner' },
  GetBucketRequestPayment: { action: 's3:GetBucketRequestPayment', access: 'owner' },
  PutBucketRequestPayment: { action: 's3:PutBucketRequestPayment', access: 'owner' },
  GetBucketAccelerateConfiguration: { action: 's3:GetAccelerateConfiguration', access: 'owner' },
  GetBucketWebsite: { action: 's3:GetBucketWebsite', access: 'owner' },
  GetBucketOwnershipControls: { action: 's3:GetBucketOwnershipControls', access: 'owner' },
  PutBucketOwnershipControls: { action: 's3:PutBucketOwnershipControls', access: 'owner' },
  // API_DeleteBucketOwnershipControls: "the s3:PutBucketOwnershipControls permission" (no action of its own).
  DeleteBucketOwnershipControls: { action: 's3:PutBucketOwnershipControls', access: 'owner' },
  GetPublicAccessBlock: { action: 's3:GetBucketPublicAccessBlock', access: 'owner' },
  // The deletes of configurations this gateway never holds (spec §3 "No"): IAM actions as listed in
  // the Service Authorization Reference (DeleteBucketEncryption and DeletePublicAccessBlock have none
  // of their own: s3:PutEncryptionConfiguration, s3:PutBucketPublicAccessBlock).
  DeleteBucketWebsite: { action: 's3:DeleteBucketWebsite', access: 'owner' },
  DeleteBucketEncryption: { action: 's3:PutEncryptionConfiguration', access: 'owner' },
  DeletePublicAccessBlock: { action: 's3:PutBucketPublicAccessBlock', access: 'owner' },
  DeleteObjects: { action: 's3:DeleteObject', access: 'bucket-write' },
  // A browser form upload carries its credentials in the form: the handler verifies them and
  // authorises the PutObject of the form's key itself (handlers/post-object.ts), so the pipeline
  // neither authenticates headers nor authorises here.
  PostObject: { action: 's3:PutObject', access: 'public' },
  PutObject: { action: 's3:PutObject', access: 'bucket-write' },
  GetObject: { action: 's3:GetObject', versioned: 's3:GetObjectVersion', access: 'object-read' },
  HeadObject: { action: 's3:GetObject', versioned: 's3:GetObjectVersion', access: 'object-read' },
  DeleteObject: { action: 's3:DeleteObject', versioned: 's3:DeleteObjectVersion', access: 'bucket-write' },
  CopyObject: { action: 's3:PutObject', access: 'bucket-write' },
  GetObjectAttributes: { action: 's3:GetObjectAttributes', versioned: 's3:GetObjectVersionAttributes', access: 'object-read' },
  GetObjectTagging: { action: 's3:GetObjectTagging', versioned: 's3:GetObjectVersionTagging', access: 'owner' },
  PutObjectTagging: { action: 's3:PutObjectTagging', versioned: 's3:PutObjectVersionTagging', access: 'owner' },
  DeleteObjectTagging: { action: 's3:DeleteObjectTagging', versioned: 's3:DeleteObjectVersionTagging', access: 'owner' },
  GetObjectAcl: { action: 's3:GetObjectAcl', versioned: 's3:GetObjectVersionAcl', access: 'object-read-acp' },
  PutObjectAcl: { action: 's3:PutObjectAcl', versioned: 's3:PutObjectVersionAcl', access: 'object-write-acp' },
  CreateMultipartUpload: { action: 's3:PutObject', access: 'bucket-write' },
  UploadPart: { action: 's3:PutObject', access: 'bucket-write' },
  UploadPartCopy: { action: 's3:PutObject', access: 'bucket-write' },
  CompleteMultipartUpload: { action: 's3:PutObject', access: 'bucket-write' },
  AbortMultipartUpload: { action: 's3:AbortMultipartUpload', access: 'bucket-write' },
  ListParts: { action: 's3:ListMultipartUploadParts', access: 'bucket-write' },
  CorsPreflight: { action: '', access: 'public' },
  NotImplemented: { action: '', access: 'none' },
  MethodNotAllowed: { action: '', access: 'none' },
  // An extension states its own action and access when it claims a request (extension.ts).
  Extension: { action: '', access: 'none' },
};

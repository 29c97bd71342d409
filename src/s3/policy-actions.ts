/**
 * The `s3:` actions a bucket policy may name, and the resource type each applies to, from AWS's
 * "Actions, resources, and condition keys for Amazon S3" (Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 *
 * PutBucketPolicy refuses an action S3 does not define (400 MalformedPolicy "Policy has invalid
 * action") and an action whose resource type none of the statement's resources has ("Action does
 * not apply to any resource(s) in statement"), as AWS does. Accepting them silently would turn a typo
 * in a Deny (`s3:DeleteObjects`) into a statement that never applies.
 */

/** What an action applies to: `bucket` (arn:aws:s3:::b), `object` (arn:aws:s3:::b/key), or neither here. */
export type ActionTarget = 'bucket' | 'object' | 'other';

const OBJECT_ACTIONS = [
  'AbortMultipartUpload', 'BypassGovernanceRetention', 'DeleteObject', 'DeleteObjectTagging', 'DeleteObjectVersion',
  'DeleteObjectVersionTagging', 'GetObject', 'GetObjectAcl', 'GetObjectAttributes', 'GetObjectLegalHold',
  'GetObjectRetention', 'GetObjectTagging', 'GetObjectTorrent', 'GetObjectVersion', 'GetObjectVersionAcl',
  'GetObjectVersionAttributes', 'GetObjectVersionForReplication', 'GetObjectVersionTagging', 'GetObjectVersionTorrent',
  'InitiateReplication', 'ListMultipartUploadParts', 'ObjectOwnerOverrideToBucketOwner', 'PutObject', 'PutObjectAcl',
  'PutObjectLegalHold', 'PutObjectRetention', 'PutObjectTagging', 'PutObjectVersionAcl', 'PutObjectVersionTagging',
  'ReplicateDelete', 'ReplicateObject', 'ReplicateTags', 'RestoreObject',
];

const BUCKET_ACTIONS = [
  'CreateBucket', 'CreateBucketMetadataTableConfiguration', 'DeleteBucket', 'DeleteBucketMetadataTableConfiguration',
  'DeleteBucketOwnershipControls', 'DeleteBucketPolicy', 'DeleteBucketWebsite', 'GetAccelerateConfiguration',
  'GetAnalyticsConfiguration', 'GetBucketAcl', 'GetBucketCORS', 'GetBucketLocation', 'GetBucketLogging',
  'GetBucketMetadataTableConfiguration', 'GetBucketNotification', 'GetBucketObjectLockConfiguration',
  'GetBucketOwnershipControls', 'GetBucketPolicy', 'GetBucketPolicyStatus', 'GetBucketPublicAccessBlock',
  'GetBucketRequestPayment', 'GetBucketTagging', 'GetBucketVersioning', 'GetBucketWebsite',
  'GetEncryptionConfiguration', 'GetIntelligentTieringConfiguration', 'GetInventoryConfiguration',
  'GetLifecycleConfiguration', 'GetMetricsConfiguration', 'GetReplicationConfiguration', 'ListBucket',
  'ListBucketMultipartUploads', 'ListBucketVersions', 'PutAccelerateConfiguration', 'PutAnalyticsConfiguration',
  'PutBucketAcl', 'PutBucketCORS', 'PutBucketLogging', 'PutBucketNotification', 'PutBucketObjectLockConfiguration',
  'PutBucketOwnershipControls', 'PutBucketPolicy', 'PutBucketPublicAccessBlock', 'PutBucketRequestPayment',
  'PutBucketTagging', 'PutBucketVersioning', 'PutBucketWebsite', 'PutEncryptionConfiguration',
  'PutIntelligentTieringConfiguration', 'PutInventoryConfiguration', 'PutLifecycleConfiguration',
  'PutMetricsConfiguration', 'PutReplicationConfiguration',
];

/**
 * Actions S3 defines on other resource types (access points, jobs, Storage Lens, Multi-Region
 * Access Points, access grants) or on none ("*"): valid names, but no resource of a bucket policy
 * is of their type, so a statement naming one gets "Action does not apply to any resource(s) in
 * statement".
 */
const OTHER_ACTIONS = [
  'AssociateAccessGrantsIdentityCenter', 'CreateAccessGrant', 'CreateAccessGrantsInstance', 'CreateAccessGrantsLocation',
  'CreateAccessPoint', 'CreateAccessPointForObjectLambda', 'CreateJob', 'CreateMultiRegionAccessPoint',
  'CreateStorageLensGroup', 'DeleteAccessGrant', 'DeleteAccessGrantsInstance', 'DeleteAccessGrantsInstanceResourcePolicy',
  'DeleteAccessGrantsLocation', 'DeleteAccessPoint', 'DeleteAccessPointForObjectLambda', 'DeleteAccessPointPolicy',
  'DeleteAccessPointPolicyForObjectLambda', 'DeleteJobTagging', 'DeleteMultiRegionAccessPoint',
  'DeleteStorageLensConfiguration', 'DeleteStorageLensConfigurationTagging', 'DeleteStorageLensGroup', 'DescribeJob',
  'DescribeMultiRegionAccessPointOperation', 'DissociateAccessGrantsIdentityCenter', 'GetAccessGrant',
  'GetAccessGrantsInstance', 'GetAccessGrantsInstanceForPrefix', 'GetAccessGrantsInstanceResourcePolicy',
  'GetAccessGrantsLocation', 'GetAccessPoint', 'GetAccessPointConfigurationForObjectLambda',
  'GetAccessPointForObjectLambda', 'GetAccessPointPolicy', 'GetAccessPointPolicyForObjectLambda',
  'GetAccessPointPolicyStatus', 'GetAccessPointPolicyStatusForObjectLambda', 'GetAccountPublicAccessBlock',
  'GetDataAccess', 'GetJobTagging', 'GetMultiRegionAccessPoint', 'GetMultiRegionAccessPointPolicy',
  'GetMultiRegionAccessPointPolicyStatus', 'GetMultiRegionAccessPointRoutes', 'GetStorageLensConfiguration',
  'GetStorageLensConfigurationTagging', 'GetStorageLensDashboard', 'GetStorageLensGroup', 'ListAccessGrants',
  'ListAccessGrantsInstances', 'ListAccessGrantsLocations', 'ListAccessPoints', 'ListAccessPointsForObjectLambda',
  'ListAllMyBuckets', 'ListCallerAccessGrants', 'ListJobs', 'ListMultiRegionAccessPoints',
  'ListStorageLensConfigurations', 'ListStorageLensGroups', 'ListTagsForResource', 'PauseReplication',
  'PutAccessGrantsInstanceResourcePolicy', 'PutAccessPointConfigurationForObjectLambda', 'PutAccessPointPolicy',
  'PutAccessPointPolicyForObjectLambda', 'PutAccessPointPublicAccessBlock', 'PutAccountPublicAccessBlock',
  'PutJobTagging', 'PutMultiRegionAccessPointPolicy', 'PutStorageLensConfiguration',
  'PutStorageLensConfigurationTagging', 'SubmitMultiRegionAccessPointRoutes', 'TagResource', 'UntagResource',
  'UpdateAccessGrantsLocation', 'UpdateJobPriority', 'UpdateJobStatus', 'UpdateStorageLensGroup',
];

/** Lower-cased action name (without `s3:`) → target. IAM action names are case-insensitive. */
const TARGETS = new Map<string, ActionTarget>([
  ...OBJECT_ACTIONS.map((a): [string, ActionTarget] => [a.toLowerCase(), 'object']),
  ...BUCKET_ACTIONS.map((a): [string, ActionTarget] => [a.toLowerCase(), 'bucket']),
  ...OTHER_ACTIONS.map((a): [string, ActionTarget] => [a.toLowerCase(), 'other']),
]);

/**
 * The target of a policy action written without wildcards (`s3:GetObject`, any case), or undefined
 * when S3 defines no such action.
 */
export function actionTarget(action: string): ActionTarget | undefined {
  const m = /^s3:(.+)$/i.exec(action);
  return m ? TARGETS.get(m[1]!.toLowerCase()) : undefined;
}

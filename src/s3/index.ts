/**
 * The S3 protocol layer (shared/STYLE.md §1): pure router → S3Operation, authentication through
 * s3/auth, authorisation (ACL-lite, policy-lite), XML codecs, the AWS error catalog and one
 * handler per operation, behind the framework-neutral S3Service seam.
 */
export { createS3Service, SERVER_NAME } from './service.js';
export type { S3ServiceOptions } from './service.js';
export type { S3Request, S3Response, S3Service } from './types.js';
export { route, parseTarget, splitPath, QueryParams, MAX_KEY_BYTES } from './router.js';
export type { QueryLike, RouteInput } from './router.js';
export { OPERATION_INFO } from './operations.js';
export type { Access, OperationOf, S3Operation, S3OperationKind } from './operations.js';
export { S3Error, S3Errors, errorByCode, internalError, mapError } from './errors.js';
export type { ErrorFields, S3ErrorCode, S3ErrorFactory, S3ErrorOptions } from './errors.js';
export { renderError } from './xml/error.js';
export type { ErrorContext } from './xml/error.js';
export { isValidBucketName } from './bucket-name.js';
export type { Handler, Identity, RequestContext, S3Logger, ServiceConfig, UserCredentials } from './context.js';
export type { ExtensionClaim, S3Extension } from './extension.js';
export { planBody, readBody, digestName } from './body.js';
export type { BodyPlan, BodyPlanOptions } from './body.js';
export { authorizeAccess } from './authz.js';
export { headVersion, versionIdParam } from './handlers/common.js';
export { parseXml, renderXml, XmlNode, XmlSequence, MAX_XML_BODY } from './xml/codec.js';
export type { XmlObject, XmlValue } from './xml/codec.js';
export { escapeXml, urlEncodeKey, S3_XML_NS } from './xml/escape.js';

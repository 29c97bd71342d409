/**
 * S3 request authentication (shared/spec/s3-surface.md §2, §2.1): SigV4 header and presigned,
 * SigV2 header and presigned, payload-hash checks and aws-chunked decoding. Framework-neutral:
 * works on `{ method, url, headers }` (S3Request fits). Every failure is an `AuthError` carrying
 * the AWS error code.
 */
export { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
export { authenticate, detectAuthMechanism } from './authenticate.js';
export { withHoistedHeaders } from './hoisted.js';
export { missingFormField, postSignatureKind, verifyPostSignature } from './post-signature.js';
export type { PostSignatureFields } from './post-signature.js';
export type { AuthMechanism } from './authenticate.js';
export type { HeaderBag, SignableRequest } from './headers.js';
export type { AnonymousAuth, AuthOptions, AuthResult, AuthScheme, Credentials, LookupSecret, SignedAuth } from './types.js';
export { DEFAULT_MAX_SKEW_MS, MAX_PRESIGN_EXPIRES_S } from './types.js';
export { PayloadHashCheck, classifyPayload, createPayloadHashVerifier, validatePayloadHash } from './payload.js';
export type { ChunkSigning, PayloadMode, StreamingMode } from './payload.js';
export { checkSkew, parseAuthorizationV4, parseCredential, verifySigV4Header, verifySigV4Presigned } from './sigv4.js';
export type { V4AuthorizationHeader, V4Credential } from './sigv4.js';
export { SIGV2_SUB_RESOURCES, canonicalAmzHeaders, canonicalResource, stringToSignV2, verifySigV2Header, verifySigV2Presigned } from './sigv2.js';
export { canonicalHeaderValue, canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri } from './canonical.js';
export type { CanonicalRequestInput } from './canonical.js';
export { asSentBytes, EMPTY_SHA256, deriveSigningKey, formatAmzDate, parseAmzDate, sha256Hex, signingKey, stringToSign } from './signing.js';
export { AwsChunkedDecoder, awsChunkedOptions, createAwsChunkedDecoder, decodeAwsChunked, stripAwsChunked } from './aws-chunked.js';
export { AwsChunkedParser, MAX_CHUNK_HEADER, MAX_TRAILER } from './aws-chunked-parser.js';
export type { AwsChunkedOptions } from './aws-chunked-parser.js';

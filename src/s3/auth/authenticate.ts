/**
 * Entry point: pick the mechanism a request uses and verify it (shared/spec/s3-surface.md §2).
 * Exactly one of: Authorization header (SigV4 or SigV2), SigV4 presigned query, SigV2 presigned
 * query; none → anonymous (allowed only by policy/ACL, decided elsewhere).
 */
import { AuthError } from './auth-error.js';
import { header } from './headers.js';
import type { SignableRequest } from './headers.js';
import { classifyPayload } from './payload.js';
import { verifySigV2Header, verifySigV2Presigned } from './sigv2.js';
import { verifySigV4Header, verifySigV4Presigned } from './sigv4.js';
import type { AuthOptions, AuthResult, Credentials } from './types.js';
import { queryParams, splitTarget } from './uri.js';

/** Which mechanism a request claims, from its headers and query alone (no crypto). */
export type AuthMechanism = 'sigv4-header' | 'sigv4-presigned' | 'sigv2-header' | 'sigv2-presigned' | 'anonymous';

/** Detect the mechanism; several at once → `InvalidArgument` (AWS: "Only one auth mechanism allowed"). */
export function detectAuthMechanism(req: SignableRequest): AuthMechanism {
  const authz = header(req.headers, 'authorization')?.trim();
  const q = queryParams(splitTarget(req.url).query);
  const v4Query = q.has('X-Amz-Algorithm') || q.has('X-Amz-Credential') || q.has('X-Amz-Signature');
  const v2Query = q.has('AWSAccessKeyId') || (q.has('Signature') && q.has('Expires'));
  const count = (authz ? 1 : 0) + (v4Query ? 1 : 0) + (v2Query ? 1 : 0);
  if (count > 1) {
    throw new AuthError('InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  }
  if (authz) {
    if (/^AWS4-HMAC-SHA256\s/.test(authz)) return 'sigv4-header';
    if (/^AWS\s/.test(authz)) return 'sigv2-header';
    if (authz.startsWith('AWS4-ECDSA-P256-SHA256')) throw new AuthError('InvalidRequest', 'AWS Signature Version 4A (ECDSA) is not supported');
    throw new AuthError('InvalidArgument', 'Unsupported Authorization Type');
  }
  if (v4Query) return 'sigv4-presigned';
  if (v2Query) return 'sigv2-presigned';
  return 'anonymous';
}

/**
 * Authenticate a request from its method, raw URL and headers (the body is not touched). The
 * returned `payload` says how the body must then be read: hashed and compared
 * (`PayloadHashCheck`), decoded (`createAwsChunkedDecoder`), or taken as is. Throws `AuthError`.
 *
 * @example
 * const auth = await authenticate(req, { lookupSecret: (ak) => keys.get(ak) });
 * if (auth.kind === 'signed') console.log(auth.accessKeyId, auth.payload.kind);
 */
export async function authenticate<C extends Credentials>(req: SignableRequest, opts: AuthOptions<C>): Promise<AuthResult<C>> {
  switch (detectAuthMechanism(req)) {
    case 'sigv4-header': return verifySigV4Header(req, opts);
    case 'sigv4-presigned': return verifySigV4Presigned(req, opts);
    case 'sigv2-header': return verifySigV2Header(req, opts);
    case 'sigv2-presigned': return verifySigV2Presigned(req, opts);
    case 'anonymous': {
      if (header(req.headers, 'x-amz-security-token') !== undefined) {
        throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
      }
      return { kind: 'anonymous', payload: classifyPayload(header(req.headers, 'x-amz-content-sha256')?.trim()) };
    }
  }
}

/**
 * The signature of a browser form upload (PostObject): the form's `policy` field (base64 JSON, as
 * sent) is the string to sign. AWS "Browser-Based Uploads Using POST (AWS Signature Version 4)" and
 * "Calculating a Signature" (sigv4-UsingHTTPPOST.html): `x-amz-signature` = hex HMAC-SHA256 of the
 * policy with the SigV4 signing key of the `x-amz-credential` scope; SigV2 (`AWSAccessKeyId`,
 * `signature`): base64 HMAC-SHA1 of the policy with the secret key (RESTObjectPOST, "Signature
 * Version 2"). The form carries no other signed part: what the request may do is the policy's
 * conditions, checked by the caller.
 */
import { timingSafeEqual } from 'node:crypto';
import { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
import { parseCredential } from './sigv4.js';
import { hexBytes, lookupCredentials, parseAmzDate, safeEqual, sign, signingKey } from './signing.js';
import { refuseSigV2IfOff, signV2 } from './sigv2.js';
import type { AuthOptions, Credentials, SignedAuth } from './types.js';

/** The signature fields of a form (names lower-cased); absent fields are undefined. */
export interface PostSignatureFields {
  policy?: string;
  'x-amz-algorithm'?: string;
  'x-amz-credential'?: string;
  'x-amz-date'?: string;
  'x-amz-signature'?: string;
  'x-amz-security-token'?: string;
  awsaccesskeyid?: string;
  signature?: string;
}

/** Which signature a form carries, from its fields alone (no crypto). */
export function postSignatureKind(f: PostSignatureFields): 'sigv4' | 'sigv2' | 'anonymous' {
  if (f['x-amz-signature'] !== undefined || f['x-amz-algorithm'] !== undefined || f['x-amz-credential'] !== undefined) return 'sigv4';
  if (f.awsaccesskeyid !== undefined || f.signature !== undefined) return 'sigv2';
  return 'anonymous';
}

/**
 * AWS's answer to a form without a field it needs: 400 InvalidArgument "Bucket POST must contain a
 * field named '<name>'.  If it is specified, please check the order of the fields." (S3's text for
 * a form without `key`, quoted in transloadit/uppy#4449; ceph/s3-tests test_post_object_no_key_specified
 * and test_post_object_missing_signature expect 400 for a missing key and a missing signature).
 */
export function missingFormField(name: string): AuthError {
  return new AuthError('InvalidArgument', `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    { ArgumentName: name, ArgumentValue: '' });
}

/**
 * A form's SignatureDoesNotMatch: the policy is the string to sign, and S3 names the signature sent
 * and the policy's bytes too (versitygw PostObject_signature_mismatch expects AWSAccessKeyId,
 * StringToSign, SignatureProvided and StringToSignBytes; the header form's S3 answer in
 * jcberquist/aws-cfml#9 has the same elements).
 */
function mismatch(accessKeyId: string, policy: string, signature: string): AuthError {
  return new AuthError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
    AWSAccessKeyId: accessKeyId, StringToSign: policy, SignatureProvided: signature, StringToSignBytes: hexBytes(policy),
  });
}

function required(f: PostSignatureFields, name: keyof PostSignatureFields, shown: string): string {
  const v = f[name];
  if (v === undefined || v === '') throw missingFormField(shown);
  return v;
}

/**
 * Verify the signature of a signed form. Throws AuthError: a missing field → InvalidArgument, an
 * unknown key → InvalidAccessKeyId, a wrong signature → SignatureDoesNotMatch (403), a security
 * token → InvalidToken (no temporary credentials here, as for the other mechanisms).
 */
export async function verifyPostSignature<C extends Credentials>(f: PostSignatureFields, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  const kind = postSignatureKind(f);
  if (kind === 'anonymous') throw new Error('verifyPostSignature called for an unsigned form');
  if (f['x-amz-security-token'] !== undefined) throw new AuthError('InvalidToken', 'The provided token is malformed or otherwise invalid.');
  return kind === 'sigv4' ? verifyV4(f, opts) : verifyV2(f, opts);
}

async function verifyV4<C extends Credentials>(f: PostSignatureFields, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  const algorithm = required(f, 'x-amz-algorithm', 'X-Amz-Algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') throw new AuthError('InvalidArgument', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
  const credential = parseCredential(required(f, 'x-amz-credential', 'X-Amz-Credential'), 'InvalidArgument');
  const amzDate = required(f, 'x-amz-date', 'X-Amz-Date');
  const signature = required(f, 'x-amz-signature', 'X-Amz-Signature');
  const policy = required(f, 'policy', 'Policy');
  const ms = parseAmzDate(amzDate);
  if (ms === undefined) throw new AuthError('InvalidArgument', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', { ArgumentName: 'x-amz-date', ArgumentValue: amzDate });
  const service = opts.service ?? 's3';
  if (credential.service !== service) {
    throw new AuthError('InvalidArgument', `The authorization is malformed; incorrect service "${credential.service}". This endpoint belongs to "${service}".`);
  }
  if (opts.strictRegion !== undefined && credential.region !== opts.strictRegion) {
    throw new AuthError('InvalidArgument', `The authorization is malformed; the region '${credential.region}' is wrong; expecting '${opts.strictRegion}'`, { Region: opts.strictRegion });
  }
  const creds = await lookupCredentials(credential.accessKeyId, opts);
  const key = signingKey(credential.accessKeyId, creds.secret, credential.date, credential.region, credential.service);
  if (!safeEqual(sign(key, policy), signature)) throw mismatch(credential.accessKeyId, policy, signature);
  return {
    kind: 'signed', scheme: 'sigv4-post', accessKeyId: credential.accessKeyId, credentials: creds,
    payload: { kind: 'unsigned' }, region: credential.region, signedAt: new Date(ms),
  };
}

async function verifyV2<C extends Credentials>(f: PostSignatureFields, opts: AuthOptions<C>): Promise<SignedAuth<C>> {
  refuseSigV2IfOff(opts);
  const accessKeyId = required(f, 'awsaccesskeyid', 'AWSAccessKeyId');
  const signature = required(f, 'signature', 'Signature');
  const policy = required(f, 'policy', 'Policy');
  const creds = await lookupCredentials(accessKeyId, opts);
  const mac = signV2(creds.secret, policy);
  const given = Buffer.from(signature, 'base64');
  if (given.length !== mac.length || !timingSafeEqual(given, mac)) throw mismatch(accessKeyId, policy, signature);
  return { kind: 'signed', scheme: 'sigv2-post', accessKeyId, credentials: creds, payload: { kind: 'unsigned' } };
}

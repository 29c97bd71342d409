/**
 * SSE-C request headers (`x-amz-server-side-encryption-customer-algorithm`, `-customer-key`,
 * `-customer-key-MD5`, and the `x-amz-copy-source-` forms naming a copy source's key), checked as
 * S3 checks them before it acts on them. SSE-C is not implemented here (a write asking for it
 * answers 501, object-headers.ts refuseEncryption), but a request whose key headers S3 itself
 * refuses learns what is wrong with them, a 400 InvalidArgument, not that the feature is missing:
 * ceph/s3-tests test_encryption_sse_c_invalid_md5, _no_md5, _no_key, test_encryption_key_no_sse_c,
 * test_encryption_sse_c_multipart_invalid_chunks_2 expect the 400.
 *
 * The checks and their order, with S3's messages: algorithm missing, "Requests specifying Server
 * Side Encryption with Customer provided keys must provide a valid encryption algorithm."; not
 * AES256, InvalidEncryptionAlgorithmError; key missing, "... must provide an appropriate secret
 * key."; MD5 missing, "... must provide the client calculated MD5 of the secret key."; a key that is
 * not 256 bits, "The secret key was invalid for the specified algorithm."; an MD5 that is not the
 * key's, "The calculated MD5 hash of the key did not match the hash that was provided." (MinIO
 * cmd/api-errors.go ErrMissingSSECustomerKey… / ErrSSECustomerKeyMD5Mismatch, all InvalidArgument
 * 400; the same order in S3 emulators that record S3's answers).
 */
import { createHash } from 'node:crypto';
import { S3Errors } from './errors.js';

const MESSAGE_START = 'Requests specifying Server Side Encryption with Customer provided keys must provide ';

/** The SSE-C headers with `prefix` (`x-amz-` for the object written, `x-amz-copy-source-` for a copy source). */
function names(prefix: string): { algorithm: string; key: string; md5: string } {
  const base = `${prefix}server-side-encryption-customer-`;
  return { algorithm: `${base}algorithm`, key: `${base}key`, md5: `${base}key-md5` };
}

function invalid(message: string, name: string, value: string | undefined): never {
  throw S3Errors.InvalidArgument({ message, fields: { ArgumentName: name, ArgumentValue: value ?? 'null' } });
}

/** Check one set of SSE-C headers (nothing to check when none is sent). */
function checkSet(h: Record<string, string | undefined>, prefix: string): void {
  const n = names(prefix);
  const algorithm = h[n.algorithm];
  const key = h[n.key];
  const md5 = h[n.md5];
  if (algorithm === undefined && key === undefined && md5 === undefined) return;
  if (algorithm === undefined) invalid(`${MESSAGE_START}a valid encryption algorithm.`, n.algorithm, algorithm);
  if (algorithm !== 'AES256') throw S3Errors.InvalidEncryptionAlgorithmError({ fields: { ArgumentName: n.algorithm, ArgumentValue: algorithm } });
  if (key === undefined) invalid(`${MESSAGE_START}an appropriate secret key.`, n.key, key);
  if (md5 === undefined) invalid(`${MESSAGE_START}the client calculated MD5 of the secret key.`, n.md5, md5);
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32) invalid('The secret key was invalid for the specified algorithm.', n.key, '');
  if (createHash('md5').update(bytes).digest('base64') !== md5) invalid('The calculated MD5 hash of the key did not match the hash that was provided.', n.md5, md5);
}

/** 400 InvalidArgument (or InvalidEncryptionAlgorithmError) for SSE-C headers S3 refuses, of the object and of a copy source. */
export function checkCustomerKeyHeaders(h: Record<string, string | undefined>): void {
  checkSet(h, 'x-amz-');
  checkSet(h, 'x-amz-copy-source-');
}

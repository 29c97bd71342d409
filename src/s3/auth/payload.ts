/**
 * How the request body is protected, from `x-amz-content-sha256` (shared/spec/s3-surface.md §2):
 * a hex SHA-256 (hash while streaming, compare at the end → `XAmzContentSHA256Mismatch`),
 * `UNSIGNED-PAYLOAD`, or one of the aws-chunked streaming forms (§2.1). SigV4a streaming forms
 * are refused with `InvalidRequest`.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { AuthError } from './auth-error.js';

/** The three aws-chunked `x-amz-content-sha256` values the gateway decodes. */
export type StreamingMode =
  | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
  | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';

/** What the chunk-signature chain needs (signed streaming forms only). */
export interface ChunkSigning {
  /** The request's SigV4 signing key (derived for its scope). */
  signingKey: Buffer;
  /** The request's `x-amz-date` (ISO 8601 basic), as used in its string to sign. */
  amzDate: string;
  /** Credential scope `date/region/service/aws4_request`. */
  scope: string;
  /** The request's own signature, which seeds the chunk chain. */
  seedSignature: string;
}

/** How the body must be read and checked. */
export type PayloadMode =
  /** Nothing to check (UNSIGNED-PAYLOAD, SigV2, anonymous without the header). */
  | { kind: 'unsigned' }
  /** Body must hash to `expectedHex` (lower-case). */
  | { kind: 'sha256'; expectedHex: string }
  /** aws-chunked framing; `signing` present for the signed forms. */
  | { kind: 'aws-chunked'; mode: StreamingMode; trailer: boolean; signing?: ChunkSigning };

const HEX64 = /^[0-9a-fA-F]{64}$/;

type Classified =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expectedHex: string }
  | { kind: 'aws-chunked'; mode: StreamingMode; trailer: boolean; signed: boolean };

/** Syntax of an `x-amz-content-sha256` value, independent of the auth scheme. */
function classify(value: string | undefined): Classified {
  if (value === undefined || value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (HEX64.test(value)) return { kind: 'sha256', expectedHex: value.toLowerCase() };
  switch (value) {
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', mode: value, trailer: true, signed: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'aws-chunked', mode: value, trailer: value.endsWith('-TRAILER'), signed: true };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw new AuthError('InvalidRequest', 'AWS Signature Version 4A (ECDSA) is not supported');
    default:
      throw new AuthError('InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.');
  }
}

/** Reject SigV4a and unknown `x-amz-content-sha256` values early, before any crypto. */
export function validatePayloadHash(value: string | undefined): void {
  classify(value);
}

/**
 * Classify an `x-amz-content-sha256` value. `signing` is the request's chain context (SigV4 only);
 * a signed streaming form without it (SigV2, anonymous) cannot be verified and is refused.
 */
export function classifyPayload(value: string | undefined, signing?: ChunkSigning): PayloadMode {
  const c = classify(value);
  if (c.kind !== 'aws-chunked') return c;
  if (!c.signed) return { kind: 'aws-chunked', mode: c.mode, trailer: c.trailer };
  if (!signing) throw new AuthError('AccessDenied', `${c.mode} requires AWS Signature Version 4 authentication`);
  return { kind: 'aws-chunked', mode: c.mode, trailer: c.trailer, signing };
}

/**
 * Incremental check of a signed payload: feed every body byte, then `verify()` at the end, before
 * anything is committed. Mismatch → `XAmzContentSHA256Mismatch`.
 */
export class PayloadHashCheck {
  readonly #expected: string;
  readonly #hash = createHash('sha256');
  constructor(expectedHex: string) {
    this.#expected = expectedHex.toLowerCase();
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  verify(): void {
    const got = this.#hash.digest('hex');
    if (got !== this.#expected) {
      throw new AuthError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: this.#expected, S3ComputedContentSHA256: got });
    }
  }
}

/** A pass-through Transform that fails at the end when the body does not hash to `expectedHex`. */
export function createPayloadHashVerifier(expectedHex: string): Transform {
  const check = new PayloadHashCheck(expectedHex);
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      check.update(chunk);
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      try {
        check.verify();
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/**
 * The trailer section of an aws-chunked body (shared/spec/s3-surface.md §2.1): header lines after
 * the final 0-length chunk, each `name:value` ending in CRLF or LF (minio-go ends the checksum line
 * with LF only, then sends an empty CRLF line before `x-amz-trailer-signature`), blank lines
 * ignored. Signed trailers: HMAC(signingKey, "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" +
 * scope + "\n" + lastChunkSignature + "\n" + sha256hex(each trailer as "name:value\n")).
 */
import { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
import type { ChunkSigning } from './payload.js';
import { safeEqual, sha256Hex, sign } from './signing.js';

const SIG_NAME = 'x-amz-trailer-signature';

/** What the trailer must contain. */
export interface TrailerExpectation {
  /** Lower-case names announced in `x-amz-trailer` (every one must arrive, no others may). */
  declared: readonly string[];
  /** Signed-trailer form: chain context and the last chunk signature. */
  signing?: { ctx: ChunkSigning; previousSignature: string } | undefined;
}

function malformed(message: string): AuthError {
  return new AuthError('MalformedTrailerError', message);
}

/** Split the raw trailer bytes into non-blank lines (CRLF or LF endings). */
function trailerLines(raw: Buffer): string[] {
  return raw.toString('latin1').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
}

/**
 * Parse and check a trailer section. Returns the trailing headers (lower-case names, trimmed values,
 * without the signature line).
 */
export function parseTrailer(raw: Buffer, expect: TrailerExpectation): Map<string, string> {
  const trailers = new Map<string, string>();
  let signature: string | undefined;
  for (const line of trailerLines(raw)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw malformed('The request contained trailing data that was not well-formed.');
    const value = line.slice(colon + 1).trim();
    if (name === SIG_NAME) signature = value;
    else if (trailers.has(name)) throw malformed(`Trailing header ${name} was sent more than once.`);
    else trailers.set(name, value);
  }
  for (const name of trailers.keys()) {
    if (!expect.declared.includes(name)) throw malformed(`Trailing header ${name} was not declared in x-amz-trailer.`);
  }
  for (const name of expect.declared) {
    if (!trailers.has(name)) throw malformed(`The request did not contain the trailing header ${name} declared in x-amz-trailer.`);
  }
  if (expect.signing) verifyTrailerSignature(trailers, signature, expect.signing.ctx, expect.signing.previousSignature);
  return trailers;
}

/** Verify `x-amz-trailer-signature` (missing → MalformedTrailerError, wrong → SignatureDoesNotMatch). */
function verifyTrailerSignature(trailers: Map<string, string>, signature: string | undefined, ctx: ChunkSigning, prev: string): void {
  if (signature === undefined) throw malformed('The request did not contain the x-amz-trailer-signature trailing header.');
  let canonical = '';
  for (const [n, v] of trailers) canonical += `${n}:${v}\n`;
  const sts = `AWS4-HMAC-SHA256-TRAILER\n${ctx.amzDate}\n${ctx.scope}\n${prev}\n${sha256Hex(canonical)}`;
  if (!safeEqual(sign(ctx.signingKey, sts), signature)) {
    throw new AuthError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, { StringToSign: sts });
  }
}

/**
 * The one error type thrown by src/s3/auth. It carries the AWS error code verbatim
 * (shared/spec/s3-surface.md §9: `SignatureDoesNotMatch`, `IncompleteBody` …); the integrator maps
 * it onto the s3 error catalog (s3/errors.ts), which this folder deliberately does not import.
 */
export class AuthError extends Error {
  /** AWS error code, e.g. `SignatureDoesNotMatch`. */
  readonly awsCode: string;
  /**
   * Extra elements AWS puts in the error XML (e.g. `StringToSign`, `CanonicalRequest`,
   * `HeadersNotSigned`). Never contains secrets; safe to render or log.
   */
  readonly details: Readonly<Record<string, string>> | undefined;
  constructor(awsCode: string, message: string, details?: Record<string, string>) {
    super(message);
    this.awsCode = awsCode;
    this.details = details;
    this.name = 'AuthError';
  }
}

/** AWS's text for a signature mismatch (header, presigned, chunk and trailer alike). */
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

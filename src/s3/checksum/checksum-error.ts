/**
 * The one error type thrown by src/s3/checksum. It carries an AWS error code verbatim
 * (shared/spec/s3-surface.md §9) so the s3 error catalog can map it without string matching on
 * messages; this folder does not import the catalog (it is written in parallel, and the mapping
 * belongs to the integrator, STYLE.md habit 2).
 */
export class ChecksumError extends Error {
  /** AWS error code, e.g. `BadDigest`, `InvalidRequest`. */
  readonly awsCode: string;
  constructor(awsCode: string, message: string) {
    super(message);
    this.awsCode = awsCode;
    this.name = 'ChecksumError';
  }
}

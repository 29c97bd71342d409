/**
 * The shape every conformance case file follows (conformance/README.md explains the suite).
 *
 * A case file `conformance/cases/<feature>.ts` exports `cases: Case[]`. The runner
 * (conformance/run.ts) boots a target (this gateway on a local backend in a temp dir, or s3rver),
 * builds a {@link Ctx} for it and runs each case; a case passes when `run` resolves and fails when
 * it throws (use node:assert/strict). Cases must be independent: each makes its own buckets
 * through `ctx.bucket()` and never relies on another case's state.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** Which server a case runs against. */
export type TargetName = 'ccow' | 's3rver';

/** A raw HTTP answer (the body read in full; conformance bodies are small). */
export interface RawResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** `body` as UTF-8. */
  text: string;
}

/** A raw request; `sign` defaults to SigV4 header auth with the default user's keys (aws4). */
export interface RawRequest {
  method: string;
  /** Path plus query, e.g. `/bucket/key?uploads` (already URL-encoded as it should go on the wire). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** 'v4' (default: SigV4 header auth through aws4) or 'none' (anonymous; sign yourself in `headers`). */
  sign?: 'v4' | 'none';
  /** Keys to sign with (default: the default user's). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Headers sent after `headers`, unsigned and in this order; a name may repeat (duplicate-header
   * cases). Sent as given, even when `headers` has the same name.
   */
  extraHeaders?: Array<[string, string]>;
}

/** What a case gets. */
export interface Ctx {
  target: TargetName;
  /** Base URL, no trailing slash. */
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** A second user (for isolation/ACL cases); undefined when the target has only one. */
  other?: { accessKey: string; secretKey: string };
  /** The latest @aws-sdk/client-s3 with its defaults (flexible checksums on), path style. */
  s3: S3Client;
  /** A client for `other`, when there is one. */
  s3Other?: S3Client;
  /** A fresh client with options merged over the defaults (e.g. a different checksum setting). */
  client(overrides?: Record<string, unknown>): S3Client;
  /** Creates a uniquely named bucket (prefix is kept readable) and returns its name. */
  bucket(prefix?: string): Promise<string>;
  /** Sends a raw request through undici, signed with aws4 unless `sign: 'none'`. */
  raw(req: RawRequest): Promise<RawResponse>;
}

/** One conformance case. */
export interface Case {
  /** Short, unique within its feature: what the case checks. */
  name: string;
  /** The AWS API reference page (URL) or RFC section whose behaviour the case checks. */
  ref: string;
  /** The check; throws on a mismatch. */
  run(ctx: Ctx): Promise<void>;
}

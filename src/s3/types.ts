/**
 * The framework-neutral seam between http/ and s3/ (shared/STYLE.md §1: s3/ never sees Fastify
 * types). http/ builds an S3Request from the raw Node request and writes the S3Response back.
 */
import type { Readable } from 'node:stream';

/** One HTTP request as the S3 layer sees it. */
export interface S3Request {
  method: string;
  /** Raw request target exactly as received (path + '?' + query), not decoded or normalised. */
  url: string;
  /** Header names lower-cased; duplicates joined with ',' (as Node does). */
  headers: Record<string, string | undefined>;
  /** Raw body stream, untouched (no JSON/XML/body parsing happened before). */
  body: Readable;
  /**
   * Each piece `body` yields is a buffer of its own that nothing else holds, as Node's HTTP parser
   * makes them: the service may free a piece once it is consumed (s3/body.ts stallGuard `release`).
   * Not for bodies whose buffers belong to a caller (fastify.inject pushes the caller's payload).
   */
  bodyPiecesOwned?: boolean;
  /** Request id (16 uppercase hex) assigned by http/, echoed as x-amz-request-id. */
  requestId: string;
  remoteAddress?: string;
  /** True for TLS connections. */
  secure: boolean;
  /** Virtual-hosted bucket resolved by http/ from Host and the configured domain, if any. */
  hostBucket?: string;
}

/** The response s3/ hands back to http/. */
export interface S3Response {
  status: number;
  headers: Record<string, string | number | string[]>;
  /** Absent for HEAD and bodiless answers; an async iterable streams with back-pressure. */
  body?: string | Buffer | AsyncIterable<Uint8Array>;
  /** Close the connection after responding (e.g. an error before the body was read). */
  closeConnection?: boolean;
}

/** What http/ calls. */
export interface S3Service {
  /** Answer one request. Never throws: every failure becomes an S3 error response. */
  handle(req: S3Request): Promise<S3Response>;
  /**
   * For `Expect: 100-continue`: authenticate and authorise from the headers alone. Undefined means
   * "go on" (http/ then writes 100 Continue and calls handle); a response means "refuse now".
   */
  precheck(req: S3Request): Promise<S3Response | undefined>;
}

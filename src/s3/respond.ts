/** Small builders for S3Response values handlers return. */
import type { S3Response } from './types.js';

/** 200 (or `status`) with an XML body. */
export function xml(body: string | Buffer, headers: Record<string, string> = {}, status = 200): S3Response {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

/** A bodiless answer (204 by default). */
export function empty(status = 204, headers: Record<string, string> = {}): S3Response {
  // Object.assign, not a spread: the service adds members to these headers (see #finish).
  return { status, headers: Object.assign({}, headers) };
}

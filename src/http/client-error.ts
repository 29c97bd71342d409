/**
 * Requests Node's HTTP parser refuses before any route runs (Node's `clientError`): a header block
 * over `maxHeaderSize`, a header timeout, malformed HTTP. Fastify would answer these with JSON
 * (431, 408, 400); S3 clients expect the S3 XML envelope, so the answer is written here on the bare
 * socket (issue #4: "oversized headers … get the AWS error"):
 *
 *   header block too large  → 400 RequestHeaderSectionTooLarge (AWS's code for it)
 *   header timeout          → 400 RequestTimeout (s3-surface.md §10)
 *   anything else           → 400 BadRequest
 *
 * The connection is closed afterwards: the parser cannot resynchronise on the stream.
 */
import type { Duplex } from 'node:stream';
import { renderError, S3Errors, type S3Error } from '../s3/index.js';
import { newHostId, newRequestId } from './request.js';

/** What `clientError` hands over (an Error with Node's code). */
type ClientError = Error & { code?: string };

function errorFor(err: ClientError): S3Error {
  if (err.code === 'HPE_HEADER_OVERFLOW') return S3Errors.RequestHeaderSectionTooLarge();
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return S3Errors.RequestTimeout();
  return S3Errors.BadRequest('An error occurred when parsing the HTTP request.');
}

/** The raw HTTP/1.1 answer to a refused request. */
export function clientErrorResponse(err: ClientError, now = new Date()): string {
  const e = errorFor(err);
  const requestId = newRequestId();
  const hostId = newHostId();
  const body = renderError(e, { requestId, hostId });
  return [
    `HTTP/1.1 ${e.statusCode} Bad Request`,
    'Content-Type: application/xml',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-amz-request-id: ${requestId}`,
    `x-amz-id-2: ${hostId}`,
    `Date: ${now.toUTCString()}`,
    'Server: ccow',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Fastify's `clientErrorHandler`: answer in S3 XML, then close. */
export function handleClientError(err: ClientError, socket: Duplex): void {
  // A reset or an already destroyed socket has nobody left to answer (Node's own rule).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.end(clientErrorResponse(err));
  else socket.destroy();
}

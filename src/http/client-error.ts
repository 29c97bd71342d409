/**
 * Requests Node's HTTP parser refuses before any route runs (Node's `clientError`): a header block
 * over `maxHeaderSize`, a header timeout, malformed HTTP. Fastify would answer these with JSON
 * (431, 408, 400); S3 clients expect the S3 XML envelope, so the answer is written here on the bare
 * socket (issue #4: "oversized headers … get the AWS error"):
 *
 *   header block too large  → 400 RequestHeaderSectionTooLarge (AWS's code for it)
 *   header timeout          → 400 RequestTimeout (s3-surface.md §10)
 *   body cut short          → 400 IncompleteBody (the client ended its side of the connection
 *                             before the Content-Length or chunked body was complete)
 *   anything else           → 400 BadRequest
 *
 * The connection is closed afterwards: the parser cannot resynchronise on the stream.
 */
import type { Duplex } from 'node:stream';
import { renderError, S3Errors, type S3Error } from '../s3/index.js';
import { newHostId, newRequestId } from './request.js';

/** What `clientError` hands over (an Error with Node's code). */
type ClientError = Error & { code?: string };

function errorFor(err: ClientError, inFlight: boolean): S3Error {
  if (err.code === 'HPE_HEADER_OVERFLOW') return S3Errors.RequestHeaderSectionTooLarge();
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return S3Errors.RequestTimeout();
  // End of stream inside a request whose headers were parsed: its body is shorter than declared.
  // S3 answers that with 400 IncompleteBody (seen on the wire in aws/aws-sdk-java-v2#2908: "The
  // request body terminated unexpectedly"; MinIO the same code), not as unparsable HTTP.
  if (err.code === 'HPE_INVALID_EOF_STATE' && inFlight) return S3Errors.IncompleteBody();
  return S3Errors.BadRequest('An error occurred when parsing the HTTP request.');
}

/** The raw HTTP/1.1 answer to a refused request (`inFlight`: its headers had been parsed). */
export function clientErrorResponse(err: ClientError, now = new Date(), inFlight = false): string {
  const e = errorFor(err, inFlight);
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

/** The in-flight response Node keeps on the socket, and its request. */
interface InFlight {
  headersSent?: boolean;
  req?: { complete?: boolean };
  once(event: 'finish' | 'close', fn: () => void): unknown;
}

/** Sockets whose refusal waits for the answer of the request before it (see handleClientError). */
const deferred = new WeakSet<Duplex>();

/** Fastify's `clientErrorHandler`: answer in S3 XML, then close. */
export function handleClientError(err: ClientError, socket: Duplex): void {
  // A reset or an already destroyed socket has nobody left to answer (Node's own rule).
  if (err.code === 'ECONNRESET' || socket.destroyed || deferred.has(socket)) return;
  // The response of the request being parsed, if any (Node's own clientError fallback reads the
  // same field, lib/_http_server.js socketOnError): once its head went out, another answer on the
  // stream would corrupt it.
  const res = (socket as Duplex & { _httpMessage?: InFlight | null })._httpMessage;
  if (res && !res.headersSent && res.req?.complete === true) {
    // The refused bytes come after a whole request that is still being answered (a body longer
    // than its Content-Length, or garbage pipelined behind it): HTTP/1.1 answers in order
    // (RFC 9112 §9.3.2), so that request's answer goes out first — S3 answers a PUT whose
    // Content-MD5 does not match the Content-Length bytes with BadDigest (s3-tests
    // test_object_create_bad_contentlength_mismatch_below_aws2) — and the refusal after it.
    deferred.add(socket);
    let done = false;
    const after = (): void => {
      if (done) return;
      done = true;
      if (socket.writable) socket.end(clientErrorResponse(err, new Date(), false));
      else socket.destroy();
    };
    res.once('finish', after);
    res.once('close', after);
    return;
  }
  if (socket.writable && !res?.headersSent) socket.end(clientErrorResponse(err, new Date(), Boolean(res)));
  else socket.destroy();
}

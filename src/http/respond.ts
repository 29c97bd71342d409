/**
 * S3Response → HTTP. Every S3 answer is written on the raw ServerResponse (the reply is hijacked):
 * Fastify's reply pipeline (onSend hooks, payload type checks, its own error answers) has nothing
 * to add to a response the S3 layer completed, and skipping it is a measurable part of a small
 * request's cost (bench/s3-frontend-bench.ts). Streamed bodies are pumped by hand with
 * back-pressure, so that a failure after the status line can only ever truncate the response
 * (shared/spec/ccow.md §5: "a client sees a truncated body, never wrong bytes").
 */
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { renderError, S3Errors, type S3Response } from '../s3/index.js';
import { newHostId } from './request.js';

/** Answer used when the S3 service throws (it promises not to): bare 500, connection closed. A fresh object each time: responseHeaders() adds the ids to it. */
export const internalErrorResponse = (): S3Response => ({ status: 500, headers: { 'content-length': 0 }, closeConnection: true });

/**
 * The answer to a request that arrives after shutdown began (on a kept-alive or pipelined
 * connection): 503 ServiceUnavailable in S3 XML (no body for HEAD) with `Connection: close`, which
 * every AWS SDK retries on a new connection — to another gateway, or to this one once it is back.
 */
export function shedResponse(method: string | undefined, url: string | undefined, requestId: string): S3Response {
  const hostId = newHostId();
  const body = method === 'HEAD' ? '' : renderError(S3Errors.ServiceUnavailable(), { requestId, hostId, resource: url?.split('?')[0] });
  return { status: 503, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId }, body, closeConnection: true };
}

/** Response headers plus the ids every response carries (set by s3/ already; added only if absent). */
export function responseHeaders(res: S3Response, requestId: string): Record<string, string | number | string[]> {
  const headers = res.headers;
  headers['x-amz-request-id'] ??= requestId;
  headers['x-amz-id-2'] ??= newHostId();
  // The S3 layer asks for this when it answered without reading the body: the unread bytes make the
  // connection unusable for a next request (RFC 9112 §9.6).
  if (res.closeConnection) headers.connection = 'close';
  return headers;
}

/** Standard header names as S3 writes them, by the lower-case name the S3 layer uses (filled as met). */
const WIRE_NAMES = new Map<string, string>([['etag', 'ETag'], ['content-md5', 'Content-MD5']]);

/**
 * The same headers under the names S3 sends: `Content-Type`, `Content-Length`, `ETag`,
 * `Last-Modified`, `Accept-Ranges`… and `x-amz-*` in lower case (RESTCommonResponseHeaders.html
 * and every sample response of the API reference; the gateway's own `x-ccow-*` stay lower case
 * too). Header names are case-insensitive (RFC 9110 §5.1), but libs3 (Debian's libs3-2 and its
 * `s3` tool; response_headers_handler.c compares with strncmp against "Content-Type",
 * "Content-Length" and "ETag") saw no type, length or ETag while the gateway wrote them in lower
 * case, and libs3 4.x reads a part's ETag that way to complete a multipart upload.
 */
function wireNames(headers: Record<string, string | number | string[]>): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = {};
  for (const name of Object.keys(headers)) {
    let wire = name.startsWith('x-') ? name : WIRE_NAMES.get(name);
    if (wire === undefined) {
      wire = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
      WIRE_NAMES.set(name, wire);
    }
    out[wire] = headers[name]!;
  }
  return out;
}

/** True for the streamed body variant of S3Response.body. */
function isAsyncIterable(body: S3Response['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && !Buffer.isBuffer(body) && body !== null && Symbol.asyncIterator in body;
}

/** Send an S3Response for a request Fastify routed. Returns the reply (Fastify's async-handler contract). */
export function sendS3Response(reply: FastifyReply, res: S3Response): FastifyReply {
  reply.hijack();
  writeRawResponse(reply.raw, res, reply.request.id, reply.log);
  return reply;
}

/**
 * Write a whole S3Response on a bare ServerResponse (also the `checkContinue` path, where Fastify
 * has not seen the request).
 */
export function writeRawResponse(raw: ServerResponse, res: S3Response, requestId: string, log: FastifyBaseLogger): void {
  const headers = responseHeaders(res, requestId);
  const body = isAsyncIterable(res.body) ? undefined : typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = body.length;
  try {
    raw.writeHead(res.status, wireNames(headers));
  } catch (err) {
    // A header value Node refuses to write (ERR_INVALID_CHAR): without this the request would never
    // be answered and the client would hang. Nothing was written yet: answer 500 and close.
    log.error({ err }, 'response headers could not be written; answered 500');
    if (isAsyncIterable(res.body)) void res.body[Symbol.asyncIterator]().return?.();
    raw.writeHead(500, { 'content-length': 0, connection: 'close', 'x-amz-request-id': requestId });
    raw.end();
    return;
  }
  if (isAsyncIterable(res.body)) {
    void pump(raw, res.body, log);
    return;
  }
  raw.end(body);
}

/**
 * End the connection after what was written so far: the client gets the status line and the
 * correct prefix, then the connection closes before the announced length (or the last chunk).
 * Node corks the socket during a tick of response writes, and a source that fails in the same
 * tick must not take that already-written prefix down with it, so flush first, then close.
 */
function cutOff(raw: ServerResponse): void {
  const socket = raw.socket;
  if (!socket) {
    raw.destroy();
    return;
  }
  while (socket.writableCorked > 0) socket.uncork();
  socket.destroySoon();
}

/** Write `chunk`; resolves once it is written out (its write callback) or the response closed. */
function written(raw: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    // The callback also runs (with an error) when the stream is destroyed; 'close' covers a
    // connection that goes away while the piece still waits in the response's own buffer.
    const done = (): void => {
      raw.off('close', done);
      resolve();
    };
    raw.on('close', done);
    raw.write(chunk, done);
  });
}

/**
 * Copy an async iterable to the response with back-pressure: at most two pieces are being written
 * at a time, and the next piece is pulled only once the earlier of them is written out (its write
 * callback), which is also what lets the engine lend its read buffers (ReadOptions.lend: a piece is
 * reused once the piece after the next is asked for). A client that goes away ends the loop, and
 * leaving a `for await` calls the iterator's `return()`, so the engine releases what it holds. On a
 * source error the response is destroyed, which destroys the socket: the client sees a short body
 * (Content-Length) or a chunked body without its terminating chunk, and must fail the read.
 */
async function pump(raw: ServerResponse, body: AsyncIterable<Uint8Array>, log: FastifyBaseLogger): Promise<void> {
  // A client gone while the request was handled: 'close' has fired already and writes to the
  // destroyed response still call back, so the loop would read the whole body into nothing.
  if (raw.destroyed) {
    log.info('client closed the connection before the response body');
    await body[Symbol.asyncIterator]().return?.();
    return;
  }
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  raw.once('close', onClose);
  let previous: Promise<void> | undefined;
  try {
    for await (const chunk of body) {
      if (closed) break;
      // Two writes in flight: the piece just pulled goes out while the one before it drains, and
      // the next piece is pulled only once that earlier write is done — the engine keeps a lent
      // piece valid until the piece after the next is asked for (ReadOptions.lend).
      const current = written(raw, chunk);
      if (previous) await previous;
      previous = current;
      if (closed) break;
    }
    if (previous) await previous;
    if (closed) {
      log.info('client closed the connection during the response body');
      return;
    }
    raw.end();
  } catch (err) {
    log.error({ err }, 'response body failed after the headers were sent; connection closed');
    cutOff(raw);
  } finally {
    raw.off('close', onClose);
  }
}

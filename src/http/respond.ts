/**
 * S3Response → HTTP. Small bodies go through Fastify's `reply.send`; streamed bodies are piped by
 * hand so that a failure after the status line can only ever truncate the response
 * (shared/spec/ccow.md §5: "a client sees a truncated body, never wrong bytes").
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { S3Response } from '../s3/index.js';
import { newHostId } from './request.js';

/**
 * Bytes a streamed body may buffer ahead of the socket. The engine yields whole chunks (up to
 * 8 MiB); with a small high-water mark the source pulls one chunk, then waits for the socket to
 * drain, which keeps per-response buffering near one chunk (s3-surface.md §10).
 */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** Response headers plus the ids every response carries (set by s3/ already; added only if absent). */
export function responseHeaders(res: S3Response, requestId: string): Record<string, string | number | string[]> {
  const headers: Record<string, string | number | string[]> = { ...res.headers };
  headers['x-amz-request-id'] ??= requestId;
  headers['x-amz-id-2'] ??= newHostId();
  // The S3 layer asks for this when it answered without reading the body: the unread bytes make the
  // connection unusable for a next request (RFC 9112 §9.6).
  if (res.closeConnection) headers.connection = 'close';
  return headers;
}

/** True for the streamed body variant of S3Response.body. */
function isAsyncIterable(body: S3Response['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && !Buffer.isBuffer(body) && body !== null && Symbol.asyncIterator in body;
}

/** Send an S3Response through Fastify. Returns the reply (Fastify's async-handler contract). */
export function sendS3Response(reply: FastifyReply, res: S3Response): FastifyReply {
  const headers = responseHeaders(res, reply.request.id);
  if (isAsyncIterable(res.body)) {
    // Fastify would answer a stream error that happens before the first byte with its own JSON
    // 500 under the S3 headers; take the response over so every stream error is a truncation.
    reply.hijack();
    streamBody(reply.raw, res.status, headers, res.body, reply.log);
    return reply;
  }
  reply.code(res.status).headers(headers);
  return reply.send(res.body);
}

/**
 * Write a whole S3Response on a bare ServerResponse (the `checkContinue` path, where Fastify has
 * not seen the request).
 */
export function writeRawResponse(raw: ServerResponse, res: S3Response, requestId: string, log: FastifyBaseLogger): void {
  const headers = responseHeaders(res, requestId);
  if (isAsyncIterable(res.body)) {
    streamBody(raw, res.status, headers, res.body, log);
    return;
  }
  const body = res.body === undefined ? undefined : Buffer.from(res.body);
  if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = body.length;
  raw.writeHead(res.status, headers);
  raw.end(body);
}

/**
 * Pipe an async iterable to the response with back-pressure. On a source error the response is
 * destroyed, which destroys the socket: the client sees a short body (Content-Length) or a chunked
 * body without its terminating chunk, and must fail the read. On a client abort the source is
 * destroyed, which calls the iterator's `return()` so the engine releases what it holds.
 */
function streamBody(
  raw: ServerResponse,
  status: number,
  headers: Record<string, string | number | string[]>,
  body: AsyncIterable<Uint8Array>,
  log: FastifyBaseLogger,
): void {
  raw.writeHead(status, headers);
  const source = Readable.from(body, { objectMode: false, highWaterMark: STREAM_HIGH_WATER_MARK });
  pipeline(source, raw, (err) => {
    if (!err) return;
    // ERR_STREAM_PREMATURE_CLOSE is the client going away; anything else is the source failing.
    const code = (err).code;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') log.info({ err }, 'client closed the connection during the response body');
    else log.error({ err }, 'response body failed after the headers were sent; connection destroyed');
    raw.socket?.destroy();
  });
}

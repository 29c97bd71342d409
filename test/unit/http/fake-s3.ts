/**
 * A small in-test S3Service for the http/ plumbing tests: it records what reached it and answers by
 * path prefix, so each test can check one thing the HTTP layer must do (body bytes untouched,
 * URL untouched, streaming, truncation on error, 100-continue).
 */
import { createHash } from 'node:crypto';
import type { S3Request, S3Response, S3Service } from '../../../src/s3/index.js';

/** What the fake saw of one request (the body is read fully, so tests can compare bytes). */
export interface SeenRequest {
  req: S3Request;
  body: Buffer;
}

/** Deterministic payload of `n` bytes (every byte value occurs). */
export function payload(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return b;
}

/**
 * Paths:
 * - `/echo/…`     read the body, answer 200 with the body bytes (application/octet-stream)
 * - `/stream/…`   answer 200 with `?chunks=N&size=S` bytes streamed as an async iterable
 * - `/broken/…`   stream `?after=N` chunks of 1 KiB, then throw (Content-Length announces more)
 * - `/ids/…`      answer with the S3 layer's own request-id headers already set
 * - `/close/…`    answer without reading the body, asking to close the connection
 * - `/throw/…`    handle() throws (the contract says it never does; http/ must survive it)
 * - `/deny/…`     precheck refuses with 403 (and handle would too)
 * - anything else: read the body and answer 200 with a JSON summary
 */
export class FakeS3 implements S3Service {
  readonly seen: SeenRequest[] = [];
  readonly prechecked: S3Request[] = [];
  /** Counts streamed bodies that were closed (completed, returned early by the consumer, or thrown). */
  streamsClosed = 0;

  async handle(req: S3Request): Promise<S3Response> {
    const path = req.url.split('?')[0] ?? '';
    const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    if (path.startsWith('/throw/')) throw new Error('boom');
    if (path.startsWith('/close/')) return { status: 400, headers: { 'content-type': 'application/xml' }, body: '<Error/>', closeConnection: true };
    if (path.startsWith('/deny/')) return deny();
    const body = await readAll(req);
    this.seen.push({ req, body });
    if (path.startsWith('/echo/')) return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body };
    if (path.startsWith('/stream/')) return this.#stream(Number(query.get('chunks') ?? 4), Number(query.get('size') ?? 1024));
    if (path.startsWith('/broken/')) return this.#broken(Number(query.get('after') ?? 2));
    if (path.startsWith('/ids/')) return { status: 200, headers: { 'x-amz-request-id': 'FROMS3LAYER00000', 'x-amz-id-2': 'host-id-from-s3' }, body: 'ok' };
    const summary = { method: req.method, url: req.url, hostBucket: req.hostBucket ?? null, requestId: req.requestId, bytes: body.length, sha256: sha256(body), secure: req.secure, remoteAddress: req.remoteAddress ?? null };
    return { status: 200, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(JSON.stringify(summary)) }, body: JSON.stringify(summary) };
  }

  async precheck(req: S3Request): Promise<S3Response | undefined> {
    this.prechecked.push(req);
    return req.url.startsWith('/deny/') ? deny() : undefined;
  }

  #stream(chunks: number, size: number): S3Response {
    const onClose = (): void => {
      this.streamsClosed++;
    };
    async function* gen(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < chunks; i++) yield payload(size, i);
      } finally {
        onClose();
      }
    }
    return { status: 200, headers: { 'content-length': chunks * size }, body: gen() };
  }

  #broken(after: number): S3Response {
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < after; i++) yield payload(1024, i);
      throw new Error('chunk corrupt (simulated)');
    }
    return { status: 200, headers: { 'content-length': (after + 4) * 1024 }, body: gen() };
  }
}

function deny(): S3Response {
  return { status: 403, headers: { 'content-type': 'application/xml' }, body: '<Error><Code>AccessDenied</Code></Error>' };
}

async function readAll(req: S3Request): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Hex SHA-256. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

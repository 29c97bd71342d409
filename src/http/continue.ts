/**
 * `Expect: 100-continue` (shared/spec/s3-surface.md §6; RFC 9110 §10.1.1). Node answers
 * `100 Continue` by itself unless the server listens for `checkContinue`; we listen, so a request
 * that will fail on its headers alone (bad signature, no such bucket, access denied) is refused
 * before the client sends a possibly large body. Refusals close the connection, since the client
 * may still send the body it announced.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { S3Response, S3Service } from '../s3/index.js';
import { servedWhileClosing } from './health.js';
import { requestIdOf, toS3Request, type RequestOptions } from './request.js';
import { internalErrorResponse, shedResponse, writeRawResponse } from './respond.js';

/**
 * Install the `checkContinue` listener. Accepted requests get `100 Continue` and are then emitted as
 * ordinary `request` events, i.e. they enter Fastify exactly like any other request. Once
 * `closing()` (shutdown began), a request is refused here with the shutdown 503, before its body:
 * answered `100 Continue` it would send the body only to be shed by the app's onRequest hook.
 */
export function installContinueHandler(server: Server, s3: S3Service, opts: RequestOptions, log: FastifyBaseLogger, closing: () => boolean = () => false): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (closing() && !servedWhileClosing(req, opts)) {
      shed(req, res, log);
      return;
    }
    void precheck(server, s3, opts, log, req, res, closing);
  });
}

/** The shutdown 503 (shedResponse), before the body. */
function shed(req: IncomingMessage, res: ServerResponse, log: FastifyBaseLogger): void {
  const requestId = requestIdOf(req);
  writeRawResponse(res, shedResponse(req.method, req.url, requestId), requestId, log);
}

async function precheck(
  server: Server,
  s3: S3Service,
  opts: RequestOptions,
  log: FastifyBaseLogger,
  req: IncomingMessage,
  res: ServerResponse,
  closing: () => boolean,
): Promise<void> {
  const requestId = requestIdOf(req);
  let refusal: S3Response | undefined;
  try {
    refusal = await s3.precheck(toS3Request(req, opts));
  } catch (err) {
    log.error({ err, reqId: requestId }, 's3 precheck threw');
    refusal = internalErrorResponse();
  }
  if (refusal === undefined) {
    // Shutdown may have begun while the precheck ran: 100 Continue now would have the client send
    // its body only for the app's onRequest hook to shed the request.
    if (closing() && !servedWhileClosing(req, opts)) {
      shed(req, res, log);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
    return;
  }
  log.info({ reqId: requestId, method: req.method, status: refusal.status }, 'request refused before its body (Expect: 100-continue)');
  writeRawResponse(res, { ...refusal, closeConnection: true }, requestId, log);
}

/**
 * The Fastify app of the gateway (shared/STYLE.md §1, `http/`): it turns every request into an
 * S3Request, hands it to the S3Service and writes the S3Response back. It decides nothing about S3:
 * no routing beyond "reserved `/_ccow/` path or not", no body parsing, no URL normalisation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { SERVER_NAME, type S3Response, type S3Service } from '../s3/index.js';
import { handleClientError } from './client-error.js';
import { installContinueHandler } from './continue.js';
import { installHealth, METRICS_PATH, servedWhileClosing, type ReadinessCheck, type ReservedHandler, type ReservedWrap } from './health.js';
import { EdgeLogController, edgeLoggerOptions } from './logging.js';
import { installMetrics } from './metrics.js';
import { hostBucketOf, newHostId, requestIdOf, snapshotHeaders, toS3Request, type RequestOptions } from './request.js';
import { internalErrorResponse, sendS3Response, shedResponse } from './respond.js';

type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/** Timeouts of the HTTP server (s3-surface.md §10), in milliseconds. */
export interface HttpTimeouts {
  /** Complete request headers must arrive within this time (Node `headersTimeout`). Default 30 s. */
  headersMs?: number;
  /**
   * Socket inactivity limit while a request is in progress: a body upload or a download that
   * stalls this long is cut off (Node `server.timeout`). Default 60 s.
   */
  idleMs?: number;
  /** Idle keep-alive connections are closed after this (Node `keepAliveTimeout`). Default 65 s. */
  keepAliveMs?: number;
}

/** Options of buildApp. */
export interface AppOptions {
  /** The S3 layer: the only thing requests are dispatched to. */
  s3: S3Service;
  /**
   * pino options for Fastify's logger, `true` for defaults, or `false` (default) for no logging.
   * Redaction of credentials is always added (logging.ts).
   */
  logger?: LoggerOptions | boolean;
  /** An existing pino logger (e.g. shared with the S3 layer); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Base domain for virtual-hosted style (`{bucket}.{domain}`). */
  domain?: string;
  /** Resolve the Host from X-Forwarded-Host and the client from X-Forwarded-For. */
  trustProxyHeaders?: boolean;
  /** Largest request header block in bytes (Node default 16 KiB); larger → 400 RequestHeaderSectionTooLarge. */
  maxHeaderSize?: number;
  /** Serve `GET /_ccow/metrics`; pass a Registry to add collectors of your own. Default false. */
  metrics?: boolean | Registry;
  /** Readiness probe of `GET /_ccow/health/ready` (default: always ready until close begins). */
  readiness?: ReadinessCheck;
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string | Buffer; key: string | Buffer };
  timeouts?: HttpTimeouts;
}

/** Methods the catch-all route takes; any other method reaches the S3 layer through the 404 handler. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/**
 * Build the gateway app. Nothing listens yet: call `startServer` (or `app.inject` in tests).
 *
 * @example
 * const app = buildApp({ s3: createS3Service({ engine }), logger: { level: 'info' } });
 * await startServer(app, { host: '127.0.0.1', port: 9000 });
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  const reqOpts: RequestOptions = { domain: opts.domain, trustProxyHeaders: opts.trustProxyHeaders };
  const dispatch = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => dispatchToS3(opts.s3, reqOpts, request, reply);
  const app = Fastify(fastifyOptions(opts, dispatch)) as unknown as FastifyInstance;
  const server = app.server;
  server.headersTimeout = opts.timeouts?.headersMs ?? 30_000;

  // No body parsing, ever: the S3 layer reads (and hashes, and de-chunks) the raw stream itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  let closing = false;
  // Callback-style hooks: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    hideContentType(request);
    if (closing && !servedWhileClosing(request.raw, reqOpts)) {
      shedWhileClosing(request, reply);
      return;
    }
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    addRequestIds(request, reply);
    done(null, payload);
  });

  let sweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // Graceful shutdown: Node's server.close() waits for every connection to end, and Fastify
    // closes only the connections idle at that moment. A request in flight (an upload) finishes
    // later on a kept-alive connection, which then stayed open for the whole keep-alive timeout:
    // after SIGTERM the gateway exited 65 s after its last upload was answered (the data dir locked
    // meanwhile; a supervisor's grace period, 30 s in Kubernetes, runs out first and SIGKILLs it).
    // So connections are closed as they fall idle, until the server has closed.
    sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
  });
  const wrap: ReservedWrap = (handler: ReservedHandler) => async (request, reply) =>
    hostBucketOf(snapshotHeaders(request.raw), reqOpts) !== undefined ? dispatch(request, reply) : handler(request, reply);
  installHealth(app, wrap, opts.readiness, () => closing);
  if (opts.metrics) installMetrics(app, METRICS_PATH, wrap, opts.metrics === true ? undefined : opts.metrics);

  app.route({ method: METHODS, url: '*', handler: dispatch });
  app.setNotFoundHandler(dispatch);
  installContinueHandler(server, opts.s3, reqOpts, app.log, () => closing);
  // An Expect other than 100-continue: Node would answer a bare 417; RFC 9110 §10.1.1 lets a
  // server ignore it instead, so the request is handled as if the field were absent.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  return app;
}

/** Fastify's own options: our request ids, our timeouts, every routing oddity sent to the S3 layer. */
function fastifyOptions(opts: AppOptions, dispatch: ReservedHandler): FastifyServerOptions & { https?: AppOptions['https'] } {
  const t = opts.timeouts ?? {};
  // Node checks headersTimeout only every connectionsCheckingInterval (default 30 s), so a client
  // stalling in its headers was answered 30–60 s after it connected instead of at 30 s (§10). A
  // check every second (a tenth of a shorter timeout) keeps the answer within a second of it. A
  // check is cheap: Node walks, in C++, only the connections whose current request is incomplete.
  const checking = Math.max(50, Math.min(1000, Math.floor((t.headersMs ?? 30_000) / 10)));
  const server = { ...(opts.maxHeaderSize ? { maxHeaderSize: opts.maxHeaderSize } : {}), requireHostHeader: false, connectionsCheckingInterval: checking };
  const logging = opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : opts.logger ? { logger: edgeLoggerOptions(opts.logger) } : { logger: false };
  return {
    ...logging,
    logController: new EdgeLogController(),
    // The id is ours (16 uppercase hex, also the S3 x-amz-request-id); a client-sent id is ignored.
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    requestIdHeader: false,
    // HEAD is routed explicitly to the S3 layer; Fastify must not answer it from a GET route.
    exposeHeadRoutes: false,
    forceCloseConnections: 'idle',
    // During shutdown Fastify would answer requests still arriving on kept-alive connections with
    // its own JSON 503; S3 clients get the S3 XML one instead (shedWhileClosing).
    return503OnClosing: false,
    connectionTimeout: t.idleMs ?? 60_000,
    keepAliveTimeout: t.keepAliveMs ?? 65_000,
    // No cap on the whole request: a 5 GiB PUT may take long; stalls are caught by connectionTimeout.
    requestTimeout: 0,
    // requireHostHeader: false — Node would refuse a request without Host with its own bare 400;
    // the S3 layer answers it in XML instead (a signature needs the Host anyway).
    http: server,
    ...(opts.https ? { https: { ...opts.https, ...server } } : {}),
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, useSemicolonDelimiter: false },
    // Requests Node's parser refuses (header overflow, header timeout) get S3 XML, not Fastify's JSON.
    clientErrorHandler: handleClientError,
    // find-my-way refuses some raw paths (bad percent-encoding, very long segments); S3 keys may
    // legitimately look like that, and the S3 layer decides how to answer them.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') return dispatch(request, reply);
      return reply.code(500).send(error);
    },
  } as unknown as FastifyServerOptions;
}

/**
 * Fastify rejects a request whose Content-Type is not a valid RFC 9110 media type (415) before any
 * parser runs; S3 accepts any Content-Type and stores it as object metadata. So the S3 layer gets a
 * snapshot of the headers as sent, and Fastify's view drops Content-Type, which routes every body
 * to the catch-all parser above (which does not read it).
 */
function hideContentType(request: FastifyRequest): void {
  snapshotHeaders(request.raw);
  // `delete` only when there is something to delete: it turns the object into a slow dictionary.
  if (request.raw.headers['content-type'] !== undefined) delete request.raw.headers['content-type'];
  // Fastify refuses a QUERY (RFC 10008) without Content-Type with its own JSON 400 before any
  // handler runs; give it a neutral one, so the S3 layer answers (it reads the snapshot).
  if (request.raw.method === 'QUERY') request.raw.headers['content-type'] = 'application/octet-stream';
}

/**
 * Responses not made by the S3 layer (health, metrics, framework errors; S3 answers bypass onSend)
 * carry the S3 id headers and `Server` too: "Every response: x-amz-request-id, x-amz-id-2, Date,
 * Server" (shared/spec/s3-surface.md §1; Node adds Date).
 */
function addRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  if (!reply.hasHeader('x-amz-request-id')) reply.header('x-amz-request-id', request.id);
  if (!reply.hasHeader('x-amz-id-2')) reply.header('x-amz-id-2', newHostId());
  if (!reply.hasHeader('server')) reply.header('server', SERVER_NAME);
}

/**
 * A request that arrives on a kept-alive (or pipelined) connection after shutdown began: the S3
 * XML 503 of shedResponse. Serving it instead could start a long upload the shutdown then waits
 * for (or a supervisor kills). (Those with `Expect: 100-continue` are shed in continue.ts, before
 * their body.)
 */
function shedWhileClosing(request: FastifyRequest, reply: FastifyReply): void {
  const res = shedResponse(request.raw.method, request.raw.url, request.id);
  reply.code(res.status).headers(res.headers).header('connection', 'close').send(res.body);
}

/** The one route handler: raw request → S3Service.handle → response. */
async function dispatchToS3(s3: S3Service, reqOpts: RequestOptions, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let res: S3Response;
  try {
    res = await s3.handle(toS3Request(request.raw, reqOpts));
  } catch (err) {
    request.log.error({ err }, 's3 service threw');
    res = internalErrorResponse();
  }
  return sendS3Response(reply, res);
}

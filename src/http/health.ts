/**
 * Health endpoints (shared/spec/s3-surface.md §1): `GET /_ccow/health/live` and
 * `GET /_ccow/health/ready` (and HEAD), unauthenticated. `_` is illegal in bucket names, so these
 * paths never shadow a bucket in path style; in virtual-hosted style a request whose Host names a
 * bucket goes to the S3 layer instead (`delegate`).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostBucketOf, snapshotHeaders, type RequestOptions } from './request.js';

/** Reserved path prefix of gateway-internal endpoints. */
export const RESERVED_PREFIX = '/_ccow/';
export const LIVE_PATH = '/_ccow/health/live';
export const READY_PATH = '/_ccow/health/ready';
export const METRICS_PATH = '/_ccow/metrics';

/**
 * Requests still answered during shutdown: the gateway's own paths (health, readiness — which
 * says 503 then — and metrics), path-style only: a virtual-hosted request for a key under
 * `/_ccow/` is an S3 request (the `wrap` of buildApp sends it to the S3 layer) and is shed.
 */
export function servedWhileClosing(raw: IncomingMessage, reqOpts: RequestOptions): boolean {
  return raw.url?.startsWith(RESERVED_PREFIX) === true && hostBucketOf(snapshotHeaders(raw), reqOpts) === undefined;
}

/** Result of a readiness probe. */
export interface Readiness {
  ready: boolean;
  /** Short human-readable reason when not ready. */
  reason?: string;
}

/** Readiness probe supplied by the composition root (e.g. "the storage backend answers"). */
export type ReadinessCheck = () => Promise<Readiness>;

/** A route handler of a reserved path. */
export type ReservedHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/**
 * Wraps a reserved-path handler so that a virtual-hosted bucket request on the same path reaches
 * the S3 layer instead (s3-surface.md §1).
 */
export type ReservedWrap = (handler: ReservedHandler) => ReservedHandler;

/**
 * Register the health routes, for GET and HEAD. Load balancers are often set to probe with HEAD
 * (HAProxy's `option httpchk HEAD /path`, say): HEAD gets GET's status and headers without the
 * body (Node writes no body for HEAD). Before, HEAD went to the S3 layer: 404 NoSuchBucket.
 * `closing()` tells readiness that shutdown began.
 */
export function installHealth(app: FastifyInstance, wrap: ReservedWrap, readiness: ReadinessCheck | undefined, closing: () => boolean): void {
  app.route({ method: ['GET', 'HEAD'], url: LIVE_PATH, handler: wrap(async (_request, reply) => reply.code(200).send({ status: 'live' })) });

  app.route({ method: ['GET', 'HEAD'], url: READY_PATH, handler: wrap(async (_request, reply) => {
    const r = closing() ? { ready: false, reason: 'shutting down' } : await probe(readiness);
    return reply.code(r.ready ? 200 : 503).send(r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason });
  }) });
}

/** Run the probe; a throwing probe means "not ready", with its message as the reason. */
async function probe(check: ReadinessCheck | undefined): Promise<Readiness> {
  if (!check) return { ready: true };
  try {
    return await check();
  } catch (e) {
    return { ready: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A small Prometheus surface (GET and HEAD /_ccow/metrics): request counts, latency and requests in
 * flight.
 * The registry is per app, so several apps in one process (tests) do not collide. Lower layers
 * publish diagnostics instead of metrics (shared/STYLE.md habit 8); whoever composes the gateway may
 * register more collectors on `registry`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { ReservedWrap } from './health.js';

/** The collectors http/ maintains. */
export interface HttpMetrics {
  readonly registry: Registry;
}

/** Register the metric hooks and the `/_ccow/metrics` route on `app`. */
export function installMetrics(app: FastifyInstance, path: string, wrap: ReservedWrap, registry = new Registry()): HttpMetrics {
  const requests = new Counter({
    name: 'ccow_http_requests_total',
    help: 'HTTP requests answered, by method and status code',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ccow_http_request_duration_seconds',
    help: 'Time from request start to the last response byte, by method',
    labelNames: ['method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inflight = new Gauge({
    name: 'ccow_http_requests_in_flight',
    help: 'Requests currently being answered',
    registers: [registry],
  });

  app.addHook('onRequest', async (request, reply) => {
    inflight.inc();
    // 'close' fires for finished and for aborted responses alike ('finish' only for the former).
    reply.raw.once('close', () => {
      inflight.dec();
      requests.inc({ method: request.method, status: String(reply.raw.statusCode) });
      duration.observe({ method: request.method }, reply.elapsedTime / 1000);
    });
  });

  // HEAD answers as GET without the body (Node writes none for HEAD), as the health routes do:
  // before, only GET was routed here and HEAD went to the S3 layer (404 NoSuchBucket).
  app.route({ method: ['GET', 'HEAD'], url: path, handler: wrap(async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  }) });
  return { registry };
}

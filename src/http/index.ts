/**
 * http/: the Fastify edge of the gateway (shared/STYLE.md §1). Turns HTTP requests into
 * framework-neutral S3Requests (src/s3/types.ts) and S3Responses back into HTTP; request ids,
 * raw body passthrough, `Expect: 100-continue`, health and metrics endpoints, edge logging.
 */
export { buildApp } from './app.js';
export type { AppOptions, HttpTimeouts } from './app.js';
export { startServer } from './server.js';
export type { ListenOptions, StartedServer } from './server.js';
export { LIVE_PATH, READY_PATH, METRICS_PATH } from './health.js';
export type { Readiness, ReadinessCheck } from './health.js';
export { edgeLoggerOptions, redactUrl } from './logging.js';
export { newRequestId } from './request.js';

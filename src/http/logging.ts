/**
 * Edge logging policy (shared/STYLE.md habit 8: only the edge logs). Secrets never reach a log line:
 * credentials travel in the Authorization header, in presigned query strings (`X-Amz-Signature`,
 * SigV2 `Signature`, `X-Amz-Security-Token`) and in cookies, so the request serializer prints
 * neither headers nor those query values (shared/spec/s3-surface.md §2: "secrets are never logged").
 */
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';

type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/** Query parameters whose values are credentials or bearer tokens. */
const SECRET_QUERY = /([?&](?:x-amz-signature|signature|x-amz-security-token|x-amz-credential|awsaccesskeyid)=)[^&]*/gi;

/** The URL with credential-bearing query values replaced by `REDACTED`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1REDACTED');
}

/** Header paths pino censors should a header object ever be logged (defence in depth). */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amz-security-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-amz-security-token"]',
];

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  raw?: { url?: string };
  socket?: { remotePort?: number };
}

/** Fastify request serializer: method, redacted raw URL, host, peer; never headers. */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.raw?.url ?? req.url ?? ''),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Merge the redaction policy into pino options given by the caller. The caller's level, transport
 * and stream stay; serializers and redaction are forced.
 */
export function edgeLoggerOptions(opts: LoggerOptions | true | undefined): LoggerOptions {
  const base: LoggerOptions = opts === true || opts === undefined ? {} : opts;
  const callerRedact = Array.isArray(base.redact) ? base.redact : (base.redact?.paths ?? []);
  return {
    level: 'info',
    ...base,
    redact: { paths: [...REDACT_PATHS, ...callerRedact], censor: '[REDACTED]' },
    serializers: { ...base.serializers, req: serializeRequest },
  };
}

/** pino's level check (present on every pino logger; FastifyBaseLogger's type omits it). */
function enabled(log: FastifyRequest['log'], level: 'trace' | 'debug'): boolean {
  return (log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? false;
}

/**
 * Per-request log lines (Fastify's LogController hooks). Fastify writes two `info` lines for every
 * request ("incoming request", "request completed"); at thousands of small requests a second that
 * is a large share of the gateway's CPU (bench/s3-frontend-bench.ts), so here:
 *
 *   - one access line per request ("request completed", with method, redacted URL, status and
 *     time) at `debug`; at `warn` when the answer is a 5xx, so failures stay visible at `info`;
 *   - the "incoming request" line only at `trace`;
 *   - errors as Fastify logs them.
 *
 * Unmapped S3 errors are logged by the S3 layer itself, with the request id (s3/service.ts).
 */
export class EdgeLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (enabled(request.log, 'trace')) super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    const status = reply.raw.statusCode;
    if (status >= 500) reply.log.warn({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else if (enabled(reply.log, 'debug')) reply.log.debug({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

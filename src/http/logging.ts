/**
 * Edge logging policy (shared/STYLE.md habit 8: only the edge logs). Secrets never reach a log line:
 * credentials travel in the Authorization header, in presigned query strings (`X-Amz-Signature`,
 * SigV2 `Signature`, `X-Amz-Security-Token`) and in cookies, so the request serializer prints
 * neither headers nor those query values (shared/spec/s3-surface.md §2: "secrets are never logged").
 */
import type { FastifyServerOptions } from 'fastify';

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

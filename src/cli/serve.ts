/**
 * `ccow serve`: the gateway process. Opens the data dirs, makes sure the default user exists,
 * composes storage → engine → S3 service → Fastify app, listens, prints the endpoint and the
 * credentials, and shuts down in order on SIGINT/SIGTERM (stop accepting and finish in-flight
 * requests, stop workers, close the engine, close the backend).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp, edgeLoggerOptions, startServer } from '../http/index.js';
import { createS3Service } from '../s3/index.js';
import type { ClockSkewReport, DamageReport } from '../engine/index.js';
import type { ServeConfig } from './config.js';
import { CliError, openStack, type Stack } from './compose.js';
import { ensureDefaultUser, type DefaultCredentials } from './credentials.js';
import { runWorkers, type WorkerRunner } from './workers.js';
import { serveAdminSocket } from './admin-socket.js';
import { loadMallocTrim, startHeapTrimmer, type HeapTrimmer } from './heap-trim.js';

/** A running gateway. */
export interface RunningGateway {
  url: string;
  credentials: DefaultCredentials;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
}

/** Start the gateway described by `cfg`; `print` receives the human-readable banner lines. */
export async function startGatewayProcess(cfg: ServeConfig, print: (line: string) => void): Promise<RunningGateway> {
  const logger = pino(edgeLoggerOptions({ level: cfg.logLevel }) as object);
  const https = cfg.tls ? await readTls(cfg.tls) : undefined;
  // Damaged stored data (a read or the scrub found a chunk corrupt or missing) is an operator matter.
  const onDamage = (d: DamageReport): void => logger.error({ damage: d }, d.quarantined
    ? `chunk ${d.chunk} is ${d.problem} (found by ${d.foundBy}); quarantined: objects using it fail to read until the same content is uploaded again`
    : `chunk ${d.chunk} is ${d.problem} (found by ${d.foundBy}); the versions using it may not be readable (ccow fsck lists them)`);
  // ccow.md §6: versions stay ordered whatever the clock says, but last-writer-wins is only as fair as it.
  const onClockSkew = (s: ClockSkewReport): void =>
    logger.warn({ clockSkew: s }, `this host's clock is ${(s.behindMs / 1000).toFixed(1)} s behind the newest version timestamps it writes after; run NTP (new versions take timestamps from the stored ones until the clock catches up)`);
  const stack = await openStack(cfg.dataDirs, { durability: cfg.durability, onDamage, onClockSkew });
  let app: FastifyInstance | undefined;
  try {
    const credentials = await ensureDefaultUser(stack.engine, cfg.dataDirs[0]!, cfg.credentials);
    const s3 = createS3Service({
      engine: stack.engine,
      region: cfg.region,
      domain: cfg.domain,
      trustProxyHeaders: cfg.trustProxyHeaders,
      strictRegion: cfg.strictRegion,
      allowSigV2: cfg.allowSigV2,
      logger,
    });
    app = buildApp({
      s3,
      loggerInstance: logger,
      domain: cfg.domain,
      trustProxyHeaders: cfg.trustProxyHeaders,
      metrics: cfg.metrics,
      readiness: readinessOf(stack.backend),
      ...(https ? { https } : {}),
    });
    const { url } = await startServer(app, cfg.listen).catch((e: unknown) => {
      throw listenError(e, cfg);
    });
    const workers = runWorkers(stack.engine.workers(), logger);
    // `ccow user …` / `ccow snapshot …` while the gateway runs (admin-socket.ts).
    const admin = await serveAdminSocket(cfg.dataDirs, stack, logger);
    const trimmer = cfg.heapTrim ? heapTrimmer(logger) : undefined;
    printBanner(print, url, credentials, cfg);
    const closeApp = app.close.bind(app);
    let closing: Promise<void> | undefined;
    return { url, credentials, close: () => (closing ??= shutdown(closeApp, workers, stack, logger, admin, trimmer)) };
  } catch (e) {
    await app?.close();
    await stack.close();
    throw e;
  }
}

/** The heap trimmer (heap-trim.ts), or none where the C library has no malloc_trim (logged once). */
function heapTrimmer(logger: Logger): HeapTrimmer | undefined {
  const trim = loadMallocTrim();
  if (typeof trim !== 'function') {
    logger.info(`malloc heap trimming unavailable (${trim.unavailable}); freed heap is returned to the OS only from its top`);
    return undefined;
  }
  return startHeapTrimmer(trim, { onError: (e) => logger.warn({ err: e }, 'malloc heap trimming failed; stopped') });
}

/**
 * Ready while the storage backend answers (a closed or failing backend makes the probe throw). A
 * container health check asks every 30 s from the start: the probe reads one row, not the chunk
 * statistics (`stats()` counted every chunk at its first call: issue-3-readiness-probe-chunk-scan).
 */
export function readinessOf(backend: Pick<Stack['backend'], 'probe'>): () => Promise<{ ready: boolean }> {
  return async () => {
    await backend.probe();
    return { ready: true };
  };
}

/**
 * Read the PEM files and check that they make a TLS context now: a file that is not PEM, or a key
 * that does not belong to the certificate, failed inside Fastify's constructor with OpenSSL's
 * stack trace (or, for a key of another type than the certificate's, not at all: every handshake
 * failed instead).
 */
async function readTls(tls: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  // Each file named: Node's message names the path only for some errors (not EISDIR's `read`).
  const read = (what: string, file: string): Promise<Buffer> => readFile(file).catch((e: unknown) => {
    throw new CliError(`cannot read TLS ${what} ${file}: ${(e as Error).message}`, 2);
  });
  const pair = { cert: await read('certificate', tls.certFile), key: await read('key', tls.keyFile) };
  try {
    createSecureContext(pair);
    // OpenSSL checks the key against the certificate only when both are of one type: an RSA key
    // with an EC certificate was taken, and every handshake failed.
    if (!new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key))) throw new Error('the key does not belong to the certificate');
  } catch (e) {
    throw new CliError(`cannot use TLS certificate ${tls.certFile} with key ${tls.keyFile}: ${(e as Error).message} (expected a PEM certificate and its PEM private key)`, 2);
  }
  return pair;
}

/** A failed listen (port taken, address not on this host, port < 1024 without the right) in one line. */
function listenError(e: unknown, cfg: ServeConfig): Error {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('E')) return e instanceof Error ? e : new Error(String(e));
  const where = cfg.listen.host.includes(':') ? `[${cfg.listen.host}]:${cfg.listen.port}` : `${cfg.listen.host}:${cfg.listen.port}`;
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use (another gateway or program listens there)',
    EADDRNOTAVAIL: 'the address is not one of this host\'s',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name does not resolve',
  };
  return new CliError(`cannot listen on ${where}: ${why[code] ?? (e as Error).message} (${code}; --listen / CCOW_LISTEN)`);
}

/**
 * The banner. The secret is printed only when the gateway generated it: an operator who set
 * CCOW_SECRET_KEY knows it, and the banner often ends up in collected logs.
 */
function printBanner(print: (line: string) => void, url: string, c: DefaultCredentials, cfg: ServeConfig): void {
  const secret = c.source === 'generated' ? c.secretKey : '(from CCOW_SECRET_KEY)';
  print(`ccow-s3 listening on ${url}  access key: ${c.accessKey}  secret key: ${secret}`);
  print(`  data: ${cfg.dataDirs.map((d) => resolve(d)).join(',')}  region: ${cfg.region}${cfg.domain ? `  domain: ${cfg.domain}` : ''}`);
}

async function shutdown(closeApp: () => Promise<void>, workers: WorkerRunner, stack: Stack, logger: Logger, admin?: { close(): Promise<void> }, trimmer?: HeapTrimmer): Promise<void> {
  logger.info('shutting down: no new connections, finishing requests in flight');
  await admin?.close();
  await closeApp();
  await trimmer?.stop();
  await workers.stop();
  await stack.close();
  logger.info('shutdown complete');
}

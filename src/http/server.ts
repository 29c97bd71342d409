/**
 * Listening and closing. TLS is chosen when the app is built (`buildApp({ https })`): Fastify fixes
 * the server type at construction, so `startServer` only binds.
 */
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';

/** Where to listen. Port 0 picks a free port (tests). */
export interface ListenOptions {
  host: string;
  port: number;
}

/** A started server: its base URL and bound address. */
export interface StartedServer {
  /** e.g. `http://127.0.0.1:9000` (IPv6 hosts in brackets). */
  url: string;
  host: string;
  port: number;
}

/**
 * Bind the app and start accepting requests.
 *
 * @example
 * const { url } = await startServer(app, { host: '127.0.0.1', port: 0 });
 */
export async function startServer(app: FastifyInstance, opts: ListenOptions): Promise<StartedServer> {
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address() as AddressInfo;
  // https.Server extends tls.Server.
  const scheme = (app.server as unknown) instanceof TlsServer ? 'https' : 'http';
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `${scheme}://${host}:${addr.port}`, host: addr.address, port: addr.port };
}

/**
 * HTTP written by hand over a raw TCP connection, for tests of what the server does on the wire
 * (pipelining, `Expect: 100-continue`, connections closed during a shutdown): a connection that
 * collects what it receives, a client's answer to `100 Continue`, a SigV4-signed request head, the
 * moment a server's `close()` is reached, and a plain request with a Host header of one's choice.
 */
import { request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import aws4 from 'aws4';

/** A connected raw client. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once the connection is closed (by either side); socket errors are ignored. */
  closed: Promise<void>;
}

/** Connect to 127.0.0.1:`port`; `onData` sees what has been received after each chunk. */
export async function connectRaw(port: number, onData?: (received: string, socket: Socket) => void): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    onData?.(text, socket);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => text, closed };
}

/** What a client does on `100 Continue`: send `body` once. `sent()` tells whether it was told to. */
export function bodyOnContinue(body: string): { onData: (received: string, socket: Socket) => void; sent: () => boolean } {
  let sent = false;
  return {
    onData: (received, socket) => {
      if (!sent && received.includes('HTTP/1.1 100 Continue')) {
        sent = true;
        socket.write(body);
      }
    },
    sent: () => sent,
  };
}

/**
 * Resolves when `server.close()` is called. Fastify calls it from `app.close()` after its preClose
 * hooks, so from then on the app knows it is shutting down: the ordering point of shutdown tests.
 */
export function serverCloseReached(server: Server): Promise<void> {
  const orig = server.close.bind(server);
  return new Promise<void>((resolve) => {
    server.close = ((cb?: (err?: Error) => void) => {
      resolve();
      return orig(cb);
    });
  });
}

/**
 * The head of a request signed (SigV4, UNSIGNED-PAYLOAD) for `gw`'s default user, ready to write
 * on a raw connection: request line, headers, blank line.
 */
export function signedHead(
  gw: { url: string; accessKey: string; secretKey: string },
  method: string,
  path: string,
  headers: Record<string, string> = {},
): string {
  const all = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers };
  const signed = aws4.sign({ host: new URL(gw.url).host, method, path, headers: all, service: 's3', region: 'us-east-1' }, { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(signed.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`;
}

/** An answer read whole by `call`. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with Node's http client to 127.0.0.1:`port`, with the given Host header; the answer read whole. */
export function call(port: number, method: string, path: string, host = '127.0.0.1'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

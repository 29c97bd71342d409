/**
 * Admin commands while a gateway runs. The gateway holds its data dir (the LOCK: one process opens
 * the store), so `ccow user …` and `ccow snapshot …` used to refuse until it stopped: adding a user
 * or revoking a leaked key meant downtime. The gateway now listens on a Unix socket in its first
 * data dir (`admin.sock`, mode 0600, so exactly who may open the data dir may use it) and runs those
 * commands against its own open engine; the CLI, finding the data dir in use, sends the command
 * there. A user added or removed this way counts at the next request (the engine's user cache is
 * updated by the same calls). fsck, gc and compact stay offline.
 *
 * Protocol (version tag `ccow-admin/1`): the client writes one JSON line `{"v":"ccow-admin/1","op":
 * …,"args":[…]}`; the gateway answers one JSON line `{"v":"ccow-admin/1","code":N,"out":[lines],
 * "err":"message"?}` and closes.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ONLINE_COMMANDS, type OnlineCommand, type StoreAccess } from './admin.js';
import { CliError, type Stack } from './compose.js';
import { ConfigError } from './config.js';

/** The socket's file name in the first data dir. */
export const ADMIN_SOCKET = 'admin.sock';
const VERSION = 'ccow-admin/1';
/** Longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
/** A request line larger than this is not a command. */
const MAX_REQUEST = 64 * 1024;
/**
 * A connection whose request line has not arrived after this long is closed: the CLI writes it as
 * soon as it connects, and a client that connects and says nothing held its connection (and a
 * file descriptor) until the gateway stopped.
 */
const REQUEST_TIMEOUT_MS = 10_000;

/** Options of serveAdminSocket. */
export interface AdminSocketOptions {
  /** Close a connection that has not sent its request line within this (ms). Default 10 s. */
  requestTimeoutMs?: number;
}

/** A reply of the gateway. */
interface Reply {
  v: string;
  code: number;
  out: string[];
  err?: string;
}

/**
 * Listen on `admin.sock` in the first data dir, running the online admin commands against `stack`.
 * Undefined (and a warning) when the path is too long for a Unix socket or cannot be made: the
 * commands then stay offline-only, as before.
 */
export async function serveAdminSocket(dataDirs: string[], stack: Stack, logger: Logger, o: AdminSocketOptions = {}): Promise<{ close(): Promise<void> } | undefined> {
  const path = join(dataDirs[0]!, ADMIN_SOCKET);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    logger.warn(`admin socket not started: ${path} is longer than a Unix socket path may be; ccow user/snapshot commands need the gateway stopped`);
    return undefined;
  }
  const store: StoreAccess = { dataDirs, stack };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveOne(socket, store, logger, o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  });
  // Never a reason not to serve S3 (the gateway calls this with its workers already running).
  try {
    // A socket file left by a gateway that died: this process holds the data dir's LOCK, so no
    // live gateway listens on it.
    await rm(path, { force: true });
    await listenPrivate(server, path);
  } catch (e) {
    logger.warn(`admin socket not started (${(e as Error).message}); ccow user/snapshot commands need the gateway stopped`);
    return undefined;
  }
  return {
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A client that never finishes its request does not hold the shutdown.
        for (const s of sockets) s.destroy();
      });
      await rm(path, { force: true });
    },
  };
}

/** Listen on `path` with a socket file only its owner may open (umask 077 around the bind). */
async function listenPrivate(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The bind (and the file's creation) happens inside listen(), synchronously, under this mask.
    const old = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(old);
    }
  });
}

/** Read one request line from `socket` (within `timeoutMs`), run it, write the reply. */
function serveOne(socket: Socket, store: StoreAccess, logger: Logger, timeoutMs: number): void {
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  // A deadline for the whole request line (an idle timeout would let a client dribble a byte at a
  // time); the command itself may take as long as it takes.
  const deadline = setTimeout(() => socket.destroy(), timeoutMs);
  socket.on('close', () => clearTimeout(deadline));
  socket.on('data', (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0 && buf.length <= MAX_REQUEST) return;
    clearTimeout(deadline);
    socket.removeAllListeners('data');
    void run(nl < 0 ? undefined : buf.slice(0, nl), store, logger).then((reply) => socket.end(JSON.stringify(reply) + '\n'));
  });
}

async function run(line: string | undefined, store: StoreAccess, logger: Logger): Promise<Reply> {
  const out: string[] = [];
  let req: { v?: unknown; op?: unknown; args?: unknown };
  try {
    req = JSON.parse(line ?? '') as typeof req;
  } catch {
    return { v: VERSION, code: 2, out, err: 'malformed admin request' };
  }
  if (req.v !== VERSION) return { v: VERSION, code: 2, out, err: `unsupported admin request version ${String(req.v)} (this gateway speaks ${VERSION})` };
  if (typeof req.op !== 'string' || !Object.hasOwn(ONLINE_COMMANDS, req.op) || !Array.isArray(req.args)) return { v: VERSION, code: 2, out, err: `unknown admin command ${String(req.op)}` };
  const fn = ONLINE_COMMANDS[req.op as OnlineCommand] as (store: StoreAccess, ...rest: unknown[]) => Promise<number>;
  try {
    // JSON has no undefined: an option left out (`--owner`) crosses as null.
    const args = (req.args as unknown[]).map((a) => (a === null ? undefined : a));
    const code = await fn(store, ...args, (l: string) => out.push(l));
    logger.info({ admin: req.op, code }, `admin command ${req.op} run for the CLI`);
    return { v: VERSION, code, out };
  } catch (e) {
    if (e instanceof CliError) return { v: VERSION, code: e.exitCode, out, err: e.message };
    if (e instanceof ConfigError) return { v: VERSION, code: 2, out, err: e.message };
    logger.error({ err: e, admin: req.op }, `admin command ${req.op} failed`);
    return { v: VERSION, code: 1, out, err: (e as Error).message };
  }
}

/**
 * Send an admin command to the gateway holding `dataDirs`. Its output goes to `print`, its error
 * message is thrown as a CliError with its exit status; undefined when no gateway listens there (no
 * socket: a gateway of an older version, or a path too long), so the caller reports the data dir
 * as in use.
 */
export async function callAdminSocket(dataDirs: string[], op: OnlineCommand, args: unknown[], print: (line: string) => void): Promise<number | undefined> {
  const path = join(dataDirs[0]!, ADMIN_SOCKET);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return undefined;
  const reply = await new Promise<Reply | undefined>((resolve, reject) => {
    const socket = createConnection(path);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ v: VERSION, op, args }) + '\n'));
    socket.on('data', (c: string) => {
      buf += c;
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buf) as Reply);
      } catch {
        reject(new CliError(`the gateway's admin socket ${path} gave no answer`));
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') resolve(undefined);
      else reject(new CliError(`cannot reach the gateway's admin socket ${path}: ${e.message}`));
    });
  });
  if (!reply) return undefined;
  for (const l of reply.out) print(l);
  if (reply.err !== undefined) throw new CliError(reply.err, reply.code);
  return reply.code;
}

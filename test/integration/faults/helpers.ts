/**
 * Helpers of the fault and hostile-input tests (issue #5 "Faults and hostile input"): the built
 * `ccow` binary as a child process, raw requests signed with `aws4` over undici, deterministic
 * payloads from a seed, a seeded PRNG, and process memory readings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import aws4 from 'aws4';
import type { TestContext } from 'node:test';
import { Pool, request, type Dispatcher } from 'undici';
import { bannerUrl, CLI, cleanEnv as cliEnv, runCli, type CliResult } from '../../helpers/cli.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

/** Fixed keys of the child gateway's default user (CCOW_ACCESS_KEY / CCOW_SECRET_KEY). */
export const KEYS = { accessKey: 'FAULTSTESTACCESSKEY1', secretKey: 'faultsTestSecretKey0123456789abcdefghijk' };

export type Keys = typeof KEYS;

/** Environment without the caller's CCOW_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv({ CCOW_ACCESS_KEY: KEYS.accessKey, CCOW_SECRET_KEY: KEYS.secretKey, ...extra });
}

/** A port that was free a moment ago (bind 0, read, close): `ccow serve` needs a number. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A `ccow serve` child process. */
export interface ChildGateway {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (graceful shutdown) and wait. */
  stop: () => Promise<number | null>;
  /** SIGKILL and wait: the crash. */
  kill: () => Promise<number | null>;
}

const BANNER = /^ccow-s3 listening on (\S+) /m;

/** Spawn `ccow serve --listen 127.0.0.1:<free port> --data <dataDir>` and wait for its banner. */
export async function spawnGateway(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = cleanEnv()): Promise<ChildGateway> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnOn(port, dataDir, extraArgs, env);
    } catch (e) {
      // Another process may have taken the port between freePort() and bind: try another one.
      if (attempt < 3 && /EADDRINUSE/.test(String(e))) continue;
      throw e;
    }
  }
}

async function spawnOn(port: number, dataDir: string, extraArgs: string[], env: NodeJS.ProcessEnv): Promise<ChildGateway> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await bannerUrl(child, exited, BANNER, () => out, () => out);
  const signal = (sig: NodeJS.Signals) => async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return { child, pid: child.pid!, url, port, output: () => out, exited, stop: signal('SIGTERM'), kill: signal('SIGKILL') };
}

/** Run a `ccow` admin command to completion. */
export function runCcow(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<CliResult> {
  return runCli(args, { env });
}

/** One raw request: the path is sent exactly as given (already percent-encoded, with its query). */
export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Sign with these keys (SigV4 header auth via aws4); absent → anonymous. */
  sign?: Keys;
  /** Payload hash to sign (default: SHA-256 of the body, as aws4 computes it). */
  contentSha256?: string;
}

/** A response with its whole body read. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sign `r` for `host` with aws4 (service s3, us-east-1) and return the headers to send. */
export function signHeaders(host: string, r: RawRequest): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
  if (!r.sign) return headers;
  const single: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) single[k] = Array.isArray(v) ? v.join(',') : v;
  if (r.contentSha256 !== undefined) single['x-amz-content-sha256'] = r.contentSha256;
  const signed = aws4.sign(
    { host, method: r.method, path: r.path, headers: single, body: r.body ?? '', service: 's3', region: 'us-east-1', doNotEncodePath: true },
    { accessKeyId: r.sign.accessKey, secretAccessKey: r.sign.secretKey },
  );
  const out: Record<string, string | string[]> = { ...headers };
  for (const [k, v] of Object.entries(signed.headers ?? {})) {
    const lower = k.toLowerCase();
    // Keep duplicated headers duplicated; add what aws4 added (date, hash, authorization).
    if (!(k in headers) && !(lower in headers)) out[k] = String(v);
  }
  return out;
}

/** Send one raw request through `dispatcher` (a Pool or Agent) and read the whole response. */
export async function send(dispatcher: Dispatcher, origin: string, r: RawRequest, opts: { timeoutMs?: number } = {}): Promise<RawResponse> {
  const host = new URL(origin).host;
  const headers = signHeaders(host, r);
  const res = await request(origin + r.path, {
    dispatcher,
    method: r.method,
    headers,
    body: r.body,
    headersTimeout: opts.timeoutMs ?? 60_000,
    bodyTimeout: opts.timeoutMs ?? 60_000,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** `<Code>` of an XML error body, or undefined. */
export function errorCode(body: Buffer | string): string | undefined {
  return /<Error>[\s\S]*?<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1];
}

/** Seeded PRNG (mulberry32): deterministic runs from a printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi] from `rand`. */
export function between(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * `size` pseudo-random bytes determined by `label` (AES-128-CTR keystream keyed by SHA-256 of the
 * label): bodies can be regenerated for comparison instead of being kept in memory.
 */
export function payloadOf(label: string, size: number): Buffer {
  const d = createHash('sha256').update(label).digest();
  const c = createCipheriv('aes-128-ctr', d.subarray(0, 16), d.subarray(16, 32));
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()]);
}

/** Hex SHA-256. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Resident set size of process `pid` in bytes (Linux /proc), or undefined when unreadable. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Soft limit of open files of this process (Linux /proc), or undefined. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** MiB, for messages. */
export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1) + ' MiB';
}

/** Sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Run `fn` over `items`, at most `limit` at a time; rejects with the first failure. */
export async function forEachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let n = it.next(); !n.done; n = it.next()) await fn(n.value);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A signed request of the default user: method, raw path, optional body. */
export type SignedCall = (method: string, path: string, body?: string) => Promise<RawResponse>;

/** An in-process gateway closed after the test, and a caller that signs as its default user. */
export async function signedGateway(t: TestContext): Promise<{ gw: TestGateway; call: SignedCall }> {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const sign = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  return { gw, call: (method, path, body) => send(pool, gw.url, { method, path, body, sign }) };
}

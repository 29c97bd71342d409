/**
 * Front-end cost benchmark: CPU time the S3 layer (route, SigV4, authorise, handler, headers, XML)
 * adds to each engine call, measured in-process without sockets, on the real engine over the
 * memory backend. For every operation it runs the engine call alone, then the same work through
 * `S3Service.handle` with requests signed by aws4, and prints CPU µs per operation of both; the
 * difference is what src/s3 costs. A third column serves the same operations over HTTP (Fastify
 * app of src/http, as `ccow serve` builds it, logging at --log-level to /dev/null) to a load
 * generator in a child process (bench/s3/load-child.ts): what src/http adds on top.
 * CPU time (process.cpuUsage of this process, which the client is not part of) is steadier than
 * wall time on a machine others load, but still noisy: compare runs taken minutes apart at most.
 *
 *   node dist/bench/s3-frontend-bench.js [--n=5000] [--pages=100] [--rounds=3] [--log-level=info] [--ops=PUT,GET,HEAD,List]   (best of the rounds)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import aws4 from 'aws4';
import { pino } from 'pino';
import { createEngine, type EngineApi } from '../src/engine/index.js';
import { buildApp, edgeLoggerOptions, startServer } from '../src/http/index.js';
import { createS3Service, type S3Request, type S3Response, type S3Service } from '../src/s3/index.js';
import { createMemoryBackend } from '../src/storage/memory/index.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const N = Number(args.get('n') ?? 5000);
const PAGES = Number(args.get('pages') ?? 100);
const ROUNDS = Number(args.get('rounds') ?? 3);
const LOG_LEVEL = args.get('log-level') ?? 'info';
const CREDS = { accessKeyId: 'FRONTENDBENCHKEY0001', secretAccessKey: 'frontendBenchSecret000000000000000000001' };
const BUCKET = 'bench';
const HOST = '127.0.0.1:9000';
const CONCURRENCY = 16;

let nextId = 0;

/** A signed S3Request as http/ would build it (lower-case header names, raw URL, body stream). */
function signed(method: string, path: string, query = '', body?: Buffer): S3Request {
  const url = query ? `${path}?${query}` : path;
  const headers: Record<string, string> = { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
  if (body) headers['Content-Length'] = String(body.length);
  const s = aws4.sign({ host: HOST, path: url, method, service: 's3', region: 'us-east-1', headers }, CREDS);
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers as Record<string, string>)) lower[k.toLowerCase()] = String(v);
  return { method, url, headers: lower, body: Readable.from(body ? [body] : []), requestId: (nextId++).toString(16).padStart(16, '0').toUpperCase(), secure: false };
}

async function drain(res: S3Response): Promise<number> {
  if (res.status >= 300) throw new Error(`status ${res.status}: ${typeof res.body === 'string' ? res.body : ''}`);
  const b = res.body;
  if (b === undefined) return 0;
  if (typeof b === 'string') return b.length;
  if (Buffer.isBuffer(b)) return b.length;
  let n = 0;
  for await (const c of b) n += c.length;
  return n;
}

/** CPU µs per job for `n` jobs at concurrency 16 (excluding `prepare`, which builds the inputs). */
async function cpuPerOp<T>(n: number, prepare: (i: number) => T, job: (x: T) => Promise<unknown>): Promise<number> {
  const inputs = Array.from({ length: n }, (_, i) => prepare(i));
  let next = 0;
  const t0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await job(inputs[next++]!);
  }));
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

const key = (prefix: string, i: number): string => `${prefix}/${i.toString().padStart(8, '0')}`;

async function main(): Promise<void> {
  const engine: EngineApi = await createEngine(createMemoryBackend());
  await engine.putUser({ accessKey: CREDS.accessKeyId, secretKey: CREDS.secretAccessKey, name: 'bench', tenantId: 'a'.repeat(64) });
  await engine.createBucket(BUCKET, { owner: 'a'.repeat(64) });
  const s3: S3Service = createS3Service({ engine });
  const base = randomBytes(4096);
  const body = (i: number): Buffer => {
    const b = Buffer.from(base);
    b.writeUInt32LE(i, 0);
    return b;
  };
  const rows: [string, number, number, number][] = [];
  const one = async function* (b: Buffer): AsyncGenerator<Uint8Array> {
    yield b;
  };

  // Warm-up of both paths (JIT), then the measured runs.
  for (const prefix of ['warm-e', 'warm-s']) {
    for (let i = 0; i < 500; i++) {
      if (prefix === 'warm-e') await engine.putObject({ bucket: BUCKET, key: key(prefix, i) }, one(body(i)));
      else await drain(await s3.handle(signed('PUT', `/${BUCKET}/${key(prefix, i)}`, '', body(i))));
    }
  }

  const pages = Math.max(1, Math.floor(N / 1000));
  const listAfter = (i: number, p: string): string | undefined => (i % pages === 0 ? undefined : key(p, (i % pages) * 1000 - 1));
  const http = await startHttp(engine);
  const ops: [string, () => Promise<number>, () => Promise<number>, () => Promise<number>][] = [
    ['PUT 4 KiB',
      () => cpuPerOp(N, (i) => ({ k: key('e', i), b: body(i) }), ({ k, b }) => engine.putObject({ bucket: BUCKET, key: k }, one(b), { digests: [] })),
      () => cpuPerOp(N, (i) => signed('PUT', `/${BUCKET}/${key('s', i)}`, '', body(i)), async (r) => drain(await s3.handle(r))),
      () => http.run({ op: 'put', n: N, prefix: 'h' }, N)],
    ['GET 4 KiB',
      () => cpuPerOp(N, (i) => key('e', i), async (k) => {
        const v = await engine.head({ bucket: BUCKET, key: k });
        const r = await engine.read({ bucket: BUCKET, key: k }, { versionId: v.versionId, offset: 0, length: v.size });
        for await (const _ of r.body) { /* drain */ }
      }),
      () => cpuPerOp(N, (i) => signed('GET', `/${BUCKET}/${key('s', i)}`), async (r) => drain(await s3.handle(r))),
      () => http.run({ op: 'get', n: N, prefix: 'h' }, N)],
    ['HEAD',
      () => cpuPerOp(N, (i) => key('e', i), (k) => engine.head({ bucket: BUCKET, key: k })),
      () => cpuPerOp(N, (i) => signed('HEAD', `/${BUCKET}/${key('s', i)}`), async (r) => drain(await s3.handle(r))),
      () => http.run({ op: 'head', n: N, prefix: 'h' }, N)],
    ['ListObjectsV2 page of 1000',
      () => cpuPerOp(PAGES, (i) => listAfter(i, 'e'), (after) => engine.listObjects(BUCKET, { prefix: 'e/', startAfter: after, limit: 1000 })),
      () => cpuPerOp(PAGES, (i) => signed('GET', `/${BUCKET}`, `list-type=2&max-keys=1000&prefix=s%2F${listAfter(i, 's') === undefined ? '' : `&start-after=${encodeURIComponent(listAfter(i, 's')!)}`}`),
        async (r) => drain(await s3.handle(r))),
      () => http.run({ op: 'list', n: PAGES, prefix: 'h', after: Array.from({ length: PAGES }, (_, i) => listAfter(i, 'h') ?? '') }, PAGES)],
  ];
  // Rounds alternate engine-alone and through-s3 runs; the minimum of each is reported (PUTs
  // overwrite the same keys from round 2 on, which the engine handles as new versions).
  const only = args.get('ops')?.split(',');
  // The reads need the objects the PUT row writes: write them once when that row is not measured.
  if (only && !only.includes('PUT')) for (const run of ops[0]!.slice(1) as (() => Promise<number>)[]) await run();
  for (const [name, e, viaS3, viaHttp] of ops) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    let bestE = Infinity;
    let bestS = Infinity;
    let bestH = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      bestE = Math.min(bestE, await e());
      bestS = Math.min(bestS, await viaS3());
      bestH = Math.min(bestH, await viaHttp());
    }
    rows.push([name, bestE, bestS, bestH]);
  }
  await http.close();

  const cols = ['engine alone', 'through s3/', 'over HTTP', 's3/ adds', 'http/ adds'];
  console.log(`${'operation'.padEnd(28)} ${cols.map((c) => c.padStart(13)).join(' ')}   (CPU µs per operation, best of ${ROUNDS}, n=${N}, pages=${PAGES}, log level ${LOG_LEVEL})`);
  for (const [name, e, s, h] of rows) console.log(`${name.padEnd(28)} ${[e, s, h, s - e, h - s].map((x) => x.toFixed(0).padStart(13)).join(' ')}`);
  await engine.close();
}

/** The gateway app over `engine` on 127.0.0.1:0, and a load generator process pointed at it. */
async function startHttp(engine: EngineApi): Promise<{ run: (cmd: object, ops: number) => Promise<number>; close: () => Promise<void> }> {
  const logger = pino(edgeLoggerOptions({ level: LOG_LEVEL }) as object, pino.destination({ dest: '/dev/null', sync: true }));
  const app = buildApp({ s3: createS3Service({ engine, logger }), loggerInstance: logger });
  const { url } = await startServer(app, { host: '127.0.0.1', port: 0 });
  const child: ChildProcess = fork(fileURLToPath(new URL('./s3/load-child.js', import.meta.url)), [url, CREDS.accessKeyId, CREDS.secretAccessKey]);
  await new Promise((resolve) => child.once('message', resolve));
  const run = (cmd: object, ops: number): Promise<number> => new Promise((resolve, reject) => {
    const t0 = process.cpuUsage();
    child.once('message', (m: { error?: string }) => {
      const d = process.cpuUsage(t0);
      if (m.error) reject(new Error(m.error));
      else resolve((d.user + d.system) / ops);
    });
    child.send(cmd);
  });
  return {
    run,
    close: async () => {
      child.disconnect();
      await app.close();
    },
  };
}

await main();

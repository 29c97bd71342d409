/**
 * Hostile input (issue #5 "Faults": fuzz): a bounded, seeded fast-check fuzzer sends at least
 * 10,000 malformed requests (fuzz-requests.ts: methods, paths, query strings, huge / duplicate /
 * many headers, XML bodies, aws-chunked framing, odd Authorization headers; 40 % validly signed
 * with aws4 so they reach the parsers behind authentication) to the built `ccow serve` over a real
 * loopback socket (undici Pool, keep-alive, 16 at a time). Checked for every request:
 *
 * - an answer within 15 s (no hang) and no dropped connection,
 * - no 5xx except 501 NotImplemented and 503 SlowDown / ServiceUnavailable, where AWS answers so,
 * - every error (≥ 400) but HEAD's has an XML body with a `<Code>`,
 *
 * and for the run: the process never exits, its RSS (read from /proc) stays under 300 MiB, and a
 * normal SDK request succeeds afterwards. The seed is printed; FAULTS_SEED=<n> replays the run,
 * and a failure names the request index and shows the request. FAULTS_FUZZ_COUNT (default 10,000),
 * FAULTS_FUZZ_TIMEOUT (ms, default 15,000) and FAULTS_FUZZ_TRACE=1 (print each request and status
 * to stderr) help when chasing one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import aws4 from 'aws4';
import { Pool, request, type Dispatcher } from 'undici';
import { errorCode, KEYS, mib, rssOf, send, spawnGateway, type ChildGateway } from './helpers.js';
import { fuzzRequest, type FuzzSpec, type FuzzWorld } from './fuzz-requests.js';

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const COUNT = Number(process.env.FAULTS_FUZZ_COUNT ?? 10_000);
const CONCURRENCY = 16;
const TIMEOUT_MS = Number(process.env.FAULTS_FUZZ_TIMEOUT ?? 15_000);
const RSS_LIMIT = 300 * 1024 * 1024;

/** Turn a spec into the headers to send (signed or not) — signing may refuse odd values. */
function wireHeaders(host: string, s: FuzzSpec): string[] {
  const flat: string[] = [];
  for (const [k, v] of s.headers) flat.push(k, v);
  if (s.auth !== 'valid' && s.auth !== 'tampered') return flat;
  const single: Record<string, string> = {};
  for (const [k, v] of s.headers) single[k] = single[k] === undefined ? v : `${single[k]},${v}`;
  single['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
  try {
    const signed = aws4.sign({ host, method: s.method, path: s.path, headers: single, body: s.body, service: 's3', region: 'us-east-1', doNotEncodePath: true },
      { accessKeyId: KEYS.accessKey, secretAccessKey: KEYS.secretKey });
    const out = [...flat];
    for (const [k, v] of Object.entries(signed.headers ?? {})) {
      if (!(k.toLowerCase() in single) || k.toLowerCase() === 'x-amz-content-sha256') out.push(k, String(v));
    }
    // Tampered: the signature covered another value of a signed header.
    if (s.auth === 'tampered') out.push('x-amz-date', '20260101T000000Z');
    return out;
  } catch {
    return flat;
  }
}

/**
 * Send `s` on a plain socket of its own (`connection: close`) and read the whole answer; undefined
 * when the gateway does not answer within TIMEOUT_MS. Requests that carry their own Host headers go
 * this way: undici settles some of them never (seed 225137: #518 with `host: evil.example:9000` and
 * `host: L@^['`, #7362 with an empty Host before `host: fuzz.localhost`) — not even on an abort
 * signal — although the gateway answered them (checked on raw sockets), and once all 16 pool
 * connections held such a request the whole run stalled.
 */
function sendRaw(url: string, s: FuzzSpec, headers: string[]): Promise<{ status: number; body: Buffer } | undefined> {
  const { hostname, port } = new URL(url);
  const lines = [`${s.method} ${s.path} HTTP/1.1`];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!/^(content-length|connection|transfer-encoding)$/i.test(headers[i]!)) lines.push(`${headers[i]}: ${headers[i + 1]}`);
  }
  lines.push(`content-length: ${s.body?.length ?? 0}`, 'connection: close');
  return new Promise((resolve) => {
    const sock = connect(Number(port), hostname);
    const parts: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      sock.destroy();
      const all = Buffer.concat(parts);
      const end = all.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(all.toString('latin1', 0, Math.min(all.length, 64)));
      resolve(m ? { status: Number(m[1]), body: end < 0 ? Buffer.alloc(0) : all.subarray(end + 4) } : undefined);
    };
    const timer = setTimeout(finish, TIMEOUT_MS);
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('data', (d: Buffer) => parts.push(d));
    sock.write(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), s.body ?? Buffer.alloc(0)]));
  });
}

/** The response rules; returns a complaint or undefined. */
function complaint(s: FuzzSpec, status: number, body: Buffer): string | undefined {
  const code = errorCode(body);
  if (status >= 500 && !((status === 501 && code === 'NotImplemented') || (status === 503 && (code === 'SlowDown' || code === 'ServiceUnavailable')))) {
    return `server error ${status} ${code ?? ''}`;
  }
  if (status >= 400 && s.method !== 'HEAD' && code === undefined) return `error ${status} without an XML <Code>: ${JSON.stringify(body.toString('latin1').slice(0, 200))}`;
  return undefined;
}

function describe(i: number, s: FuzzSpec): string {
  const hs = s.headers.map(([k, v]) => `${k}: ${v.length > 80 ? v.slice(0, 80) + `…(${v.length})` : v}`).join(' | ');
  const b = s.body ? ` body(${s.body.length}): ${JSON.stringify(s.body.toString('latin1').slice(0, 120))}` : '';
  return `#${i} [${s.auth}] ${s.method} ${s.path.length > 200 ? s.path.slice(0, 200) + '…' : s.path} ${hs}${b}`;
}

/** Objects, versions and an open upload for the generated requests to hit. */
async function makeWorld(gw: ChildGateway, pool: Pool): Promise<FuzzWorld> {
  const put = async (path: string, body?: string, method = 'PUT'): Promise<Buffer> => {
    const r = await send(pool, gw.url, { method, path, body, sign: KEYS });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.body.toString()}`);
    return r.body;
  };
  await put('/fuzz');
  await put('/fuzz?versioning', '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  const keys = ['a', 'dir/b', 'mp', 'empty', 'big'];
  for (const k of keys) await put(`/fuzz/${k}`, k === 'empty' ? '' : k === 'big' ? 'B'.repeat(300_000) : `content of ${k}`);
  const v = await send(pool, gw.url, { method: 'PUT', path: '/fuzz/a', body: 'second version', sign: KEYS });
  const up = (await put('/fuzz/mp?uploads', undefined, 'POST')).toString();
  const uploadId = /<UploadId>([^<]+)</.exec(up)![1]!;
  await put(`/fuzz/mp?partNumber=1&uploadId=${uploadId}`, 'part one');
  return { bucket: 'fuzz', keys, uploadId, versionId: String(v.headers['x-amz-version-id']) };
}

test(`fuzz: ${COUNT} malformed requests (seed ${SEED}) — no crash, no hang, no unexpected 5xx, XML errors, bounded memory`, { timeout: 170_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ccow-faults-fuzz-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const gw = await spawnGateway(dataDir);
  t.after(() => gw.kill());
  const pool = new Pool(gw.url, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  t.after(() => pool.destroy());
  const world = await makeWorld(gw, pool);
  // A few more than COUNT: undici refuses to send a handful (its own argument checks).
  const specs = fc.sample(fuzzRequest(world), { seed: SEED, numRuns: Math.ceil(COUNT * 1.02) + 10 });
  const host = new URL(gw.url).host;
  t.diagnostic(`seed ${SEED} (FAULTS_SEED=${SEED} replays it); ${specs.filter((s) => s.auth === 'valid').length} validly signed`);

  let maxRss = rssOf(gw.pid) ?? 0;
  const sampler = setInterval(() => { maxRss = Math.max(maxRss, rssOf(gw.pid) ?? 0); }, 200);
  t.after(() => clearInterval(sampler));

  const problems: string[] = [];
  const statuses = new Map<number, number>();
  /** How validly signed requests fared: past authentication, or refused by it. */
  const signed = { authRefused: 0, pastAuth: 0 };
  let answered = 0;
  let refusedByClient = 0;
  /** Requests with their own Host headers, sent on raw sockets (see sendRaw). */
  let rawSent = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length && answered < COUNT && gw.child.exitCode === null) {
      const i = next++;
      const s = specs[i]!;
      if (process.env.FAULTS_FUZZ_TRACE) console.error(`> ${describe(i, s)}`);
      const headers = wireHeaders(host, s);
      if (s.headers.some(([k]) => k.toLowerCase() === 'host')) {
        const r = await sendRaw(gw.url, s, headers);
        if (!r) {
          problems.push(`no answer within ${TIMEOUT_MS} ms (raw socket) — ${describe(i, s)}`);
          continue;
        }
        answered++;
        rawSent++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        const c = complaint(s, r.status, r.body);
        if (c) problems.push(`${c} — ${describe(i, s)}`);
        continue;
      }
      let res: Dispatcher.ResponseData;
      try {
        res = await request(gw.url + s.path, { dispatcher: pool, method: s.method, headers, body: s.body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
      } catch (e) {
        const err = e as Error & { code?: string };
        // undici refusing to send (its own argument checks) is not the server's doing.
        if (err.code === 'UND_ERR_INVALID_ARG' || err.name === 'InvalidArgumentError' || err.code === 'UND_ERR_NOT_SUPPORTED') {
          refusedByClient++;
          continue;
        }
        problems.push(`${err.code ?? err.name}: ${err.message} — ${describe(i, s)}`);
        continue;
      }
      const body = Buffer.from(await res.body.arrayBuffer().catch(() => new ArrayBuffer(0)));
      answered++;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (process.env.FAULTS_FUZZ_TRACE) console.error(`< #${i} ${res.statusCode}`);
      if (s.auth === 'valid') {
        const code = errorCode(body) ?? '';
        if (/^(SignatureDoesNotMatch|AuthorizationHeaderMalformed|InvalidAccessKeyId|XAmzContentSHA256Mismatch|RequestTimeTooSkewed|AccessDenied|InvalidArgument)$/.test(code)) signed.authRefused++;
        else signed.pastAuth++;
      }
      const c = complaint(s, res.statusCode, body);
      if (c) problems.push(`${c} — ${describe(i, s)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(sampler);
  maxRss = Math.max(maxRss, rssOf(gw.pid) ?? 0);

  const summary = [...statuses].sort(([a], [b]) => a - b).map(([k, n]) => `${k}×${n}`).join(' ');
  t.diagnostic(`${answered} answered (${rawSent} of them with their own Host headers, on raw sockets), ${refusedByClient} not sendable by undici; statuses ${summary}; peak RSS ${mib(maxRss)}`);
  t.diagnostic(`validly signed: ${signed.pastAuth} reached the handlers, ${signed.authRefused} refused by authentication/authorisation or argument checks`);
  assert.equal(gw.child.exitCode, null, `the gateway exited:\n${gw.output().slice(-4000)}`);
  assert.deepEqual(problems.slice(0, 25), [], `${problems.length} problem(s) (seed ${SEED}); gateway log tail:\n${gw.output().slice(-3000)}`);
  assert.ok(answered >= COUNT, `only ${answered} of ${COUNT} requests were answered`);
  assert.ok(maxRss < RSS_LIMIT, `peak RSS ${mib(maxRss)}`);

  // A normal client still gets normal service.
  const s3 = new S3Client({ endpoint: gw.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: KEYS.accessKey, secretAccessKey: KEYS.secretKey }, maxAttempts: 1 });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'after-fuzz' }));
  await s3.send(new PutObjectCommand({ Bucket: 'after-fuzz', Key: 'k', Body: 'still fine' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'after-fuzz', Key: 'k' }));
  assert.equal(await got.Body!.transformToString(), 'still fine');
});

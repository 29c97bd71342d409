/**
 * Hostile input below HTTP clients (issue #5 "Faults": fuzz, framing part): 1,000 seeded requests
 * written byte by byte on raw sockets to the built `ccow serve` — broken request lines (methods,
 * targets, versions), header lines without colons, folded, with NULs, duplicated or conflicting
 * Content-Length / Transfer-Encoding, over-long header blocks, broken chunked framing, bodies on
 * HEAD, Expect and Upgrade — what no HTTP client library will send (fuzz.test.ts covers the rest
 * through undici). Each connection is half-closed after the request. Checked: the server closes
 * every connection within 10 s (no hang), answers with no 5xx except 501/503, every error answer
 * (but HEAD's) carries an XML `<Code>`, the process survives with its RSS under 300 MiB, and a
 * normal request is served afterwards. FAULTS_SEED=<n> replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Pool } from 'undici';
import { KEYS, mib, rssOf, send, spawnGateway } from './helpers.js';

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const COUNT = 1000;
const CONCURRENCY = 8;
const CLOSE_WITHIN_MS = 10_000;

const GOOD_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'OPTIONS'];
const BAD_METHODS = ['get', 'G ET', '', 'GET\t', 'PRI', 'CONNECT', 'TRACE', 'A'.repeat(300), 'QUERY', 'M-SEARCH', 'SOURCE', '\x00GET'];
const GOOD_TARGETS = ['/', '/fuzz', '/fuzz/a', '/fuzz/a?acl', '/fuzz?uploads', '/fuzz/a?partNumber=1&uploadId=x', '/fuzz?delete', '/fuzz?list-type=2'];
const BAD_TARGETS = ['*', 'http://evil.example/fuzz', 'fuzz', '//', '/fuzz/a b', '/fuzz/%00', '/fuzz/\x00', '/fuzz/\x7f', '/fuzz/\xff\xfe', '/' + 'x'.repeat(9000), '/fuzz?' + 'q'.repeat(20_000), '', '/fuzz#frag', '/fuzz/a\tb'];
const BAD_VERSIONS = ['HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 x', '', 'HTTP/11'];
const GOOD_HEADERS = ['Content-Type: application/xml', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', 'Authorization: AWS4-HMAC-SHA256 Credential=x', 'x-amz-date: 20260101T000000Z', 'Connection: keep-alive', 'Connection: close', 'Range: bytes=0-1', 'x-amz-meta-a: b'];
const BAD_HEADERS = [
  'Content-Length: -1', 'Content-Length: 1e3', 'Content-Length: 0x10', 'Content-Length: 99999999999999999999', 'Content-Length: 5, 6', 'Content-Length:',
  'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked, identity', 'Transfer-Encoding: xchunked', 'Transfer-Encoding:  chunked',
  'NoColonHere', ' Host: folded', '\tcontinued', 'Host : spaced', '(bad): name', 'x-a: nul\x00value', 'x-b: bare\rcr', ': empty-name', 'x-amz-meta-\xff: v',
  'Expect: 100-continue', 'Expect: garbage', 'Upgrade: websocket', 'Connection: Upgrade', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__', 'Host: a', 'Content-Length: 3',
];
/** Body framings: a length that matches, lies or is missing, chunked right or wrong. */
const FRAMINGS: [string[], string][] = [
  [['Content-Length: 5'], 'hello'], [['Content-Length: 10'], 'hello'], [['Content-Length: 2'], 'hello'], [[], 'hello'],
  [['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'], [['Transfer-Encoding: chunked'], 'zz\r\nhello\r\n'], [['Transfer-Encoding: chunked'], '5;ext=1\r\nhello\r\n0\r\n\r\n'],
  [['Transfer-Encoding: chunked'], '-1\r\n'], [['Transfer-Encoding: chunked'], 'ffffffffffffffff\r\nx'], [['Transfer-Encoding: chunked'], '5\r\nhello'], [['Transfer-Encoding: chunked'], '5\r\nhelloXX0\r\n\r\n'],
  [['Transfer-Encoding: chunked'], '0\r\nTrailer: x\r\n\r\n'], [['Transfer-Encoding: chunked', 'Content-Length: 5'], '5\r\nhello\r\n0\r\n\r\n'], [['Content-Length: 5', 'Content-Length: 6'], 'hello!'],
  [['Content-Length: 46'], '<Delete><Object><Key>a</Key></Object></Delete>'], [['Content-Length: 70000'], 'x'.repeat(70_000)],
];

/**
 * One raw request: a well-formed skeleton (method, target, HTTP/1.1, CRLF, Host) with one or two
 * parts broken, extra header lines, a body framing — sometimes followed by a second, valid request.
 */
const rawRequest = fc.record({
  method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_METHODS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_METHODS) }),
  target: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_TARGETS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_TARGETS) }),
  version: fc.oneof({ weight: 6, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom(...BAD_VERSIONS) }),
  eol: fc.oneof({ weight: 10, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r') }),
  host: fc.oneof({ weight: 6, arbitrary: fc.constant(['Host: localhost']) }, { weight: 1, arbitrary: fc.constant([]) }),
  headers: fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...GOOD_HEADERS) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_HEADERS) },
    { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => `x-amz-meta-big: ${'v'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `x-h${i}: v`).join('\r\n')) },
  ), { maxLength: 4 }),
  framing: fc.option(fc.constantFrom(...FRAMINGS), { freq: 2 }),
  pipelined: fc.boolean(),
}).map(({ method, target, version, eol, host, headers, framing, pipelined }) => {
  const lines = [...host, ...headers, ...(framing?.[0] ?? [])];
  const text = `${method} ${target} ${version}${eol}${lines.map((l) => l + eol).join('')}${eol}${framing?.[1] ?? ''}`;
  return { text, head: method.toUpperCase().startsWith('HEAD'), next: pipelined ? 'GET /_ccow/health/live HTTP/1.1\r\nHost: x\r\n\r\n' : '' };
});

interface Outcome {
  text: string;
  closed: boolean;
}

/** Write, half-close, collect until the server closes (or the deadline passes). */
function exchange(port: number, bytes: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), CLOSE_WITHIN_MS);
    sock.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('connect', () => sock.end(Buffer.from(bytes, 'latin1')));
  });
}

/** Problems with what came back. */
function judge(o: Outcome, head: boolean): string | undefined {
  if (!o.closed) return `connection still open after ${CLOSE_WITHIN_MS} ms (got ${JSON.stringify(o.text.slice(0, 120))})`;
  const answers = [...o.text.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g)];
  for (const [i, m] of answers.entries()) {
    const status = Number(m[1]);
    if (status >= 500 && status !== 501 && status !== 503) return `status ${status}`;
    if (status < 400 || (i === 0 && head)) continue;
    const rest = o.text.slice(m.index + m[0].length, m.index + m[0].length + 2000);
    if (!/^<\?xml[^>]*>\s*<Error><Code>[^<]+<\/Code>/.test(rest)) return `error ${status} without an XML <Code>: ${JSON.stringify(o.text.slice(m.index, m.index + 300))}`;
  }
  return undefined;
}

test(`fuzz, raw HTTP framing: ${COUNT} broken requests on raw sockets (seed ${SEED}) — answered in S3 XML or closed, never hung, no crash`, { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ccow-faults-fuzzhttp-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const gw = await spawnGateway(dataDir);
  t.after(() => gw.kill());
  const pool = new Pool(gw.url, { connections: 2 });
  t.after(() => pool.close());
  assert.equal((await send(pool, gw.url, { method: 'PUT', path: '/fuzz', sign: KEYS })).status, 200);
  t.diagnostic(`seed ${SEED} (FAULTS_SEED=${SEED} replays it)`);

  const reqs = fc.sample(rawRequest, { seed: SEED, numRuns: COUNT });
  let maxRss = rssOf(gw.pid) ?? 0;
  const sampler = setInterval(() => { maxRss = Math.max(maxRss, rssOf(gw.pid) ?? 0); }, 200);
  t.after(() => clearInterval(sampler));
  const problems: string[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < reqs.length && gw.child.exitCode === null) {
      const i = next++;
      const r = reqs[i]!;
      const o = await exchange(gw.port, r.text + r.next);
      const first = /^HTTP\/1\.[01] (\d{3})/.exec(o.text)?.[1] ?? 'none';
      statuses.set(first, (statuses.get(first) ?? 0) + 1);
      const p = judge(o, r.head);
      if (p) problems.push(`#${i}: ${p} — request ${JSON.stringify(r.text.slice(0, 300))}`);
    }
  }));
  clearInterval(sampler);
  t.diagnostic(`first answers: ${[...statuses].sort().map(([k, n]) => `${k}×${n}`).join(' ')}; peak RSS ${mib(maxRss)}`);
  assert.equal(gw.child.exitCode, null, `the gateway exited:\n${gw.output().slice(-4000)}`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s) (seed ${SEED})`);
  assert.ok(maxRss < 300 * 1024 * 1024, `peak RSS ${mib(maxRss)}`);
  const after = await send(pool, gw.url, { method: 'PUT', path: '/fuzz/after', body: 'ok', sign: KEYS });
  assert.equal(after.status, 200);
});

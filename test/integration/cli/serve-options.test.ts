/**
 * `ccow serve` options that reach the S3 and HTTP layers, checked on the spawned binary (issue #4):
 * `--strict-region`, `--no-sigv2` / CCOW_SIGV2=0, CCOW_METRICS=0 (commander's `--no-x` default
 * used to hide these variables), `--tls-cert/--tls-key` with virtual-hosted style (`--domain`), and
 * the health endpoints, which need no auth and never shadow a bucket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { cleanEnv, serveCli } from '../../helpers/cli.js';

const KEYS = { accessKeyId: 'SERVEOPTSKEY00000001', secretAccessKey: 'serveOptsSecret00000000000000000000001' };
const CERT = join(process.cwd(), 'test', 'fixtures', 'http', 'test-cert.pem');
const KEY = join(process.cwd(), 'test', 'fixtures', 'http', 'test-key.pem');

/** Spawn `ccow serve` on a temp dir with the test keys; resolves once the banner names the URL. */
async function serve(t: { after: (fn: () => Promise<void>) => void }, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const data = await mkdtemp(join(tmpdir(), 'ccow-serve-opts-'));
  const env = cleanEnv({ CCOW_ACCESS_KEY: KEYS.accessKeyId, CCOW_SECRET_KEY: KEYS.secretAccessKey, ...extraEnv });
  const gw = await serveCli(['--listen', '127.0.0.1:0', '--data', data, ...args], { env, t, cleanup: () => rm(data, { recursive: true, force: true }) });
  return gw.url;
}

interface Answer { status: number; body: string }

/** A request over http(s) to the gateway at `base`; a `host` header selects virtual-hosted style. */
function request(base: string, opts: { method?: string; path: string; headers?: Record<string, string> }): Promise<Answer> {
  const u = new URL(base);
  const o: https.RequestOptions = { host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, rejectUnauthorized: false };
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage): void => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = u.protocol === 'https:' ? https.request(o, done) : http.request(o, done);
    req.on('error', reject);
    req.end();
  });
}

/** SigV4 headers for `host` + `path`, scoped to `region`. */
function v4(host: string, path: string, region: string, method = 'GET'): Record<string, string> {
  return aws4.sign({ host, path, method, service: 's3', region, headers: {} }, KEYS).headers as Record<string, string>;
}

test('--strict-region, CCOW_SIGV2=0 and CCOW_METRICS=0 reach the gateway', async (t) => {
  const url = await serve(t, ['--region', 'eu-west-1', '--strict-region'], { CCOW_SIGV2: '0', CCOW_METRICS: '0' });
  const host = new URL(url).host;
  const wrong = await request(url, { path: '/', headers: v4(host, '/', 'us-east-1') });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body, /<Code>AuthorizationHeaderMalformed<\/Code>/);
  assert.equal((await request(url, { path: '/', headers: v4(host, '/', 'eu-west-1') })).status, 200);

  const date = new Date().toUTCString();
  const sig = createHmac('sha1', KEYS.secretAccessKey).update(`GET\n\n\n${date}\n/`).digest('base64');
  const v2 = await request(url, { path: '/', headers: { date, authorization: `AWS ${KEYS.accessKeyId}:${sig}` } });
  assert.equal(v2.status, 400);
  assert.match(v2.body, /<Code>InvalidRequest<\/Code>/);

  const metrics = await request(url, { path: '/_ccow/metrics' });
  assert.doesNotMatch(metrics.body, /ccow_http_requests_total/);
});

test('SigV2 is accepted by default and metrics are served', async (t) => {
  const url = await serve(t, []);
  const date = new Date().toUTCString();
  const sig = createHmac('sha1', KEYS.secretAccessKey).update(`GET\n\n\n${date}\n/`).digest('base64');
  assert.equal((await request(url, { path: '/', headers: { date, authorization: `AWS ${KEYS.accessKeyId}:${sig}` } })).status, 200);
  assert.match((await request(url, { path: '/_ccow/metrics' })).body, /ccow_http_requests_total/);
});

test('--tls-cert/--tls-key serve HTTPS; --domain adds virtual-hosted style; health paths need no auth and never shadow a bucket', async (t) => {
  const url = await serve(t, ['--tls-cert', CERT, '--tls-key', KEY, '--domain', 's3.test']);
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const port = new URL(url).port;
  const pathHost = `127.0.0.1:${port}`;
  assert.equal((await request(url, { method: 'PUT', path: '/vhost-bucket', headers: v4(pathHost, '/vhost-bucket', 'us-east-1', 'PUT') })).status, 200);
  const putHost = `vhost-bucket.s3.test:${port}`;
  assert.equal((await request(url, { method: 'PUT', path: '/_ccow/health/live', headers: { ...v4(putHost, '/_ccow/health/live', 'us-east-1', 'PUT'), 'content-length': '0' } })).status, 200);

  const listed = await request(url, { path: '/?list-type=2', headers: v4(putHost, '/?list-type=2', 'us-east-1') });
  assert.equal(listed.status, 200, listed.body);
  assert.match(listed.body, /<Name>vhost-bucket<\/Name>/);
  assert.match(listed.body, /<Key>_ccow\/health\/live<\/Key>/, 'on a bucket host the reserved path is an object key');

  const live = await request(url, { path: '/_ccow/health/live' });
  assert.equal(live.status, 200);
  assert.deepEqual(JSON.parse(live.body), { status: 'live' });
  const ready = await request(url, { path: '/_ccow/health/ready', headers: { host: `s3.test:${port}` } });
  assert.equal(ready.status, 200, 'the bare domain is not a bucket host');
  assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
});

/**
 * The container (README "Container"; no Docker daemon in the test environment, so the Dockerfile is
 * checked by reading it and its HEALTHCHECK by running it against a spawned gateway). The check
 * was a fixed `fetch('http://127.0.0.1:9000/_ccow/health/ready')`: a container given
 * CCOW_TLS_CERT/CCOW_TLS_KEY (HTTPS) or another CCOW_LISTEN port stayed unhealthy for good.
 * bin/healthcheck.mjs follows CCOW_LISTEN's port and CCOW_TLS_CERT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCli } from '../helpers/cli.js';

const ROOT = process.cwd();
const CHECK = join(ROOT, 'bin', 'healthcheck.mjs');
const CERT = join(ROOT, 'test', 'fixtures', 'http', 'test-cert.pem');
const KEY = join(ROOT, 'test', 'fixtures', 'http', 'test-key.pem');

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCOW_')) env[k] = v;
  return { ...env, ...extra };
}

/** Spawn `ccow serve` (TLS when `tls`); resolves with its port once the banner is out. */
async function serve(t: { after: (fn: () => Promise<void>) => void }, tls: boolean): Promise<number> {
  const data = await mkdtemp(join(tmpdir(), 'ccow-healthcheck-'));
  const args = ['--listen', '127.0.0.1:0', '--data', data, ...(tls ? ['--tls-cert', CERT, '--tls-key', KEY] : [])];
  const gw = await serveCli(args, { env: cleanEnv({ CCOW_LOG_LEVEL: 'warn' }), t, cleanup: () => rm(data, { recursive: true, force: true }) });
  const m = /^https?:\/\/127\.0\.0\.1:(\d+)$/.exec(gw.url);
  assert.ok(m, gw.url);
  return Number(m[1]);
}

/** Run the container's health check with `env`; resolves with its exit status. */
function check(env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CHECK], { env: cleanEnv(env) }, (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0));
  });
}

test('the Dockerfile runs bin/ccow on Node 24, listens on 0.0.0.0:9000, keeps /data, and checks health with bin/healthcheck.mjs', async () => {
  const docker = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(docker, /^FROM node:24-/m);
  assert.match(docker, /^ENV .*CCOW_LISTEN=0\.0\.0\.0:9000/m);
  assert.match(docker, /^ENV .*CCOW_DATA=\/data/m);
  assert.match(docker, /^VOLUME \/data$/m);
  assert.match(docker, /^COPY bin \.\/bin$/m);
  assert.match(docker, /^ENTRYPOINT \["bin\/ccow"\]$/m);
  assert.match(docker, /^HEALTHCHECK CMD \["node", "\/app\/bin\/healthcheck\.mjs"\]$/m);
  for (const f of ['bin/ccow', 'bin/node-tuned', 'bin/healthcheck.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']) await access(join(ROOT, f));
  const ignore = await readFile(join(ROOT, '.dockerignore'), 'utf8');
  assert.doesNotMatch(ignore, /^bin/m, 'bin/ is sent to the build');
});

test('the health check follows CCOW_LISTEN and CCOW_TLS_CERT', async (t) => {
  const plain = await serve(t, false);
  const secure = await serve(t, true);
  assert.equal(await check({ CCOW_LISTEN: `0.0.0.0:${plain}` }), 0, 'plain HTTP, wildcard address');
  assert.equal(await check({ CCOW_LISTEN: String(plain) }), 0, 'bare port');
  assert.equal(await check({ CCOW_LISTEN: `0.0.0.0:${secure}`, CCOW_TLS_CERT: CERT }), 0, 'HTTPS');
  assert.equal(await check({ CCOW_LISTEN: `0.0.0.0:${secure}` }), 1, 'plain HTTP to the HTTPS port fails');
  assert.equal(await check({ CCOW_LISTEN: 'nonsense' }), 1);
});

/**
 * README "Configuration": flags override environment variables. For the on/off switches that held
 * one way only: `--no-metrics` overrode CCOW_METRICS=1, but with CCOW_METRICS=0 set (a container's
 * environment, a shared profile) there was no flag to turn the metrics back on (`--metrics` was an
 * unknown option, exit 2); the same for CCOW_SIGV2=0, CCOW_STRICT_REGION=1 and
 * CCOW_TRUST_PROXY_HEADERS=1. Found by trying each documented override from a fresh clone. Now each
 * switch has its opposite flag (`--metrics`, `--sigv2`, `--no-strict-region`,
 * `--no-trust-proxy-headers`), and the flag wins over the variable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aws4 from 'aws4';
import { cleanEnv, serveCli } from '../helpers/cli.js';

test('--metrics, --sigv2, --no-strict-region and --no-trust-proxy-headers override the variables that say the opposite', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-switch-flags-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = cleanEnv({ CCOW_METRICS: '0', CCOW_SIGV2: '0', CCOW_STRICT_REGION: '1', CCOW_TRUST_PROXY_HEADERS: '1' });
  const gw = await serveCli(['--listen', '127.0.0.1:0', '--data', join(dir, 'data'), '--metrics', '--sigv2', '--no-strict-region', '--no-trust-proxy-headers'], { env, t });
  const m = /access key: (\S+)\s+secret key: (\S+)/.exec(gw.stdout());
  assert.ok(m, gw.stdout());
  const [accessKeyId, secretAccessKey] = [m[1]!, m[2]!];

  assert.equal((await fetch(`${gw.url}/_ccow/metrics`)).status, 200, '--metrics over CCOW_METRICS=0');

  const host = new URL(gw.url).host;
  const v4 = aws4.sign({ host, path: '/', method: 'GET', service: 's3', region: 'eu-west-1', headers: {} }, { accessKeyId, secretAccessKey });
  assert.equal((await fetch(`${gw.url}/`, { headers: v4.headers as Record<string, string> })).status, 200, '--no-strict-region over CCOW_STRICT_REGION=1');

  const date = new Date().toUTCString();
  const v2 = createHmac('sha1', secretAccessKey).update(`GET\n\n\n${date}\n/`).digest('base64');
  const res = await fetch(`${gw.url}/`, { headers: { date, authorization: `AWS ${accessKeyId}:${v2}` } });
  assert.equal(res.status, 200, `--sigv2 over CCOW_SIGV2=0: ${await res.text()}`);
  assert.equal(await gw.stop(), 0);
});

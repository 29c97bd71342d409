/**
 * `ccow` configuration: flags override environment variables, which override defaults
 * (shared/spec/README.md §5), plus the parsers behind them and the credentials file format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseListen, resolveServeConfig } from '../../../src/cli/config.js';
import { generateKeys, newTenantId, parseCredentialsFile } from '../../../src/cli/credentials.js';

test('defaults: 127.0.0.1:9000, ./data, us-east-1, strict, metrics on, no domain, no TLS, generated keys', () => {
  const cfg = resolveServeConfig({}, {});
  assert.deepEqual(cfg, {
    listen: { host: '127.0.0.1', port: 9000 },
    dataDirs: ['./data'],
    region: 'us-east-1',
    durability: 'strict',
    logLevel: 'info',
    metrics: true,
    trustProxyHeaders: false,
    strictRegion: false,
    allowSigV2: true,
    heapTrim: true,
  });
});

test('environment overrides defaults', () => {
  const cfg = resolveServeConfig({}, {
    CCOW_LISTEN: '0.0.0.0:8080', CCOW_DATA: '/d0,/d1', CCOW_REGION: 'eu-west-3', CCOW_DOMAIN: 'S3.Example.com.',
    CCOW_ACCESS_KEY: 'envkey', CCOW_SECRET_KEY: 'envsecret', CCOW_DURABILITY: 'relaxed', CCOW_METRICS: '0',
    CCOW_TLS_CERT: 'c.pem', CCOW_TLS_KEY: 'k.pem', CCOW_TRUST_PROXY_HEADERS: '1', CCOW_LOG_LEVEL: 'warn',
    CCOW_STRICT_REGION: '1', CCOW_SIGV2: '0', CCOW_HEAP_TRIM: '0',
  });
  assert.deepEqual(cfg.listen, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(cfg.dataDirs, ['/d0', '/d1']);
  assert.equal(cfg.region, 'eu-west-3');
  assert.equal(cfg.domain, 's3.example.com');
  assert.deepEqual(cfg.credentials, { accessKey: 'envkey', secretKey: 'envsecret' });
  assert.equal(cfg.durability, 'relaxed');
  assert.equal(cfg.metrics, false);
  assert.deepEqual(cfg.tls, { certFile: 'c.pem', keyFile: 'k.pem' });
  assert.equal(cfg.trustProxyHeaders, true);
  assert.equal(cfg.logLevel, 'warn');
  assert.equal(cfg.strictRegion, true);
  assert.equal(cfg.allowSigV2, false);
  assert.equal(cfg.heapTrim, false);
});

test('flags override environment variables', () => {
  const env = { CCOW_LISTEN: '0.0.0.0:8080', CCOW_DATA: '/env', CCOW_REGION: 'eu-west-3', CCOW_DOMAIN: 'env.example', CCOW_DURABILITY: 'relaxed', CCOW_METRICS: '0' };
  const cfg = resolveServeConfig({ listen: '127.0.0.1:0', data: '/flag', region: 'us-west-2', domain: 'flag.example', durability: 'strict', metrics: true }, env);
  assert.deepEqual(cfg.listen, { host: '127.0.0.1', port: 0 });
  assert.deepEqual(cfg.dataDirs, ['/flag']);
  assert.equal(cfg.region, 'us-west-2');
  assert.equal(cfg.domain, 'flag.example');
  assert.equal(cfg.durability, 'strict');
  assert.equal(cfg.metrics, true);
  // commander: --no-sigv2 → sigv2: false; --strict-region → strictRegion: true.
  const auth = resolveServeConfig({ strictRegion: true, sigv2: false, heapTrim: false }, { CCOW_STRICT_REGION: '0', CCOW_SIGV2: '1', CCOW_HEAP_TRIM: '1' });
  assert.equal(auth.strictRegion, true);
  assert.equal(auth.allowSigV2, false);
  assert.equal(auth.heapTrim, false);
  const back = resolveServeConfig({ strictRegion: false, sigv2: true, heapTrim: true }, { CCOW_STRICT_REGION: '1', CCOW_SIGV2: '0', CCOW_HEAP_TRIM: '0' });
  assert.equal(back.strictRegion, false);
  assert.equal(back.allowSigV2, true);
  assert.equal(back.heapTrim, true);
});

test('an empty environment variable counts as unset', () => {
  const cfg = resolveServeConfig({}, { CCOW_LISTEN: '', CCOW_DATA: '', CCOW_ACCESS_KEY: '', CCOW_SECRET_KEY: '' });
  assert.deepEqual(cfg.listen, { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(cfg.dataDirs, ['./data']);
  assert.equal(cfg.credentials, undefined);
});

test('listen addresses: HOST:PORT, [v6]:PORT, bare port; mistakes are ConfigErrors', () => {
  assert.deepEqual(parseListen('localhost:9000'), { host: 'localhost', port: 9000 });
  assert.deepEqual(parseListen('[::1]:9001'), { host: '::1', port: 9001 });
  assert.deepEqual(parseListen('[::]:0'), { host: '::', port: 0 });
  assert.deepEqual(parseListen('9002'), { host: '127.0.0.1', port: 9002 });
  assert.deepEqual(parseListen(':9003'), { host: '127.0.0.1', port: 9003 });
  for (const bad of ['', 'host', 'host:', 'host:65536', 'host:port', '::1:9000', 'a:b:1']) {
    assert.throws(() => parseListen(bad), ConfigError, bad);
  }
});

test('credentials, TLS and durability mistakes are reported as ConfigErrors', () => {
  assert.throws(() => resolveServeConfig({}, { CCOW_ACCESS_KEY: 'only-the-key' }), /must be set together/);
  assert.throws(() => resolveServeConfig({}, { CCOW_SECRET_KEY: 'only-the-secret' }), /must be set together/);
  assert.throws(() => resolveServeConfig({}, { CCOW_ACCESS_KEY: 'ak', CCOW_SECRET_KEY: 'secret12' }), /CCOW_ACCESS_KEY must be 3-128/);
  assert.throws(() => resolveServeConfig({}, { CCOW_ACCESS_KEY: 'has space', CCOW_SECRET_KEY: 'secret12' }), /CCOW_ACCESS_KEY/);
  assert.throws(() => resolveServeConfig({}, { CCOW_ACCESS_KEY: 'akey', CCOW_SECRET_KEY: 'short' }), /CCOW_SECRET_KEY must be 8-128/);
  assert.throws(() => resolveServeConfig({ tlsCert: 'c.pem' }, {}), /--tls-cert and --tls-key/);
  assert.throws(() => resolveServeConfig({}, { CCOW_DURABILITY: 'sometimes' }), /strict or relaxed/);
  assert.throws(() => resolveServeConfig({ data: ',,' }, {}), /invalid data dirs/);
});

test('generated keys: 20 uppercase alphanumerics and a 40-character secret; tenant ids are 64 hex', () => {
  const a = generateKeys();
  const b = generateKeys();
  assert.match(a.accessKey, /^[A-Z0-9]{20}$/);
  assert.match(a.secretKey, /^[A-Za-z0-9]{40}$/);
  assert.notEqual(a.accessKey, b.accessKey);
  assert.match(newTenantId(), /^[0-9a-f]{64}$/);
});

test('credentials file v1: the golden copy parses; other versions and shapes are refused', () => {
  const path = join(process.cwd(), 'test/fixtures/cli/credentials-v1.json');
  const doc = parseCredentialsFile(readFileSync(path, 'utf8'), path);
  assert.equal(doc.v, 1);
  assert.equal(doc.activeAccessKey, 'Q3ZK7M2P9X4T1V8B6N0C');
  assert.equal(doc.generated?.secretKey.length, 40);
  assert.throws(() => parseCredentialsFile('{"v":2}', 'f'), /unknown format version 2/);
  assert.throws(() => parseCredentialsFile('{"v":1,"tenantId":"xyz","activeAccessKey":"a"}', 'f'), /malformed/);
  assert.throws(() => parseCredentialsFile('not json', 'f'), /not valid JSON/);
});

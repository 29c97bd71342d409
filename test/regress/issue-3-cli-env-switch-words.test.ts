/**
 * Issue #3 (review of 9347d81): the 0/1 environment switches (CCOW_METRICS, CCOW_SIGV2,
 * CCOW_TRUST_PROXY_HEADERS, CCOW_STRICT_REGION) became strict, so that CCOW_METRICS=false no
 * longer left the metrics on; but a setup that said what it meant in words, CCOW_METRICS=true or
 * CCOW_SIGV2=true (on before, as intended), was now refused at start (exit 2). The usual boolean
 * words are taken, as MinIO's environment takes them (pkg config.ParseBool: 1/0, true/false,
 * on/off in any case) plus yes/no; anything else is still refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, resolveServeConfig } from '../../src/cli/config.js';

test('env switches take the boolean words; other values are still refused', () => {
  for (const on of ['1', 'true', 'TRUE', 'True', 'on', 'ON', 'yes']) {
    const c = resolveServeConfig({}, { CCOW_METRICS: on, CCOW_SIGV2: on, CCOW_TRUST_PROXY_HEADERS: on, CCOW_STRICT_REGION: on });
    assert.deepEqual([c.metrics, c.allowSigV2, c.trustProxyHeaders, c.strictRegion], [true, true, true, true], on);
  }
  for (const off of ['0', 'false', 'FALSE', 'off', 'Off', 'no']) {
    const c = resolveServeConfig({}, { CCOW_METRICS: off, CCOW_SIGV2: off, CCOW_TRUST_PROXY_HEADERS: off, CCOW_STRICT_REGION: off });
    assert.deepEqual([c.metrics, c.allowSigV2, c.trustProxyHeaders, c.strictRegion], [false, false, false, false], off);
  }
  // Unset or empty: the default.
  const d = resolveServeConfig({}, { CCOW_METRICS: '', CCOW_SIGV2: '' });
  assert.deepEqual([d.metrics, d.allowSigV2, d.trustProxyHeaders, d.strictRegion], [true, true, false, false]);
  for (const bad of ['2', 'enable', 'tru', ' 1']) {
    assert.throws(() => resolveServeConfig({}, { CCOW_METRICS: bad }), ConfigError, bad);
  }
});

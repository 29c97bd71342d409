/**
 * Issue #4 (found with the aws CLI: `aws s3api list-bucket-metrics-configurations --bucket b`):
 * the four List*Configurations operations (metrics, inventory, analytics, intelligent-tiering) are
 * `GET /{b}?metrics` without `id`, but the router named every `GET ?metrics` Get…Configuration, so
 * the 501 said "GetBucketMetricsConfiguration is not implemented" to a client that had called
 * ListBucketMetricsConfigurations (and the log named the wrong operation). S3 API reference:
 * ListBucketMetricsConfigurations is `GET /?metrics&continuation-token=…`, GetBucketMetricsConfiguration
 * `GET /?metrics&id=Id`. Both stay 501 NotImplemented; each now names itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('GET ?metrics|inventory|analytics|intelligent-tiering: List… without id, Get… with id (501 naming the operation called)', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/here' })).status, 200);
  for (const [param, noun] of [['metrics', 'Metrics'], ['inventory', 'Inventory'], ['analytics', 'Analytics'], ['intelligent-tiering', 'IntelligentTiering']]) {
    const list = await send(service, { method: 'GET', path: `/here?${param}` });
    assert.equal(list.status, 501, list.text);
    assert.equal(xmlText(list.text, 'Message'), `ListBucket${noun}Configurations is not implemented`);
    const paged = await send(service, { method: 'GET', path: `/here?${param}&continuation-token=abc` });
    assert.equal(xmlText(paged.text, 'Message'), `ListBucket${noun}Configurations is not implemented`);
    const get = await send(service, { method: 'GET', path: `/here?${param}&id=one` });
    assert.equal(get.status, 501, get.text);
    assert.equal(xmlText(get.text, 'Message'), `GetBucket${noun}Configuration is not implemented`);
  }
  // A missing bucket still answers NoSuchBucket first (issue-4-notimplemented-missing-bucket).
  const missing = await send(service, { method: 'GET', path: '/missing?metrics' });
  assert.equal(xmlText(missing.text, 'Code'), 'NoSuchBucket');
});

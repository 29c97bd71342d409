/**
 * Issue #4 (GetObject partNumber, LocalStack's AWS recordings): a part number beyond the object's
 * parts is 416 InvalidPartNumber naming the part asked for and the part count. LocalStack's
 * tests/aws/services/s3/test_s3.snapshot.json test_get_object_part (recorded against AWS):
 * partNumber=10 of a 2-part object → PartNumberRequested 10, ActualPartCount 2; partNumber=2 of an
 * object not uploaded in parts → PartNumberRequested 2, ActualPartCount 1. The gateway answered
 * the code and message without these two elements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { body } from '../integration/engine/harness.js';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('GetObject partNumber beyond the parts: InvalidPartNumber with PartNumberRequested and ActualPartCount', async () => {
  const { engine, service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/partsnum' })).status, 200);
  const up = await engine.createUpload({ bucket: 'partsnum', key: 'mp' }, {});
  const p1 = await engine.putPart('partsnum', up.uploadId, 1, body(Buffer.alloc(5 * 1024 * 1024, 1)));
  const p2 = await engine.putPart('partsnum', up.uploadId, 2, body(Buffer.from('tail')));
  await engine.completeUpload('partsnum', up.uploadId, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
  assert.equal((await send(service, { method: 'PUT', path: '/partsnum/single', body: 'test-123' })).status, 200);

  for (const [path, requested, count] of [['/partsnum/mp?partNumber=10', '10', '2'], ['/partsnum/single?partNumber=2', '2', '1']] as const) {
    const res = await send(service, { method: 'GET', path });
    assert.equal(res.status, 416, `${path}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'InvalidPartNumber', path);
    assert.equal(xmlText(res.text, 'PartNumberRequested'), requested, path);
    assert.equal(xmlText(res.text, 'ActualPartCount'), count, path);
  }
  // The parts that exist are still served.
  const last = await send(service, { method: 'GET', path: '/partsnum/mp?partNumber=2' });
  assert.equal(last.status, 206);
  assert.equal(last.text, 'tail');
  const whole = await send(service, { method: 'GET', path: '/partsnum/single?partNumber=1' });
  assert.equal(whole.status, 206);
  assert.equal(whole.text, 'test-123');
});

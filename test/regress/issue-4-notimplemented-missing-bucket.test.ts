/**
 * Issue #4 (found by exploratory testing with the aws CLI): an unsupported bucket operation on a
 * bucket that does not exist answered 501 NotImplemented (`aws s3 website s3://missing`), where S3
 * says 404 NoSuchBucket first. A missing bucket now comes first; an existing one still gets 501.
 * (DELETE ?website was one of the cases until it became a 204 no-op: issue-4-delete-absent-config.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('unsupported bucket operations: NoSuchBucket for a missing bucket, NotImplemented for an existing one', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/here' })).status, 200);
  const website = '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>';
  for (const [method, query, body] of [['PUT', 'website', website], ['GET', 'replication', undefined], ['DELETE', 'replication', undefined]] as const) {
    const missing = await send(service, { method, path: `/missing?${query}`, body });
    assert.equal(missing.status, 404, `${method} ?${query}: ${missing.text}`);
    assert.equal(xmlText(missing.text, 'Code'), 'NoSuchBucket');
    const here = await send(service, { method, path: `/here?${query}`, body });
    assert.equal(here.status, 501, `${method} ?${query}: ${here.text}`);
    assert.equal(xmlText(here.text, 'Code'), 'NotImplemented');
  }
});

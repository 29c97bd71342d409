/**
 * Issue #4: three tagging answers that differed from S3's, as LocalStack's AWS-validated
 * test_s3_api.py records them:
 * - PutBucketTagging with an empty TagSet stored an empty set, and GetBucketTagging answered it;
 *   S3 removes the tags: GetBucketTagging is 404 NoSuchTagSet after it (test_bucket_tagging_crud).
 * - InvalidTag named no tag; S3 adds `<TagKey>` (and `<TagValue>` for a bad value), and refuses an
 *   `aws:` key on a bucket with "System tags cannot be added/updated by requester" (on an object:
 *   "Your TagKey cannot be prefixed with aws:") (test_tagging_validation).
 * - An `x-amz-tagging` header `key1=val1,key2=val2` was InvalidTag; S3 answers it, like a duplicated
 *   key, 400 InvalidArgument with ArgumentName x-amz-tagging and the header as ArgumentValue
 *   (test_object_tagging_exc).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const tagging = (tags: [string, string][]): string =>
  `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`;

test('PutBucketTagging with an empty TagSet removes the tags', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/tags' });
  assert.equal((await send(service, { method: 'PUT', path: '/tags?tagging', body: tagging([['a', '1']]) })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: '/tags?tagging', body: tagging([]) })).status, 204);
  const r = await send(service, { method: 'GET', path: '/tags?tagging' });
  assert.equal(r.status, 404);
  assert.equal(xmlText(r.text, 'Code'), 'NoSuchTagSet');
});

test('InvalidTag names the tag; the aws: prefix is worded per bucket and object', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/tags' });
  await send(service, { method: 'PUT', path: '/tags/o', body: '' });
  const cases: { tags: [string, string][]; bucket: string; object: string; key: string; value?: string }[] = [
    { tags: [['Key1', 'Val1'], ['Key1', 'Val1']], bucket: 'Cannot provide multiple Tags with the same key', object: 'Cannot provide multiple Tags with the same key', key: 'Key1' },
    { tags: [['Key1,Key2', 'Val1']], bucket: 'The TagKey you have provided is invalid', object: 'The TagKey you have provided is invalid', key: 'Key1,Key2' },
    { tags: [['Key1', 'Val1,Val2']], bucket: 'The TagValue you have provided is invalid', object: 'The TagValue you have provided is invalid', key: 'Key1', value: 'Val1,Val2' },
    { tags: [['aws:prefixed', 'Val1']], bucket: 'System tags cannot be added/updated by requester', object: 'Your TagKey cannot be prefixed with aws:', key: 'aws:prefixed' },
  ];
  for (const c of cases) {
    for (const [path, message] of [['/tags?tagging', c.bucket], ['/tags/o?tagging', c.object]] as const) {
      const r = await send(service, { method: 'PUT', path, body: tagging(c.tags) });
      assert.equal(r.status, 400, `${path} ${c.key}`);
      assert.equal(xmlText(r.text, 'Code'), 'InvalidTag');
      assert.equal(xmlText(r.text, 'Message'), message, `${path} ${c.key}`);
      assert.equal(xmlText(r.text, 'TagKey'), c.key, path);
      assert.equal(xmlText(r.text, 'TagValue'), c.value, path);
    }
  }
});

test('a malformed x-amz-tagging header is InvalidArgument naming the header and its value', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/tags' });
  for (const header of ['key1=val1,key2=val2', 'key1=val1&key1=val2']) {
    const r = await send(service, { method: 'PUT', path: '/tags/o', body: '', headers: { 'x-amz-tagging': header } });
    assert.equal(r.status, 400, header);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', header);
    assert.equal(xmlText(r.text, 'Message'), 'The header \'x-amz-tagging\' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.');
    assert.equal(xmlText(r.text, 'ArgumentName'), 'x-amz-tagging');
    assert.equal(xmlText(r.text, 'ArgumentValue'), header.replace(/&/g, '&amp;'), 'the header, XML-escaped');
  }
  assert.equal((await send(service, { method: 'GET', path: '/tags/o' })).status, 404);
});

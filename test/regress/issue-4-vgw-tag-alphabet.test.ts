/**
 * Issue #4 (versitygw audit, PutObject_tagging, CopyObject_should_replace_tagging,
 * PutObjectTagging_invalid_tags): a tag key or value with a character outside S3's tag alphabet
 * (letters, digits, spaces and + - = . _ : / @) was stored — `user!name`, `a*b`, `comma,separated`,
 * `(parentheses)` through PutObjectTagging, `key?=val` through x-amz-tagging. S3 refuses them with
 * 400 InvalidTag "The TagKey / TagValue you have provided is invalid" (tagging restrictions; ','
 * minio-go#1730, '(' ')' govuk-infrastructure#1175). Only control characters were refused before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand, CreateBucketCommand, GetObjectTaggingCommand, HeadObjectCommand, PutBucketTaggingCommand, PutObjectCommand, PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const KEY = 'The TagKey you have provided is invalid';
const VALUE = 'The TagValue you have provided is invalid';

test('tag keys and values outside S3\'s tag alphabet: 400 InvalidTag, nothing stored', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'tags' }));
  await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'o', Body: 'x' }));
  const xmlCases: [string, string, string][] = [
    ['user!name', 'value', KEY], ['foo#bar', 'value', KEY], ['data%20', 'value', KEY], ['a*b', 'value', KEY],
    ['key', 'name?test', VALUE], ['key', '`path', VALUE], ['valid', 'comma,separated', VALUE],
    ['valid', 'semicolon;test', VALUE], ['valid', '(parentheses)', VALUE],
  ];
  for (const [Key, Value, message] of xmlCases) {
    const e = await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'o', Tagging: { TagSet: [{ Key: 'ok', Value: 'ok' }, { Key, Value }] } })));
    assert.equal(e.$metadata.httpStatusCode, 400, `${Key}=${Value}`);
    assert.equal(e.name, 'InvalidTag', `${Key}=${Value}`);
    assert.equal(e.message, message, `${Key}=${Value}`);
  }
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'o' }))).TagSet, [], 'nothing stored');
  for (const Tagging of ['key?=val', 'key$=val', 'key=val!', 'key=val(']) {
    const e = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'h', Body: 'x', Tagging })));
    assert.equal(e.name, 'InvalidTag', Tagging);
    const c = await errorOf(s3.send(new CopyObjectCommand({ Bucket: 'tags', Key: 'c', CopySource: 'tags/o', TaggingDirective: 'REPLACE', Tagging })));
    assert.equal(c.name, 'InvalidTag', Tagging);
  }
  assert.equal((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'h' })))).$metadata.httpStatusCode, 404);
  assert.equal((await errorOf(s3.send(new PutBucketTaggingCommand({ Bucket: 'tags', Tagging: { TagSet: [{ Key: 'a,b', Value: 'v' }] } })))).name, 'InvalidTag');
  // The whole alphabet, non-ASCII letters and digits included, is still accepted.
  const TagSet = [{ Key: 'k-_.:/=+@ 1', Value: 'v-_.:/=+@ 2' }, { Key: 'été', Value: '٣' }];
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'o', Tagging: { TagSet } }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'o' }))).TagSet, TagSet);
  await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'h', Body: 'x', Tagging: 'key%2E=value%2F&key@=val@&key++key=value%20value' }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tags', Key: 'h' }))).TagSet,
    [{ Key: 'key  key', Value: 'value value' }, { Key: 'key.', Value: 'value/' }, { Key: 'key@', Value: 'val@' }]);
});

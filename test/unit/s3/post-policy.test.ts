/**
 * The POST policy of PostObject (src/s3/post-policy.ts) against the rules of AWS's "POST Policy"
 * page (sigv4-HTTPPOSTConstructPolicy.html) and the ceph/s3-tests post-object cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPostPolicy, parsePostPolicy } from '../../../src/s3/post-policy.js';
import { S3Error } from '../../../src/s3/errors.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const b64 = (doc: unknown): string => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)).toString('base64');
const policy = (conditions: unknown[], expiration = '2026-01-01T01:00:00.000Z') => parsePostPolicy(b64({ expiration, conditions }));

function fails(fn: () => void, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof S3Error, String(e));
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('malformed policies → 400 InvalidPolicyDocument', () => {
  for (const doc of [
    'not json',
    { conditions: [] },
    { expiration: '2026-01-01T01:00:00Z' },
    { EXPIRATION: '2026-01-01T01:00:00Z', conditions: [] },
    { expiration: '2026-01-01T01:00:00Z', CONDITIONS: [] },
    { expiration: 'Thu, 01 Jan 2026 01:00:00 GMT', conditions: [] },
    { expiration: '2026-01-01T01:00:00Z', conditions: [{}] },
    { expiration: '2026-01-01T01:00:00Z', conditions: [['content-length-range', 0]] },
    { expiration: '2026-01-01T01:00:00Z', conditions: [['content-length-range', -1, 0]] },
    { expiration: '2026-01-01T01:00:00Z', conditions: [['in', '$key', 'a']] },
  ]) {
    fails(() => parsePostPolicy(b64(doc)), 'InvalidPolicyDocument');
  }
});

test('a field named without $ and a content-length-range bound that is no number: conditions no form meets (403)', () => {
  // LocalStack's AWS-validated test_post_object_policy_conditions_validation_eq (invalid-condition-missing-prefix)
  // and AWS recording test_post_object_policy_validation_size (invalid-content-length-wrong-type).
  const p = policy([['eq', 'key', 'a'], ['content-length-range', 'test', 10], { bucket: 'b' }]);
  fails(() => checkPostPolicy(p, new Map([['key', 'a']]), 'b', NOW), 'AccessDenied', /^Invalid according to Policy: Policy Condition failed: \["eq", "key", "a"\]$/);
  const q = policy([['content-length-range', 'test', 10], { bucket: 'b' }]);
  fails(() => checkPostPolicy(q, new Map(), 'b', NOW), 'AccessDenied', /Policy Condition failed: \["content-length-range", "test", "10"\]$/);
});

test('expiration, eq / object form, starts-with, content-length-range', () => {
  const p = policy([{ bucket: 'b' }, ['starts-with', '$key', 'user/'], ['eq', '$acl', 'private'], ['content-length-range', '1', 10],
    ['starts-with', '$Content-Type', 'image/'], ['starts-with', '$x-amz-meta-any', '']]);
  assert.deepEqual(p.lengthRange, { min: 1, max: 10 });
  const fields = new Map([['key', 'user/a'], ['acl', 'private'], ['content-type', 'image/png, image/jpeg'], ['x-amz-meta-any', 'whatever']]);
  checkPostPolicy(p, fields, 'b', NOW);
  fails(() => checkPostPolicy(p, fields, 'b', Date.parse('2026-01-01T01:00:00Z')), 'AccessDenied', /^Invalid according to Policy: Policy expired\.$/);
  fails(() => checkPostPolicy(p, fields, 'other', NOW), 'AccessDenied', /Policy Condition failed: \["eq", "\$bucket", "b"\]/);
  fails(() => checkPostPolicy(p, new Map([...fields, ['key', 'other/a']]), 'b', NOW), 'AccessDenied', /\["starts-with", "\$key", "user\/"\]/);
  fails(() => checkPostPolicy(p, new Map([...fields, ['content-type', 'image/png,text/html']]), 'b', NOW), 'AccessDenied');
});

test('every field must be named by a condition, except the exempt ones; names are case-insensitive', () => {
  const p = policy([{ BuCkEt: 'b' }, ['starts-with', '$KEY', ''], { 'x-amz-meta-a': '1' }]);
  const base: [string, string][] = [['key', 'k'], ['x-amz-meta-a', '1'], ['policy', 'p'], ['x-amz-signature', 's'], ['awsaccesskeyid', 'a'], ['signature', 's'], ['x-ignore-note', 'n'], ['file', 'f']];
  checkPostPolicy(p, new Map(base), 'b', NOW);
  fails(() => checkPostPolicy(p, new Map([...base, ['x-amz-meta-b', '2'], ['acl', 'private']]), 'b', NOW), 'AccessDenied',
    /^Invalid according to Policy: Extra input fields: x-amz-meta-b, acl$/);
  // A condition on a field the form lacks compares it as empty.
  fails(() => checkPostPolicy(p, new Map([['key', 'k']]), 'b', NOW), 'AccessDenied', /x-amz-meta-a/);
});

test('the bucket posted to must be named by a condition, form field or not (aws/aws-sdk-php#3292)', () => {
  const p = policy([['starts-with', '$key', '']]);
  fails(() => checkPostPolicy(p, new Map([['key', 'k']]), 'b', NOW), 'AccessDenied', /^Invalid according to Policy: Extra input fields: bucket$/);
  fails(() => checkPostPolicy(p, new Map([['key', 'k'], ['bucket', 'b'], ['acl', 'private']]), 'b', NOW), 'AccessDenied',
    /^Invalid according to Policy: Extra input fields: bucket, acl$/);
  fails(() => checkPostPolicy(p, new Map([['key', 'k'], ['acl', 'private']]), 'b', NOW), 'AccessDenied',
    /^Invalid according to Policy: Extra input fields: bucket, acl$/);
  checkPostPolicy(policy([['eq', '$bucket', 'b'], ['starts-with', '$key', '']]), new Map([['key', 'k'], ['bucket', 'b']]), 'b', NOW);
});

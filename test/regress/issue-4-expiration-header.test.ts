/**
 * Issue #4 (user audit): the gateway never sent `x-amz-expiration`. S3 answers PutObject, GetObject,
 * HeadObject, CopyObject and CompleteMultipartUpload with `expiry-date="<RFC 1123 date>",
 * rule-id="<URL-encoded rule ID>"` when an enabled lifecycle Expiration rule of the bucket applies
 * to the object (API_PutObject / API_HeadObject "x-amz-expiration"); SDK v3 shows it as
 * `Expiration`. A Days rule expires at the object's creation time plus Days rounded up to the next
 * midnight UTC (User Guide "Lifecycle configuration elements"); of several rules the earliest wins.
 * None for keys outside the filter, a disabled rule, an unmatched tag or size filter, rules with no
 * Days/Date Expiration (NoncurrentVersionExpiration, ExpiredObjectDeleteMarker), nor for a
 * GET/HEAD that names a versionId (MinIO PR #11718, Ceph PR #69642). Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand,
  HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const DAY_MS = 86_400_000;

/**
 * The header S3 shows for a Days rule on an object whose LastModified (whole seconds) is `lm`:
 * creation time + days, rounded up to midnight UTC. The stored time is lm … lm + 999 ms; `+ 1`
 * rounds up as the stored time does unless that was exactly midnight to the millisecond.
 */
function daysHeader(lm: Date, days: number, ruleId: string): string {
  const at = Math.ceil((lm.getTime() + 1 + days * DAY_MS) / DAY_MS) * DAY_MS;
  return `expiry-date="${new Date(at).toUTCString()}", rule-id="${encodeURIComponent(ruleId)}"`;
}

const rules: LifecycleRule[] = [
  { ID: 'logs rule/1', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } },
  { ID: 'dated', Status: 'Enabled', Filter: { Prefix: 'dated/' }, Expiration: { Date: new Date('2031-05-06T00:00:00Z') } },
  { ID: 'ten', Status: 'Enabled', Filter: { Prefix: 'both/' }, Expiration: { Days: 10 } },
  { ID: 'two', Status: 'Enabled', Filter: { Prefix: 'both/' }, Expiration: { Days: 2 } },
  { ID: 'far', Status: 'Enabled', Filter: { Prefix: 'both/' }, Expiration: { Date: new Date('2099-01-01T00:00:00Z') } },
  { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'off/' }, Expiration: { Days: 1 } },
  { ID: 'tagged', Status: 'Enabled', Filter: { And: { Prefix: 'tags/', Tags: [{ Key: 'k', Value: 'v' }] } }, Expiration: { Days: 5 } },
  { ID: 'big', Status: 'Enabled', Filter: { And: { Prefix: 'size/', ObjectSizeGreaterThan: 3 } }, Expiration: { Days: 7 } },
  { ID: 'noncurrent', Status: 'Enabled', Filter: { Prefix: 'nc/' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
  { ID: 'markers', Status: 'Enabled', Filter: { Prefix: 'nc/' }, Expiration: { ExpiredObjectDeleteMarker: true } },
  { ID: 'uploads', Status: 'Enabled', Filter: { Prefix: 'nc/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
];

test('x-amz-expiration on PUT, HEAD, GET, CopyObject and CompleteMultipartUpload of objects a lifecycle Expiration applies to', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'expiring';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }));

  /** PUT, then the Expiration of the PUT, HEAD and GET answers, and the object's LastModified. */
  const putHeadGet = async (Key: string, Body = 'data', Tagging?: string): Promise<{ put?: string; head?: string; get?: string; lm: Date }> => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body, Tagging }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    const get = await s3.send(new GetObjectCommand({ Bucket, Key }));
    await get.Body?.transformToString();
    return { put: put.Expiration, head: head.Expiration, get: get.Expiration, lm: head.LastModified! };
  };
  const expectAll = (r: { put?: string; head?: string; get?: string }, want: string | undefined, what: string): void => {
    assert.equal(r.put, want, `${what}: PutObject`);
    assert.equal(r.head, want, `${what}: HeadObject`);
    assert.equal(r.get, want, `${what}: GetObject`);
  };

  // A Days rule with a prefix filter; its ID has a space and a slash, URL-encoded in the header.
  const logs = await putHeadGet('logs/a.txt');
  expectAll(logs, daysHeader(logs.lm, 3, 'logs rule/1'), 'Days rule');
  assert.match(logs.head!, /rule-id="logs%20rule%2F1"$/);
  assert.match(logs.head!, /^expiry-date="\w{3}, \d{2} \w{3} \d{4} 00:00:00 GMT"/);

  // A Date rule: that date, whatever the object's age.
  expectAll(await putHeadGet('dated/x'), 'expiry-date="Tue, 06 May 2031 00:00:00 GMT", rule-id="dated"', 'Date rule');

  // Three rules match: the earliest expiry wins (Days 2, not Days 10 nor the 2099 Date).
  const both = await putHeadGet('both/x');
  expectAll(both, daysHeader(both.lm, 2, 'two'), 'earliest of several rules');

  // Tag filter: matched by the object's tags, or not.
  const tagged = await putHeadGet('tags/a', 'data', 'k=v');
  expectAll(tagged, daysHeader(tagged.lm, 5, 'tagged'), 'tag filter matched');
  expectAll(await putHeadGet('tags/b', 'data', 'k=w'), undefined, 'tag filter not matched');
  expectAll(await putHeadGet('tags/c'), undefined, 'tag filter, untagged object');

  // Size filter: greater than 3 bytes.
  const big = await putHeadGet('size/big', 'four');
  expectAll(big, daysHeader(big.lm, 7, 'big'), 'size filter matched');
  expectAll(await putHeadGet('size/small', 'abc'), undefined, 'size filter not matched');

  // Outside every filter, a disabled rule, rules without a Days/Date Expiration: no header.
  expectAll(await putHeadGet('elsewhere'), undefined, 'key outside the filters');
  expectAll(await putHeadGet('off/x'), undefined, 'disabled rule');
  expectAll(await putHeadGet('nc/x'), undefined, 'NoncurrentVersionExpiration / ExpiredObjectDeleteMarker / AbortIncompleteMultipartUpload');

  // CopyObject: the copy's expiration under the destination key's rules, from the copy's time.
  const copy = await s3.send(new CopyObjectCommand({ Bucket, Key: 'logs/copy', CopySource: `${Bucket}/elsewhere` }));
  assert.equal(copy.Expiration, daysHeader(copy.CopyObjectResult!.LastModified!, 3, 'logs rule/1'), 'CopyObject into the Days rule');
  const copyOut = await s3.send(new CopyObjectCommand({ Bucket, Key: 'elsewhere-copy', CopySource: `${Bucket}/logs/a.txt` }));
  assert.equal(copyOut.Expiration, undefined, 'CopyObject out of the rule');

  // CompleteMultipartUpload.
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'both/mpu' }));
  const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'both/mpu', UploadId, PartNumber: 1, Body: 'part one' }));
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'both/mpu', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
  const mpu = await s3.send(new HeadObjectCommand({ Bucket, Key: 'both/mpu' }));
  assert.equal(done.Expiration, daysHeader(mpu.LastModified!, 2, 'two'), 'CompleteMultipartUpload');
  assert.equal(mpu.Expiration, done.Expiration, 'HEAD of the completed upload');
});

test('x-amz-expiration in a versioned bucket: the current version only, none for a GET/HEAD naming a versionId', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'expiring-versions';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
    { ID: 'current', Status: 'Enabled', Filter: {}, Expiration: { Days: 30 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
  ] } }));
  const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one' }));
  const second = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two' }));
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
  assert.equal(second.Expiration, daysHeader(head.LastModified!, 30, 'current'), 'PutObject');
  assert.equal(head.Expiration, second.Expiration, 'HeadObject of the current version');
  for (const VersionId of [first.VersionId!, second.VersionId!]) {
    const h = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId }));
    assert.equal(h.Expiration, undefined, `HeadObject versionId=${VersionId}`);
    const g = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId }));
    await g.Body?.transformToString();
    assert.equal(g.Expiration, undefined, `GetObject versionId=${VersionId}`);
  }
});

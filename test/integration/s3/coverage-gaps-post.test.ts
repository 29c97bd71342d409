/**
 * PostObject (browser form upload) paths no other test reached (coverage hunt, issue #4), sent with
 * fetch + FormData to a gateway on listen(0) as a browser would: a missing bucket, a SigV4 form
 * scoped to another service or (with strict regions) another region, a policy that is JSON but not
 * an object, an empty key, a text-field file over content-length-range, and an extra file part
 * after the file. Each refusal is checked for its AWS code and for nothing stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketAclCommand, type S3Client } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../../helpers/gateway-client.js';
import type { TestGateway } from '../../helpers/gateway.js';

interface Answer { status: number; text: string }

async function post(url: string, parts: [string, string | Blob, string?][]): Promise<Answer> {
  const form = new FormData();
  for (const [k, v, filename] of parts) {
    if (typeof v === 'string') form.append(k, v);
    else form.append(k, v, filename);
  }
  const res = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

const code = (a: Answer): string => `${a.status} ${/<Code>([^<]*)<\/Code>/.exec(a.text)?.[1] ?? ''}`;

async function exists(s3: S3Client, Bucket: string, Key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket, Key }));
    return true;
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

/** A SigV2 form's policy and signature (base64 HMAC-SHA1 of the base64 policy). */
function signV2(gw: TestGateway, doc: unknown): { policy: string; signature: string } {
  const policy = Buffer.from(JSON.stringify(doc)).toString('base64');
  return { policy, signature: createHmac('sha1', gw.secretKey).update(policy).digest('base64') };
}

/** SigV4 form fields with the credential scoped to `region`/`service` (signature checked after the scope). */
function v4Fields(gw: TestGateway, region: string, service: string): [string, string][] {
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [] })).toString('base64');
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return [
    ['policy', policy], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', `${gw.accessKey}/${day}/${region}/${service}/aws4_request`],
    ['x-amz-date', `${day}T000000Z`], ['x-amz-signature', '0'.repeat(64)],
  ];
}

const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString();

test('PostObject refusals and edge forms', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'forms' }));
  const url = `${gw.url}/forms`;

  await t.test('a form to a bucket that does not exist: 404 NoSuchBucket', async () => {
    const a = await post(`${gw.url}/no-such-forms`, [['key', 'k'], ['file', new Blob(['x']), 'a.txt']]);
    assert.equal(code(a), '404 NoSuchBucket');
  });

  await t.test('a SigV4 form whose credential names another service: 400 InvalidArgument', async () => {
    const a = await post(url, [['key', 'svc'], ...v4Fields(gw, 'us-east-1', 'ec2'), ['file', new Blob(['x']), 'a.txt']]);
    assert.equal(code(a), '400 InvalidArgument');
    assert.match(a.text, /incorrect service &quot;ec2&quot;/);
    assert.equal(await exists(s3, 'forms', 'svc'), false);
  });

  await t.test('a SigV2 policy that is JSON but not an object: 400 InvalidPolicyDocument', async () => {
    for (const doc of [[1, 2], 'text', null]) {
      const { policy, signature } = signV2(gw, doc);
      const a = await post(url, [['key', 'notobj'], ['AWSAccessKeyId', gw.accessKey], ['policy', policy], ['signature', signature], ['file', new Blob(['x']), 'a.txt']]);
      assert.equal(code(a), '400 InvalidPolicyDocument', JSON.stringify(doc));
    }
    assert.equal(await exists(s3, 'forms', 'notobj'), false);
  });

  await t.test('an empty key (the file part has no name to put in ${filename}): 400 InvalidArgument', async () => {
    const { policy, signature } = signV2(gw, { expiration: inAnHour(), conditions: [{ bucket: 'forms' }, ['starts-with', '$key', '']] });
    const a = await post(url, [['key', '${filename}'], ['AWSAccessKeyId', gw.accessKey], ['policy', policy], ['signature', signature], ['file', new Blob(['x']), '']]);
    assert.equal(code(a), '400 InvalidArgument', a.text);
    assert.match(a.text, /User key must have a length greater than 0/);
  });

  await t.test('the file sent as a text field over content-length-range: 400 EntityTooLarge with ProposedSize, nothing stored', async () => {
    const { policy, signature } = signV2(gw, { expiration: inAnHour(), conditions: [{ bucket: 'forms' }, ['eq', '$key', 'textfile'], ['content-length-range', 0, 3]] });
    const a = await post(url, [['key', 'textfile'], ['AWSAccessKeyId', gw.accessKey], ['policy', policy], ['signature', signature], ['file', 'hello']]);
    assert.equal(code(a), '400 EntityTooLarge', a.text);
    assert.match(a.text, /<ProposedSize>5<\/ProposedSize><MaxSizeAllowed>3<\/MaxSizeAllowed>/);
    assert.equal(await exists(s3, 'forms', 'textfile'), false);
    // Within the range it is stored as the object's bytes.
    const ok = await post(url, [['key', 'textfile'], ['AWSAccessKeyId', gw.accessKey], ['policy', policy], ['signature', signature], ['file', 'hey']]);
    assert.equal(ok.status, 204, ok.text);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'forms', Key: 'textfile' }))).Body?.transformToString(), 'hey');
  });

  await t.test('a file part after the file under another name is read and ignored: the upload is stored', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'open-forms' }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'open-forms', ACL: 'public-read-write' }));
    const a = await post(`${gw.url}/open-forms`, [['key', 'after'], ['file', new Blob(['first']), 'a.txt'], ['extra', new Blob(['y'.repeat(100_000)]), 'b.txt']]);
    assert.equal(a.status, 204, a.text);
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'open-forms', Key: 'after' }))).Body?.transformToString(), 'first');
  });
});

test('PostObject with strict regions: a SigV4 form scoped to another region is 400 InvalidArgument naming the region', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { region: 'eu-west-1', s3: { strictRegion: true } });
  await s3.send(new CreateBucketCommand({ Bucket: 'forms' }));
  const a = await post(`${gw.url}/forms`, [['key', 'region'], ...v4Fields(gw, 'us-east-1', 's3'), ['file', new Blob(['x']), 'a.txt']]);
  assert.equal(code(a), '400 InvalidArgument');
  assert.match(a.text, /the region &apos;us-east-1&apos; is wrong; expecting &apos;eu-west-1&apos;|the region 'us-east-1' is wrong; expecting 'eu-west-1'/);
  assert.match(a.text, /<Region>eu-west-1<\/Region>/);
  assert.equal(await exists(s3, 'forms', 'region'), false);
});

/**
 * Authorisation through the service (shared/spec/s3-surface.md §7, §8): bucket policy, ACL-lite,
 * evaluation order, CORS preflight and actual-request headers, Expect: 100-continue precheck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { S3Errors, type S3Extension } from '../../../src/s3/index.js';
import { ALICE, BOB, buildRequest, makeService, readResponse, send, xmlAll, xmlText } from './helpers.js';

const policy = (statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

test('bucket policy: public prefix for anonymous, cross-tenant grant, explicit Deny beats the owner', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/polb' });
  await send(service, { method: 'PUT', path: '/polb/public/a', body: 'A' });
  await send(service, { method: 'PUT', path: '/polb/private/b', body: 'B' });
  const put = await send(service, { method: 'PUT', path: '/polb?policy', body: policy([
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::polb/public/*' },
    { Effect: 'Allow', Principal: { AWS: [BOB.tenantId] }, Action: ['s3:ListBucket', 's3:PutObject'], Resource: ['arn:aws:s3:::polb', 'arn:aws:s3:::polb/*'] },
    { Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::polb/private/*' },
  ]) });
  assert.equal(put.status, 204, put.text);
  assert.equal((await send(service, { method: 'GET', path: '/polb/public/a', as: null })).text, 'A');
  assert.equal((await send(service, { method: 'GET', path: '/polb/private/b', as: null })).status, 403);
  assert.equal((await send(service, { method: 'GET', path: '/polb?list-type=2', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/polb/bob.txt', body: 'bob', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/polb/private/b', as: BOB })).status, 403, 'not granted');
  assert.equal((await send(service, { method: 'DELETE', path: '/polb/private/b' })).status, 403, 'explicit deny beats ownership');
  const got = await send(service, { method: 'GET', path: '/polb?policy' });
  assert.equal(got.headers['content-type'], 'application/json');
  assert.match(got.text, /polb\/public/);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/polb?policyStatus' })).text, 'IsPublic'), 'true');
  assert.equal((await send(service, { method: 'PUT', path: '/polb?policy', as: BOB, body: policy([]) })).status, 403, 'only the owner manages the policy');
  const cond = await send(service, { method: 'PUT', path: '/polb?policy', body: policy([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::polb/*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }]) });
  assert.equal(xmlText(cond.text, 'Code'), 'MalformedPolicy');
  assert.equal((await send(service, { method: 'DELETE', path: '/polb?policy' })).status, 204);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/polb?policy' })).text, 'Code'), 'NoSuchBucketPolicy');
});

test('bucket ACLs: grants to another tenant, public-read-write, Get*Acl owner first', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/aclb', headers: { 'x-amz-grant-read': `id="${BOB.tenantId}"` } });
  assert.equal((await send(service, { method: 'GET', path: '/aclb', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/aclb/x', body: 'x', as: BOB })).status, 403);
  const acl = await send(service, { method: 'GET', path: '/aclb?acl' });
  // Grant headers replace the whole list, as in AWS (the owner keeps its rights as owner, §8).
  assert.deepEqual(xmlAll(acl.text, 'Permission'), ['READ']);
  assert.deepEqual(xmlAll(acl.text, 'DisplayName'), ['alice', 'bob']);
  const unknown = await send(service, { method: 'PUT', path: '/aclb?acl', headers: { 'x-amz-grant-write': `id="${'9'.repeat(64)}"` } });
  assert.equal(xmlText(unknown.text, 'Code'), 'InvalidArgument');
  const both = await send(service, { method: 'PUT', path: '/aclb?acl', headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${BOB.tenantId}"` } });
  assert.equal(xmlText(both.text, 'Code'), 'InvalidRequest');
  assert.equal((await send(service, { method: 'PUT', path: '/aclb?acl', headers: { 'x-amz-acl': 'public-read-write' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/aclb/anon', body: 'a', as: null })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/aclb?acl', as: BOB })).status, 403, 'READ_ACP not granted');
});

test('object ACL: the writer owns its object; PutObjectAcl and GetObjectAcl', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/objacl', headers: { 'x-amz-grant-write': `id="${BOB.tenantId}"` } });
  assert.equal((await send(service, { method: 'PUT', path: '/objacl/bobs', body: 'b', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/objacl/bobs', as: BOB })).text, 'b', 'FULL_CONTROL of the writer');
  assert.equal((await send(service, { method: 'GET', path: '/objacl/bobs' })).text, 'b', 'the bucket owner always reads');
  await send(service, { method: 'PUT', path: '/objacl/alices', body: 'a' });
  assert.equal((await send(service, { method: 'GET', path: '/objacl/alices', as: BOB })).status, 403);
  const body = `<AccessControlPolicy><Owner><ID>${ALICE.tenantId}</ID></Owner><AccessControlList><Grant><Grantee><ID>${ALICE.tenantId}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee><ID>${BOB.tenantId}</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;
  assert.equal((await send(service, { method: 'PUT', path: '/objacl/alices?acl', body })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/objacl/alices', as: BOB })).text, 'a');
  const acl = await send(service, { method: 'GET', path: '/objacl/alices?acl' });
  assert.deepEqual(xmlAll(acl.text, 'Permission'), ['FULL_CONTROL', 'READ']);
});

test('DeleteObjects: per-key authorisation reports AccessDenied entries; Quiet lists only errors', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/delb' });
  await send(service, { method: 'PUT', path: '/delb?policy', body: policy([
    { Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::delb/tmp/*' },
  ]) });
  for (const k of ['tmp/1', 'keep/2']) await send(service, { method: 'PUT', path: `/delb/${k}`, body: 'x' });
  const r = await send(service, { method: 'POST', path: '/delb?delete', as: BOB, body: '<Delete><Quiet>true</Quiet><Object><Key>tmp/1</Key></Object><Object><Key>keep/2</Key></Object></Delete>' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(xmlAll(r.text, 'Key'), ['keep/2']);
  assert.equal(xmlText(r.text, 'Code'), 'AccessDenied');
  assert.equal((await send(service, { method: 'HEAD', path: '/delb/tmp/1' })).status, 404);
  assert.equal((await send(service, { method: 'HEAD', path: '/delb/keep/2' })).status, 200);
  const bad = await send(service, { method: 'POST', path: '/delb?delete', body: '<Delete><Object><Key>k</Key></Object></Delete>', headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } });
  assert.equal(xmlText(bad.text, 'Code'), 'BadDigest');
});

test('CORS: preflight needs Origin and method; matching rule answers; actual requests get headers', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/corsb' });
  const none = await send(service, { method: 'OPTIONS', path: '/corsb/k', as: null, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
  assert.equal(none.status, 403);
  assert.equal(xmlText(none.text, 'Code'), 'AccessForbidden');
  const cfg = '<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>120</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/corsb?cors', body: cfg })).status, 200);
  const noOrigin = await send(service, { method: 'OPTIONS', path: '/corsb/k', as: null, headers: { 'access-control-request-method': 'GET' } });
  assert.equal(xmlText(noOrigin.text, 'Code'), 'BadRequest');
  const pre = await send(service, { method: 'OPTIONS', path: '/corsb/k', as: null, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-amz-date' } });
  assert.equal(pre.status, 200, pre.text);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET, PUT');
  assert.equal(pre.headers['access-control-allow-headers'], 'content-type, x-amz-date');
  assert.equal(pre.headers['access-control-max-age'], '120');
  const wrong = await send(service, { method: 'OPTIONS', path: '/corsb/k', as: null, headers: { origin: 'https://evil.org', 'access-control-request-method': 'GET' } });
  assert.equal(wrong.status, 403);
  await send(service, { method: 'PUT', path: '/corsb/k', body: 'v' });
  const actual = await send(service, { method: 'GET', path: '/corsb/k', headers: { origin: 'https://app.example.com' } });
  assert.equal(actual.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(actual.headers['access-control-expose-headers'], 'ETag');
  assert.match(String(actual.headers.vary), /Origin/);
  const other = await send(service, { method: 'GET', path: '/corsb/k', headers: { origin: 'https://evil.org' } });
  assert.equal(other.status, 200);
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  assert.match((await send(service, { method: 'GET', path: '/corsb?cors' })).text, /<AllowedOrigin>https:\/\/\*\.example\.com<\/AllowedOrigin>/);
  assert.equal((await send(service, { method: 'DELETE', path: '/corsb?cors' })).status, 204);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/corsb?cors' })).text, 'Code'), 'NoSuchCORSConfiguration');
});

test('Expect: 100-continue precheck refuses from the headers alone, and closes the connection', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/prec' });
  const denied = await service.precheck(buildRequest({ method: 'PUT', path: '/prec/k', body: 'xxxx', as: BOB, headers: { expect: '100-continue' } }));
  assert.ok(denied);
  assert.equal(denied.status, 403);
  assert.equal(denied.closeConnection, true);
  const missing = await readResponse((await service.precheck(buildRequest({ method: 'PUT', path: '/nobucket/k', body: 'xxxx' })))!);
  assert.equal(xmlText(missing.text, 'Code'), 'NoSuchBucket');
  assert.equal(await service.precheck(buildRequest({ method: 'PUT', path: '/prec/k', body: 'xxxx', headers: { expect: '100-continue' } })), undefined);
});

test('bucket tagging and the P1 stubs', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/stubs' });
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/stubs?tagging' })).text, 'Code'), 'NoSuchTagSet');
  assert.equal((await send(service, { method: 'PUT', path: '/stubs?tagging', body: '<Tagging><TagSet><Tag><Key>env</Key><Value>dev</Value></Tag></TagSet></Tagging>' })).status, 204);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/stubs?tagging' })).text, 'Value'), 'dev');
  const expect: [string, number, string | undefined][] = [
    ['encryption', 404, 'ServerSideEncryptionConfigurationNotFoundError'],
    ['object-lock', 404, 'ObjectLockConfigurationNotFoundError'],
    ['website', 404, 'NoSuchWebsiteConfiguration'],
    ['ownershipControls', 404, 'OwnershipControlsNotFoundError'],
    ['publicAccessBlock', 404, 'NoSuchPublicAccessBlockConfiguration'],
    ['lifecycle', 404, 'NoSuchLifecycleConfiguration'],
    ['notification', 200, undefined],
    ['logging', 200, undefined],
    ['requestPayment', 200, undefined],
    ['accelerate', 200, undefined],
  ];
  for (const [sub, status, c] of expect) {
    const r = await send(service, { method: 'GET', path: `/stubs?${sub}` });
    assert.equal(r.status, status, sub);
    assert.equal(xmlText(r.text, 'Code'), c, sub);
  }
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/stubs?requestPayment' })).text, 'Payer'), 'BucketOwner');
  assert.equal((await send(service, { method: 'GET', path: '/stubs?encryption', as: BOB })).status, 403, 'stubs are still authorised');
  // PutBucketNotificationConfiguration: an empty configuration (notifications off) is the state
  // every bucket is in and is accepted; a configuration is refused; a wrong root is MalformedXML.
  const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
  assert.equal((await send(service, { method: 'PUT', path: '/stubs?notification', body: `<NotificationConfiguration ${ns}/>` })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/stubs?notification', body: `<NotificationConfiguration ${ns}>\n</NotificationConfiguration>` })).status, 200);
  const queue = await send(service, { method: 'PUT', path: '/stubs?notification', body: `<NotificationConfiguration ${ns}><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>` });
  assert.equal(queue.status, 501);
  assert.equal(xmlText(queue.text, 'Code'), 'NotImplemented');
  assert.equal(xmlText((await send(service, { method: 'PUT', path: '/stubs?notification', body: '<Tagging/>' })).text, 'Code'), 'MalformedXML');
  assert.equal((await send(service, { method: 'PUT', path: '/stubs?notification', body: `<NotificationConfiguration ${ns}/>`, as: BOB })).status, 403);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/stubs?notification' })).text, 'Code'), undefined);
});

test('x-amz-expected-bucket-owner: a different owner is AccessDenied', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/ownb' });
  assert.equal((await send(service, { method: 'GET', path: '/ownb', headers: { 'x-amz-expected-bucket-owner': ALICE.tenantId } })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/ownb', headers: { 'x-amz-expected-bucket-owner': BOB.tenantId } })).status, 403);
  await send(service, { method: 'PUT', path: '/ownb/src', body: 's' });
  const copy = await send(service, { method: 'PUT', path: '/ownb/dst', headers: { 'x-amz-copy-source': '/ownb/src', 'x-amz-source-expected-bucket-owner': BOB.tenantId } });
  assert.equal(copy.status, 403);
});

test('precheck also refuses bodies the headers already doom (411, EntityTooLarge, InvalidDigest)', async () => {
  const { service } = await makeService({ maxPutSize: 1000 });
  await send(service, { method: 'PUT', path: '/prec2' });
  const big = buildRequest({ method: 'PUT', path: '/prec2/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  big.headers['content-length'] = '5000';
  assert.equal((await service.precheck(big))?.status, 400);
  const md5 = buildRequest({ method: 'PUT', path: '/prec2/k', body: 'x', headers: { 'content-md5': 'short' } });
  const r = await readResponse((await service.precheck(md5))!);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidDigest');
});

test('extension registry: a claimed request is authenticated and authorised like S3, errors mapped', async () => {
  const ext: S3Extension = {
    name: 'demo',
    classify: (r) => (r.query.has('comp') ? { action: 's3:GetObject', access: 'object-read' } : undefined),
    handle: async (ctx, op) => {
      if (ctx.query.get('comp') === 'fail') throw S3Errors.InvalidArgument('bad comp');
      return { status: 200, headers: {}, body: `${op.extension}:${op.bucket}/${op.key}` };
    },
  };
  const { service } = await makeService({ extensions: [ext] });
  await send(service, { method: 'PUT', path: '/extb' });
  const ok = await send(service, { method: 'GET', path: '/extb/a/b?comp=streamsession' });
  assert.equal(ok.text, 'demo:extb/a/b');
  assert.equal((await send(service, { method: 'GET', path: '/extb/a/b?comp=x', as: null })).status, 403);
  assert.equal((await send(service, { method: 'GET', path: '/extb/a/b?comp=x', as: BOB })).status, 403);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/extb/a/b?comp=fail' })).text, 'Code'), 'InvalidArgument');
  assert.equal((await send(service, { method: 'GET', path: '/extb?list-type=2' })).status, 200, 'unclaimed requests go to S3');
});

test('SigV2 header authentication (on by default; allowSigV2: false refuses it)', async () => {
  const sigv2 = (method: string, path: string, date: string, secret: string): string =>
    createHmac('sha1', secret).update(`${method}\n\n\n${date}\n${path}`).digest('base64');
  for (const allow of [true, false]) {
    const { service } = await makeService({ allowSigV2: allow });
    await send(service, { method: 'PUT', path: '/sigv2' });
    const date = new Date().toUTCString();
    const req = buildRequest({ method: 'GET', path: '/sigv2', as: null });
    req.headers.date = date;
    req.headers.authorization = `AWS ${ALICE.accessKey}:${sigv2('GET', '/sigv2', date, ALICE.secretKey)}`;
    const r = await readResponse(await service.handle(req));
    assert.equal(r.status, allow ? 200 : 400, r.text);
  }
});

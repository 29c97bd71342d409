/**
 * Request-body parsing: the safe XML core (DOCTYPE/entities refused, size limit, strict UTF-8) and
 * every request shape, including the bodies real clients sent (shared/fixtures/clients), plus the
 * persisted (`v: 1`) forms of parsed configurations against golden JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Error } from '../../../src/s3/errors.js';
import { parseAcl } from '../../../src/s3/xml/acl.js';
import { decodeEntities, MAX_XML_BODY, parseXml, parseXmlAsync, XML_WORKER_MIN_CHARS, type XmlNode } from '../../../src/s3/xml/codec.js';
import { parseCreateBucket, parseTagging, parseTaggingHeader, parseVersioning } from '../../../src/s3/xml/config.js';
import { parseCors } from '../../../src/s3/xml/cors.js';
import { parseLifecycle } from '../../../src/s3/xml/lifecycle.js';
import { parseCompleteUpload } from '../../../src/s3/xml/multipart.js';
import { parseDeleteRequest } from '../../../src/s3/xml/objects.js';
import { parsePolicy } from '../../../src/s3/policy.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const b = (s: string): Buffer => Buffer.from(s);

function code(c: string): (e: unknown) => boolean {
  return (e) => e instanceof S3Error && e.code === c;
}

function fixtureBody(name: string): Buffer {
  const fx = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'clients', `${name}.json`), 'utf8')) as { bodyBase64: string };
  return Buffer.from(fx.bodyBase64, 'base64');
}

function goldenJson(name: string, value: unknown): void {
  const file = join(process.cwd(), 'test', 'fixtures', 's3', name);
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), name);
}

test('DOCTYPE, entity declarations and unknown entities are MalformedXML (XXE, billion laughs)', async () => {
  const attacks = [
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>',
    '<!DOCTYPE Delete><Delete><Object><Key>a</Key></Object></Delete>',
    '<Delete><Object><Key>&lol;</Key></Object></Delete>',
    '<Delete><Object><Key>a & b</Key></Object></Delete>',
  ];
  for (const a of attacks) await assert.rejects(parseDeleteRequest(b(a)), code('MalformedXML'), a);
});

test('predefined entities and numeric references decode; CR survives as &#13;', async () => {
  assert.equal(decodeEntities('a&amp;b&lt;c&gt;&quot;&apos;&#13;&#x41;&#128512;'), 'a&b<c>"\'\rA😀');
  assert.throws(() => decodeEntities('&#xD800;'), code('MalformedXML'));
  const r = await parseDeleteRequest(b(`<Delete ${NS}><Object><Key>cr&#13;lf</Key></Object></Delete>`));
  assert.equal(r.objects[0]!.key, 'cr\rlf');
});

test('empty, oversized, non-UTF-8, malformed and wrong-root bodies are MalformedXML', () => {
  assert.throws(() => parseXml(Buffer.alloc(0), 'Delete'), code('MalformedXML'));
  assert.throws(() => parseXml(Buffer.alloc(MAX_XML_BODY + 1, 0x20), 'Delete'), code('MalformedXML'));
  assert.throws(() => parseXml(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), 'a'), code('MalformedXML'));
  assert.throws(() => parseXml(b('<Delete><Object></Delete>'), 'Delete'), code('MalformedXML'));
  assert.throws(() => parseXml(b('<Other/>'), 'Delete'), code('MalformedXML'));
});

test('bodies over XML_WORKER_MIN_CHARS (parsed in the XML worker) give the same documents and errors as in-thread parsing', async () => {
  const pad = (inner: string): string => `<Delete ${NS}>${'<Object><Key>k &amp; &#x41;</Key><VersionId>v</VersionId></Object>\n'.repeat(Math.ceil(XML_WORKER_MIN_CHARS / 60))}${inner}</Delete>`;
  const outcome = (f: () => XmlNode): string => {
    try {
      const root = f();
      return JSON.stringify(root.all('Object').map((o) => [o.childText('Key'), o.childToken('VersionId'), o.names()]));
    } catch (e) {
      return e instanceof S3Error ? e.code : `other: ${String(e)}`;
    }
  };
  const bodies = [
    pad(''),
    pad('<Object><Key>last</Key></Object>'),
    pad('<Object><Key>unclosed</Key>'),
    pad('<Object><Key>&bogus;</Key></Object>'),
    pad('<Object><Key>&#xD800;</Key></Object>'),
    pad('<Object><Key>a & b</Key></Object>'),
    pad('<Object><__proto__>x</__proto__><Key>p</Key></Object>'),
    `<Other>${pad('')}</Other>`,
    `<!DOCTYPE d>${pad('')}`,
  ];
  for (const body of bodies) assert.ok(body.length > XML_WORKER_MIN_CHARS);
  // All at once: each job gets its own answer.
  const async = await Promise.all(bodies.map(async (body) => {
    try {
      const root = await parseXmlAsync(b(body), 'Delete');
      return outcome(() => root);
    } catch (e) {
      return e instanceof S3Error ? e.code : `other: ${String(e)}`;
    }
  }));
  assert.deepEqual(async, bodies.map((body) => outcome(() => parseXml(b(body), 'Delete'))));
  assert.deepEqual(async.slice(2), ['MalformedXML', 'MalformedXML', 'MalformedXML', 'MalformedXML', async[6], 'MalformedXML', 'MalformedXML']);
});

test('Delete: keys verbatim (spaces, leading zeros), Quiet, VersionId, 1000-key limit', async () => {
  const r = await parseDeleteRequest(b(`<?xml version="1.0" encoding="UTF-8"?>\n<Delete ${NS}>\n  <Quiet>true</Quiet>\n  <Object><Key> padded </Key></Object>\n  <Object><Key>0012</Key><VersionId>null</VersionId></Object>\n</Delete>`));
  assert.equal(r.quiet, true);
  assert.deepEqual(r.objects, [{ key: ' padded ' }, { key: '0012', versionId: 'null' }]);
  const many = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`;
  await assert.rejects(parseDeleteRequest(b(many)), code('MalformedXML'));
  await assert.rejects(parseDeleteRequest(b('<Delete><Object><VersionId>v</VersionId></Object></Delete>')), code('MalformedXML'));
  const js = await parseDeleteRequest(fixtureBody('js-sdk-v3-delete-objects'));
  assert.deepEqual(js.objects.map((o) => o.key), ['js/a.txt', 'js/b c.txt', 'js/ü&<x>.txt']);
  assert.equal((await parseDeleteRequest(fixtureBody('boto3-delete-objects'))).objects.length, 3);
});

test('CompleteMultipartUpload bodies from JS SDK, boto3 and minio-go', async () => {
  const js = await parseCompleteUpload(fixtureBody('js-sdk-v3-complete-multipart-upload'));
  assert.deepEqual(js.map((p) => [p.partNumber, p.etag]), [[1, '"4c28640dc8df1933aaea192100d50ae0"'], [2, '"9ee0a0e0c0bc0f1ff29d663d1fdf0743"']]);
  const boto = await parseCompleteUpload(fixtureBody('boto3-upload-file-complete-multipart-upload'));
  assert.deepEqual(boto.map((p) => p.checksums), [{ CRC32: 'f7XNdQ==' }, { CRC32: 'HkSnoQ==' }]);
  const minio = await parseCompleteUpload(fixtureBody('minio-go-multipart-signed-trailer-complete-multipart-upload'));
  assert.equal(minio[1]!.etag, '7e064b07206854cd3d2cc42428d43bcc');
  await assert.rejects(parseCompleteUpload(b('<CompleteMultipartUpload/>')), code('MalformedXML'));
  await assert.rejects(parseCompleteUpload(b('<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>')), code('MalformedXML'));
});

test('Tagging: too many tags are BadRequest, bad keys/values InvalidTag (as AWS); header form is form-encoded', async () => {
  const tag = (k: string, v: string): string => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`;
  assert.deepEqual(await parseTagging(b(`<Tagging><TagSet>${tag('a', '1')}${tag('b', '')}</TagSet></Tagging>`), 'object'), { a: '1', b: '' });
  const eleven = Array.from({ length: 11 }, (_, i) => tag(`k${i}`, 'v')).join('');
  await assert.rejects(parseTagging(b(`<Tagging><TagSet>${eleven}</TagSet></Tagging>`), 'object'), code('BadRequest'));
  assert.equal(Object.keys(await parseTagging(b(`<Tagging><TagSet>${eleven}</TagSet></Tagging>`), 'bucket')).length, 11);
  await assert.rejects(parseTagging(b(`<Tagging><TagSet>${tag('k'.repeat(129), 'v')}</TagSet></Tagging>`), 'object'), code('InvalidTag'));
  await assert.rejects(parseTagging(b(`<Tagging><TagSet>${tag('k', 'v'.repeat(257))}</TagSet></Tagging>`), 'object'), code('InvalidTag'));
  await assert.rejects(parseTagging(b(`<Tagging><TagSet>${tag('k', '1')}${tag('k', '2')}</TagSet></Tagging>`), 'object'), code('InvalidTag'));
  await assert.rejects(parseTagging(b(`<Tagging><TagSet>${tag('aws:x', '1')}</TagSet></Tagging>`), 'bucket'), code('InvalidTag'));
  await assert.rejects(parseTagging(b('<Tagging></Tagging>'), 'object'), code('MalformedXML'));
  assert.deepEqual(parseTaggingHeader('a=1&b+c=d%20e&empty='), { a: '1', 'b c': 'd e', empty: '' });
});

test('VersioningConfiguration and CreateBucketConfiguration', async () => {
  assert.equal(await parseVersioning(b(`<VersioningConfiguration ${NS}><Status>Suspended</Status></VersioningConfiguration>`)), 'Suspended');
  await assert.rejects(parseVersioning(b('<VersioningConfiguration><Status>On</Status></VersioningConfiguration>')), code('MalformedXML'));
  await assert.rejects(parseVersioning(b('<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>')), code('NotImplemented'));
  assert.deepEqual(await parseCreateBucket(b(`<CreateBucketConfiguration ${NS}><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`)), { locationConstraint: 'eu-west-1' });
  assert.deepEqual(await parseCreateBucket(Buffer.alloc(0)), {});
  assert.deepEqual(
    await parseCreateBucket(b(`<CreateBucketConfiguration ${NS}><Tags><Tag><Key>team</Key><Value>a</Value></Tag><Tag><Key>env</Key><Value></Value></Tag></Tags></CreateBucketConfiguration>`)),
    { tags: { team: 'a', env: '' } },
  );
  await assert.rejects(parseCreateBucket(b('<CreateBucketConfiguration><Tags><Tag><Key>aws:x</Key><Value>1</Value></Tag></Tags></CreateBucketConfiguration>')), code('InvalidTag'));
  await assert.rejects(parseCreateBucket(b('<CreateBucketConfiguration><Tags><Tag><Value>1</Value></Tag></Tags></CreateBucketConfiguration>')), code('MalformedXML'));
  await assert.rejects(parseCreateBucket(b('<CreateBucketConfiguration><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>')), code('NotImplemented'));
});

test('CORSConfiguration: validation and the stored form', async () => {
  const cors = await parseCors(b(`<CORSConfiguration ${NS}><CORSRule><ID>r</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>`));
  goldenJson('stored-cors-v1.json', cors);
  await assert.rejects(parseCors(b('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>')), code('InvalidRequest'));
  await assert.rejects(parseCors(b('<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>')), code('InvalidRequest'));
  await assert.rejects(parseCors(b('<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>')), code('MalformedXML'));
  await assert.rejects(parseCors(b('<CORSConfiguration></CORSConfiguration>')), code('MalformedXML'));
});

test('AccessControlPolicy: grantee kinds, email → NotImplemented, foreign owner → AccessDenied', async () => {
  const owner = 'a'.repeat(64);
  const acl = await parseAcl(b(`<AccessControlPolicy ${NS}><Owner><ID>${owner}</ID></Owner><AccessControlList>
    <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${owner}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
    <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
  </AccessControlList></AccessControlPolicy>`), owner);
  goldenJson('stored-acl-v1.json', acl);
  const email = `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList><Grant><Grantee><EmailAddress>x@y</EmailAddress></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;
  await assert.rejects(parseAcl(b(email), owner), code('NotImplemented'));
  const foreign = `<AccessControlPolicy><Owner><ID>${'b'.repeat(64)}</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`;
  await assert.rejects(parseAcl(b(foreign), owner), code('AccessDenied'));
  // Schema failures are MalformedACLError as S3 answers; no body at all is MissingSecurityHeader.
  const badPerm = `<AccessControlPolicy><Owner><ID>${owner}</ID></Owner><AccessControlList><Grant><Grantee><ID>${owner}</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
  await assert.rejects(parseAcl(b(badPerm), owner), code('MalformedACLError'));
  const noOwner = `<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>${owner}</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;
  await assert.rejects(parseAcl(b(noOwner), owner), code('MalformedACLError'));
  await assert.rejects(parseAcl(b('not xml'), owner), code('MalformedACLError'));
  await assert.rejects(parseAcl(b(''), owner), code('MissingSecurityHeader'));
});

test('LifecycleConfiguration: filters, actions, transitions refused, stored form', async () => {
  const l = await parseLifecycle(b(`<LifecycleConfiguration ${NS}>
    <Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration>
      <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
    <Rule><Filter><And><Prefix>tmp/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>
      <NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>
    <Rule><Prefix>legacy/</Prefix><Status>Disabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>
    <Rule><Filter></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>
  </LifecycleConfiguration>`));
  // Rules sent without an ID get a random one (issue-4-lifecycle-rule-id); the golden form is the
  // rest of the stored rule.
  assert.equal(l.rules[0]!.id, 'logs');
  for (const r of l.rules.slice(1)) {
    assert.match(r.id ?? '', /^[A-Za-z0-9+/=]{48}$/);
    delete r.id;
  }
  goldenJson('stored-lifecycle-v1.json', l);
  const rule = (inner: string): Buffer => b(`<LifecycleConfiguration><Rule>${inner}</Rule></LifecycleConfiguration>`);
  await assert.rejects(parseLifecycle(rule('<Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>')), code('NotImplemented'));
  await assert.rejects(parseLifecycle(rule('<Status>Enabled</Status>')), code('MalformedXML'));
  await assert.rejects(parseLifecycle(rule('<Status>Maybe</Status><Expiration><Days>1</Days></Expiration>')), code('MalformedXML'));
  await assert.rejects(parseLifecycle(rule('<Status>Enabled</Status><Expiration><Days>0</Days></Expiration>')), code('InvalidArgument'));
  await assert.rejects(parseLifecycle(rule('<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>')), code('MalformedXML'));
});

test('bucket policy: accepted document and its stored form; refused elements', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'public', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pb/public/*' },
      { Effect: 'Deny', Principal: { AWS: ['arn:aws:iam::' + 'b'.repeat(64) + ':root'] }, Action: ['s3:Delete*'], Resource: ['arn:aws:s3:::pb', 'arn:aws:s3:::pb/*'] },
    ],
  });
  goldenJson('stored-policy-v1.json', parsePolicy(text, 'pb'));
  const st = (s: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pb/*', ...s }] });
  for (const bad of [
    st({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
    st({ NotAction: 's3:PutObject' }),
    st({ Resource: 'arn:aws:s3:::other/*' }),
    st({ Effect: 'Maybe' }),
    st({ Action: 'ec2:RunInstances' }),
    st({ Principal: { Federated: 'x' } }),
    '{not json',
    JSON.stringify({ Version: '2012-10-17' }),
  ]) {
    assert.throws(() => parsePolicy(bad, 'pb'), code('MalformedPolicy'), bad);
  }
  assert.throws(() => parsePolicy(' '.repeat(20 * 1024 + 1), 'pb'), code('MalformedPolicy'));
});

/**
 * Property-based fuzz of the request bodies S3 parses (issue #4; project rule "bad input gets a
 * clear error and loses nothing"): valid CompleteMultipartUpload, DeleteObjects,
 * PutBucketLifecycleConfiguration, PutBucketCors, Put{Bucket,Object}Tagging, PutBucketVersioning,
 * Put{Object,Bucket}Acl, PutBucketOwnershipControls, PutBucketNotificationConfiguration,
 * PutBucketRequestPayment, CreateBucket and PutBucketPolicy documents, mutated 1–3 times
 * (truncation, values at the edge of number and string parsing, repeated, dropped, moved,
 * renamed and emptied elements, DOCTYPE / entities / CDATA / processing instructions, non-UTF-8
 * bytes, deep nesting, thousands of repeats), SigV4-signed over the final bytes and sent through
 * `fastify.inject`. Each answer is a 4xx with a catalog code (or 2xx when the mutation left a
 * valid document), never a 5xx; the matching GET of what was written still answers without a
 * 5xx; a failed CompleteMultipartUpload leaves no object; the gateway serves a normal request after.
 */
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { FC_PARAMS, fuzzer, refused, mutate, mutationsArb, assertAwsAnswer, type Fuzzer, type FuzzRequest, type Mutation } from './harness.js';

interface Target {
  name: string;
  /** Bucket used by the target (created once). */
  bucket: string;
  /** Per-run preparation; returns what `request` needs. */
  prepare?(f: Fuzzer, run: number): Promise<Record<string, string>>;
  valid(ctx: Record<string, string>): string;
  request(ctx: Record<string, string>, body: Buffer): FuzzRequest;
  /** Further checks after the fuzzed request (reads of what was written). */
  after?(f: Fuzzer, ctx: Record<string, string>, status: number): Promise<void>;
}

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

const crc32b64 = (s: string): string => {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(crc32(Buffer.from(s)));
  return v.toString('base64');
};

const getBack = (path: string) => async (f: Fuzzer): Promise<void> => {
  const a = await f.send({ method: 'GET', path });
  assertAwsAnswer(a, `read back GET ${path}`);
};

const TARGETS: Target[] = [
  {
    name: 'CompleteMultipartUpload',
    bucket: 'fz-complete',
    async prepare(f, run) {
      const key = `mpu-${run}`;
      const init = await f.send({ method: 'POST', path: `/fz-complete/${key}?uploads` });
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
      if (!uploadId) throw new Error(`CreateMultipartUpload: ${init.status} ${init.text}`);
      const etags: string[] = [];
      for (const [n, data] of [[1, 'hello'], [2, 'world']] as const) {
        const up = await f.send({ method: 'PUT', path: `/fz-complete/${key}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, body: data });
        etags.push(String(up.headers.etag));
      }
      return { key, uploadId, e1: etags[0]!, e2: etags[1]! };
    },
    valid: (c) => `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>${c.e1}</ETag></Part><Part><ETag>${c.e2}</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>`,
    request: (c, body) => ({ method: 'POST', path: `/fz-complete/${c.key}?uploadId=${encodeURIComponent(c.uploadId!)}`, body }),
    async after(f, c, status) {
      const head = await f.send({ method: 'HEAD', path: `/fz-complete/${c.key}` });
      if (status >= 300 && head.status !== 404) throw new Error(`failed CompleteMultipartUpload (${status}) left an object: HEAD ${head.status}`);
      if (status === 200 && head.status === 200 && head.headers['content-length'] !== '10' && head.headers['content-length'] !== '5') {
        throw new Error(`completed object of ${head.headers['content-length']} bytes`);
      }
    },
  },
  {
    name: 'CompleteMultipartUpload with part checksums',
    bucket: 'fz-complete-ck',
    async prepare(f, run) {
      const key = `mpu-${run}`;
      const init = await f.send({ method: 'POST', path: `/fz-complete-ck/${key}?uploads`, headers: { 'x-amz-checksum-algorithm': 'CRC32' } });
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
      if (!uploadId) throw new Error(`CreateMultipartUpload: ${init.status} ${init.text}`);
      const ctx: Record<string, string> = { key, uploadId };
      for (const [n, data] of [[1, 'hello'], [2, 'world']] as const) {
        const up = await f.send({ method: 'PUT', path: `/fz-complete-ck/${key}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, body: data, headers: { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-crc32': crc32b64(data) } });
        ctx[`e${n}`] = String(up.headers.etag);
        ctx[`c${n}`] = String(up.headers['x-amz-checksum-crc32']);
      }
      return ctx;
    },
    valid: (c) => `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${c.e1}</ETag><ChecksumCRC32>${c.c1}</ChecksumCRC32></Part><Part><ETag>${c.e2}</ETag><ChecksumCRC32>${c.c2}</ChecksumCRC32><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>`,
    request: (c, body) => ({ method: 'POST', path: `/fz-complete-ck/${c.key}?uploadId=${encodeURIComponent(c.uploadId!)}`, body }),
    async after(f, c, status) {
      const head = await f.send({ method: 'HEAD', path: `/fz-complete-ck/${c.key}`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      if (status >= 300 && head.status !== 404) throw new Error(`failed CompleteMultipartUpload (${status}) left an object: HEAD ${head.status}`);
      assertAwsAnswer(head, 'HEAD (checksum mode) after Complete');
    },
  },
  {
    name: 'DeleteObjects',
    bucket: 'fz-delete',
    valid: () => '<Delete><Quiet>false</Quiet><Object><Key>d1</Key></Object><Object><Key>d/2</Key><VersionId>null</VersionId></Object></Delete>',
    request: (_c, body) => ({ method: 'POST', path: '/fz-delete?delete', body }),
  },
  {
    name: 'PutBucketLifecycleConfiguration',
    bucket: 'fz-lifecycle',
    valid: () => '<LifecycleConfiguration><Rule><ID>r1</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule><Rule><ID>r2</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule><Rule><ID>r3</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule></LifecycleConfiguration>',
    async prepare(f) {
      for (const k of ['logs/a', 'tmp/b', 'c']) await f.send({ method: 'PUT', path: `/fz-lifecycle/${k}`, body: 'x'.repeat(20), headers: { 'x-amz-tagging': 'k=v' } });
      return {};
    },
    request: (_c, body) => ({ method: 'PUT', path: '/fz-lifecycle?lifecycle', body }),
    async after(f, _c, status) {
      await getBack('/fz-lifecycle?lifecycle')(f);
      if (status >= 300) return;
      // The lifecycle worker applies what was stored (a mutated Date in the past expires objects now).
      const worker = f.gw.engine.workers().find((w) => w.name === 'lifecycle');
      for (let i = 0; worker && i < 20 && (await worker.step()) === 'busy'; i++);
      for (const k of ['logs/a', 'tmp/b', 'c']) assertAwsAnswer(await f.send({ method: 'HEAD', path: `/fz-lifecycle/${k}` }), `HEAD ${k} after the lifecycle worker`);
      assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-lifecycle/c' }), 'GET (x-amz-expiration) after PutBucketLifecycleConfiguration');
      await f.send({ method: 'DELETE', path: '/fz-lifecycle?lifecycle' });
    },
  },
  {
    name: 'PutBucketCors',
    bucket: 'fz-cors',
    valid: () => '<CORSConfiguration><CORSRule><ID>c1</ID><AllowedOrigin>https://a.example</AllowedOrigin><AllowedOrigin>http://*.b.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-cors?cors', body }),
    async after(f) {
      await getBack('/fz-cors?cors')(f);
      const pre = await f.send({ method: 'OPTIONS', path: '/fz-cors/x', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } });
      assertAwsAnswer(pre, 'CORS preflight after PutBucketCors');
    },
  },
  {
    name: 'PutBucketTagging',
    bucket: 'fz-btag',
    valid: () => '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b c</Key><Value></Value></Tag></TagSet></Tagging>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-btag?tagging', body }),
    after: getBack('/fz-btag?tagging'),
  },
  {
    name: 'PutObjectTagging',
    bucket: 'fz-otag',
    async prepare(f) {
      await f.send({ method: 'PUT', path: '/fz-otag/o', body: 'x' });
      return {};
    },
    valid: () => '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>k2</Key><Value>v2</Value></Tag></TagSet></Tagging>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-otag/o?tagging', body }),
    after: getBack('/fz-otag/o?tagging'),
  },
  {
    name: 'PutBucketVersioning',
    bucket: 'fz-versioning',
    valid: () => '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-versioning?versioning', body }),
    after: getBack('/fz-versioning?versioning'),
  },
  {
    name: 'PutObjectAcl',
    bucket: 'fz-oacl',
    async prepare(f) {
      await f.send({ method: 'PUT', path: '/fz-oacl/o', body: 'x' });
      return { owner: f.gw.tenantId };
    },
    valid: (c) => `<AccessControlPolicy><Owner><ID>${c.owner}</ID></Owner><AccessControlList><Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${c.owner}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant><Grant><Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AuthenticatedUsers</URI></Grantee><Permission>READ_ACP</Permission></Grant></AccessControlList></AccessControlPolicy>`,
    request: (_c, body) => ({ method: 'PUT', path: '/fz-oacl/o?acl', body }),
    async after(f) {
      await getBack('/fz-oacl/o?acl')(f);
      assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-oacl/o', anonymous: true }), 'anonymous GET after PutObjectAcl');
    },
  },
  {
    name: 'PutBucketAcl',
    bucket: 'fz-bacl',
    prepare: async (f) => ({ owner: f.gw.tenantId }),
    valid: (c) => `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${c.owner}</ID><DisplayName>d</DisplayName></Owner><AccessControlList><Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${c.owner}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee ${XSI} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI></Grantee><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>`,
    request: (_c, body) => ({ method: 'PUT', path: '/fz-bacl?acl', body }),
    async after(f) {
      await getBack('/fz-bacl?acl')(f);
      assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-bacl', anonymous: true }), 'anonymous ListObjects after PutBucketAcl');
      assertAwsAnswer(await f.send({ method: 'PUT', path: '/fz-bacl/anon', body: 'x', anonymous: true }), 'anonymous PutObject after PutBucketAcl');
    },
  },
  {
    name: 'PutBucketOwnershipControls',
    bucket: 'fz-owner',
    valid: () => '<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-owner?ownershipControls', body }),
    after: getBack('/fz-owner?ownershipControls'),
  },
  {
    name: 'PutBucketNotificationConfiguration',
    bucket: 'fz-notify',
    valid: () => '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></NotificationConfiguration>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-notify?notification', body }),
    after: getBack('/fz-notify?notification'),
  },
  {
    name: 'PutBucketRequestPayment',
    bucket: 'fz-payment',
    valid: () => '<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>',
    request: (_c, body) => ({ method: 'PUT', path: '/fz-payment?requestPayment', body }),
    after: getBack('/fz-payment?requestPayment'),
  },
  {
    name: 'CreateBucket',
    bucket: 'fz-create',
    prepare: async (_f, run) => ({ name: `fz-new-${run}` }),
    valid: () => '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>',
    request: (c, body) => ({ method: 'PUT', path: `/${c.name}`, body }),
    async after(f, c, status) {
      const head = await f.send({ method: 'HEAD', path: `/${c.name}` });
      if (status >= 300 && head.status !== 404) throw new Error(`failed CreateBucket (${status}) created the bucket: HEAD ${head.status}`);
    },
  },
];

let runCounter = 0;

for (const target of TARGETS) {
  test(`fuzzed ${target.name} bodies: a 4xx with an AWS code or a 2xx, never a 5xx`, async (t) => {
    const f = await fuzzer(t);
    const mk = await f.send({ method: 'PUT', path: `/${target.bucket}` });
    if (mk.status !== 200) throw new Error(`CreateBucket ${target.bucket}: ${mk.status}`);
    await fc.assert(fc.asyncProperty(mutationsArb, async (steps: Mutation[]) => {
      const run = ++runCounter;
      const ctx = (await target.prepare?.(f, run)) ?? {};
      const body = mutate(target.valid(ctx), steps);
      const a = await f.check(target.request(ctx, body), target.name);
      await target.after?.(f, ctx, refused(a) ? Math.max(a.status, 400) : a.status);
    }), FC_PARAMS);
    // The unmutated document is accepted (the property is not vacuous).
    const ctx = (await target.prepare?.(f, ++runCounter)) ?? {};
    const ok = await f.check(target.request(ctx, Buffer.from(target.valid(ctx))), `${target.name} (valid)`);
    if (ok.status >= 300 || /<Error>/.test(ok.text)) throw new Error(`valid ${target.name} refused: ${ok.status} ${ok.text}`);
    await f.alive(target.bucket);
  });
}

// ---------------------------------------------------------------------------------------------
// PutBucketPolicy: JSON, mutated structurally.

const POLICY = {
  Version: '2012-10-17',
  Id: 'p',
  Statement: [
    { Sid: 's1', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::fz-policy/*'] },
    { Sid: 's2', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::fz-policy/keep/*' },
  ],
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface JsonStep {
  kind: 'replace' | 'drop' | 'truncate' | 'dupKey' | 'deep' | 'badBytes' | 'whole';
  a: number;
  value: Json;
}

const ODD_JSON: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Json>(null, true, 0, -1, 1e308, 2 ** 53 + 1, '', '*', 's3:*', 'arn:aws:s3:::*', 'Allow', 'Deny', '2008-10-17', '2012-10-17 ', [], {}, [[]], { AWS: [] }, { '': '' }, '\u0000', '\uD800', 'x'.repeat(30_000)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

const jsonStepArb: fc.Arbitrary<JsonStep> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'replace', 'drop', 'truncate', 'dupKey', 'deep', 'badBytes', 'whole'),
  a: fc.nat(),
  value: ODD_JSON,
});

/** Every (parent, key) slot of a JSON tree. */
function slots(v: Json, out: [Json[] | Record<string, Json>, string | number][] = []): [Json[] | Record<string, Json>, string | number][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out); });
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([v, k]); slots(x, out); }
  return out;
}

function mutateJson(steps: JsonStep[]): Buffer {
  let tree: Json = structuredClone(POLICY);
  let text: string | undefined;
  let raw: Buffer | undefined;
  for (const s of steps) {
    const all = slots(tree);
    const slot = all.length > 0 ? all[s.a % all.length] : undefined;
    switch (s.kind) {
      case 'replace':
        if (slot) (slot[0] as Record<string, Json>)[slot[1]] = structuredClone(s.value);
        break;
      case 'drop':
        if (slot) {
          if (Array.isArray(slot[0])) slot[0].splice(slot[1] as number, 1);
          else delete slot[0][slot[1]];
        }
        break;
      case 'whole':
        tree = structuredClone(s.value);
        break;
      default:
        break;
    }
    text = JSON.stringify(tree);
    if (s.kind === 'truncate') text = text.slice(0, s.a % (text.length + 1));
    if (s.kind === 'dupKey') text = text.replace('"Statement":', '"Statement":[],"Statement":');
    if (s.kind === 'deep') text = text.replace('"Principal":', `"Principal":${'['.repeat(1000 + (s.a % 100_000))}1${']'.repeat(1000 + (s.a % 100_000))},"P":`);
    if (s.kind === 'badBytes') {
      const b = Buffer.from(text, 'utf8');
      const at = b.length === 0 ? 0 : s.a % b.length;
      raw = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xc0, 0x80]), b.subarray(at)]);
    }
    if (s.kind === 'truncate' || s.kind === 'dupKey' || s.kind === 'deep' || s.kind === 'badBytes') break;
  }
  return raw ?? Buffer.from(text ?? JSON.stringify(tree), 'utf8');
}

test('fuzzed PutBucketPolicy JSON: a 4xx with an AWS code or a 2xx, never a 5xx', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: '/fz-policy' });
  await fc.assert(fc.asyncProperty(fc.array(jsonStepArb, { minLength: 1, maxLength: 3 }), async (steps) => {
    const body = mutateJson(steps);
    const a = await f.check({ method: 'PUT', path: '/fz-policy?policy', body }, 'PutBucketPolicy');
    assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-policy?policy' }), 'GetBucketPolicy after');
    assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-policy?policyStatus' }), 'GetBucketPolicyStatus after');
    // The stored policy is evaluated: anonymous and owner requests still get an AWS answer.
    assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-policy/keep/o', anonymous: true }), 'anonymous GET under the policy');
    assertAwsAnswer(await f.send({ method: 'DELETE', path: '/fz-policy/keep/o', anonymous: true }), 'anonymous DELETE under the policy');
    assertAwsAnswer(await f.send({ method: 'GET', path: '/fz-policy?list-type=2', anonymous: true, headers: { referer: 'x' } }), 'anonymous ListObjectsV2 under the policy');
    assertAwsAnswer(await f.send({ method: 'PUT', path: '/fz-policy/keep/o', body: 'x' }), 'owner PUT under the policy');
    if (a.status < 300) await f.send({ method: 'DELETE', path: '/fz-policy?policy' });
  }), FC_PARAMS);
  const ok = await f.check({ method: 'PUT', path: '/fz-policy?policy', body: JSON.stringify(POLICY) }, 'PutBucketPolicy (valid)');
  if (ok.status >= 300) throw new Error(`valid policy refused: ${ok.status} ${ok.text}`);
  await f.send({ method: 'DELETE', path: '/fz-policy?policy' });
  await f.alive('fz-policy');
});

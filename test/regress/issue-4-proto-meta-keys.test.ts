/**
 * Issue #4 (found by a review): user metadata and tag maps were built by assignment (`meta[k] = v`),
 * so a key named `__proto__` was silently dropped (assigning a string to `__proto__` is ignored):
 * PutObject with `x-amz-meta-__proto__: v`, or a tag keyed `__proto__`, answered 200 and HEAD/GET/
 * GetObjectTagging/CopyObject then lacked it. AWS takes any header-legal metadata name and any tag key
 * of 1–128 Unicode characters (User Guide, "Working with object metadata" / "Categorizing your
 * storage using tags"), so these keys are stored and returned like any other. Driven over HTTP with
 * raw SigV4 requests: the SDK's own response parsing builds its Metadata map by assignment too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import aws4 from 'aws4';
// undici's own fetch, not Node's: once any module in the process has loaded undici 7 (it installs
// its Agent as the global dispatcher Node's fetch shares), Node 20's fetch hands a PUT carrying its
// own Content-Length header (aws4 signs one) to that Agent, which refuses it client-side with
// "invalid content-length header" — seen when the test batch put such a module before this one.
import { fetch } from 'undici';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Reply { status: number; headers: { get(name: string): string | null }; text: string }

function client(gw: TestGateway): (method: string, path: string, headers?: Record<string, string>, body?: string) => Promise<Reply> {
  const host = new URL(gw.url).host;
  return async (method, path, headers = {}, body) => {
    const signed = aws4.sign(
      { host, method, path, headers: { ...headers }, body: body ?? '', service: 's3', region: gw.region },
      { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey },
    );
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers ?? {})) if (k.toLowerCase() !== 'host') h[k] = String(v);
    const res = await fetch(gw.url + path, { method, headers: h, body: body === undefined || method === 'GET' || method === 'HEAD' ? undefined : body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

/** Tag keys and values of a `<Tagging>` body, as [key, value] pairs in document order. */
function tagPairs(xml: string): [string, string][] {
  return [...xml.matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((m) => [m[1]!, m[2]!]);
}

const META = { 'x-amz-meta-__proto__': 'p-value', 'x-amz-meta-constructor': 'c-value', 'x-amz-meta-tostring': 't-value', 'x-amz-meta-hasownproperty': 'h-value', 'x-amz-meta-plain': 'x' };

function assertMeta(r: Reply, want: Record<string, string>, what: string): void {
  assert.equal(r.status, 200, `${what}: ${r.text}`);
  for (const [k, v] of Object.entries(want)) assert.equal(r.headers.get(k), v, `${what}: ${k}`);
}

test('user metadata and tags keyed __proto__ / constructor / toString are stored and returned', async (t) => {
  const gw = await startGateway({ backend: 'local', engine: { minPartSize: 1 } });
  t.after(() => gw.close());
  const s3 = client(gw);
  assert.equal((await s3('PUT', '/protob')).status, 200);

  const put = await s3('PUT', '/protob/src', { ...META, 'x-amz-tagging': '__proto__=tp&constructor=tc&toString=tt' }, 'body');
  assert.equal(put.status, 200, put.text);
  assertMeta(await s3('HEAD', '/protob/src'), META, 'HEAD');
  const get = await s3('GET', '/protob/src');
  assertMeta(get, META, 'GET');
  assert.equal(get.text, 'body');
  assert.equal(get.headers.get('x-amz-tagging-count'), '3');
  assert.deepEqual(tagPairs((await s3('GET', '/protob/src?tagging')).text), [['__proto__', 'tp'], ['constructor', 'tc'], ['toString', 'tt']]);

  // CopyObject, COPY directives: metadata and tags travel with the copy.
  assert.equal((await s3('PUT', '/protob/copy', { 'x-amz-copy-source': '/protob/src' })).status, 200);
  assertMeta(await s3('HEAD', '/protob/copy'), META, 'HEAD of the COPY copy');
  assert.deepEqual(tagPairs((await s3('GET', '/protob/copy?tagging')).text), [['__proto__', 'tp'], ['constructor', 'tc'], ['toString', 'tt']]);

  // CopyObject, REPLACE directives: the new metadata and tags.
  const replace = await s3('PUT', '/protob/replaced', {
    'x-amz-copy-source': '/protob/src', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-__proto__': 'new-p', 'x-amz-meta-constructor': 'new-c',
    'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': '__proto__=new-tp',
  });
  assert.equal(replace.status, 200, replace.text);
  const rh = await s3('HEAD', '/protob/replaced');
  assertMeta(rh, { 'x-amz-meta-__proto__': 'new-p', 'x-amz-meta-constructor': 'new-c' }, 'HEAD of the REPLACE copy');
  assert.equal(rh.headers.get('x-amz-meta-plain'), null);
  assert.deepEqual(tagPairs((await s3('GET', '/protob/replaced?tagging')).text), [['__proto__', 'new-tp']]);

  // PutObjectTagging with an XML body.
  const tagging = '<Tagging><TagSet><Tag><Key>__proto__</Key><Value>xml-p</Value></Tag><Tag><Key>constructor</Key><Value>xml-c</Value></Tag></TagSet></Tagging>';
  assert.equal((await s3('PUT', '/protob/src?tagging', {}, tagging)).status, 200);
  assert.deepEqual(tagPairs((await s3('GET', '/protob/src?tagging')).text), [['__proto__', 'xml-p'], ['constructor', 'xml-c']]);

  // Multipart: the metadata given at CreateMultipartUpload reaches the completed object.
  const created = await s3('POST', '/protob/mp?uploads', { 'x-amz-meta-__proto__': 'mp-p', 'x-amz-tagging': '__proto__=mp-t' });
  assert.equal(created.status, 200, created.text);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)![1]!;
  const part = await s3('PUT', `/protob/mp?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, {}, 'part');
  assert.equal(part.status, 200, part.text);
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.get('etag')!}</ETag></Part></CompleteMultipartUpload>`;
  const done = await s3('POST', `/protob/mp?uploadId=${encodeURIComponent(uploadId)}`, {}, complete);
  assert.equal(done.status, 200, done.text);
  assertMeta(await s3('HEAD', '/protob/mp'), { 'x-amz-meta-__proto__': 'mp-p' }, 'HEAD of the multipart object');
  assert.deepEqual(tagPairs((await s3('GET', '/protob/mp?tagging')).text), [['__proto__', 'mp-t']]);

  // Bucket tagging goes through the same validation.
  assert.equal((await s3('PUT', '/protob?tagging', {}, tagging)).status, 204);
  assert.deepEqual(tagPairs((await s3('GET', '/protob?tagging')).text), [['__proto__', 'xml-p'], ['constructor', 'xml-c']]);

  // A lifecycle filter on the tag __proto__ stays that filter (it used to become an empty one, which
  // matches every object).
  const lc = '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Tag><Key>__proto__</Key><Value>old</Value></Tag></Filter><Status>Enabled</Status>'
    + '<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>';
  const lcPut = await s3('PUT', '/protob?lifecycle', { 'content-md5': createHash('md5').update(lc).digest('base64') }, lc);
  assert.equal(lcPut.status, 200, lcPut.text);
  assert.deepEqual(tagPairs((await s3('GET', '/protob?lifecycle')).text), [['__proto__', 'old']]);
});

/**
 * Property-based fuzz of object keys (issue #4): any Unicode string (control characters, lone
 * surrogates, `.`/`..` segments, slashes, 1,024-byte edges, characters XML 1.0 cannot carry) as
 * the key of a PutObject, then read back, tagged, copied, listed (with and without
 * encoding-type=url), uploaded in parts and deleted — each answer a 4xx with a catalog code or a
 * 2xx, never a 5xx; a refused PUT stores nothing.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { uriEncode } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, fuzzer, refused } from './harness.js';

const B = 'fz-keys';

const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom('.', '..', './a', 'a/../b', '/', '//', 'a//b', ' ', '\t', '\u0000', '\u0001x', 'x\u007f', '\uFFFE', '\uFFFF', '\uD800', '\uDC00x', '%', '%25', '+', '?', '#', '&', '<', ']]>', 'a\r\nb', '\u2028',
    'é'.repeat(512), 'a'.repeat(1024), 'a'.repeat(1025), '😀'.repeat(256), '😀'.repeat(257), 'x-amz-meta-a', '~!@$^*()_+={}[]|:;"\',.`') },
);

test('fuzzed object keys: PUT, read back, tag, copy, list, multipart, delete — never a 5xx', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  await fc.assert(fc.asyncProperty(keyArb, fc.boolean(), async (key, useUrlEncoding) => {
    const enc = uriEncode(key, true); // a lone surrogate goes out as U+FFFD's bytes
    const path = `/${B}/${enc}`;
    const put = await f.check({ method: 'PUT', path, body: 'v', headers: { 'x-amz-tagging': 'a=1' } }, 'PutObject');
    if (refused(put)) {
      const head = await f.send({ method: 'HEAD', path });
      if (head.status === 200) throw new Error(`refused PUT (${put.status} ${put.code}) stored ${JSON.stringify(key)}`);
      return;
    }
    await f.check({ method: 'HEAD', path }, 'HeadObject');
    await f.check({ method: 'GET', path }, 'GetObject');
    await f.check({ method: 'GET', path: `${path}?tagging` }, 'GetObjectTagging');
    await f.check({ method: 'GET', path: `${path}?acl` }, 'GetObjectAcl');
    await f.check({ method: 'GET', path: `${path}?attributes`, headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } }, 'GetObjectAttributes');
    await f.check({ method: 'PUT', path: `${path}.copy`, headers: { 'x-amz-copy-source': `/${B}/${enc}` } }, 'CopyObject');
    const enc2 = useUrlEncoding ? '&encoding-type=url' : '';
    await f.check({ method: 'GET', path: `/${B}?list-type=2&prefix=${uriEncode(key)}${enc2}` }, 'ListObjectsV2');
    await f.check({ method: 'GET', path: `/${B}?versions&prefix=${uriEncode(key)}${enc2}` }, 'ListObjectVersions');
    await f.check({ method: 'GET', path: `/${B}?start-after=${uriEncode(key)}&list-type=2&max-keys=2${enc2}` }, 'ListObjectsV2 start-after');
    const init = await f.check({ method: 'POST', path: `${path}?uploads` }, 'CreateMultipartUpload');
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
    if (uploadId) {
      const id = encodeURIComponent(uploadId);
      const part = await f.check({ method: 'PUT', path: `${path}?partNumber=1&uploadId=${id}`, body: 'part' }, 'UploadPart');
      await f.check({ method: 'GET', path: `/${B}?uploads&prefix=${uriEncode(key)}${enc2}` }, 'ListMultipartUploads');
      await f.check({ method: 'GET', path: `${path}?uploadId=${id}` }, 'ListParts');
      await f.check({ method: 'POST', path: `${path}?uploadId=${id}`, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>` }, 'CompleteMultipartUpload');
    }
    await f.check({ method: 'POST', path: `/${B}?delete`, body: `<Delete><Object><Key>${key.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}.copy</Key></Object></Delete>` }, 'DeleteObjects');
    await f.check({ method: 'DELETE', path }, 'DeleteObject');
  }), FC_PARAMS);
  await f.alive(B);
});

/**
 * Property-based fuzz of what a byte range means (issue #4), beside headers-query.test.ts (which
 * sends odd Range values and checks only that the answer is no 5xx): a single `Range` of each
 * form (first-last, first-, -suffix; any letter case of the unit) against objects of several
 * sizes, on GET and HEAD, must give RFC 9110 §14's answer as S3 gives it: 206 with exactly those
 * bytes, Content-Range and Content-Length; 416 InvalidRange (Content-Range `bytes *\/size`) when
 * the first byte is past the end or the suffix is 0; the whole object (200) when last < first, and
 * when the header has whitespace around `=` or `-`: the grammar (§14.1.2) allows none there, so
 * the header is malformed and ignored (versitygw's GetObject_with_range, written against S3;
 * regress issue-4-vgw-range-whitespace).
 * An UploadPartCopy with `x-amz-copy-source-range` is accepted only for first <= last < size, and
 * the part then holds exactly those bytes.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { FC_PARAMS, fuzzer, type Fuzzer } from './harness.js';

const B = 'fz-ranges';
const SIZES = [1, 2, 10, 1000, 70_000];
const content = (size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

const spec = fc.record({
  form: fc.constantFrom('first-last', 'first-last', 'first-', 'suffix'),
  a: fc.nat(),
  b: fc.nat(),
  spaces: fc.constantFrom('', ' ', '  '),
  unit: fc.constantFrom('bytes', 'bytes', 'Bytes', 'BYTES'),
});

/** A number near the object's edges: 0, 1, size-1, size, size+1, or anywhere inside. */
const near = (n: number, size: number): number => [0, 1, size - 1, size, size + 1, n % (size + 2), n % (size + 2), 2 ** 53][n % 8]!;

async function prepare(f: Fuzzer): Promise<void> {
  await f.send({ method: 'PUT', path: `/${B}` });
  for (const size of SIZES) {
    const put = await f.send({ method: 'PUT', path: `/${B}/o-${size}`, body: content(size) });
    if (put.status !== 200) throw new Error(`PUT o-${size}: ${put.status}`);
  }
}

test('a single Range of each form: 206 with exactly the bytes, 416, or the whole object, as RFC 9110 and S3 answer', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  await fc.assert(fc.asyncProperty(fc.constantFrom(...SIZES), spec, fc.constantFrom('GET', 'HEAD'), async (size, s, method) => {
    const data = content(size);
    const first = near(s.a, size);
    const last = near(s.b, size);
    const sp = s.spaces;
    const header = s.form === 'first-last' ? `${s.unit}=${first}${sp}-${sp}${last}` : s.form === 'first-' ? `${s.unit}${sp}=${sp}${first}-` : `${s.unit}=-${last}`;
    const a = await f.check({ method, path: `/${B}/o-${size}`, headers: { range: header } }, `Range: ${header} of ${size}`);
    let want: { status: number; from?: number; to?: number };
    if (sp !== '' && s.form !== 'suffix') want = { status: 200, from: 0, to: size - 1 };
    else if (s.form === 'suffix') want = last === 0 ? { status: 416 } : { status: 206, from: size - Math.min(last, size), to: size - 1 };
    else if (s.form === 'first-last' && last < first) want = { status: 200, from: 0, to: size - 1 };
    else if (first >= size) want = { status: 416 };
    else want = { status: 206, from: first, to: s.form === 'first-' ? size - 1 : Math.min(last, size - 1) };
    const what = `Range: ${header} of a ${size}-byte object (${method})`;
    if (a.status !== want.status) throw new Error(`${what}: ${a.status} ${a.code ?? ''}, expected ${want.status}`);
    if (want.status === 416) {
      if (a.headers['content-range'] !== `bytes */${size}`) throw new Error(`${what}: 416 with Content-Range ${String(a.headers['content-range'])}`);
      if (method === 'GET' && a.code !== 'InvalidRange') throw new Error(`${what}: 416 ${a.code}`);
      return;
    }
    const expected = data.subarray(want.from, want.to! + 1);
    if (Number(a.headers['content-length']) !== expected.length) throw new Error(`${what}: Content-Length ${String(a.headers['content-length'])}, expected ${expected.length}`);
    if (want.status === 206 && a.headers['content-range'] !== `bytes ${want.from}-${want.to}/${size}`) throw new Error(`${what}: Content-Range ${String(a.headers['content-range'])}, expected bytes ${want.from}-${want.to}/${size}`);
    if (method === 'GET' && !a.body.equals(expected)) throw new Error(`${what}: ${a.body.length} bytes that are not bytes ${want.from}-${want.to}`);
  }), { ...FC_PARAMS, includeErrorInReport: true });
});

test('UploadPartCopy with x-amz-copy-source-range: accepted only for first <= last < size, and the part holds exactly those bytes', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  let run = 0;
  let accepted = 0;
  await fc.assert(fc.asyncProperty(fc.constantFrom(...SIZES), fc.nat(), fc.nat(), async (size, x, y) => {
    const first = near(x, size);
    const last = near(y, size);
    const key = `mpu-${++run}`;
    const init = await f.send({ method: 'POST', path: `/${B}/${key}?uploads` });
    const uploadId = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!);
    const header = `bytes=${first}-${last}`;
    const a = await f.check({ method: 'PUT', path: `/${B}/${key}?partNumber=1&uploadId=${uploadId}`, headers: { 'x-amz-copy-source': `/${B}/o-${size}`, 'x-amz-copy-source-range': header } }, `x-amz-copy-source-range: ${header} of ${size}`);
    const valid = first <= last && last < size;
    const what = `x-amz-copy-source-range: ${header} of a ${size}-byte object`;
    if (valid !== (a.status === 200)) throw new Error(`${what}: ${a.status} ${a.code ?? ''}`);
    if (!valid) return;
    accepted++;
    const etag = /<ETag>([^<]+)<\/ETag>/.exec(a.text)?.[1]?.replaceAll('&quot;', '"');
    const done = await f.send({ method: 'POST', path: `/${B}/${key}?uploadId=${uploadId}`, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>` });
    if (done.status !== 200 || /<Error>/.test(done.text)) throw new Error(`${what}: complete ${done.status} ${done.text.slice(0, 200)}`);
    const get = await f.send({ method: 'GET', path: `/${B}/${key}` });
    if (!get.body.equals(content(size).subarray(first, last + 1))) throw new Error(`${what}: the object holds ${get.body.length} bytes that are not bytes ${first}-${last}`);
  }), { ...FC_PARAMS, includeErrorInReport: true });
  if (accepted === 0) throw new Error('no part copy was accepted: the generator never builds a valid range');
});

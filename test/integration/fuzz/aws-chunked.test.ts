/**
 * Property-based fuzz of aws-chunked request bodies (issue #4; project rule "nothing half-written
 * becomes visible"): PutObject and UploadPart in STREAMING-UNSIGNED-PAYLOAD-TRAILER,
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD and STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, framed
 * correctly (conformance/lib/sign.ts, chunk and trailer signatures chained from the request's own)
 * over random data split at random chunk sizes, then broken 0–3 times: truncated, a chunk-size
 * line rewritten (larger, smaller, bad hex, huge, signed, spaced), a CRLF dropped or made a bare
 * LF, bytes inserted, a chunk signature flipped, extensions added, the trailer section replaced
 * with garbage, x-amz-decoded-content-length or the trailer checksum wrong. Checked: no 5xx, a
 * catalog code on every refusal; a refused PUT leaves the key as it was (absent → HEAD 404,
 * existing → the previous bytes); an accepted PUT stored exactly x-amz-decoded-content-length
 * bytes and, when a CRC32 trailer was sent, bytes whose CRC32 it is. A third property sends
 * checksums of every algorithm as trailers (declared or not) and headers: an accepted upload never
 * holds bytes a checksum it carried does not match.
 */
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import fc from 'fast-check';
import { awsChunked, type ChunkedMode } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, chunksOf, fuzzer } from './harness.js';

const B = 'fz-chunked';
const BASELINE = 'the previous version';

interface Break {
  kind: 'truncate' | 'sizeLine' | 'dropCrlf' | 'bareLf' | 'insert' | 'flipSig' | 'extension' | 'trailerGarbage' | 'tail';
  a: number;
  text: string;
}

const SIZE_LINES = ['0', '1', 'zz', '-1', '+5', ' 5', '5 ', 'ffffffffffffffff', '10000000000000000', '0x10', 'FFFFFF', '00000000000000000000005', '', '5;', ';chunk-signature=', '5;chunk-signature=00'];
const GARBAGE = ['x-amz-checksum-crc32:AAAAAA==\r\n', 'x-amz-checksum-crc32\r\n', ':\r\n', 'x-amz-checksum-crc32:!!!!\r\n', 'x-amz-checksum-crc32c:AAAAAA==\r\n', 'x-amz-checksum-sha512:AAAA\r\n',
  'x-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:AAAAAA==\r\n', 'x-amz-trailer-signature:00\r\n', 'a'.repeat(5000), '\r\n\r\n\r\n', 'x-amz-checksum-crc32:' + 'A'.repeat(3000) + '\r\n', '\u0000\r\n', 'x-amz-checksum-crc32: AAAAAA== \r\n'];

const breakArb: fc.Arbitrary<Break> = fc.record({
  kind: fc.constantFrom('truncate', 'sizeLine', 'sizeLine', 'dropCrlf', 'bareLf', 'insert', 'flipSig', 'extension', 'trailerGarbage', 'tail'),
  a: fc.nat(),
  text: fc.oneof(fc.constantFrom(...SIZE_LINES), fc.constantFrom(...GARBAGE), fc.string({ maxLength: 12 })),
});

const caseArb = fc.record({
  mode: fc.constantFrom<ChunkedMode>('STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'),
  data: fc.uint8Array({ maxLength: 3000 }),
  cuts: fc.array(fc.nat({ max: 3000 }), { maxLength: 6 }),
  trailer: fc.constantFrom('crc32', 'crc32-wrong', 'none', 'crc32c-declared-crc32-sent'),
  decodedLength: fc.oneof({ weight: 6, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constantFrom('', '-1', '0', '1e3', '99999999999', 'x', ' 5') }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 4000 }).map(String) }),
  existing: fc.boolean(),
  breaks: fc.array(breakArb, { maxLength: 3 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const crcB64 = (b: Buffer): string => {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(crc32(b));
  return v.toString('base64');
};

/** Apply the breaks to a framed body (positions are picked modulo the body's size and structure). */
function breakBody(body: Buffer, breaks: Break[]): Buffer {
  let b = body;
  for (const k of breaks) {
    const text = b.toString('latin1');
    const lines = [...text.matchAll(/(^|\r?\n)([0-9a-fA-F]+)(;[^\r\n]*)?\r?\n/g)];
    const crlfs = [...text.matchAll(/\r\n/g)].map((m) => m.index);
    switch (k.kind) {
      case 'truncate':
        b = b.subarray(0, b.length === 0 ? 0 : k.a % b.length);
        break;
      case 'sizeLine':
        if (lines.length > 0) {
          const m = lines[k.a % lines.length]!;
          const start = m.index + m[1]!.length;
          b = Buffer.concat([b.subarray(0, start), Buffer.from(SIZE_LINES[k.a % SIZE_LINES.length]!, 'latin1'), b.subarray(start + m[2]!.length)]);
        }
        break;
      case 'dropCrlf':
      case 'bareLf':
        if (crlfs.length > 0) {
          const at = crlfs[k.a % crlfs.length]!;
          b = Buffer.concat([b.subarray(0, at), Buffer.from(k.kind === 'bareLf' ? '\n' : ''), b.subarray(at + 2)]);
        }
        break;
      case 'insert': {
        const at = b.length === 0 ? 0 : k.a % b.length;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(k.text, 'latin1'), b.subarray(at)]);
        break;
      }
      case 'flipSig': {
        const sigs = [...text.matchAll(/(chunk|trailer)-signature[=:]([0-9a-f])/g)];
        if (sigs.length > 0) {
          const m = sigs[k.a % sigs.length]!;
          const at = m.index + m[0].length - 1;
          b = Buffer.from(b);
          b[at] = m[2] === '0' ? 0x31 : 0x30;
        }
        break;
      }
      case 'extension':
        if (lines.length > 0) {
          const m = lines[k.a % lines.length]!;
          const at = m.index + m[1]!.length + m[2]!.length;
          b = Buffer.concat([b.subarray(0, at), Buffer.from(`;${k.text.replace(/[\r\n]/g, '')}=x`, 'latin1'), b.subarray(at)]);
        }
        break;
      case 'trailerGarbage': {
        // Replace everything after the final 0-size line with garbage.
        const fin = text.search(/(^|\n)0(;[^\r\n]*)?\r?\n(?![\s\S]*\n0(;[^\r\n]*)?\r?\n)/);
        if (fin >= 0) {
          const eol = text.indexOf('\n', fin + 1);
          b = Buffer.concat([b.subarray(0, eol + 1), Buffer.from(GARBAGE[k.a % GARBAGE.length]!, 'latin1')]);
        }
        break;
      }
      case 'tail':
        b = Buffer.concat([b, Buffer.from(k.text || 'x', 'latin1')]);
        break;
    }
  }
  return b;
}

test('fuzzed aws-chunked PutObject bodies: a 4xx with an AWS code and nothing stored, or exactly the declared bytes', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  let run = 0;
  let accepted = 0;
  await fc.assert(fc.asyncProperty(caseArb, async (c: Case) => {
    const key = c.existing ? 'existing' : `new-${++run}`;
    if (c.existing) await f.send({ method: 'PUT', path: `/${B}/${key}`, body: BASELINE });
    const data = Buffer.from(c.data);
    const chunks = chunksOf(data, c.cuts);
    const withTrailer = c.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && c.trailer !== 'none';
    const trailerName = c.trailer === 'crc32c-declared-crc32-sent' ? 'x-amz-checksum-crc32c' : 'x-amz-checksum-crc32';
    const trailerValue = c.trailer === 'crc32-wrong' ? crcB64(Buffer.concat([data, Buffer.from('!')])) : crcB64(data);
    const headers: Record<string, string> = {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': c.decodedLength ?? String(data.length),
      ...(withTrailer ? { 'x-amz-trailer': trailerName } : {}),
    };
    const signedHeaders = ['host', 'x-amz-date', 'x-amz-content-sha256', ...Object.keys(headers)];
    const a = await f.check({
      method: 'PUT', path: `/${B}/${key}`, headers, payloadHash: c.mode, noMd5: true, signedHeaders,
      after: (s) => {
        const framed = awsChunked({
          mode: c.mode, chunks,
          trailers: withTrailer ? { 'x-amz-checksum-crc32': trailerValue } : undefined,
          signing: c.mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature },
        });
        const body = breakBody(framed, c.breaks);
        return { body, headers: { 'content-length': String(body.length) } };
      },
    }, `aws-chunked ${c.mode}`);
    const get = await f.send({ method: 'GET', path: `/${B}/${key}` });
    if (a.status >= 300) {
      if (c.existing ? get.text !== BASELINE : get.status !== 404) {
        throw new Error(`refused aws-chunked PUT (${a.status} ${a.code}) changed ${key}: GET ${get.status} ${get.body.length} bytes`);
      }
      return;
    }
    accepted++;
    if (get.status !== 200) throw new Error(`accepted PUT, then GET ${get.status}`);
    if (String(get.body.length) !== headers['x-amz-decoded-content-length']!.trim()) {
      throw new Error(`accepted PUT stored ${get.body.length} bytes, x-amz-decoded-content-length was ${headers['x-amz-decoded-content-length']}`);
    }
    if (withTrailer && c.breaks.length === 0 && crcB64(get.body) !== trailerValue) throw new Error('accepted PUT stored bytes that do not match the CRC32 trailer');
    if (c.breaks.length === 0 && c.decodedLength === undefined && !get.body.equals(data)) throw new Error('stored bytes differ from the data sent');
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  if (accepted === 0) throw new Error('no fuzzed upload was accepted: the generator never produces a valid one');
  await f.alive(B);
});

test('fuzzed aws-chunked UploadPart bodies: a 4xx with an AWS code and no part listed, or the declared bytes', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  const init = await f.send({ method: 'POST', path: `/${B}/mpu?uploads` });
  const uploadId = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!);
  let part = 0;
  await fc.assert(fc.asyncProperty(caseArb, async (c: Case) => {
    const n = (++part % 10_000) + 1;
    const data = Buffer.from(c.data);
    const headers: Record<string, string> = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': c.decodedLength ?? String(data.length) };
    const withTrailer = c.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && c.trailer !== 'none';
    if (withTrailer) headers['x-amz-trailer'] = 'x-amz-checksum-crc32';
    const trailerValue = c.trailer === 'crc32-wrong' ? crcB64(Buffer.from('!')) : crcB64(data);
    const a = await f.check({
      method: 'PUT', path: `/${B}/mpu?partNumber=${n}&uploadId=${uploadId}`, headers, payloadHash: c.mode, noMd5: true,
      signedHeaders: ['host', 'x-amz-date', 'x-amz-content-sha256', ...Object.keys(headers)],
      after: (s) => {
        const framed = awsChunked({
          mode: c.mode, chunks: chunksOf(data, c.cuts), trailers: withTrailer ? { 'x-amz-checksum-crc32': trailerValue } : undefined,
          signing: c.mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature },
        });
        const body = breakBody(framed, c.breaks);
        return { body, headers: { 'content-length': String(body.length) } };
      },
    }, `aws-chunked UploadPart ${c.mode}`);
    const parts = await f.send({ method: 'GET', path: `/${B}/mpu?uploadId=${uploadId}&part-number-marker=${n - 1}&max-parts=1` });
    const listed = new RegExp(`<PartNumber>${n}</PartNumber>`).test(parts.text);
    const size = /<Size>(\d+)<\/Size>/.exec(parts.text)?.[1];
    if (a.status >= 300 && listed) throw new Error(`refused UploadPart (${a.status} ${a.code}) is listed: ${parts.text}`);
    if (a.status < 300 && (!listed || size !== headers['x-amz-decoded-content-length']!.trim())) throw new Error(`accepted UploadPart listed as ${size} bytes: ${parts.text}`);
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  await f.alive(B);
});

// ---------------------------------------------------------------------------------------------
// Checksums of every algorithm, as a trailer (declared or not, under the declared name or another)
// and as a header: an accepted upload never holds bytes a checksum it was sent does not match.

const ALGOS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
type Algo = (typeof ALGOS)[number];

async function checksumOf(algo: Algo, data: Buffer): Promise<string> {
  switch (algo) {
    case 'crc32': return crcB64(data);
    case 'crc32c': {
      const c = new Crc32c();
      c.update(data);
      const v = Buffer.alloc(4);
      v.writeUInt32BE(c.digest());
      return v.toString('base64');
    }
    case 'crc64nvme': {
      const h = new Crc64Nvme();
      h.update(data);
      return Buffer.from(await h.digest()).toString('base64');
    }
    case 'sha1': return createHash('sha1').update(data).digest('base64');
    case 'sha256': return createHash('sha256').update(data).digest('base64');
  }
}

const checksumCase = fc.record({
  mode: fc.constantFrom<ChunkedMode>('STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'),
  data: fc.uint8Array({ maxLength: 2000 }),
  cuts: fc.array(fc.nat({ max: 2000 }), { maxLength: 4 }),
  declared: fc.option(fc.constantFrom<string>(...ALGOS, 'sha512', 'md5', 'x'), { freq: 6 }),
  sent: fc.option(fc.constantFrom<Algo>(...ALGOS), { freq: 8 }),
  value: fc.oneof({ weight: 2, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 2, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')) },
    { weight: 1, arbitrary: fc.constantFrom('', '!!!!', 'AAAAAA==', 'AAAAAA', ' ', 'AAAA AA==') }),
  header: fc.option(fc.tuple(fc.constantFrom<Algo>(...ALGOS), fc.boolean()), { freq: 4 }),
  sdkAlgorithm: fc.option(fc.constantFrom('CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'SHA512', 'x'), { freq: 4 }),
  /** One time in three the request is coherent (one algorithm, declared and sent, right value) but for the value. */
  coherent: fc.nat({ max: 2 }),
}).map((c) => (c.coherent === 0 && c.sent ? { ...c, declared: c.sent, header: null, sdkAlgorithm: c.sdkAlgorithm === null ? null : c.sent.toUpperCase() } : c));

test('aws-chunked uploads with checksum trailers and headers of every algorithm: a mismatching checksum is never stored', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  let run = 0;
  let accepted = 0;
  await fc.assert(fc.asyncProperty(checksumCase, async (c) => {
    const key = `ck-${++run}`;
    const data = Buffer.from(c.data);
    const headers: Record<string, string> = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
    if (c.declared) headers['x-amz-trailer'] = `x-amz-checksum-${c.declared}`;
    if (c.sdkAlgorithm) headers['x-amz-sdk-checksum-algorithm'] = c.sdkAlgorithm;
    const claims: [Algo, string][] = [];
    if (c.header) {
      const v = c.header[1] ? await checksumOf(c.header[0], data) : await checksumOf(c.header[0], Buffer.concat([data, Buffer.from('?')]));
      headers[`x-amz-checksum-${c.header[0]}`] = v;
      claims.push([c.header[0], v]);
    }
    const trailers: Record<string, string> = {};
    if (c.sent) {
      const v = c.value ?? (await checksumOf(c.sent, data));
      trailers[`x-amz-checksum-${c.sent}`] = v;
      claims.push([c.sent, v]);
    }
    const a = await f.check({
      method: 'PUT', path: `/${B}/${key}`, headers, payloadHash: c.mode, noMd5: true,
      signedHeaders: ['host', 'x-amz-date', 'x-amz-content-sha256', ...Object.keys(headers)],
      after: (s) => {
        const body = awsChunked({
          mode: c.mode, chunks: chunksOf(data, c.cuts), trailers: c.sent ? trailers : undefined,
          signing: c.mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature },
        });
        return { body, headers: { 'content-length': String(body.length) } };
      },
    }, 'aws-chunked checksums');
    const head = await f.send({ method: 'HEAD', path: `/${B}/${key}` });
    if (a.status >= 300) {
      if (head.status !== 404) throw new Error(`refused (${a.status} ${a.code}) but stored`);
      return;
    }
    accepted++;
    for (const [algo, v] of claims) {
      if (v !== (await checksumOf(algo, data))) {
        throw new Error(`stored although ${algo} ${JSON.stringify(v)} does not match the data (headers ${JSON.stringify(headers)}, trailers ${JSON.stringify(trailers)}): ${a.status}`);
      }
    }
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  if (accepted === 0) throw new Error('no upload was accepted: the generator never produces a valid one');
  await f.alive(B);
});

// ---------------------------------------------------------------------------------------------
// XML and JSON request bodies framed as aws-chunked (what a client with flexible checksums may send).

const DOCS: [string, string, string][] = [
  ['POST', `/${B}?delete`, '<Delete><Object><Key>gone</Key></Object></Delete>'],
  ['PUT', `/${B}?tagging`, '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>'],
  ['PUT', `/${B}/tagged?tagging`, '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>'],
  ['PUT', `/${B}?lifecycle`, '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>x/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>'],
  ['PUT', `/${B}?cors`, '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'],
  ['PUT', `/${B}?versioning`, '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>'],
  ['PUT', `/${B}?policy`, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/pub/*` }] })],
];

test('aws-chunked XML and policy bodies (framing broken or not): a 4xx with an AWS code or a 2xx, never a 5xx', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  await f.send({ method: 'PUT', path: `/${B}/tagged`, body: 'x' });
  await fc.assert(fc.asyncProperty(fc.nat(DOCS.length - 1), caseArb, async (d, c) => {
    const [method, path, doc] = DOCS[d]!;
    const data = Buffer.from(doc);
    const withTrailer = c.mode !== 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' && c.trailer !== 'none';
    const headers: Record<string, string> = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': c.decodedLength ?? String(data.length), ...(withTrailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}) };
    await f.check({
      method, path, headers, payloadHash: c.mode, noMd5: true, signedHeaders: ['host', 'x-amz-date', 'x-amz-content-sha256', ...Object.keys(headers)],
      after: (s) => {
        const framed = awsChunked({
          mode: c.mode, chunks: chunksOf(data, c.cuts), trailers: withTrailer ? { 'x-amz-checksum-crc32': c.trailer === 'crc32-wrong' ? crcB64(Buffer.from('?')) : crcB64(data) } : undefined,
          signing: c.mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature },
        });
        const body = breakBody(framed, c.breaks);
        return { body, headers: { 'content-length': String(body.length) } };
      },
    }, `aws-chunked ${method} ${path}`);
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  await f.alive(B);
});

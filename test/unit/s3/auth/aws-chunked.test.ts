// aws-chunked decoder on synthetic bodies: any chunk size, any split of the input, bounded buffering,
// LF/CRLF tolerance, signed chains and trailers (spec §2.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  AwsChunkedParser, decodeAwsChunked, deriveSigningKey, EMPTY_SHA256, MAX_CHUNK_HEADER, stripAwsChunked,
} from '../../../../src/s3/auth/index.js';
import type { AwsChunkedOptions, ChunkSigning } from '../../../../src/s3/auth/index.js';
import { checksumOf, toBase64 } from '../../../../src/s3/checksum/index.js';
import { pieces } from './client-fixtures.js';

function signHex(key: Buffer, s: string): string {
  return createHmac('sha256', key).update(s).digest('hex');
}

const SIGNING: ChunkSigning = {
  signingKey: deriveSigningKey('secretsecretsecret', '20260101', 'eu-central-1', 's3'),
  amzDate: '20260101T120000Z', scope: '20260101/eu-central-1/s3/aws4_request', seedSignature: 'a'.repeat(64),
};

/** Frame `chunks` as aws-chunked; signed when `signing` is given; trailer lines appended raw. */
function frame(chunks: Buffer[], opts: { signing?: ChunkSigning; trailer?: string; eol?: string } = {}): Buffer {
  const eol = opts.eol ?? '\r\n';
  let prev = opts.signing?.seedSignature ?? '';
  const out: Buffer[] = [];
  for (const c of [...chunks, Buffer.alloc(0)]) {
    let ext = '';
    if (opts.signing) {
      const s = opts.signing;
      const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${prev}\n${EMPTY_SHA256}\n${createHash('sha256').update(c).digest('hex')}`;
      prev = signHex(s.signingKey, sts);
      ext = `;chunk-signature=${prev}`;
    }
    out.push(Buffer.from(`${c.length.toString(16)}${ext}${eol}`), c);
    if (c.length > 0) out.push(Buffer.from(eol));
  }
  if (opts.trailer !== undefined) {
    let t = opts.trailer;
    if (opts.signing) {
      const s = opts.signing;
      const canon = t.split(/\r?\n/).filter(Boolean).map((l) => `${l}\n`).join('');
      const sts = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${prev}\n${createHash('sha256').update(canon).digest('hex')}`;
      t += `x-amz-trailer-signature:${signHex(s.signingKey, sts)}\r\n`;
    }
    out.push(Buffer.from(`${t}\r\n`));
  } else {
    out.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(out);
}

function run(body: Buffer, opts: AwsChunkedOptions, split: number[] = [body.length]): { data: Buffer; trailers: Map<string, string> } {
  const p = new AwsChunkedParser(opts);
  const out: Buffer[] = [];
  for (const piece of pieces(body, split)) p.write(piece, (b) => out.push(Buffer.from(b)));
  return { data: Buffer.concat(out), trailers: p.finish() };
}

test('property: any data, chunking and input split decodes exactly (unsigned trailer + signed trailer)', () => {
  fc.assert(fc.property(
    fc.uint8Array({ maxLength: 3000 }),
    fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 8 }),
    fc.boolean(),
    (bytes, chunkSizes, split, signed) => {
      const data = Buffer.from(bytes);
      const chunks = pieces(data, chunkSizes);
      const crc = toBase64(checksumOf('CRC32', data));
      const body = frame(chunks, { trailer: `x-amz-checksum-crc32:${crc}\r\n`, ...(signed ? { signing: SIGNING } : {}) });
      const { data: got, trailers } = run(body, {
        decodedContentLength: data.length, trailer: true, declaredTrailers: ['x-amz-checksum-crc32'], signing: signed ? SIGNING : undefined,
      }, split);
      assert.ok(got.equals(data));
      assert.equal(trailers.get('x-amz-checksum-crc32'), crc);
    },
  ), { numRuns: 200 });
});

test('signed chunks without trailer, fed one byte at a time', () => {
  const data = Buffer.from('hello aws-chunked world, framing must not leak\r\n0;chunk-signature=\r\n');
  const body = frame(pieces(data, [5, 1, 30]), { signing: SIGNING });
  const { data: got, trailers } = run(body, { decodedContentLength: data.length, trailer: false, signing: SIGNING }, [1]);
  assert.ok(got.equals(data));
  assert.equal(trailers.size, 0);
});

test('a big chunk streams out before it is complete (never buffered whole)', () => {
  const data = Buffer.alloc(1 << 20, 7);
  const body = frame([data], { signing: SIGNING });
  const p = new AwsChunkedParser({ decodedContentLength: data.length, trailer: false, signing: SIGNING });
  let emitted = 0;
  const headerLen = body.indexOf('\n') + 1;
  p.write(body.subarray(0, headerLen + 1000), (b) => { emitted += b.length; });
  assert.equal(emitted, 1000);
  p.write(body.subarray(headerLen + 1000), (b) => { emitted += b.length; });
  assert.equal(emitted, data.length);
  p.finish();
});

test('LF-only line endings and a missing closing CRLF are tolerated', () => {
  const data = Buffer.from('abcdef');
  const lf = frame([data], { eol: '\n' });
  assert.ok(run(lf, { decodedContentLength: 6, trailer: false }).data.equals(data));
  const noFinal = Buffer.from('6\r\nabcdef\r\n0\r\n');
  assert.ok(run(noFinal, { decodedContentLength: 6, trailer: false }).data.equals(data));
  // minio-go: trailer line with LF, then an empty CRLF line, then the signature.
  const t = run(Buffer.from('6\r\nabcdef\r\n0\r\nx-amz-checksum-crc32c:abc=\n\r\n'), { decodedContentLength: 6, trailer: true, declaredTrailers: ['x-amz-checksum-crc32c'] });
  assert.equal(t.trailers.get('x-amz-checksum-crc32c'), 'abc=');
});

test('framing errors → IncompleteBody', () => {
  const o = { decodedContentLength: 6, trailer: false } as const;
  const bad = (s: string | Buffer, opts: AwsChunkedOptions = o) =>
    assert.throws(() => run(Buffer.isBuffer(s) ? s : Buffer.from(s), opts), { awsCode: 'IncompleteBody' }, String(s).slice(0, 40));
  bad('zz\r\nabcdef\r\n0\r\n\r\n'); // not hex
  bad('6\r\nabcdefX\r\n0\r\n\r\n'); // data not followed by CRLF
  bad('7\r\nabcdefg\r\n0\r\n\r\n'); // beyond decoded length
  bad('6\r\nabc'); // truncated data
  bad('6\r\nabcdef\r\n'); // no final chunk
  bad('6\r\nabcdef\r\n0\r\nextra'); // junk after the end
  bad(Buffer.concat([Buffer.from('6;'), Buffer.alloc(MAX_CHUNK_HEADER, 'x')])); // header line too long, no LF yet
  bad('3\r\nabc\r\n0\r\n\r\n'); // shorter than declared
  bad('6\r\nabcdef\r\n0\r\n\r\n', { decodedContentLength: 6, trailer: false, signing: SIGNING }); // unsigned chunk in signed stream
});

test('async generator form yields decoded bytes and reports trailers', async () => {
  const data = Buffer.from('generator data');
  const body = frame([data], { trailer: 'x-amz-checksum-sha256:xyz\r\n' });
  async function* src() {
    for (const p of pieces(body, [3])) yield p;
  }
  const out: Buffer[] = [];
  let trailers: ReadonlyMap<string, string> | undefined;
  for await (const b of decodeAwsChunked(src(), { decodedContentLength: data.length, trailer: true, declaredTrailers: ['x-amz-checksum-sha256'] }, (t) => { trailers = t; })) {
    out.push(b);
  }
  assert.ok(Buffer.concat(out).equals(data));
  assert.equal(trailers?.get('x-amz-checksum-sha256'), 'xyz');
});

test('stripAwsChunked keeps the other encodings', () => {
  assert.equal(stripAwsChunked('aws-chunked'), undefined);
  assert.equal(stripAwsChunked('aws-chunked,gzip'), 'gzip');
  assert.equal(stripAwsChunked('gzip, AWS-CHUNKED'), 'gzip');
  assert.equal(stripAwsChunked('gzip,br'), 'gzip,br');
  assert.equal(stripAwsChunked(undefined), undefined);
});

/**
 * Property-based fuzz of request bodies as they arrive on a real socket (issue #4; project rules
 * "bad input gets a clear error and loses nothing" and "nothing half-written becomes visible"):
 * the other fuzz files inject whole bodies (`fastify.inject` hands the body over in one piece), so
 * the parsers' handling of a body cut across TCP reads, and of a client that stops sending, is
 * reached only here. A PutObject (plain, or aws-chunked in each of the three modes with and without
 * a CRC32 trailer), an UploadPart (aws-chunked) and a PostObject form are written to a socket in
 * pieces cut at random points (Nagle off, each piece flushed before the next), sometimes with a
 * framing fault (a chunk-size line in bad hex, a CRLF dropped), and sometimes cut short: the client
 * half-closes (FIN) after k bytes of a body whose Content-Length promised more. Checked: an answer
 * comes (or the connection closes) within the hang limit, it is never a 5xx, an error carries a
 * catalog code; a whole valid upload is stored with exactly its bytes (no framing in them); a
 * cut-short or faulty one stores nothing; the gateway serves a normal request after.
 */
import { test } from 'node:test';
import { createHash, createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { amzDate, awsChunked, signingKey, signV4, type ChunkedMode } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, assertAwsAnswer, chunksOf, fuzzer, type Fuzzer } from './harness.js';

const B = 'fz-wire';
const HANG_MS = 10_000;
const BOUNDARY = '----wireboundary0123456789';

interface Raw {
  status?: number;
  text: string;
  /** The server closed the connection without an answer. */
  noAnswer: boolean;
}

/**
 * Send `head` + `body` over a fresh connection in pieces cut at `cuts`; `truncateAt` sends that many
 * body bytes, then FIN. Resolves at the first whole final answer (by its Content-Length) or when
 * the connection closes.
 */
async function exchange(port: number, head: string, body: Buffer, cuts: number[], truncateAt: number | undefined): Promise<Raw> {
  const sent = truncateAt === undefined ? body : body.subarray(0, truncateAt);
  const all = Buffer.concat([Buffer.from(head, 'latin1'), sent]);
  const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].filter((c) => c > 0 && c < all.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of [...at, all.length]) {
    pieces.push(all.subarray(from, c));
    from = c;
  }
  return new Promise<Raw>((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sock.setNoDelay(true);
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer and no close within ${HANG_MS} ms (sent ${sent.length} of ${body.length} body bytes in ${pieces.length} pieces${truncateAt === undefined ? '' : ', then FIN'})`));
    }, HANG_MS);
    let settled = false;
    // Interim answers (100 Continue) come first; the final answer is what counts.
    const finalAnswer = (): string => Buffer.concat(got).toString('latin1').replace(/^(HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = finalAnswer();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text: text.slice(text.indexOf('\r\n\r\n') + 4), noAnswer: !m });
    };
    sock.on('data', (d) => {
      got.push(d);
      const text = finalAnswer();
      const end = text.indexOf('\r\n\r\n');
      if (!/^HTTP\/1\.1 \d{3}/.test(text) || end < 0) return;
      const len = /^content-length: *(\d+)/im.exec(text.slice(0, end))?.[1];
      const status = Number(text.slice(9, 12));
      if (text.length >= end + 4 + Number(len ?? (status === 204 || status === 304 ? 0 : NaN))) {
        done();
        sock.destroy();
      }
    });
    // The server closes its side after answering (Connection: close); half-open for the body, the client then closes too.
    sock.on('end', () => sock.end());
    sock.on('close', done);
    // The server may answer early (a refusal) and reset: what it said is what counts.
    sock.on('error', () => undefined);
    sock.on('connect', () => {
      void (async () => {
        for (const p of pieces) {
          if (sock.destroyed || sock.writableEnded) return;
          await new Promise<void>((r) => sock.write(p, () => r()));
          await new Promise((r) => setImmediate(r));
        }
        if (truncateAt !== undefined && !sock.destroyed) sock.end();
      })();
    });
  });
}

const crcB64 = (b: Buffer): string => {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(crc32(b));
  return v.toString('base64');
};

type Kind = 'plain' | ChunkedMode | 'post' | 'part';

const caseArb = fc.record({
  kind: fc.constantFrom<Kind>('plain', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'post', 'part'),
  data: fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(new Uint8Array(0), new Uint8Array(70_000).fill(0x0d), new Uint8Array(200_000).fill(0x30))),
  chunkCuts: fc.array(fc.nat({ max: 200_000 }), { maxLength: 5 }),
  trailer: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  /** Cut short: the body stops after (n mod its length) bytes and the client half-closes. */
  truncate: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.nat() }),
  /** A framing fault at one place of the body. */
  fault: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.tuple(fc.constantFrom('badHex', 'dropCrlf', 'bareCr', 'boundaryCut', 'longLine'), fc.nat()) }),
  expect100: fc.boolean(),
  /** Ask for Connection: close (else keep-alive, as SDKs do). */
  close: fc.boolean(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** The request head and body of a case (signed over the exact body sent). */
function build(f: Fuzzer, c: Case, key: string, uploadId: string, partNumber: number): { head: string; body: Buffer } {
  const data = Buffer.from(c.data);
  const keys = { accessKeyId: f.gw.accessKey, secretAccessKey: f.gw.secretKey };
  const now = new Date();
  const base: Record<string, string> = { host: `127.0.0.1:${f.gw.port}`, ...(c.close ? { connection: 'close' } : {}), ...(c.expect100 ? { expect: '100-continue' } : {}) };
  let method = 'PUT';
  let path = `/${B}/${key}`;
  let headers: Record<string, string>;
  let body: Buffer;
  if (c.kind === 'post') {
    method = 'POST';
    path = `/${B}`;
    const date = amzDate(now);
    const scope = `${date.slice(0, 8)}/${f.gw.region}/s3/aws4_request`;
    const credential = `${keys.accessKeyId}/${scope}`;
    const policy = Buffer.from(JSON.stringify({ expiration: new Date(now.getTime() + 600_000).toISOString(), conditions: [{ bucket: B }, ['starts-with', '$key', 'w-'], { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': date }] })).toString('base64');
    const sig = createHmac('sha256', signingKey(keys.secretAccessKey, date.slice(0, 8), f.gw.region)).update(policy).digest('hex');
    const fields: [string, string][] = [['key', key], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', credential], ['x-amz-date', date], ['policy', policy], ['x-amz-signature', sig]];
    body = Buffer.concat([
      ...fields.map(([n, v]) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`)),
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`), data, Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    headers = { ...base, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(body.length) };
  } else if (c.kind === 'plain') {
    body = data;
    headers = signV4({ method, path, headers: { ...base, 'content-length': String(body.length), 'content-md5': createHash('md5').update(body).digest('base64') }, payloadHash: createHash('sha256').update(body).digest('hex'), keys, region: f.gw.region, date: now }).headers;
  } else {
    const mode: ChunkedMode = c.kind === 'part' ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : c.kind;
    if (c.kind === 'part') path = `/${B}/mpu?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`;
    // The signed-trailer form always ends in a signed trailer section (the gateway requires its signature).
    const withTrailer = mode === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' || (mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' && c.trailer);
    const h: Record<string, string> = { ...base, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), ...(withTrailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}) };
    const signed = signV4({ method, path, headers: h, payloadHash: mode, keys, region: f.gw.region, date: now, signedHeaders: ['host', 'x-amz-date', 'x-amz-content-sha256', 'content-encoding', 'x-amz-decoded-content-length', ...(withTrailer ? ['x-amz-trailer'] : [])] });
    body = awsChunked({
      mode, chunks: chunksOf(data, c.chunkCuts), trailers: withTrailer ? { 'x-amz-checksum-crc32': crcB64(data) } : undefined,
      signing: mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' ? undefined : { key: signed.signingKey, date: signed.amzDate, scope: signed.scope, seed: signed.signature },
    });
    headers = { ...signed.headers, 'content-length': String(body.length) };
  }
  if (c.fault) body = faulty(body, c.fault[0], c.fault[1], c.kind);
  if (c.fault) headers['content-length'] = String(body.length);
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return { head, body };
}

/** One framing fault: a chunk-size line in bad hex, a CRLF dropped or made a bare CR, or the form's closing boundary cut. */
function faulty(body: Buffer, kind: string, n: number, k: Kind): Buffer {
  const text = body.toString('latin1');
  if (kind === 'badHex' && k !== 'plain' && k !== 'post') {
    const lines = [...text.matchAll(/(^|\n)([0-9a-f]+)(?=[;\r])/g)];
    if (lines.length === 0) return body;
    const m = lines[n % lines.length]!;
    const at = m.index + m[1]!.length;
    return Buffer.concat([body.subarray(0, at), Buffer.from(['g', 'fffffffffffffffff', '-1', ' 1', '1 '][n % 5]!), body.subarray(at + m[2]!.length)]);
  }
  if (kind === 'longLine' && k !== 'plain' && k !== 'post') {
    // A chunk-size line past the parser's 4 KiB line limit (or just under it), by a long extension.
    const lines = [...text.matchAll(/(^|\n)([0-9a-f]+)(?=[;\r])/g)];
    if (lines.length === 0) return body;
    const m = lines[n % lines.length]!;
    const at = m.index + m[1]!.length + m[2]!.length;
    return Buffer.concat([body.subarray(0, at), Buffer.from(`;x=${'a'.repeat([3900, 4100, 70_000][n % 3]!)}`), body.subarray(at)]);
  }
  if (kind === 'dropCrlf' || kind === 'bareCr') {
    const crlfs = [...text.matchAll(/\r\n/g)].map((m) => m.index);
    if (crlfs.length === 0) return body;
    const at = crlfs[n % crlfs.length]!;
    return Buffer.concat([body.subarray(0, at), Buffer.from(kind === 'bareCr' ? '\r' : ''), body.subarray(at + 2)]);
  }
  if (kind === 'boundaryCut' && k === 'post') {
    const end = text.lastIndexOf(`--${BOUNDARY}--`);
    return end < 0 ? body : body.subarray(0, end + (n % (BOUNDARY.length + 4)));
  }
  return body;
}

test('bodies cut across TCP reads, faulty or cut short by the client: an answer or a close in time, never a 5xx; only whole valid uploads are stored, exactly', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  const init = await f.send({ method: 'POST', path: `/${B}/mpu?uploads` });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!;
  let run = 0;
  let stored = 0;
  const seen = new Map<string, number>();
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    const n = ++run;
    const key = `w-${n}`;
    const partNumber = (n % 10_000) + 1;
    const { head, body } = build(f, c, key, uploadId, partNumber);
    const truncateAt = c.truncate === null || body.length === 0 ? undefined : c.truncate % body.length;
    const what = `${c.kind} of ${c.data.length} bytes, ${c.cuts.length} cuts${truncateAt === undefined ? '' : `, FIN after ${truncateAt} of ${body.length}`}${c.fault ? `, fault ${c.fault[0]}` : ''}`;
    const a = await exchange(f.gw.port, head, body, c.cuts, truncateAt);
    const outcome = `${c.kind === 'post' || c.kind === 'plain' || c.kind === 'part' ? c.kind : 'chunked'}${truncateAt === undefined ? '' : ' cut short'}${c.fault ? ' faulty' : ''} → ${a.status ?? 'closed'} ${/<Code>([^<]*)<\/Code>/.exec(a.text)?.[1] ?? ''}`.trim();
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    if (a.status !== undefined) assertAwsAnswer({ status: a.status, text: a.text, headers: {}, body: Buffer.from(a.text, 'latin1'), code: /<Code>([^<]*)<\/Code>/.exec(a.text)?.[1] }, what);
    // Known (reported by fuzz15, not fixed): with Connection: close asked, Node's server closes the
    // socket right after an early answer (a refusal mid-body) while the client is still sending, and
    // the reset can cost the client that answer. With keep-alive the rest is read and discarded.
    if (a.status === undefined && truncateAt === undefined && !c.close) throw new Error(`${what}: the whole request was sent and the connection closed without an answer`);
    const ok = a.status !== undefined && a.status < 300;
    const data = Buffer.from(c.data);
    if (c.kind === 'part') {
      const parts = await f.send({ method: 'GET', path: `/${B}/mpu?uploadId=${encodeURIComponent(uploadId)}&part-number-marker=${partNumber - 1}&max-parts=1` });
      const listed = new RegExp(`<PartNumber>${partNumber}</PartNumber>`).test(parts.text);
      const size = /<Size>(\d+)<\/Size>/.exec(parts.text)?.[1];
      if (!ok && listed && truncateAt !== undefined) throw new Error(`${what}: refused or cut-short UploadPart is listed (${size} bytes)`);
      if (ok && size !== String(data.length)) throw new Error(`${what}: accepted UploadPart listed as ${size} bytes, sent ${data.length}`);
      return;
    }
    const get = await f.send({ method: 'GET', path: `/${B}/${key}` });
    if (!ok) {
      if (get.status !== 404) throw new Error(`${what}: answered ${a.status ?? 'nothing'} ${a.text.slice(0, 200)} but stored ${get.body.length} bytes`);
      if (truncateAt === undefined && c.fault === null) {
        throw new Error(`${what}: a whole valid upload was refused: ${a.status ?? 'no answer'} ${a.text.slice(0, 300)}`);
      }
      return;
    }
    stored++;
    if (get.status !== 200) throw new Error(`${what}: accepted (${a.status}), then GET ${get.status}`);
    if (!get.body.equals(data)) throw new Error(`${what}: stored ${get.body.length} bytes that are not the ${data.length} sent`);
  }), { ...FC_PARAMS, includeErrorInReport: true, numRuns: Math.max(10, Math.floor((FC_PARAMS.numRuns ?? 100) / 2)) });
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...seen].sort((x, y) => y[1] - x[1])));
  if (stored === 0) throw new Error('no upload was stored: the generator never sends a whole valid one');
  await f.alive(B);
});

test('an aws-chunked upload cut short at every byte (FIN), in each mode: never a 5xx or a hang, nothing stored', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  const c: Case = { kind: 'plain', data: new Uint8Array(Buffer.from('0123456789abcdefghij')), chunkCuts: [7], trailer: true, cuts: [], truncate: null, fault: null, expect100: false, close: false };
  let run = 0;
  for (const kind of ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'] as const) {
    const key = `cut-${kind}`;
    const { head, body } = build(f, { ...c, kind }, key, '', 1);
    for (let at = 0; at < body.length; at++) {
      const a = await exchange(f.gw.port, head, body, [], at);
      run++;
      if (a.status !== undefined) assertAwsAnswer({ status: a.status, text: a.text, headers: {}, body: Buffer.from(a.text, 'latin1'), code: /<Code>([^<]*)<\/Code>/.exec(a.text)?.[1] }, `${kind} cut at ${at} of ${body.length}`);
      if (a.status !== undefined && a.status < 300) throw new Error(`${kind} cut at ${at} of ${body.length} was accepted: ${a.status}`);
    }
    const get = await f.send({ method: 'HEAD', path: `/${B}/${key}` });
    if (get.status !== 404) throw new Error(`${kind}: a cut-short upload was stored`);
    // And whole, it is stored.
    const whole = await exchange(f.gw.port, head, body, [], undefined);
    if (whole.status !== 200) throw new Error(`${kind}: the whole upload answered ${whole.status ?? 'nothing'} ${whole.text.slice(0, 200)}`);
  }
  if (run < 300) throw new Error(`only ${run} cuts`);
  await f.alive(B);
});

// Tampering, expiry, skew and malformed input: each must fail with the AWS code of spec §9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  authenticate, awsChunkedOptions, createAwsChunkedDecoder, createPayloadHashVerifier, PayloadHashCheck,
} from '../../../../src/s3/auth/index.js';
import type { AuthOptions, SignableRequest } from '../../../../src/s3/auth/index.js';
import { checksumOf, toBase64, verifyChecksum } from '../../../../src/s3/checksum/index.js';
import { fixtureBody, fixtureClock, fixtureLookup, fixtureRequest, loadFixtures } from './client-fixtures.js';
import type { ClientFixture } from './client-fixtures.js';

const all = new Map(loadFixtures().map((f) => [f.name, f]));
const fx = (name: string): ClientFixture => all.get(name)!;
const optsFor = (f: ClientFixture, extra: Partial<AuthOptions> = {}): AuthOptions =>
  ({ lookupSecret: fixtureLookup, now: () => fixtureClock(f), ...extra });
const code = (awsCode: string) => ({ awsCode });

function withHeader(req: SignableRequest, name: string, value: string | undefined): SignableRequest {
  return { ...req, headers: { ...req.headers, [name]: value } };
}

/** Run a fixture body through the decoder its own authentication yields. */
async function decode(f: ClientFixture, body: Buffer, req = fixtureRequest(f)): Promise<{ data: Buffer; trailers: ReadonlyMap<string, string> }> {
  const auth = await authenticate(req, optsFor(f));
  assert.ok(auth.kind === 'signed' && auth.payload.kind === 'aws-chunked');
  const decoder = createAwsChunkedDecoder(awsChunkedOptions(auth.payload, req.headers));
  const out: Buffer[] = [];
  await pipeline(Readable.from([body]), decoder, new Writable({ write(c: Buffer, _e, cb) { out.push(c); cb(); } }));
  return { data: Buffer.concat(out), trailers: decoder.trailers! };
}

test('tampered Authorization signature → SignatureDoesNotMatch (with StringToSign details)', async () => {
  const f = fx('js-sdk-v3-put-object-buffer');
  const req = fixtureRequest(f);
  const bad = withHeader(req, 'authorization', req.headers.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`));
  await assert.rejects(authenticate(bad, optsFor(f)), (e: { awsCode: string; details: Record<string, string> }) =>
    e.awsCode === 'SignatureDoesNotMatch' && e.details.CanonicalRequest === f.verification.canonicalRequest);
});

test('tampered signed header, path or query → SignatureDoesNotMatch', async () => {
  const f = fx('js-sdk-v3-copy-object');
  const req = fixtureRequest(f);
  await assert.rejects(authenticate(withHeader(req, 'x-amz-meta-fixture-meta', 'Value With Spaces!'), optsFor(f)), code('SignatureDoesNotMatch'));
  await assert.rejects(authenticate(withHeader(req, 'x-amz-copy-source', 'fixture-bucket/other'), optsFor(f)), code('SignatureDoesNotMatch'));
  // Whitespace runs and outer spaces are canonicalised away, so this still verifies.
  assert.equal((await authenticate(withHeader(req, 'x-amz-meta-fixture-meta', '  Value   With\tSpaces '), optsFor(f))).kind, 'signed');
  await assert.rejects(authenticate({ ...req, url: req.url.replace('fixture-bucket', 'fixture-bucket2') }, optsFor(f)), code('SignatureDoesNotMatch'));
  const list = fx('boto3-list-objects-v2');
  const lreq = fixtureRequest(list);
  await assert.rejects(authenticate({ ...lreq, url: lreq.url.replace('list-type=2', 'list-type=1') }, optsFor(list)), code('SignatureDoesNotMatch'));
});

test('unknown access key → InvalidAccessKeyId', async () => {
  const f = fx('js-sdk-v3-create-bucket');
  await assert.rejects(authenticate(fixtureRequest(f), optsFor(f, { lookupSecret: async () => undefined })), code('InvalidAccessKeyId'));
});

test('clock skew beyond 15 minutes → RequestTimeTooSkewed; within → accepted', async () => {
  const f = fx('js-sdk-v3-create-bucket');
  const t = fixtureClock(f);
  await assert.rejects(authenticate(fixtureRequest(f), optsFor(f, { now: () => t + 15 * 60_000 + 1000 })), code('RequestTimeTooSkewed'));
  await assert.rejects(authenticate(fixtureRequest(f), optsFor(f, { now: () => t - 16 * 60_000 })), code('RequestTimeTooSkewed'));
  assert.equal((await authenticate(fixtureRequest(f), optsFor(f, { now: () => t + 14 * 60_000 }))).kind, 'signed');
});

test('presigned SigV4: expired, not yet valid, X-Amz-Expires > 604800', async () => {
  const f = fx('js-sdk-v3-presigned-get-request');
  const t = fixtureClock(f);
  const req = fixtureRequest(f);
  assert.equal((await authenticate(req, optsFor(f, { now: () => t + 899_000 }))).kind, 'signed');
  await assert.rejects(authenticate(req, optsFor(f, { now: () => t + 901_000 })), { awsCode: 'AccessDenied', message: 'Request has expired' });
  await assert.rejects(authenticate(req, optsFor(f, { now: () => t - 3_600_000 })), { awsCode: 'AccessDenied', message: 'Request is not valid yet' });
  await assert.rejects(authenticate({ ...req, url: req.url.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801') }, optsFor(f)), code('AuthorizationQueryParametersError'));
  await assert.rejects(authenticate({ ...req, url: req.url.replace(/&X-Amz-Signature=[0-9a-f]+/, '') }, optsFor(f)), code('AuthorizationQueryParametersError'));
  await assert.rejects(authenticate({ ...req, url: req.url.replace('X-Amz-Expires=900', 'X-Amz-Expires=901') }, optsFor(f)), code('SignatureDoesNotMatch'));
});

test('presigned SigV2: expired and tampered', async () => {
  const f = fx('boto3-presigned-get-request');
  const req = fixtureRequest(f);
  const expires = Number(new URL(req.url, 'http://x').searchParams.get('Expires')) * 1000;
  await assert.rejects(authenticate(req, optsFor(f, { now: () => expires + 1000 })), { awsCode: 'AccessDenied', message: 'Request has expired' });
  await assert.rejects(authenticate({ ...req, url: req.url.replace('presigned%20get', 'presigned%20got') }, optsFor(f)), code('SignatureDoesNotMatch'));
  await assert.rejects(authenticate(req, optsFor(f, { allowSigV2: false })), code('InvalidRequest'));
});

test('session tokens, SigV4a and unknown payload modes are refused', async () => {
  const f = fx('js-sdk-v3-create-bucket');
  const req = fixtureRequest(f);
  await assert.rejects(authenticate(withHeader(req, 'x-amz-security-token', 'tok'), optsFor(f)), code('InvalidToken'));
  await assert.rejects(authenticate(withHeader(req, 'x-amz-content-sha256', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD'), optsFor(f)), code('InvalidRequest'));
  await assert.rejects(authenticate(withHeader(req, 'x-amz-content-sha256', 'nonsense'), optsFor(f)), code('InvalidArgument'));
  await assert.rejects(authenticate(withHeader(req, 'x-amz-content-sha256', undefined), optsFor(f)), code('InvalidRequest'));
  await assert.rejects(authenticate(withHeader(req, 'authorization', 'AWS4-ECDSA-P256-SHA256 Credential=x'), optsFor(f)), code('InvalidRequest'));
  await assert.rejects(authenticate(withHeader(req, 'authorization', 'Bearer abc'), optsFor(f)), code('InvalidArgument'));
  await assert.rejects(authenticate(withHeader(req, 'authorization', 'AWS4-HMAC-SHA256 Credential=a/b'), optsFor(f)), code('AuthorizationHeaderMalformed'));
  const pre = fx('js-sdk-v3-presigned-get-request');
  await assert.rejects(authenticate({ ...fixtureRequest(pre), url: `${pre.url}&X-Amz-Security-Token=t` }, optsFor(pre)), code('InvalidToken'));
});

test('header and query auth together → InvalidArgument', async () => {
  const f = fx('js-sdk-v3-presigned-get-request');
  const req = withHeader(fixtureRequest(f), 'authorization', fixtureRequest(fx('js-sdk-v3-create-bucket')).headers.authorization);
  await assert.rejects(authenticate(req, optsFor(f)), code('InvalidArgument'));
});

test('strict region: other scope region → AuthorizationHeaderMalformed; same region → accepted', async () => {
  const f = fx('js-sdk-v3-create-bucket');
  await assert.rejects(authenticate(fixtureRequest(f), optsFor(f, { strictRegion: 'eu-west-1' })), code('AuthorizationHeaderMalformed'));
  assert.equal((await authenticate(fixtureRequest(f), optsFor(f, { strictRegion: 'us-east-1' }))).kind, 'signed');
});

test('unsigned x-amz-* header → AccessDenied unless the check is switched off', async () => {
  const f = fx('boto3-list-objects-v2');
  const req = withHeader(fixtureRequest(f), 'x-amz-meta-sneaky', '1');
  await assert.rejects(authenticate(req, optsFor(f)), (e: { awsCode: string; details: Record<string, string> }) =>
    e.awsCode === 'AccessDenied' && e.details.HeadersNotSigned === 'x-amz-meta-sneaky');
  assert.equal((await authenticate(req, optsFor(f, { requireSignedAmzHeaders: false }))).kind, 'signed');
});

test('signed payload hash mismatch → XAmzContentSHA256Mismatch (check object and Transform)', async () => {
  const f = fx('js-sdk-v3-put-object-buffer');
  const auth = await authenticate(fixtureRequest(f), optsFor(f));
  assert.ok(auth.kind === 'signed' && auth.payload.kind === 'sha256');
  const body = Buffer.from(fixtureBody(f));
  body[10]! ^= 1;
  const check = new PayloadHashCheck(auth.payload.expectedHex);
  check.update(body);
  assert.throws(() => check.verify(), code('XAmzContentSHA256Mismatch'));
  await assert.rejects(pipeline(Readable.from([body]), createPayloadHashVerifier(auth.payload.expectedHex), new Writable({ write(_c, _e, cb) { cb(); } })),
    code('XAmzContentSHA256Mismatch'));
});

test('tampered chunk data → SignatureDoesNotMatch', async () => {
  const f = fx('minio-go-put-object-signed-chunks-multichunk');
  const body = Buffer.from(fixtureBody(f));
  body[200_000]! ^= 0x20; // inside the 4th chunk
  await assert.rejects(decode(f, body), code('SignatureDoesNotMatch'));
});

test('tampered chunk signature → SignatureDoesNotMatch', async () => {
  const f = fx('minio-go-put-object-signed-chunks');
  const text = fixtureBody(f).toString('latin1');
  const body = Buffer.from(text.replace(/chunk-signature=([0-9a-f])/, (_m, c: string) => `chunk-signature=${c === 'a' ? 'b' : 'a'}`), 'latin1');
  await assert.rejects(decode(f, body), code('SignatureDoesNotMatch'));
  // A chunk without its signature in a signed stream is malformed framing.
  await assert.rejects(decode(f, Buffer.from(text.replace(/;chunk-signature=[0-9a-f]+/, ''), 'latin1')), code('IncompleteBody'));
});

test('truncated bodies → IncompleteBody (every streaming fixture)', async () => {
  for (const f of [...all.values()].filter((x) => x.awsChunked)) {
    const body = fixtureBody(f);
    for (const cut of [1, body.length - (f.awsChunked!.decodedLength > 1024 ? 70_000 : 600)]) {
      await assert.rejects(decode(f, body.subarray(0, Math.max(0, body.length - cut))), (e: { awsCode: string }) =>
        e.awsCode === 'IncompleteBody' || e.awsCode === 'MalformedTrailerError', `${f.name} cut ${cut}`);
    }
  }
});

test('wrong trailer checksum: unsigned → decodes, then BadDigest; signed → trailer SignatureDoesNotMatch', async () => {
  const js = fx('js-sdk-v3-put-object-stream');
  const tc = js.awsChunked!.trailerChecksum!;
  const forged = toBase64(Buffer.from('abcd'));
  const body = Buffer.from(fixtureBody(js).toString('latin1').replace(`${tc.header}:${tc.value}`, `${tc.header}:${forged}`), 'latin1');
  const { data, trailers } = await decode(js, body);
  assert.equal(trailers.get('x-amz-checksum-crc32'), forged);
  assert.throws(() => verifyChecksum('CRC32', forged, checksumOf('CRC32', data)), code('BadDigest'));

  const mg = fx('minio-go-multipart-signed-trailer-upload-part-2');
  const mtc = mg.awsChunked!.trailerChecksum!;
  const mbody = Buffer.from(fixtureBody(mg).toString('latin1').replace(mtc.value, 'AAAAAA=='), 'latin1');
  await assert.rejects(decode(mg, mbody), code('SignatureDoesNotMatch'));
});

test('malformed or missing trailers → MalformedTrailerError', async () => {
  const js = fx('js-sdk-v3-put-object-stream');
  const text = fixtureBody(js).toString('latin1');
  const tc = js.awsChunked!.trailerChecksum!;
  const noTrailer = Buffer.from(text.replace(`${tc.header}:${tc.value}\r\n`, ''), 'latin1');
  await assert.rejects(decode(js, noTrailer), code('MalformedTrailerError'));
  const garbage = Buffer.from(text.replace(`${tc.header}:${tc.value}`, 'this is not a header'), 'latin1');
  await assert.rejects(decode(js, garbage), code('MalformedTrailerError'));
  const undeclared = Buffer.from(text.replace(`${tc.header}:`, 'x-amz-checksum-sha1:'), 'latin1');
  await assert.rejects(decode(js, undeclared), code('MalformedTrailerError'));
  const mg = fx('minio-go-multipart-signed-trailer-upload-part-2');
  const unsignedTrailer = Buffer.from(fixtureBody(mg).toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
  await assert.rejects(decode(mg, unsignedTrailer), code('MalformedTrailerError'));
});

test('x-amz-decoded-content-length mismatch → IncompleteBody; missing → MissingContentLength', async () => {
  const f = fx('js-sdk-v3-put-object-stream');
  const req = fixtureRequest(f);
  const auth = await authenticate(req, optsFor(f));
  assert.ok(auth.kind === 'signed' && auth.payload.kind === 'aws-chunked');
  for (const n of [f.awsChunked!.decodedLength - 1, f.awsChunked!.decodedLength + 1]) {
    const decoder = createAwsChunkedDecoder(awsChunkedOptions(auth.payload, { ...req.headers, 'x-amz-decoded-content-length': String(n) }));
    await assert.rejects(pipeline(Readable.from([fixtureBody(f)]), decoder, new Writable({ write(_c, _e, cb) { cb(); } })), code('IncompleteBody'));
  }
  assert.throws(() => awsChunkedOptions(auth.payload as never, { ...req.headers, 'x-amz-decoded-content-length': undefined }), code('MissingContentLength'));
});

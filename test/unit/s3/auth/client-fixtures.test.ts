// Every recorded client request (shared/fixtures/clients) authenticates with a clock fixed at its own
// signing time, and its body decodes to the recorded bytes and checksums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authenticate, awsChunkedOptions, createAwsChunkedDecoder, PayloadHashCheck } from '../../../../src/s3/auth/index.js';
import type { AwsChunkedOptions } from '../../../../src/s3/auth/index.js';
import {
  algorithmOfHeader, checksumOf, declaredChecksum, isEmptyChecksum, toBase64, verifyChecksum,
} from '../../../../src/s3/checksum/index.js';
import { fixtureBody, fixtureClock, fixtureLookup, fixtureRequest, loadFixtures, pieces } from './client-fixtures.js';

const SCHEMES: Record<string, string> = {
  'sigv4-header': 'sigv4-header',
  'sigv4-presigned-query': 'sigv4-presigned',
  'sigv2-presigned-query (legacy)': 'sigv2-presigned',
};

/** Decode through the Transform, feeding odd-sized pieces; returns decoded sha256, length, trailers. */
export async function decodeThrough(body: Buffer, opts: AwsChunkedOptions, sizes: number[]): Promise<{ sha: string; length: number; trailers: ReadonlyMap<string, string> }> {
  const decoder = createAwsChunkedDecoder(opts);
  const h = createHash('sha256');
  let length = 0;
  await pipeline(Readable.from(pieces(body, sizes)), decoder, new Writable({
    write(chunk: Buffer, _e, cb) {
      h.update(chunk);
      length += chunk.length;
      cb();
    },
  }));
  return { sha: h.digest('hex'), length, trailers: decoder.trailers! };
}

const fixtures = loadFixtures();

test('fixture set is present', () => {
  assert.ok(fixtures.length >= 30, `expected ≥30 fixtures, found ${fixtures.length}`);
});

for (const fx of fixtures) {
  test(`fixture ${fx.name} authenticates and its body checks out`, async () => {
    const req = fixtureRequest(fx);
    const body = fixtureBody(fx);
    assert.equal(createHash('sha256').update(body).digest('hex'), fx.bodySha256);
    const auth = await authenticate(req, { lookupSecret: fixtureLookup, now: () => fixtureClock(fx) });
    assert.equal(auth.kind, 'signed');
    if (auth.kind !== 'signed') return;
    assert.equal(auth.scheme, SCHEMES[fx.verification.scheme]);
    assert.equal(auth.accessKeyId, 'AKIAFIXTURE000000001');
    assert.equal(auth.credentials.user, 'fixture');

    const p = auth.payload;
    if (p.kind === 'sha256') {
      const check = new PayloadHashCheck(p.expectedHex);
      for (const piece of pieces(body, [65536])) check.update(piece);
      check.verify();
    } else if (p.kind === 'aws-chunked') {
      const ac = fx.awsChunked!;
      assert.equal(p.mode, ac.contentSha256);
      assert.equal(p.signing !== undefined, ac.contentSha256.startsWith('STREAMING-AWS4-HMAC'));
      const out = await decodeThrough(body, awsChunkedOptions(p, req.headers), [4093, 1, 65536, 17]);
      assert.equal(out.length, ac.decodedLength);
      assert.equal(out.sha, ac.decodedSha256);
      const tc = ac.trailerChecksum;
      if (tc) {
        assert.equal(out.trailers.get(tc.header.toLowerCase()), tc.value);
        const declared = declaredChecksum(req.headers);
        assert.equal(declared?.source, 'trailer');
        assert.equal(declared.algorithm, algorithmOfHeader(tc.header));
      }
    } else {
      assert.equal(fx.awsChunked, undefined);
    }

    if (fx.headerChecksum) {
      const declared = declaredChecksum(req.headers);
      assert.ok(declared && declared.source === 'header');
      assert.equal(declared.value, fx.headerChecksum.value);
      const computed = checksumOf(declared.algorithm, body);
      assert.equal(toBase64(computed), fx.headerChecksum.computedOverBody);
      if (fx.headerChecksum.value === fx.headerChecksum.computedOverBody) verifyChecksum(declared.algorithm, declared.value, computed);
      else assert.ok(isEmptyChecksum(declared.algorithm, declared.value), 'only the minio-go AAAAAA== quirk may mismatch');
    }
    if (fx.queryChecksum) {
      assert.equal(toBase64(checksumOf('CRC32', body)), fx.queryChecksum.computedOverBody);
      assert.ok(isEmptyChecksum('CRC32', fx.queryChecksum.value), 'presigned query checksum is the empty-body value (spec §6 leniency)');
    }
  });
}

test('decoded trailer checksums equal a fresh computation over the decoded bytes', async () => {
  for (const fx of fixtures.filter((f) => f.awsChunked?.trailerChecksum)) {
    const req = fixtureRequest(fx);
    const auth = await authenticate(req, { lookupSecret: fixtureLookup, now: () => fixtureClock(fx) });
    assert.ok(auth.kind === 'signed' && auth.payload.kind === 'aws-chunked');
    const decoder = createAwsChunkedDecoder(awsChunkedOptions(auth.payload, req.headers));
    const parts: Buffer[] = [];
    decoder.on('data', (b: Buffer) => parts.push(b));
    await pipeline(Readable.from([fixtureBody(fx)]), decoder);
    const tc = fx.awsChunked!.trailerChecksum!;
    const alg = algorithmOfHeader(tc.header)!;
    assert.equal(toBase64(checksumOf(alg, Buffer.concat(parts))), tc.computedOverDecodedPayload, fx.name);
  }
});

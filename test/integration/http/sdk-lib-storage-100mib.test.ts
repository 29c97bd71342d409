/**
 * Issue #4's "`@aws-sdk/lib-storage` Upload of 100 MiB in parts": the real gateway on listen(0)
 * over the local backend (LMDB + chunk files), @aws-sdk/client-s3 with its default configuration
 * (flexible checksums on) and lib-storage with its defaults (5 MiB parts, queueSize 4), so 20 parts.
 *
 * The body is a Readable that generates deterministic bytes and hashes them as it goes (SHA-256 of
 * the whole, MD5 and the additional checksum of each 5 MiB part): the test never holds the 100 MiB,
 * and every expected value is computed here from the bytes, not taken from the gateway's answers.
 * Which checksum algorithm the SDK picks is read off the wire (lib-storage 3.1175 asks for CRC32
 * when `requestChecksumCalculation` is WHEN_SUPPORTED), so a new SDK default changes the expected
 * values rather than breaking the test; an algorithm this file cannot compute fails it loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import {
  CreateBucketCommand, GetObjectAttributesCommand, GetObjectCommand, HeadObjectCommand,
  type GetObjectAttributesCommandOutput, type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { gatewayWithClient } from '../../helpers/gateway-client.js';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const PART = 5 * MiB; // lib-storage's default (and smallest) part size
const PARTS = SIZE / PART;
const BLOCK = 256 * 1024; // the generator's chunk; divides PART

/** The 32-bit word at word index `w` of the object: a murmur3-style mix, so nothing repeats or compresses. */
function word(w: number): number {
  let x = Math.imul(w, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  return x >>> 0;
}

/** Bytes [off, off+n) of the object; any offset and length. */
function bytesAt(off: number, n: number): Buffer {
  const first = Math.floor(off / 4);
  const words = Math.ceil((off + n) / 4) - first;
  const b = Buffer.alloc(words * 4);
  for (let i = 0; i < words; i++) b.writeUInt32LE(word(first + i), i * 4);
  return b.subarray(off - first * 4, off - first * 4 + n);
}

/** An incremental additional checksum, as S3 encodes it (CRCs big-endian), by the header's algorithm name. */
interface Checksum { update(b: Buffer): void; digest(): Buffer }
function checksum(alg: string): Checksum {
  const crc = (update: (b: Buffer, v: number) => number): Checksum => {
    let v = 0;
    return {
      update: (b) => { v = update(b, v); },
      digest: () => { const out = Buffer.alloc(4); out.writeUInt32BE(v >>> 0); return out; },
    };
  };
  const hash = (h: Hash): Checksum => ({ update: (b) => { h.update(b); }, digest: () => h.digest() });
  switch (alg) {
    case 'crc32': return crc((b, v) => crc32(b, v));
    case 'crc32c': { const c = new Crc32c(); return { update: (b) => { c.update(b); }, digest: () => { const out = Buffer.alloc(4); out.writeUInt32BE(c.digest() >>> 0); return out; } }; }
    case 'sha1': return hash(createHash('sha1'));
    case 'sha256': return hash(createHash('sha256'));
    default: throw new Error(`the SDK's default checksum algorithm is now ${alg}: teach this test to compute it`);
  }
}

/** What the generator saw: the whole object's SHA-256, each part's MD5 and its bytes for later checksums. */
interface Seen { sha256: string; partMd5: Buffer[]; partChecksums(alg: string): Buffer[] }

/** A Readable of the 100 MiB, hashing as it is read. Per-part checksums are computed in the same pass for the algorithms listed. */
function source(algs: readonly string[]): { body: Readable; seen: Promise<Seen> } {
  const whole = createHash('sha256');
  const md5s: Buffer[] = [];
  const sums = new Map(algs.map((a) => [a, [] as Buffer[]]));
  let seenResolve!: (s: Seen) => void;
  const seen = new Promise<Seen>((r) => { seenResolve = r; });
  function* gen(): Generator<Buffer> {
    for (let part = 0; part < PARTS; part++) {
      const md5 = createHash('md5');
      const cs = algs.map((a) => [a, checksum(a)] as const);
      for (let off = part * PART; off < (part + 1) * PART; off += BLOCK) {
        const b = bytesAt(off, BLOCK);
        whole.update(b);
        md5.update(b);
        for (const [, c] of cs) c.update(b);
        yield b;
      }
      md5s.push(md5.digest());
      for (const [a, c] of cs) sums.get(a)!.push(c.digest());
    }
    seenResolve({
      sha256: whole.digest('hex'),
      partMd5: md5s,
      partChecksums: (alg) => {
        const s = sums.get(alg);
        if (!s) throw new Error(`the SDK's default checksum algorithm is now ${alg}: teach this test to compute it`);
        return s;
      },
    });
  }
  return { body: Readable.from(gen()), seen };
}

/** The `Checksum<ALG>` field of an SDK output, by the header's algorithm name. */
function field(alg: string): 'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumSHA1' | 'ChecksumSHA256' {
  return ({ crc32: 'ChecksumCRC32', crc32c: 'ChecksumCRC32C', sha1: 'ChecksumSHA1', sha256: 'ChecksumSHA256' } as const)[alg as 'crc32']
    ?? assert.fail(`no output field for ${alg}`);
}

test('lib-storage Upload of 100 MiB with SDK and lib-storage defaults: 20 parts, composite checksum, same bytes back', async (t) => {
  const { s3 } = await gatewayWithClient(t, { backend: 'local' });
  const Bucket = 'big';
  const Key = 'dir/100mib.bin';
  await s3.send(new CreateBucketCommand({ Bucket }));

  // The checksum headers each UploadPart request carried on the wire (header or trailer form).
  const partAlgs: string[] = [];
  s3.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'UploadPartCommand') {
      const h = (args.request as { headers: Record<string, string> }).headers;
      const names = Object.keys(h).map((k) => k.toLowerCase());
      const direct = names.map((k) => /^x-amz-checksum-(\w+)$/.exec(k)?.[1]).filter((a) => a !== undefined && a !== 'type');
      const trailer = names.includes('x-amz-trailer') ? [/^x-amz-checksum-(\w+)$/.exec(h['x-amz-trailer']!.toLowerCase())?.[1]] : [];
      partAlgs.push(...[...direct, ...trailer].filter((a): a is string => a !== undefined));
    }
    return next(args);
  }, { step: 'deserialize', name: 'recordPartChecksums' });

  const { body, seen } = source(['crc32', 'crc32c', 'sha1', 'sha256']);
  const t0 = Date.now();
  const done = await new Upload({ client: s3, params: { Bucket, Key, Body: body } }).done();
  const uploadMs = Date.now() - t0;
  const want = await seen;
  t.diagnostic(`upload of 100 MiB: ${uploadMs} ms`);

  assert.equal(partAlgs.length, PARTS, `one checksum per UploadPart: ${partAlgs.join(',')}`);
  const alg = partAlgs[0]!;
  t.diagnostic(`checksum algorithm of the parts: ${alg}`);
  assert.ok(partAlgs.every((a) => a === alg), `one algorithm for every part: ${partAlgs.join(',')}`);

  // ETag: MD5 of the parts' binary MD5s, "-20".
  const etag = `"${createHash('md5').update(Buffer.concat(want.partMd5)).digest('hex')}-${PARTS}"`;
  assert.equal(done.ETag, etag);
  // Composite checksum: the algorithm over the parts' binary checksums, "-20".
  const partSums = want.partChecksums(alg);
  const composite = checksum(alg);
  composite.update(Buffer.concat(partSums));
  const compositeB64 = composite.digest().toString('base64');
  const F = field(alg);
  assert.equal(done[F], `${compositeB64}-${PARTS}`);
  assert.equal(done.ChecksumType, 'COMPOSITE');

  const head: HeadObjectCommandOutput = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  assert.equal(head.ContentLength, SIZE);
  assert.equal(head.ETag, etag);
  assert.equal(head[F], `${compositeB64}-${PARTS}`);
  assert.match(head[F] ?? '', /-20$/);
  assert.equal(head.ChecksumType, 'COMPOSITE');

  // A whole GET streamed back and hashed as it arrives (the SDK does not validate composite checksums).
  const get = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
  assert.equal(get.ContentLength, SIZE);
  assert.equal(get.ETag, etag);
  const back = createHash('sha256');
  let got = 0;
  for await (const c of get.Body as AsyncIterable<Uint8Array>) { back.update(c); got += c.length; }
  assert.equal(got, SIZE);
  assert.equal(back.digest('hex'), want.sha256);

  // GetObjectAttributes: 20 parts of 5 MiB with their own checksums; the composite without -N
  // (see test/regress/issue-4-object-attributes-checksum-shape.test.ts).
  const attrs: GetObjectAttributesCommandOutput = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ETag', 'ObjectParts', 'Checksum', 'ObjectSize'] }));
  assert.equal(attrs.ObjectSize, SIZE);
  assert.equal(attrs.ETag, etag.slice(1, -1));
  assert.equal(attrs.ObjectParts?.TotalPartsCount, PARTS);
  assert.equal(attrs.ObjectParts?.IsTruncated, false);
  assert.deepEqual(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p[F]]),
    partSums.map((s, i) => [i + 1, PART, s.toString('base64')]));
  assert.equal(attrs.Checksum?.[F], compositeB64);
  assert.equal(attrs.Checksum?.ChecksumType, 'COMPOSITE');

  // Ranged GETs: one across the boundary of parts 1 and 2 (odd offsets), one suffix range.
  const start = PART - 1001;
  const end = PART + 2002;
  const ranged = await s3.send(new GetObjectCommand({ Bucket, Key, Range: `bytes=${start}-${end}` }));
  assert.equal(ranged.ContentRange, `bytes ${start}-${end}/${SIZE}`);
  assert.equal(ranged.ContentLength, end - start + 1);
  assert.ok(Buffer.from(await ranged.Body!.transformToByteArray()).equals(bytesAt(start, end - start + 1)), 'range across parts 1-2');
  const tail = await s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=-7' }));
  assert.equal(tail.ContentRange, `bytes ${SIZE - 7}-${SIZE - 1}/${SIZE}`);
  assert.ok(Buffer.from(await tail.Body!.transformToByteArray()).equals(bytesAt(SIZE - 7, 7)), 'suffix range');
});

// CRC combination and multipart object checksums (spec §5.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checksumOf, combineChecksums, compositeChecksum, crc32, defaultChecksumType, fullObjectChecksum, resolveChecksumType, toBase64,
} from '../../../../src/s3/checksum/index.js';

const CRCS = ['CRC32', 'CRC32C', 'CRC64NVME'] as const;

test('property: combine(crc(a), crc(b), len(b)) == crc(a‖b) for CRC32, CRC32C, CRC64NVME', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...CRCS), (a, b, alg) => {
    const got = combineChecksums(alg, checksumOf(alg, a), checksumOf(alg, b), b.length);
    assert.ok(got.equals(checksumOf(alg, Buffer.concat([a, b]))));
  }), { numRuns: 300 });
});

test('combine over large lengths agrees with zlib-style chaining (1 MiB of data)', () => {
  const a = Buffer.from('prefix');
  const b = Buffer.alloc(1 << 20, 0x5a);
  for (const alg of CRCS) {
    assert.ok(combineChecksums(alg, checksumOf(alg, a), checksumOf(alg, b), b.length).equals(checksumOf(alg, Buffer.concat([a, b]))), alg);
  }
  // CRC32 chaining through zlib's own API as a second oracle.
  assert.equal(combineChecksums('CRC32', checksumOf('CRC32', a), checksumOf('CRC32', b), b.length).readUInt32BE(0), crc32(b, crc32(a)));
});

test('combine is associative for lengths beyond 4 GiB (5 TiB objects)', () => {
  const d = (alg: (typeof CRCS)[number], s: string) => checksumOf(alg, Buffer.from(s));
  for (const alg of CRCS) {
    const [x, y, z] = [d(alg, 'x'), d(alg, 'y'), d(alg, 'z')];
    const ly = 5n * 2n ** 40n;
    const lz = 3n * 2n ** 33n + 7n;
    const left = combineChecksums(alg, combineChecksums(alg, x, y, ly), z, lz);
    const right = combineChecksums(alg, x, combineChecksums(alg, y, z, lz), ly + lz);
    assert.ok(left.equals(right), alg);
  }
});

test('FULL_OBJECT from part CRCs equals the CRC of the whole object', () => {
  const parts = [Buffer.alloc(5000, 1), Buffer.from('middle part'), Buffer.alloc(0), Buffer.alloc(777, 9)];
  const whole = Buffer.concat(parts);
  for (const alg of CRCS) {
    const got = fullObjectChecksum(alg, parts.map((p) => ({ digest: checksumOf(alg, p), size: p.length })));
    assert.ok(got.equals(checksumOf(alg, whole)), alg);
  }
  assert.throws(() => fullObjectChecksum('SHA256', []), { awsCode: 'InvalidRequest' });
});

test('COMPOSITE = base64(H(concat part digests))-N', () => {
  const parts = [Buffer.from('part one'), Buffer.from('part two')];
  for (const alg of ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const) {
    const digests = parts.map((p) => checksumOf(alg, p));
    assert.equal(compositeChecksum(alg, digests), `${toBase64(checksumOf(alg, Buffer.concat(digests)))}-2`);
  }
  assert.throws(() => compositeChecksum('CRC32', []), { awsCode: 'InvalidRequest' });
});

test('checksum type rules of CreateMultipartUpload', () => {
  assert.equal(defaultChecksumType('CRC64NVME'), 'FULL_OBJECT');
  assert.equal(defaultChecksumType('CRC32'), 'COMPOSITE');
  assert.equal(resolveChecksumType('CRC32', 'FULL_OBJECT'), 'FULL_OBJECT');
  assert.equal(resolveChecksumType('CRC32C', undefined), 'COMPOSITE');
  assert.equal(resolveChecksumType('SHA1', 'composite'), 'COMPOSITE');
  assert.throws(() => resolveChecksumType('CRC64NVME', 'COMPOSITE'), { awsCode: 'InvalidRequest' });
  assert.throws(() => resolveChecksumType('SHA256', 'FULL_OBJECT'), { awsCode: 'InvalidRequest' });
  assert.throws(() => resolveChecksumType('CRC32', 'PARTIAL'), { awsCode: 'InvalidRequest' });
});

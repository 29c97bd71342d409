// Checksum algorithms (spec §5.1): reference check values, cross-checks against the AWS SDK's own
// implementations, incremental == one-shot, wire-value validation and request declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c as awsCrc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme as AwsCrc64Nvme } from '@aws-sdk/crc64-nvme';
import {
  CHECKSUM_ALGORITHMS, EMPTY_CHECKSUMS, checksumOf, crc32, crc32Js, crc32c, crc64nvme, createChecksum, decodeChecksumValue,
  declaredChecksum, isEmptyChecksum, parseChecksumAlgorithm, toBase64, verifyChecksum,
} from '../../../../src/s3/checksum/index.js';
import type { DigestAlgorithm } from '../../../../src/s3/checksum/index.js';

const CHECK = Buffer.from('123456789');

test('catalogue check values of "123456789"', () => {
  assert.equal(crc32(CHECK), 0xcbf43926);
  assert.equal(crc32Js(CHECK), 0xcbf43926);
  assert.equal(crc32c(CHECK), 0xe3069283);
  assert.equal(crc64nvme(CHECK), 0xae8b14860a799888n);
  assert.equal(checksumOf('CRC64NVME', CHECK).toString('hex'), 'ae8b14860a799888');
});

test('empty-input values', () => {
  for (const alg of [...CHECKSUM_ALGORITHMS, 'MD5'] as DigestAlgorithm[]) {
    assert.equal(toBase64(checksumOf(alg, Buffer.alloc(0))), EMPTY_CHECKSUMS[alg], alg);
    assert.ok(isEmptyChecksum(alg, EMPTY_CHECKSUMS[alg]));
  }
});

test('property: CRC32C / CRC64NVME / CRC32 agree with the AWS SDK and zlib implementations', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (data) => {
    assert.equal(crc32c(data), awsCrc32c(data));
    const ref = new AwsCrc64Nvme();
    ref.update(data);
    assert.equal(checksumOf('CRC64NVME', data).toString('hex'), Buffer.from(await ref.digest()).toString('hex'));
    assert.equal(crc32Js(data), crc32(data));
  }), { numRuns: 150 });
});

test('property: unaligned views (word-read fast path) agree with the references', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 300 }), fc.nat(7), async (bytes, off) => {
    const backing = Buffer.alloc(bytes.length + 8);
    backing.set(bytes, off);
    const view = backing.subarray(off, off + bytes.length);
    assert.equal(crc32c(view), awsCrc32c(bytes));
    assert.equal(crc32Js(view), crc32(bytes));
    const ref = new AwsCrc64Nvme();
    ref.update(bytes);
    assert.equal(checksumOf('CRC64NVME', view).toString('hex'), Buffer.from(await ref.digest()).toString('hex'));
  }), { numRuns: 150 });
});

test('property: incremental update over any split equals one-shot', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), fc.array(fc.nat(1500), { maxLength: 6 }), fc.constantFrom(...CHECKSUM_ALGORITHMS, 'MD5' as const),
    (data, cuts, alg) => {
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const h = createChecksum(alg);
      let last = 0;
      for (const p of [...points, data.length]) {
        h.update(data.subarray(last, p));
        last = p;
      }
      assert.ok(h.digest().equals(checksumOf(alg, data)));
    }), { numRuns: 150 });
});

test('wire values: canonical base64 of the exact digest length', () => {
  assert.equal(decodeChecksumValue('CRC32', 'AAAAAA==').length, 4);
  assert.equal(decodeChecksumValue('SHA256', EMPTY_CHECKSUMS.SHA256).length, 32);
  for (const bad of ['AAAA', 'AAAAAAA=', 'AAAAAA=', '!!!!!!==', 'AAAAAB==']) {
    assert.throws(() => decodeChecksumValue('CRC32', bad), { awsCode: 'InvalidRequest', message: 'Value for x-amz-checksum-crc32 header is invalid.' }, bad);
  }
  assert.throws(() => decodeChecksumValue('CRC64NVME', 'AAAAAA=='), { awsCode: 'InvalidRequest' });
  assert.equal(decodeChecksumValue('MD5', EMPTY_CHECKSUMS.MD5).length, 16);
  assert.throws(() => decodeChecksumValue('MD5', 'AAAAAA=='), { awsCode: 'InvalidDigest' });
});

test('verifyChecksum: BadDigest with the AWS message', () => {
  verifyChecksum('CRC32', '865RCA==', checksumOf('CRC32', Buffer.from('presigned put body\n')));
  assert.throws(() => verifyChecksum('CRC32C', 'AAAAAA==', checksumOf('CRC32C', CHECK)),
    { awsCode: 'BadDigest', message: 'The CRC32C you specified did not match the calculated checksum.' });
});

test('algorithm names', () => {
  assert.equal(parseChecksumAlgorithm('crc64nvme'), 'CRC64NVME');
  assert.equal(parseChecksumAlgorithm(' SHA256 '), 'SHA256');
  assert.throws(() => parseChecksumAlgorithm('MD5'), { awsCode: 'InvalidRequest' });
});

test('declaredChecksum: header, trailer, conflicts', () => {
  const crc = toBase64(checksumOf('CRC32', CHECK));
  const h = declaredChecksum({ 'x-amz-checksum-crc32': crc, 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-mode': 'ENABLED' });
  assert.ok(h && h.source === 'header' && h.algorithm === 'CRC32' && h.digest.length === 4);
  const t = declaredChecksum({ 'x-amz-trailer': 'x-amz-checksum-crc32c', 'x-amz-sdk-checksum-algorithm': 'crc32c' });
  assert.deepEqual(t, { source: 'trailer', algorithm: 'CRC32C', trailerName: 'x-amz-checksum-crc32c' });
  assert.equal(declaredChecksum({ 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'COMPOSITE' }), undefined);
  assert.throws(() => declaredChecksum({ 'x-amz-checksum-crc32': crc, 'x-amz-checksum-sha1': EMPTY_CHECKSUMS.SHA1 }), { awsCode: 'InvalidRequest' });
  assert.throws(() => declaredChecksum({ 'x-amz-checksum-crc32': crc, 'x-amz-sdk-checksum-algorithm': 'SHA256' }), { awsCode: 'InvalidRequest' });
  assert.throws(() => declaredChecksum({ 'x-amz-checksum-crc32': 'nope' }), { awsCode: 'InvalidRequest' });
  assert.throws(() => declaredChecksum({ 'x-amz-checksum-crc32': crc, 'x-amz-trailer': 'x-amz-checksum-crc32' }), { awsCode: 'InvalidRequest' });
});

/**
 * Golden encodings of every persisted engine format (shared/spec/ccow.md §18 (1), src/engine/formats.md).
 * Each fixture must decode to the expected value and the expected value must encode to the exact
 * fixture bytes. Regenerate deliberately with UPDATE_GOLDEN=1 (never for a format change that old
 * data still uses: add a new fixture next to the old one instead).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asChunkId, blake3 } from '../../../src/common/index.js';
import { ByteReader, ByteWriter } from '../../../src/engine/format/bin.js';
import { decodeCm, encodeCm } from '../../../src/engine/format/cm.js';
import * as R from '../../../src/engine/format/records.js';
import { readRef, writeRef, type ChunkRef } from '../../../src/engine/format/ref.js';
import { decodeVm, encodeVm, type VersionManifest } from '../../../src/engine/format/vm.js';
import { decodeObjectKey, encodeObjectKey, niKey, niKeyOfQuietKey, ownerKey, quietKeyOfNiKey } from '../../../src/engine/keys.js';

const DIR = join(process.cwd(), 'test', 'fixtures', 'formats');
const id = (n: number) => asChunkId(Buffer.alloc(32, n));
const uvid = Buffer.from('0006443c0c3a5a00123400010000002a', 'hex');

const payloadRef: ChunkRef = { kind: 1, codec: 0, storedLength: 1048576, offset: 0, length: 1048576, id: id(0xa1) };
const lz4Ref: ChunkRef = { kind: 1, codec: 1, storedLength: 1000, offset: 1048576, length: 4096, id: id(0xa2) };
const manifestRef: ChunkRef = { kind: 2, codec: 0, storedLength: 35864, offset: 0, length: 671088640, id: id(0xb1) };
const inlineRef: ChunkRef = { kind: 4, codec: 0, storedLength: 5, offset: 0, length: 5, data: Buffer.from('hello') };

function encRef(r: ChunkRef): Buffer {
  const w = new ByteWriter();
  writeRef(w, r);
  return w.finish();
}
function decRef(b: Buffer): ChunkRef {
  const rd = new ByteReader(b, 'ref');
  const r = readRef(rd);
  rd.end();
  return r;
}

const vm: VersionManifest = {
  meta: {
    kind: 'bytes', size: 5 * 1048576 + 3, chunkSize: 1048576, btreeOrder: 640, codec: 'lz4', hashType: 1,
    contentType: 'application/octet-stream', etag: '"0a1b2c3d4e5f60718293a4b5c6d7e8f9-2"',
    checksum: { algorithm: 'CRC32C', type: 'COMPOSITE', value: 'yZRlqg==-2' },
    parts: [{ size: 5242880, etag: '"00112233445566778899aabbccddeeff"', checksum: { algorithm: 'CRC32C', type: 'FULL_OBJECT', value: 'AAAAAA==' } }, { size: 3, etag: '"ffeeddccbbaa99887766554433221100"' }],
    userMeta: { color: 'blue', 'x-y': 'z' }, sysMeta: { 'cache-control': 'no-cache' },
  },
  refs: [payloadRef, lz4Ref],
};
const vmInline: VersionManifest = { meta: { kind: 'bytes', size: 5, chunkSize: 1048576, btreeOrder: 640, codec: 'none', hashType: 1, etag: '"5d41402abc4b2a76b9719d911017c592"' }, refs: [inlineRef] };

const version: R.VersionRecord = {
  uvid: uvid.toString('hex'), generation: 3, baseUvid: '0006443c0c3a59ff1234000100000029', originSegment: 0x1234, createdAt: 1763000000000000,
  vmId: 'cc'.repeat(32), deleted: false, isNull: false, size: 5242883, etag: '"0a1b2c3d4e5f60718293a4b5c6d7e8f9-2"', contentType: 'text/plain',
  storageClass: 'STANDARD', checksumAlgorithm: 'CRC32C', checksumType: 'COMPOSITE', tags: { a: '1' }, acl: { v: 1, owner: 't', grants: [] },
};
const marker: R.VersionRecord = { uvid: uvid.toString('hex'), generation: 4, originSegment: 0x1234, createdAt: 1763000000000000, deleted: true, isNull: true, quiet: true, size: 0, etag: '', storageClass: 'STANDARD' };

interface Golden {
  name: string;
  value: unknown;
  encode(v: unknown): Buffer;
  decode(b: Buffer): unknown;
}
const g = <T>(name: string, value: T, encode: (v: T) => Buffer, decode: (b: Buffer) => T): Golden => ({ name, value, encode: encode, decode });

const goldens: Golden[] = [
  g('ref-payload-v1', payloadRef, encRef, decRef),
  g('ref-payload-lz4-v1', lz4Ref, encRef, decRef),
  g('ref-manifest-v1', manifestRef, encRef, decRef),
  g('ref-inline-v1', inlineRef, encRef, decRef),
  g('cm-v1', { tree: 0 as const, level: 1, refs: [manifestRef, { ...manifestRef, offset: 671088640, id: id(0xb2) }] }, encodeCm, decodeCm),
  g('cm-leaf-v1', { tree: 0 as const, level: 0, refs: [payloadRef, lz4Ref, { ...inlineRef, offset: 1052672 }] }, encodeCm, decodeCm),
  g('vm-v1', vm, encodeVm, decodeVm),
  g('vm-inline-v1', vmInline, encodeVm, decodeVm),
  g('ni1-version', version, R.encodeVersionRecord, R.decodeVersionRecord),
  g('ni1-delete-marker', marker, R.encodeVersionRecord, R.decodeVersionRecord),
  // Purged while a snapshot pinned it (§10): hidden, with the UVID of the purge that hid it.
  g('ni1-hidden', { ...version, hidden: true, hiddenAt: '0006443c0c3a59ff1234000100000030' }, R.encodeVersionRecord, R.decodeVersionRecord),
  g('ni2-embedded-vm', { rec: { ...version, size: 5, etag: vmInline.meta.etag, vmId: blake3(encodeVm(vmInline)).toString('hex'), vmEmbedded: true }, vm: encodeVm(vmInline) },
    (v: { rec: R.VersionRecord; vm: Buffer }) => R.encodeVersionValue(v.rec, v.vm),
    (b) => {
      const d = R.decodeVersionValue(b);
      return { rec: d.rec, vm: d.vm! };
    }),
  g('bk1-bucket', { name: 'photos', id: '0f'.repeat(16), owner: 'ab'.repeat(32), createdAt: 1763000000000, versioning: 'Enabled', chunkSize: 1048576, codec: 'zstd', configs: { cors: [{ allowedOrigins: ['*'] }] } }, R.encodeBucketRecord, R.decodeBucketRecord),
  g('us1-user', { accessKey: 'AKIAEXAMPLE', secretKey: 's3cr3t', tenantId: 'ab'.repeat(32), name: 'alice', createdAt: 1763000000000 }, R.encodeUserRecord, R.decodeUserRecord),
  g('in1-intent-put', { kind: 'put', epoch: 7, createdAt: 1763000000000, expiresAt: 1763003600000 }, R.encodeIntentRecord, R.decodeIntentRecord),
  g('in1-intent-upload', { kind: 'upload', epoch: 7, createdAt: 1763000000000 }, R.encodeIntentRecord, R.decodeIntentRecord),
  g('in1-intent-upload-aborted', { kind: 'upload', epoch: 7, createdAt: 1763000000000, abortedAt: 1763000100000, uploadId: '0123456789abcdef'.repeat(2) }, R.encodeIntentRecord, R.decodeIntentRecord),
  g('up1-upload', { uploadId: '12'.repeat(16), key: 'dir/file.bin', initiated: 1763000000000, attrs: { contentType: 'video/mp4', userMeta: { a: 'b' } }, checksumAlgorithm: 'CRC32', checksumType: 'COMPOSITE', intentId: '34'.repeat(16), chunkSize: 1048576, codec: 'none' }, R.encodeUploadRecord, R.decodeUploadRecord),
  g('ud1-completed-upload', { key: 'dir/file.bin', partsDigest: 'ab'.repeat(32), versionId: '00000000000000000000000001', etag: '"0123456789abcdef0123456789abcdef-2"', checksum: { algorithm: 'CRC32C', type: 'COMPOSITE', value: 'AAAAAA==-2' }, completedAt: 1763000000000 }, R.encodeCompletedUploadRecord, R.decodeCompletedUploadRecord),
  g('pt1-part', { partNumber: 2, size: 1052672, md5: '00112233445566778899aabbccddeeff', lastModified: 1763000000000, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'AAAAAA==' }, refs: [payloadRef, { ...lz4Ref, offset: 1048576 }] }, R.encodePartRecord, R.decodePartRecord),
  g('fd1-feed', { seq: '42', op: 'version', bucket: 'photos', key: 'a/b.jpg', uvid: uvid.toString('hex'), vmId: 'cc'.repeat(32), generation: 3, deleted: false, size: 5242883, etag: '"x"', originSegment: 0x1234, viaIsgw: false, at: 1763000000000000 }, R.encodeFeedRecord, R.decodeFeedRecord),
  g('cu1-cursor', { seq: '18446744073709551615', updatedAt: 1763000000000 }, R.encodeCursorRecord, R.decodeCursorRecord),
  g('sn1-snapshot', { name: 'nightly', uvid: uvid.toString('hex'), createdAt: 1763000000000 }, R.encodeSnapshotRecord, R.decodeSnapshotRecord),
  g('sc1-scrub', { nextPassAt: 1765592000000, passStartedAt: 1763000000000, cursor: 'ab'.repeat(32) }, R.encodeScrubRecord, R.decodeScrubRecord),
  g('cs1-clean-stop', { epoch: 9, at: 1763000000000 }, R.encodeCleanStopRecord, R.decodeCleanStopRecord),
  g('ix1-derived-index', { epoch: 9, builtAt: 1763000000000 }, R.encodeDerivedIndexRecord, R.decodeDerivedIndexRecord),
  g('st1-state', { segmentId: 0x1234, segmentGuid: '56'.repeat(16), nodeId: 1, epoch: 9 }, R.encodeStateRecord, R.decodeStateRecord),
  g('ch1-chunk-row', { kind: 1, loc: 0, storedLength: 1048576, createdAt: 1763000000000.5, touchedAt: 1763000001000, unreferencedAt: 0, bucketId: Buffer.alloc(16, 0x0f) }, R.encodeChunkRow, R.decodeChunkRow),
  g('ch2-chunk-row-quarantined', { kind: 1, loc: 0, storedLength: 1048576, createdAt: 1763000000000.5, touchedAt: 1763000001000, unreferencedAt: 0, bucketId: Buffer.alloc(16, 0x0f), quarantinedAt: 1763000002000 }, R.encodeChunkRow, R.decodeChunkRow),
  g('ct1-counters', { objects: 12, logicalBytes: 123456789, physicalBytes: 23456789 }, R.encodeCounters, R.decodeCounters),
  g('gq1-gc-queue', 1763000000000.5, R.encodeGcQueueValue, R.decodeGcQueueValue),
  g('hs1-hidden-sweep', Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex'), R.encodeHiddenSweep, R.decodeHiddenSweep),
  g('key-ni-v1', { bucketId: '0f'.repeat(16), key: 'a\u0000b/é', uvid: uvid.toString('hex') }, (v: { bucketId: string; key: string; uvid: string }) => niKey(Buffer.from(v.bucketId, 'hex'), encodeObjectKey(v.key), Buffer.from(v.uvid, 'hex')), () => ({ bucketId: '0f'.repeat(16), key: 'a\u0000b/é', uvid: uvid.toString('hex') })),
  // The quiet-marker index key of the same name-index entry (`Q ‖ uvid ‖ bucketId ‖ enc(key)`), and back.
  g('key-quiet-v1', { bucketId: '0f'.repeat(16), key: 'a\u0000b/é', uvid: uvid.toString('hex') }, (v: { bucketId: string; key: string; uvid: string }) => quietKeyOfNiKey(niKey(Buffer.from(v.bucketId, 'hex'), encodeObjectKey(v.key), Buffer.from(v.uvid, 'hex'))), (b) => {
    const q = niKeyOfQuietKey(b);
    return { bucketId: q.bucketId.toString('hex'), key: decodeObjectKey(q.encKey, 0).key, uvid: q.uvid.toString('hex') };
  }),
  // The owner index key (`O ‖ enc(owner) ‖ utf8(name)`); the owner is encoded as an object key.
  g('key-owner-v1', { owner: 'ab'.repeat(32), name: 'photos' }, (v: { owner: string; name: string }) => ownerKey(v.owner, v.name), (b) => {
    const { key: owner, end } = decodeObjectKey(b, 1);
    return { owner, name: b.subarray(end).toString('utf8') };
  }),
];

for (const gd of goldens) {
  test(`golden ${gd.name}`, () => {
    const file = join(DIR, `${gd.name}.bin`);
    const bytes = gd.encode(gd.value);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`missing fixture ${file} (run with UPDATE_GOLDEN=1 to create it)`);
      writeFileSync(file, bytes);
    }
    const fixture = readFileSync(file);
    assert.deepEqual(gd.decode(fixture), gd.value, 'fixture decodes to the expected value');
    assert.ok(bytes.equals(fixture), 'the expected value encodes to the fixture bytes');
  });
}

test('both name-index value forms decode to the record', () => {
  const v2 = R.encodeVersionValue(version, encodeVm(vmInline));
  assert.deepEqual(R.decodeVersionRecord(v2), version);
  assert.deepEqual(R.decodeVersionRecord(R.encodeVersionRecord(version)), version);
  assert.throws(() => R.decodeVersionValue(v2.subarray(0, 12)), { code: 'CCOW_ERR_FORMAT' });
  // The listing decoder (tag checked on the bytes) refuses what decodeVersionValue refuses.
  for (const bad of [v2.subarray(0, 12), v2.subarray(0, 5), Buffer.from('ni'), Buffer.from('ni3{}'), Buffer.from('ni1{"a":'), new Uint8Array(R.encodeVersionRecord(version)).subarray(0, 20)]) {
    assert.throws(() => R.decodeVersionRecord(bad), { code: 'CCOW_ERR_FORMAT' }, `decodeVersionRecord(${Buffer.from(bad).toString('latin1')})`);
  }
  // A plain Uint8Array view (not a Buffer) at an offset decodes too.
  const framed = Buffer.concat([Buffer.from('xyz'), v2]);
  assert.deepEqual(R.decodeVersionRecord(new Uint8Array(framed.buffer, framed.byteOffset + 3, v2.length)), version);
  // embeddedVmOf (the read path) finds the same VM bytes without decoding the record.
  assert.deepEqual(R.embeddedVmOf(v2), R.decodeVersionValue(v2).vm);
  assert.deepEqual(R.embeddedVmOf(readFileSync(join(DIR, 'ni2-embedded-vm.bin'))), encodeVm(vmInline));
  assert.equal(R.embeddedVmOf(R.encodeVersionRecord(version)), undefined);
  assert.throws(() => R.embeddedVmOf(v2.subarray(0, 12)), { code: 'CCOW_ERR_FORMAT' });
});

test('GC queue and hidden-sweep values: the untagged forms of earlier builds still decode; anything else is refused', () => {
  // What earlier builds wrote (refs.ts enqueueGc: a bare f64 LE; snapshots.ts: the bare token).
  const oldGcq = readFileSync(join(DIR, 'gc-queue-untagged.bin'));
  assert.equal(oldGcq.length, 8);
  assert.equal(R.decodeGcQueueValue(oldGcq), 1763000000000.5);
  assert.equal(R.decodeGcQueueValue(new Uint8Array(R.encodeGcQueueValue(0))), 0);
  const oldSweep = readFileSync(join(DIR, 'hidden-sweep-untagged.bin'));
  assert.equal(oldSweep.length, 16);
  assert.deepEqual(R.decodeHiddenSweep(oldSweep), Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex'));
  // The old form is told apart by its length, not its bytes: a random token may begin with "hs1".
  const lookalike = Buffer.concat([Buffer.from('hs1'), Buffer.alloc(13, 7)]);
  assert.deepEqual(R.decodeHiddenSweep(lookalike), lookalike);
  // Both forms of one token compare equal once decoded (a sweep queued by an earlier build is dropped by this one).
  assert.ok(R.decodeHiddenSweep(R.encodeHiddenSweep(oldSweep)).equals(R.decodeHiddenSweep(oldSweep)));
  const gq = R.encodeGcQueueValue(5);
  for (const bad of [Buffer.alloc(0), gq.subarray(0, 10), Buffer.concat([gq, Buffer.from([0])]), Buffer.concat([Buffer.from('gq2'), gq.subarray(3)]), Buffer.alloc(9)]) {
    assert.throws(() => R.decodeGcQueueValue(bad), { code: 'CCOW_ERR_FORMAT' }, bad.toString('hex'));
  }
  const hs = R.encodeHiddenSweep(oldSweep);
  for (const bad of [Buffer.alloc(0), hs.subarray(0, 18), Buffer.concat([hs, Buffer.from([0])]), Buffer.concat([Buffer.from('hs2'), hs.subarray(3)]), Buffer.alloc(17)]) {
    assert.throws(() => R.decodeHiddenSweep(bad), { code: 'CCOW_ERR_FORMAT' }, bad.toString('hex'));
  }
  assert.throws(() => R.encodeHiddenSweep(Buffer.alloc(15)), { code: 'CCOW_ERR_FORMAT' });
});

test('decoders reject wrong tags, versions and truncation', () => {
  const vmBytes = encodeVm(vm);
  assert.throws(() => decodeVm(vmBytes.subarray(0, vmBytes.length - 1)), { code: 'CCOW_ERR_FORMAT' });
  const bad = Buffer.from(vmBytes);
  bad[4] = 2;
  assert.throws(() => decodeVm(bad), { code: 'CCOW_ERR_FORMAT' });
  assert.throws(() => decodeCm(vmBytes), { code: 'CCOW_ERR_FORMAT' });
  assert.throws(() => R.decodeVersionRecord(R.encodeBucketRecord({ name: 'x', id: '00', owner: 'o', createdAt: 0, versioning: 'Enabled', chunkSize: 1, codec: 'none', configs: {} })), { code: 'CCOW_ERR_FORMAT' });
  assert.throws(() => R.decodeChunkRow(Buffer.alloc(10)), { code: 'CCOW_ERR_FORMAT' });
  assert.throws(() => decRef(Buffer.concat([encRef(payloadRef), Buffer.from([0])])), { code: 'CCOW_ERR_FORMAT' });
});

test('equal VM contents encode to equal bytes whatever the key order (canonical JSON)', () => {
  const a = encodeVm({ meta: { ...vmInline.meta, userMeta: { b: '2', a: '1' } }, refs: vmInline.refs });
  const b = encodeVm({ meta: { ...vmInline.meta, userMeta: { a: '1', b: '2' } }, refs: vmInline.refs });
  assert.ok(a.equals(b));
});

test('u64 fields: little-endian, every safe integer round-trips, larger values are refused both ways', async () => {
  const { ByteReader, ByteWriter } = await import('../../../src/engine/format/bin.js');
  const values = [0, 1, 0xffff_ffff, 0x1_0000_0000, 0x1_2345_6789, 5 * 1024 ** 4, Number.MAX_SAFE_INTEGER];
  for (const v of values) {
    const b = new ByteWriter(1).u64(v).finish();
    assert.equal(b.readBigUInt64LE(0), BigInt(v), `encoding of ${v}`);
    assert.equal(new ByteReader(b, 'test').u64(), v);
  }
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN]) assert.throws(() => new ByteWriter().u64(bad), RangeError, String(bad));
  const big = Buffer.alloc(8);
  big.writeBigUInt64LE(BigInt(Number.MAX_SAFE_INTEGER) + 1n);
  assert.throws(() => new ByteReader(big, 'test').u64(), /u64 out of range/);
});

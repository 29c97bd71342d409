/** Put / read / head / copy / conditions of the engine (shared/spec/ccow.md §3, §5, §7, §10, §11). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { body, bytes, collect, eachBackend, openHarness, readAll } from './harness.js';

const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

eachBackend('put and read back across the inline boundary and chunk boundaries', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  for (const n of [0, 1, 4095, 4096, 4097, 1024 * 7, 1024 * 7 + 1, 50_000]) {
    const data = bytes(n, n);
    const before = (await backend.stats()).chunkCount;
    const v = await e.putObject({ bucket: 'b', key: `k${n}` }, body(data, 333));
    const stored = (await backend.stats()).chunkCount - before;
    assert.equal(v.size, n);
    assert.equal(v.etag, md5(data));
    // §3: versions ≤ 4096 bytes live in their VM — no chunk at all.
    if (n <= 4096) assert.equal(stored, 0, `${n} bytes stored ${stored} chunks`);
    else assert.equal(stored, Math.ceil(n / 1024), `${n} bytes stored ${stored} chunks`);
    assert.deepEqual(await readAll(e, 'b', `k${n}`), data, `${n} bytes read back`);
    const h = await e.head({ bucket: 'b', key: `k${n}` });
    assert.equal(h.size, n);
    assert.equal(h.etag, v.etag);
    assert.equal(h.versionId, 'null');
    assert.equal(h.isLatest, true);
  }
});

eachBackend('ranges read only what they cover and match the bytes', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 512 });
  const data = bytes(20_000, 9);
  await e.putObject({ bucket: 'b', key: 'r' }, body(data, 777));
  for (const [off, len] of [[0, 1], [511, 2], [512, 512], [1000, 9000], [19_999, 1], [0, 20_000], [19_000, 5000], [20_000, 0]] as const) {
    assert.deepEqual(await readAll(e, 'b', 'r', { offset: off, length: len }), data.subarray(off, off + len), `range ${off}+${len}`);
  }
  assert.deepEqual(await readAll(e, 'b', 'r', { offset: 15_000 }), data.subarray(15_000));
  await assert.rejects(e.read({ bucket: 'b', key: 'r' }, { offset: 20_001 }), { code: 'CCOW_ERR_INVALID_RANGE' });
});

eachBackend('zero chunks are holes: a sparse object stores only its non-zero chunks', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const data = Buffer.alloc(10 * 1024);
  data.fill(7, 3100, 3200);
  const before = (await backend.stats()).chunkCount;
  await e.putObject({ bucket: 'b', key: 'sparse' }, body(data, 4096));
  assert.equal((await backend.stats()).chunkCount - before, 1);
  assert.deepEqual(await readAll(e, 'b', 'sparse'), data);
  assert.deepEqual(await readAll(e, 'b', 'sparse', { offset: 2500, length: 2000 }), data.subarray(2500, 4500));
  await e.putObject({ bucket: 'b', key: 'zeros' }, body(Buffer.alloc(9000), 4096));
  assert.deepEqual(await readAll(e, 'b', 'zeros'), Buffer.alloc(9000));
});

eachBackend('compressed buckets (lz4, zstd) round-trip and store fewer bytes', async ({ engine: e }) => {
  for (const codec of ['lz4', 'zstd'] as const) {
    await e.createBucket(codec, { owner: 't', chunkSize: 4096, codec });
    const data = Buffer.alloc(64 * 1024, 'compress me please ');
    await e.putObject({ bucket: codec, key: 'x' }, body(data, 5000));
    assert.deepEqual(await readAll(e, codec, 'x'), data);
    assert.deepEqual(await readAll(e, codec, 'x', { offset: 5000, length: 10_000 }), data.subarray(5000, 15_000));
    const s = await e.bucketStats(codec);
    assert.equal(s.logicalBytes, data.length);
    assert.ok(s.physicalBytes < data.length / 4, `${codec}: physical ${s.physicalBytes}`);
  }
});

eachBackend('large objects build a CM tree (fan-out 4) and read back', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 512 });
  const data = bytes(512 * 70 + 100, 3);
  await e.putObject({ bucket: 'b', key: 'tree' }, body(data, 4096));
  assert.deepEqual(await readAll(e, 'b', 'tree'), data);
  assert.deepEqual(await readAll(e, 'b', 'tree', { offset: 512 * 33 + 7, length: 512 * 20 }), data.subarray(512 * 33 + 7, 512 * 53 + 7));
  assert.deepEqual(await e.fsck(), { chunksChecked: (await e.fsck()).chunksChecked, missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [], damaged: [], indexErrors: [] });
});

eachBackend('digests in the same pass: checksum stored with the version, verify() sees them', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const check = Buffer.from('123456789');
  let seen: Record<string, unknown> = {};
  const v = await e.putObject({ bucket: 'b', key: 'c' }, body(check), {
    checksumAlgorithm: 'CRC32C',
    digests: ['crc32', 'crc64nvme', 'sha256', 'sha1'],
    verify: (d) => void (seen = Object.fromEntries(Object.entries(d).map(([k, x]) => [k, typeof x === 'number' ? x : (x as Buffer).toString('hex')]))),
  });
  assert.deepEqual(seen, {
    size: 9,
    md5: '25f9e794323b453885f5181f1b624d0b',
    crc32: 'cbf43926',
    crc32c: 'e3069283',
    crc64nvme: 'ae8b14860a799888',
    sha256: '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225',
    sha1: 'f7c3bc1d808e04732adf679965ccc34ca7ae3441',
  });
  assert.deepEqual(v.checksum, { algorithm: 'CRC32C', type: 'FULL_OBJECT', value: Buffer.from('e3069283', 'hex').toString('base64') });
  assert.deepEqual((await e.head({ bucket: 'b', key: 'c' })).checksum, v.checksum);
  // The same digests from the worker path (multi-chunk body).
  const big = bytes(100_000, 5);
  let bigSeen: Buffer | undefined;
  await e.putObject({ bucket: 'b', key: 'big' }, body(big, 4000), { digests: ['sha256'], verify: (d) => void (bigSeen = d.sha256) });
  assert.deepEqual(bigSeen, createHash('sha256').update(big).digest());
});

eachBackend('a failed put leaves nothing visible and nothing leaked', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 512 });
  const data = bytes(10_000, 2);
  await assert.rejects(e.putObject({ bucket: 'b', key: 'x' }, body(data), { verify: () => { throw new Error('bad digest'); } }), /bad digest/);
  await assert.rejects(e.putObject({ bucket: 'b', key: 'x' }, body(data), { expectedSize: 10_001 }), { code: 'CCOW_ERR_INCOMPLETE_BODY' });
  await assert.rejects(e.putObject({ bucket: 'b', key: 'x' }, body(data), { maxSize: 9000 }), { code: 'CCOW_ERR_ENTITY_TOO_LARGE' });
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield data.subarray(0, 5000);
    throw new Error('client went away');
  }
  await assert.rejects(e.putObject({ bucket: 'b', key: 'x' }, failing()), /client went away/);
  await assert.rejects(e.head({ bucket: 'b', key: 'x' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  assert.equal((await e.listObjects('b', { limit: 10 })).entries.length, 0);
  clock.advance(61_000);
  assert.ok((await e.gc()) > 0);
  const r = await e.fsck();
  assert.deepEqual([r.missing, r.corrupt, r.leaked, r.danglingRefs], [[], [], [], []]);
});

eachBackend('commit conditions: If-None-Match * and If-Match', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  const a = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('a')), { condition: { ifNoneMatch: '*' } });
  await assert.rejects(e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('b')), { condition: { ifNoneMatch: '*' } }), { code: 'CCOW_ERR_PRECONDITION' });
  await assert.rejects(e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('b')), { condition: { ifMatch: '"nope"' } }), { code: 'CCOW_ERR_PRECONDITION' });
  await assert.rejects(e.putObject({ bucket: 'b', key: 'zz' }, body(Buffer.from('b')), { condition: { ifMatch: a.etag } }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  const b = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('b')), { condition: { ifMatch: a.etag.slice(1, -1) } });
  assert.equal((await e.head({ bucket: 'b', key: 'k' })).etag, b.etag);
  await assert.rejects(e.deleteObject({ bucket: 'b', key: 'k' }, { condition: { ifMatch: a.etag } }), { code: 'CCOW_ERR_PRECONDITION' });
  await e.deleteObject({ bucket: 'b', key: 'k' }, { condition: { ifMatch: b.etag } });
  await assert.rejects(e.head({ bucket: 'b', key: 'k' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
});

eachBackend('attributes: content type, user and system metadata, tags, ACL, storage class', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putObject({ bucket: 'b', key: 'm' }, body(Buffer.from('x')), {
    contentType: 'text/plain', userMeta: { Color: 'blue' }, sysMeta: { 'cache-control': 'no-cache' }, tags: { t: '1' }, acl: { owner: 'o' }, storageClass: 'STANDARD_IA',
  });
  const h = await e.head({ bucket: 'b', key: 'm' });
  assert.equal(h.contentType, 'text/plain');
  assert.deepEqual(h.userMeta, { color: 'blue' });
  assert.deepEqual(h.sysMeta, { 'cache-control': 'no-cache' });
  assert.deepEqual(h.tags, { t: '1' });
  assert.deepEqual(h.acl, { owner: 'o' });
  assert.equal(h.storageClass, 'STANDARD_IA');
  const u = await e.updateVersionMeta({ bucket: 'b', key: 'm' }, undefined, { tags: { t: '2' } });
  assert.deepEqual(u.tags, { t: '2' });
  assert.deepEqual((await e.head({ bucket: 'b', key: 'm' })).tags, { t: '2' });
  await e.updateVersionMeta({ bucket: 'b', key: 'm' }, undefined, { tags: null });
  assert.equal((await e.head({ bucket: 'b', key: 'm' })).tags, undefined);
  assert.equal((await e.feedRead(0n, 100)).filter((f) => f.op === 'meta').length, 2);
});

eachBackend('copyObject shares the VM (COPY) or the refs (REPLACE); zero payload copied', async ({ engine: e, backend }) => {
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.createBucket('c', { owner: 't', chunkSize: 4096 });
  const data = bytes(30_000, 4);
  const src = await e.putObject({ bucket: 'b', key: 'src' }, body(data), { contentType: 'a/b', userMeta: { x: '1' } });
  const puts = e.payloadPuts;
  const chunks = (await backend.stats()).chunkCount;
  const same = await e.copyObject({ bucket: 'b', key: 'src' }, { bucket: 'c', key: 'same' });
  assert.equal(same.vmId, src.vmId);
  assert.equal(same.etag, src.etag);
  assert.equal(same.contentType, 'a/b');
  const repl = await e.copyObject({ bucket: 'b', key: 'src' }, { bucket: 'b', key: 'repl' }, { replace: { contentType: 'c/d', userMeta: { y: '2' } } });
  assert.notEqual(repl.vmId, src.vmId);
  assert.equal(repl.etag, src.etag);
  assert.deepEqual(repl.userMeta, { y: '2' });
  assert.equal(e.payloadPuts, puts);
  assert.equal((await backend.stats()).chunkCount, chunks);
  assert.deepEqual(await readAll(e, 'c', 'same'), data);
  assert.deepEqual(await readAll(e, 'b', 'repl', { offset: 100, length: 5000 }), data.subarray(100, 5100));
  await assert.rejects(e.copyObject({ bucket: 'b', key: 'nope' }, { bucket: 'b', key: 'x' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
});

eachBackend('a corrupted chunk is CHUNK_CORRUPT on read, never served', async (h) => {
  const { engine: e } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const data = bytes(5000, 8);
  await e.putObject({ bucket: 'b', key: 'x' }, body(data));
  // Corrupt every chunk the store returns from now on (a flipped bit on disk).
  const chunks = h.backend.chunks;
  const get = chunks.get.bind(chunks);
  chunks.get = async (id) => {
    const b = Buffer.from(await get(id));
    b[10]! ^= 1;
    return b;
  };
  const r = await e.read({ bucket: 'b', key: 'x' });
  await assert.rejects(collect(r.body), { code: 'CCOW_ERR_CHUNK_CORRUPT' });
  // The read quarantined what it met (removed the bytes, quarantine.ts): fsck finds those missing.
  const report = await e.fsck();
  assert.ok(report.missing.length >= 1, 'the chunk the read failed on was quarantined');
  assert.equal(report.corrupt.length + report.missing.length, 5);
  chunks.get = get;
});

test('inline boundary 4095/4096/4097 with the default inline threshold', async () => {
  const h = await openHarness('memory');
  try {
    const e = h.engine;
    await e.createBucket('b', { owner: 't', chunkSize: 4096 });
    const chunkRecords = async () => {
      let n = 0;
      for await (const _ of h.backend.meta.range({ gte: Buffer.from('C'), lt: Buffer.from('D') })) n++;
      return n;
    };
    for (const n of [4095, 4096, 4097]) {
      const before = await chunkRecords();
      await e.putObject({ bucket: 'b', key: String(n) }, body(bytes(n, n), 4097));
      // Inline versions keep their VM in their index entry: not a single chunk record.
      if (n <= 4096) assert.equal(await chunkRecords(), before, `${n} bytes wrote chunk records`);
      assert.deepEqual(await readAll(e, 'b', String(n)), bytes(n, n));
    }
    assert.equal(h.engine.payloadPuts, 2);
    // Copies and clones of inline versions carry the VM along; tags updates keep it.
    await e.copyObject({ bucket: 'b', key: '4096' }, { bucket: 'b', key: 'copy' });
    await e.copyObject({ bucket: 'b', key: '4096' }, { bucket: 'b', key: 'repl' }, { replace: { contentType: 'x/y' } });
    await e.updateVersionMeta({ bucket: 'b', key: 'copy' }, undefined, { tags: { a: 'b' } });
    assert.deepEqual(await readAll(e, 'b', 'copy'), bytes(4096, 4096));
    assert.equal((await e.head({ bucket: 'b', key: 'repl' })).contentType, 'x/y');
    const r = await e.fsck();
    assert.deepEqual([r.missing, r.corrupt, r.leaked, r.danglingRefs], [[], [], [], []]);
  } finally {
    await h.close();
  }
});

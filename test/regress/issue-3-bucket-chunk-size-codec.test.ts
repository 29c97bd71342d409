/**
 * Issue #3 (engine audit): per-bucket chunk size and compression (shared/spec/ccow.md §3, §17) were
 * implemented but untested on the local backend. Three buckets on one local store: 8 MiB chunks +
 * zstd, 4 KiB chunks + lz4, and the defaults (1 MiB, no compression). Each gets an object of several
 * chunks, alternately incompressible (random) and compressible (text), so both outcomes of §3's
 * 12.5 % rule occur: the chunk store must receive a compressible chunk compressed (its raw id never
 * stored) and a random one raw (stored under the BLAKE3 of its bytes, full length). Reads, whole and
 * by ranges across chunk boundaries, must be bit-exact, before and after a restart. Chunk sizes
 * outside the engine's bounds (a multiple of 512 in 4 KiB..8 MiB) are refused with
 * CCOW_ERR_INVALID_ARGUMENT, at create and as a later config change, and fsck is clean at the end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkIdOf } from '../../src/common/index.js';
import { createEngine, type Codec, type Engine } from '../../src/engine/index.js';
import { createLocalBackend, type LocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { body, bytes, readAll } from '../integration/engine/harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Kind = 'random' | 'text';

interface Case {
  bucket: string;
  chunkSize?: number;
  codec?: Codec;
  /** What each chunk holds; the last one may be partial (`tail` bytes). */
  kinds: Kind[];
  tail: number;
}

const CASES: Case[] = [
  // 20 MiB + 123: random, text, and a 4 MiB random tail.
  { bucket: 'big', chunkSize: 8 * MiB, codec: 'zstd', kinds: ['random', 'text', 'random'], tail: 4 * MiB + 123 },
  // 24 chunks and a 100-byte text tail: below §3's 128-byte minimum, so stored raw all the same.
  { bucket: 'small', chunkSize: 4 * KiB, codec: 'lz4', kinds: [...Array.from({ length: 24 }, (_, i): Kind => (i % 2 ? 'text' : 'random')), 'text'], tail: 100 },
  // Defaults (1 MiB, 'none'): every chunk raw, text or not.
  { bucket: 'plain', kinds: ['random', 'text', 'random', 'text'], tail: 512 * KiB + 7 },
];

/** Compressible bytes, different for every chunk (no dedup between them). */
function text(n: number, tag: string): Buffer {
  const lines: string[] = [];
  let len = 0;
  for (let j = 0; len < n; j++) {
    const l = `${tag} line ${j}: the quick brown fox jumps over the lazy dog\n`;
    lines.push(l);
    len += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

/** The object of a case, and each chunk's bytes and whether §3 stores it compressed. */
function build(c: Case): { data: Buffer; chunks: { bytes: Buffer; compressed: boolean }[] } {
  const cs = c.chunkSize ?? MiB;
  const chunks = c.kinds.map((kind, i) => {
    const n = i === c.kinds.length - 1 ? c.tail : cs;
    const b = kind === 'random' ? bytes(n, 100 * (CASES.indexOf(c) + 1) + i) : text(n, `${c.bucket} chunk ${i}`);
    return { bytes: b, compressed: kind === 'text' && (c.codec ?? 'none') !== 'none' && n >= 128 };
  });
  return { data: Buffer.concat(chunks.map((x) => x.bytes)), chunks };
}

/** Ranges that cross every chunk boundary, span a whole chunk with a byte either side, and a suffix. */
function ranges(size: number, cs: number): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (let b = cs; b < size; b += cs) out.push({ offset: b - 5, length: Math.min(15, size - b + 5) });
  if (size > 2 * cs + 1) out.push({ offset: cs - 1, length: cs + 2 });
  out.push({ offset: size - cs - 3, length: cs + 3 });
  return out;
}

test('per-bucket chunk size and codec on the local backend: stored compressed or raw as §3 says, read back bit-exact, bad sizes refused, fsck clean', async () => {
  const dir = await makeTempDir('chunk-size-codec');
  const open = () => createLocalBackend({ dataDirs: [dir.path], durability: 'relaxed' });
  let backend: LocalBackend = await open();
  // Default options: minChunkSize 4 KiB (the harness's TEST_OPTS lower it to 512).
  let e: Engine = await createEngine(backend);
  try {
    let puts = new Map<string, number>();
    const put = backend.chunks.put.bind(backend.chunks);
    backend.chunks.put = (id, b, o) => {
      puts.set(hex(id), b.length);
      return put(id, b, o);
    };
    const built = new Map<string, Buffer>();
    for (const c of CASES) {
      const cs = c.chunkSize ?? MiB;
      const info = await e.createBucket(c.bucket, { owner: 't', ...(c.chunkSize ? { chunkSize: c.chunkSize } : {}), ...(c.codec ? { codec: c.codec } : {}) });
      assert.deepEqual({ chunkSize: info.chunkSize, codec: info.codec }, { chunkSize: cs, codec: c.codec ?? 'none' });
      const { data, chunks } = build(c);
      built.set(c.bucket, data);
      puts = new Map();
      await e.putObject({ bucket: c.bucket, key: 'k' }, body(data, 64 * KiB));

      // One store per chunk: raw ones under the id of their bytes, compressed ones smaller, under another id.
      assert.equal(puts.size, chunks.length, `${c.bucket}: one chunk put per chunk`);
      const rawIds = new Set<string>();
      chunks.forEach((ch, i) => {
        const rawId = hex(chunkIdOf(ch.bytes));
        rawIds.add(rawId);
        if (ch.compressed) assert.ok(!puts.has(rawId), `${c.bucket} chunk ${i} (text) is not stored raw`);
        else assert.equal(puts.get(rawId), ch.bytes.length, `${c.bucket} chunk ${i} is stored raw, whole`);
      });
      const compressed = [...puts].filter(([id]) => !rawIds.has(id));
      const want = chunks.filter((ch) => ch.compressed);
      assert.equal(compressed.length, want.length, `${c.bucket}: chunks stored compressed`);
      // Text of this kind compresses more than 4× with lz4 and zstd alike (far past the 12.5 % rule).
      for (const [id, n] of compressed) assert.ok(n < cs / 4, `${c.bucket}: compressed chunk ${id} is ${n} bytes`);
      if (c.codec && c.codec !== 'none') assert.ok(want.length > 0 && chunks.some((ch) => !ch.compressed), `${c.bucket}: both cases occur`);

      const stats = await e.bucketStats(c.bucket);
      assert.equal(stats.logicalBytes, data.length);
      if (want.length > 0) assert.ok(stats.physicalBytes < data.length, `${c.bucket}: ${stats.physicalBytes} physical bytes`);
      else assert.ok(stats.physicalBytes >= data.length, `${c.bucket}: ${stats.physicalBytes} physical bytes`);
    }

    const readBack = async (when: string): Promise<void> => {
      for (const c of CASES) {
        const data = built.get(c.bucket)!;
        assert.equal((await e.head({ bucket: c.bucket, key: 'k' })).size, data.length);
        assert.ok((await readAll(e, c.bucket, 'k')).equals(data), `${c.bucket} (${when}): whole object`);
        for (const r of ranges(data.length, c.chunkSize ?? MiB)) {
          const got = await readAll(e, c.bucket, 'k', r);
          assert.ok(got.equals(data.subarray(r.offset, r.offset + r.length)), `${c.bucket} (${when}): bytes ${r.offset}+${r.length}`);
        }
      }
    };
    await readBack('as written');

    // 2048: below the 4 KiB minimum; 16 MiB and 8 MiB + 512: above the 8 MiB maximum; 4097: not a multiple of 512.
    for (const bad of [2048, 16 * MiB, 8 * MiB + 512, 4097]) {
      await assert.rejects(e.createBucket(`bad-${bad}`, { owner: 't', chunkSize: bad }), { code: 'CCOW_ERR_INVALID_ARGUMENT' }, `chunk size ${bad} at create`);
      assert.equal(await e.getBucket(`bad-${bad}`), undefined, `no bucket made with chunk size ${bad}`);
      await assert.rejects(e.putBucketConfig('plain', 'chunkSize', bad), { code: 'CCOW_ERR_INVALID_ARGUMENT' }, `chunk size ${bad} as a config change`);
    }
    assert.equal((await e.getBucket('plain'))!.chunkSize, MiB, 'refused changes leave the chunk size as it was');
    await assert.rejects(e.createBucket('bad-codec', { owner: 't', codec: 'brotli' as Codec }), { code: 'CCOW_ERR_INVALID_ARGUMENT' });

    // The bucket settings and the stored chunks survive a restart.
    await e.close();
    await backend.close();
    backend = await open();
    e = await createEngine(backend);
    for (const c of CASES) {
      const b = (await e.getBucket(c.bucket))!;
      assert.deepEqual({ chunkSize: b.chunkSize, codec: b.codec }, { chunkSize: c.chunkSize ?? MiB, codec: c.codec ?? 'none' });
    }
    await readBack('after a restart');

    const f = await e.fsck();
    assert.deepEqual(
      { missing: f.missing, corrupt: f.corrupt, leaked: f.leaked, danglingRefs: f.danglingRefs, missingRefs: f.missingRefs, damaged: f.damaged },
      { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [], damaged: [] },
    );
    assert.ok(f.chunksChecked >= CASES.reduce((n, c) => n + c.kinds.length, 0), `fsck checked ${f.chunksChecked} chunks`);
  } finally {
    await e.close();
    await backend.close();
    await dir.cleanup();
  }
});

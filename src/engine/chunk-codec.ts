/**
 * Turning a slice of object data into a stored chunk (shared/spec/ccow.md §3): zero detection
 * (holes), optional compression with the 12.5 % rule, and the chunk id = BLAKE3 of the stored bytes.
 */
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
// lz4 runs synchronously on the calling thread (a 1 MiB chunk takes ~1 ms): lz4-napi allocates
// its output with its own mimalloc, and its async form did that on libuv's pool threads while V8
// freed the buffers on the main thread, a cross-thread free mimalloc keeps until the allocating
// thread allocates again. A gateway with lz4 buckets held 450-560 MiB more RSS than with none
// (8 writers of 8 MiB objects: peak 746 MiB async vs 311 sync, and 2,456 vs 4,778 requests in
// 60 s: the pool hop cost more than the compression; soak17, bench/RESULTS.md session 17).
import { compressSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { chunkIdOf } from '../common/index.js';
import type { Codec } from './api.js';
import { EngineErrors } from './errors.js';
import { CM_TAG } from './format/cm.js';
import { CodecId, RefKind, type ChunkRef } from './format/ref.js';
import { VM_TAG } from './format/vm.js';

/** Chunks shorter than this are never compressed (§3). */
export const MIN_COMPRESS = 128;

const ZERO = Buffer.alloc(64 * 1024);

/** True when every byte is zero (memcmp against a zero page; no per-byte JS loop). */
export function isAllZero(b: Uint8Array): boolean {
  const n = b.length;
  if (n === 0) return true;
  if (b[0] !== 0 || b[n - 1] !== 0) return false;
  const buf = Buffer.from(b.buffer, b.byteOffset, n);
  for (let o = 0; o < n; o += ZERO.length) {
    const end = Math.min(n, o + ZERO.length);
    if (!buf.subarray(o, end).equals(ZERO.subarray(0, end - o))) return false;
  }
  return true;
}

export function codecId(c: Codec): CodecId {
  return c === 'lz4' ? CodecId.LZ4 : c === 'zstd' ? CodecId.ZSTD : CodecId.NONE;
}

export function codecName(c: CodecId): Codec {
  return c === CodecId.LZ4 ? 'lz4' : c === CodecId.ZSTD ? 'zstd' : 'none';
}

/** Compressed form when it saves at least 12.5 %, else undefined (§3). */
async function compressed(data: Buffer, codec: Codec): Promise<Buffer | undefined> {
  if (codec === 'none' || data.length < MIN_COMPRESS) return undefined;
  let out: Buffer;
  try {
    out = codec === 'lz4' ? lz4Compress(data) : await zstdCompress(data, 3);
  } catch (e) {
    throw EngineErrors.CODEC_UNAVAILABLE(`${codec} compression failed`, { cause: e });
  }
  return out.length <= data.length - data.length / 8 ? out : undefined;
}

/** A chunk ready to store: its ref (with id) and its stored bytes. */
export interface PreparedChunk {
  ref: ChunkRef;
  stored: Buffer;
}

const MANIFEST_TAGS = [Buffer.from(CM_TAG, 'ascii'), Buffer.from(VM_TAG, 'ascii')];

/**
 * Stored bytes that begin like a manifest. Payloads and manifests share one id space (§2: a chunk,
 * CM or VM id is the BLAKE3 of its stored bytes) and one chunk row per id, so a payload whose stored
 * bytes equal a stored manifest's (CM or VM bytes put as data, which anyone can compute for a known
 * file) was deduplicated onto the manifest's row: its bytes never reached the ChunkStore and the
 * object read CHUNK_MISSING; the other way round a manifest found the payload's row, was never
 * stored and lost its children's references (issue-3-payload-manifest-id).
 */
function looksLikeManifest(stored: Buffer): boolean {
  return MANIFEST_TAGS.some((t) => stored.length >= t.length && stored.subarray(0, t.length).equals(t));
}

/**
 * Prepare the chunk covering `[offset, offset + data.length)`. Undefined for an all-zero chunk,
 * which is a hole: never stored, read back as zeros.
 */
export async function prepareChunk(data: Buffer, offset: number, codec: Codec): Promise<PreparedChunk | undefined> {
  if (isAllZero(data)) return undefined;
  let c = await compressed(data, codec);
  let cid = c ? codecId(codec) : CodecId.NONE;
  // Never stored so that it could be a manifest's bytes (see looksLikeManifest): such a chunk is
  // stored as a zstd frame whatever its size or saving (its magic 28 B5 2F FD begins no manifest);
  // the ref records the codec, so readers decode it as any zstd chunk (§3).
  if (looksLikeManifest(c ?? data)) {
    c = await zstdCompress(data, 3).catch((e: unknown) => {
      throw EngineErrors.CODEC_UNAVAILABLE('zstd compression failed', { cause: e });
    });
    cid = CodecId.ZSTD;
  }
  const stored = c ?? data;
  const ref: ChunkRef = {
    kind: RefKind.PAYLOAD,
    codec: cid,
    storedLength: stored.length,
    offset,
    length: data.length,
    id: chunkIdOf(stored),
  };
  return { ref, stored };
}

/** Logical bytes of a stored chunk. The caller has verified the hash already. */
export async function decodeChunk(ref: ChunkRef, stored: Uint8Array): Promise<Uint8Array> {
  if (ref.codec === CodecId.NONE) return stored;
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  let out: Buffer;
  try {
    out = ref.codec === CodecId.LZ4 ? lz4Uncompress(buf) : await zstdDecompress(buf);
  } catch (e) {
    throw EngineErrors.CHUNK_CORRUPT(`chunk does not decompress (${codecName(ref.codec)})`, { cause: e });
  }
  if (out.length !== ref.length) throw EngineErrors.CHUNK_CORRUPT('decompressed chunk has the wrong length');
  return out;
}

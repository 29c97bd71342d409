/**
 * Crash-test writer: a child process that test/integration/engine/crash.test.ts kills with SIGKILL
 * at a random moment (issue #3 "Crash safety"; shared/spec/ccow.md §13).
 *
 *   node crash-writer.js <dataDir> <seed>
 *
 * Opens the engine on a local backend with strict durability and runs WORKERS concurrent writers
 * until killed: puts of 0 B … 3 MiB (inline, LMDB-blob and file chunks, chunk maps several levels
 * deep, deduplicating and compressible bodies), overwrites, delete markers, deletes of one version,
 * copies and multipart uploads, next to a GC + orphan-sweep loop with a short hold. At most one
 * operation per key is in flight, so each key's history is a sequence the parent can model.
 *
 * Protocol: stdout, one JSON `CrashLine` per line. Writes to a pipe are synchronous on Linux
 * (https://nodejs.org/api/process.html#a-note-on-process-io), so a line printed before the kill
 * reaches the parent; a `begin` line is printed before its operation starts and an `ack` line only
 * after the operation's promise resolved (= durable, §13).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Codec, EngineOptions } from '../../src/engine/index.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** What an operation does to its key once committed. */
export type CrashOpKind = 'put' | 'mpu' | 'copy' | 'delete' | 'deleteVersion';

/** One operation as announced in its `begin` line. */
export interface CrashOp {
  bucket: string;
  key: string;
  kind: CrashOpKind;
  /** sha256 (hex) and size of the content the new version has (put, mpu, copy). */
  sha?: string;
  size?: number;
  /** deleteVersion: the version it purges. */
  versionId?: string;
}

/** A line of the protocol. */
export type CrashLine =
  | { t: 'ready'; epoch: number }
  | ({ t: 'begin'; op: number } & CrashOp)
  | { t: 'ack'; op: number; versionId?: string }
  | { t: 'fail'; op: number; error: string };

/** The buckets the writer uses: one versioned, one never versioned (retention "latest only"). */
export const CRASH_BUCKETS = [
  { name: 'ver', chunkSize: 64 * KiB, codec: 'none' as Codec, versioned: true },
  // 16 KiB chunks live in LMDB `blobs` (smallChunkMax), and lz4 exercises the codec path.
  { name: 'plain', chunkSize: 16 * KiB, codec: 'lz4' as Codec, versioned: false },
] as const;

/** Keys per bucket; fixed width, so a key is never a prefix of another. */
export const CRASH_KEYS = Array.from({ length: 10 }, (_, i) => `k${String(i).padStart(2, '0')}`);

/** Engine options of the writer (a 300 ms hold lets its GC run between the writes). */
export const WRITER_OPTS: EngineOptions = { btreeOrder: 4, minPartSize: 64 * KiB, holdMs: 300 };

const WORKERS = 8;
/** A versioned key with more versions than this gets one of them deleted (bounds the data). */
const MAX_VERSIONS = 3;

/** mulberry32: small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The same 4 MiB of pseudo-random bytes in every writer process (AES-CTR of zeros under a fixed
 * key), so bodies cut from it at chunk-aligned offsets deduplicate across rounds and crashes.
 */
const POOL = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0)).update(Buffer.alloc(4 * MiB + 64 * KiB));

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

function sizeOf(rng: () => number): number {
  const r = rng();
  if (r < 0.08) return 0;
  if (r < 0.12) return pick(rng, [4095, 4096, 4097]); // inline boundary (§3)
  if (r < 0.3) return 1 + Math.floor(rng() * 4096);
  if (r < 0.55) return 4097 + Math.floor(rng() * 60 * KiB);
  if (r < 0.88) return 64 * KiB + Math.floor(rng() * 448 * KiB);
  if (r < 0.97) return 512 * KiB + Math.floor(rng() * 1024 * KiB);
  return 1536 * KiB + Math.floor(rng() * 1536 * KiB);
}

/** A body: an aligned pool slice (dedups), a compressible pattern, or unique bytes. */
function makeBody(rng: () => number, size: number, stamp: number): Buffer {
  const mode = rng();
  if (mode < 0.3) {
    const off = Math.floor((rng() * (POOL.length - size)) / (64 * KiB)) * 64 * KiB;
    return Buffer.from(POOL.subarray(off, off + size));
  }
  if (mode < 0.45) {
    const at = Math.floor(rng() * 1000);
    const unit = POOL.subarray(at, at + 1 + Math.floor(rng() * 40));
    const b = Buffer.alloc(size);
    for (let i = 0; i < size; i += unit.length) unit.copy(b, i);
    return b;
  }
  const off = Math.floor(rng() * (POOL.length - size));
  const b = Buffer.from(POOL.subarray(off, off + size));
  // Stamp every 4 KiB so no chunk of this body equals another body's.
  for (let i = 0; i + 8 <= size; i += 4 * KiB) b.writeDoubleLE(stamp + i / 1e9, i);
  return b;
}

/** Stream `b` in pieces of random sizes, sometimes yielding to other writers in between. */
async function* stream(rng: () => number, b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; ) {
    const n = Math.min(b.length - i, 1 + Math.floor(rng() * 200 * KiB));
    yield b.subarray(i, i + n);
    i += n;
    if (rng() < 0.3) await yieldToLoop();
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function emit(line: CrashLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

class Writer {
  readonly #e: Engine;
  readonly #rng: () => number;
  readonly #busy = new Set<string>();
  #op = 0;

  constructor(e: Engine, rng: () => number) {
    this.#e = e;
    this.#rng = rng;
  }

  /** One worker: forever pick an idle key and run one operation on it. */
  async work(): Promise<void> {
    for (;;) {
      const b = pick(this.#rng, CRASH_BUCKETS);
      const key = pick(this.#rng, CRASH_KEYS);
      const slot = `${b.name}/${key}`;
      if (this.#busy.has(slot)) {
        await yieldToLoop();
        continue;
      }
      this.#busy.add(slot);
      try {
        await this.#one(b, key);
      } finally {
        this.#busy.delete(slot);
      }
    }
  }

  async #one(b: (typeof CRASH_BUCKETS)[number], key: string): Promise<void> {
    const rng = this.#rng;
    const versions = b.versioned ? (await this.#e.listVersions(b.name, { prefix: key, limit: 100 })).entries : [];
    const r = rng();
    if (versions.length > MAX_VERSIONS || (b.versioned && versions.length > 0 && r < 0.1)) {
      const v = versions.length > MAX_VERSIONS ? versions[versions.length - 1]! : pick(rng, versions);
      return this.#run({ bucket: b.name, key, kind: 'deleteVersion', versionId: v.versionId }, async () => {
        await this.#e.deleteObject({ bucket: b.name, key }, { versionId: v.versionId });
        return v.versionId;
      });
    }
    if (r < 0.2) {
      return this.#run({ bucket: b.name, key, kind: 'delete' }, async () => (await this.#e.deleteObject({ bucket: b.name, key })).versionId);
    }
    if (r < 0.3) return this.#copy(b.name, key);
    if (r < 0.4) return this.#multipart(b.name, key);
    const body = makeBody(rng, sizeOf(rng), this.#op + 1);
    return this.#run({ bucket: b.name, key, kind: 'put', sha: sha256(body), size: body.length }, async () =>
      (await this.#e.putObject({ bucket: b.name, key }, stream(rng, body))).versionId,
    );
  }

  /** Copy the current version of another idle key (its bytes hashed first: the parent needs them). */
  async #copy(bucket: string, key: string): Promise<void> {
    const src = pick(this.#rng, CRASH_BUCKETS);
    const srcKey = pick(this.#rng, CRASH_KEYS);
    const slot = `${src.name}/${srcKey}`;
    if (this.#busy.has(slot)) return;
    this.#busy.add(slot);
    try {
      const head = await this.#e.head({ bucket: src.name, key: srcKey }).catch(() => undefined);
      if (!head) return;
      const h = createHash('sha256');
      let size = 0;
      for await (const c of (await this.#e.read({ bucket: src.name, key: srcKey }, { versionId: head.versionId })).body) {
        h.update(c);
        size += c.length;
      }
      const from = { bucket: src.name, key: srcKey, versionId: head.versionId };
      await this.#run({ bucket, key, kind: 'copy', sha: h.digest('hex'), size }, async () =>
        (await this.#e.copyObject(from, { bucket, key })).versionId,
      );
    } finally {
      this.#busy.delete(slot);
    }
  }

  /** 2–3 parts of ≥ 64 KiB (the last any size), then complete. */
  async #multipart(bucket: string, key: string): Promise<void> {
    const rng = this.#rng;
    const count = 2 + Math.floor(rng() * 2);
    const parts: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const size = i === count - 1 ? Math.floor(rng() * 200 * KiB) : 64 * KiB + Math.floor(rng() * 200 * KiB);
      parts.push(makeBody(rng, size, this.#op + 1 + i / 10));
    }
    const all = Buffer.concat(parts);
    await this.#run({ bucket, key, kind: 'mpu', sha: sha256(all), size: all.length }, async () => {
      const up = await this.#e.createUpload({ bucket, key }, {});
      const done = [];
      for (let i = 0; i < parts.length; i++) {
        const p = await this.#e.putPart(bucket, up.uploadId, i + 1, stream(rng, parts[i]!));
        done.push({ partNumber: i + 1, etag: p.etag });
      }
      return (await this.#e.completeUpload(bucket, up.uploadId, done)).versionId;
    });
  }

  async #run(op: CrashOp, fn: () => Promise<string | undefined>): Promise<void> {
    const n = ++this.#op;
    emit({ t: 'begin', op: n, ...op });
    try {
      const versionId = await fn();
      // Sometimes dawdle between the commit and the acknowledgement (as a server writing its
      // response does), so that kills also land on committed but unacknowledged operations.
      if (this.#rng() < 0.3) await sleep(this.#rng() * 5);
      emit(versionId === undefined ? { t: 'ack', op: n } : { t: 'ack', op: n, versionId });
    } catch (e) {
      emit({ t: 'fail', op: n, error: e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e) });
    }
  }
}

/** GC (with the writer's short hold) and the orphan sweep, concurrently with the writers. */
async function collect(e: Engine, rng: () => number): Promise<void> {
  for (;;) {
    await sleep(30 + rng() * 120);
    await e.gc();
    await e.sweepOrphans();
  }
}

async function main(dir: string, seed: number): Promise<void> {
  const rng = seededRandom(seed);
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'strict' });
  const e = await createEngine(backend, WRITER_OPTS);
  for (const b of CRASH_BUCKETS) {
    const info = (await e.getBucket(b.name)) ?? (await e.createBucket(b.name, { owner: 'crash', chunkSize: b.chunkSize, codec: b.codec }));
    if (b.versioned && info.versioning !== 'Enabled') await e.putBucketConfig(b.name, 'versioning', 'Enabled');
  }
  emit({ t: 'ready', epoch: e.identity.epoch });
  const w = new Writer(e, rng);
  await Promise.all([...Array.from({ length: WORKERS }, () => w.work()), collect(e, rng)]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, seed] = process.argv.slice(2);
  main(dir!, Number(seed)).catch((e: unknown) => {
    process.stderr.write(`crash-writer: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  });
}

/**
 * Engine test harness: an engine over the memory backend or the local backend (LMDB + files in a
 * temp dir), a fake clock, and body helpers. `eachBackend` registers one test per backend.
 */
import { test, type TestContext } from 'node:test';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import type { StorageBackend } from '../../../src/storage/contract/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';

export type BackendKind = 'memory' | 'local';
export const BACKENDS: readonly BackendKind[] = ['memory', 'local'];

/** A clock the test moves (ms). Starts at a fixed, realistic instant. */
export interface FakeClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function fakeClock(start = 1_763_000_000_000): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** Small sizes so tests exercise multi-chunk objects, CM trees and multipart cheaply. */
export const TEST_OPTS: EngineOptions = { minChunkSize: 512, minPartSize: 8192, btreeOrder: 4, holdMs: 60_000 };

export interface Harness {
  kind: BackendKind;
  engine: Engine;
  backend: StorageBackend;
  clock: FakeClock;
  opts: EngineOptions;
  /** Close engine and backend, open both again on the same data (a restart). Memory keeps its backend. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function openBackend(kind: BackendKind, dir: TempDir | undefined): Promise<StorageBackend> {
  return kind === 'memory' ? createMemoryBackend() : createLocalBackend({ dataDirs: [dir!.path], durability: 'relaxed' });
}

/** Open an engine on a fresh backend of `kind`. */
export async function openHarness(kind: BackendKind, opts: EngineOptions = {}): Promise<Harness> {
  const clock = fakeClock();
  const o: EngineOptions = { ...TEST_OPTS, clock, ...opts };
  const dir = kind === 'local' ? await makeTempDir('engine') : undefined;
  const h: Harness = {
    kind,
    clock,
    opts: o,
    backend: await openBackend(kind, dir),
    engine: undefined as unknown as Engine,
    async restart() {
      await h.engine.close();
      if (kind === 'local') {
        await h.backend.close();
        h.backend = await openBackend(kind, dir);
      }
      h.engine = await createEngine(h.backend, o);
    },
    async close() {
      await h.engine.close();
      await h.backend.close();
      await dir?.cleanup();
    },
  };
  h.engine = await createEngine(h.backend, o);
  return h;
}

/** Register `fn` once per backend as `name [kind]`. */
export function eachBackend(name: string, fn: (h: Harness, t: TestContext) => Promise<void>, opts: EngineOptions = {}): void {
  for (const kind of BACKENDS) {
    test(`${name} [${kind}]`, async (t) => {
      const h = await openHarness(kind, opts);
      try {
        await fn(h, t);
      } finally {
        await h.close();
      }
    });
  }
}

/** A body that yields `data` in pieces of `piece` bytes. */
export async function* body(data: Uint8Array, piece = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
}

/** Concatenate a stream. */
export async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** Read a whole object (or version). */
export async function readAll(e: Engine, bucket: string, key: string, opts: { versionId?: string; offset?: number; length?: number } = {}): Promise<Buffer> {
  return collect((await e.read({ bucket, key }, opts)).body);
}

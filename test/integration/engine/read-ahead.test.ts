/**
 * Read-ahead of streaming reads (src/engine/reader.ts): a long read fetches up to
 * `readAheadStreaming` chunks at once while the engine-wide `readBudget` has room, a short one
 * keeps `readAhead`, concurrent long reads share the budget, and every way a read ends gives the
 * budget back. Measured on the memory backend with every chunk fetch held 3 ms, so fetches overlap
 * and the most in flight at once is the window the reader opened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine/index.js';
import type { ChunkStore } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { body, bytes, collect, TEST_OPTS } from './harness.js';

const CHUNK = 256 * 1024;
/** 48 chunks: a streaming read (≥ 8 MiB, reader.ts STREAMING_BYTES). */
const LONG = 48 * CHUNK;

interface Probe {
  engine: Engine;
  /** Make the fetch with this 0-based index (counted from now) fail; undefined: none fails. */
  failAt(n: number | undefined): void;
  /** Most chunk fetches in flight at once since the last reset. */
  peak(): number;
  reset(): void;
  close(): Promise<void>;
}

async function probe(opts: EngineOptions): Promise<Probe> {
  const backend = createMemoryBackend();
  const chunks: ChunkStore = backend.chunks;
  const get = chunks.get.bind(chunks);
  let now = 0;
  let most = 0;
  let fetches = 0;
  let failing: number | undefined;
  chunks.get = async (id, o) => {
    most = Math.max(most, ++now);
    const n = fetches++;
    try {
      await new Promise((r) => setTimeout(r, 3));
      if (n === failing) throw new Error('chunk read failed (simulated)');
      return await get(id, o);
    } finally {
      now--;
    }
  };
  const engine = await createEngine(backend, { ...TEST_OPTS, readAhead: 4, readAheadStreaming: 8, ...opts });
  await engine.createBucket('b', { owner: 't', chunkSize: CHUNK });
  return {
    engine,
    failAt(n) {
      fetches = 0;
      failing = n;
    },
    peak: () => most,
    reset: () => void (most = 0),
    async close() {
      await engine.close();
      await backend.close();
    },
  };
}

const data = bytes(LONG, 5);

async function readLong(e: Engine, lend = false): Promise<void> {
  const got = await collect((await e.read({ bucket: 'b', key: 'k' }, { lend })).body);
  assert.ok(got.equals(data), 'the bytes read back');
}

test('a long read goes as deep as readAheadStreaming while the budget has room, a short one keeps readAhead', async () => {
  const p = await probe({ readBudget: 32 * 1024 * 1024 });
  try {
    await p.engine.putObject({ bucket: 'b', key: 'k' }, body(data, 64 * 1024));
    for (const lend of [false, true]) {
      p.reset();
      await readLong(p.engine, lend);
      assert.equal(p.peak(), 8, `long read${lend ? ' (lend)' : ''}: 8 chunk fetches at once`);
    }
    p.reset();
    const short = await collect((await p.engine.read({ bucket: 'b', key: 'k' }, { offset: 0, length: 16 * CHUNK })).body);
    assert.ok(short.equals(data.subarray(0, 16 * CHUNK)));
    assert.equal(p.peak(), 4, 'a 4 MiB range is not streaming: the base window');
  } finally {
    await p.close();
  }
});

test('without budget a long read keeps the base window', async () => {
  const p = await probe({ readBudget: 0 });
  try {
    await p.engine.putObject({ bucket: 'b', key: 'k' }, body(data, 64 * 1024));
    p.reset();
    await readLong(p.engine);
    assert.equal(p.peak(), 4);
  } finally {
    await p.close();
  }
});

test('concurrent long reads share the budget, and every ending (done, broken off, failed) gives it back', async () => {
  // Room for 4 chunks beyond the base windows: two reads together hold at most 4 + 4 + 4.
  const p = await probe({ readBudget: 4 * CHUNK });
  try {
    await p.engine.putObject({ bucket: 'b', key: 'k' }, body(data, 64 * 1024));
    p.reset();
    await Promise.all([readLong(p.engine), readLong(p.engine)]);
    assert.ok(p.peak() > 8 && p.peak() <= 12, `two reads: ${p.peak()} fetches at once (base 4 + 4, plus at most 4 from the budget)`);

    // Broken off after the first piece: the generator's finally releases what it held.
    for (let i = 0; i < 3; i++) {
      for await (const piece of (await p.engine.read({ bucket: 'b', key: 'k' })).body) {
        assert.ok(Buffer.from(piece).equals(data.subarray(0, piece.length)));
        break;
      }
    }
    // Failed mid-way, once the window is deep: the error reaches the consumer and the budget is back.
    for (let i = 0; i < 3; i++) {
      p.failAt(20);
      await assert.rejects(readLong(p.engine), /simulated/);
    }
    p.failAt(undefined);
    // Their fetches already started run to their end (nobody reads them); let them finish.
    await new Promise((r) => setTimeout(r, 100));
    p.reset();
    await readLong(p.engine);
    assert.equal(p.peak(), 8, 'after reads that ended early or failed the whole budget is free again');
  } finally {
    await p.close();
  }
});

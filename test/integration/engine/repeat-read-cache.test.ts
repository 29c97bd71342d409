/**
 * Long reads and the page cache (src/engine/recent-reads.ts, reader.ts): the first long read of an
 * object asks the store to stream (read around the page cache); a repeat of the same read within
 * the window reads through the cache; other content, another range, or a repeat after the window
 * streams again; short reads never stream.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../../src/engine/index.js';
import type { ChunkGetOptions, ChunkStore } from '../../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import { body, bytes, collect, fakeClock, TEST_OPTS } from './harness.js';

const CHUNK = 256 * 1024;
/** 40 chunks: a long read (≥ 8 MiB, reader.ts STREAMING_BYTES). */
const LONG = 40 * CHUNK;

test('a repeated long read goes through the page cache; first reads, other ranges and short reads do not', async () => {
  const backend = createMemoryBackend();
  const seen: boolean[] = [];
  const chunks: ChunkStore = backend.chunks;
  const get = chunks.get.bind(chunks);
  chunks.get = (id, o?: ChunkGetOptions) => {
    seen.push(o?.streaming === true);
    return get(id, o);
  };
  const clock = fakeClock();
  const engine = await createEngine(backend, { ...TEST_OPTS, clock });
  try {
    await engine.createBucket('b', { owner: 't', chunkSize: CHUNK });
    const a = bytes(LONG, 1);
    await engine.putObject({ bucket: 'b', key: 'a' }, body(a, 65536));
    await engine.putObject({ bucket: 'b', key: 'other' }, body(bytes(LONG, 2), 65536));
    await engine.putObject({ bucket: 'b', key: 'same-bytes' }, body(a, 65536));
    /** Read (all or a range) and report how the chunk fetches asked: streaming, cached or mixed. */
    const read = async (key: string, range?: { offset: number; length: number }): Promise<string> => {
      seen.length = 0;
      const r = await engine.read({ bucket: 'b', key }, range ?? {});
      const got = await collect(r.body);
      assert.equal(got.length, range ? range.length : LONG);
      assert.ok(seen.length > 0);
      return seen.every((s) => s) ? 'streaming' : seen.every((s) => !s) ? 'cached' : 'mixed';
    };
    assert.equal(await read('a'), 'streaming', 'first long read streams');
    assert.equal(await read('a'), 'cached', 'a repeat reads through the cache');
    assert.equal(await read('a'), 'cached');
    assert.equal(await read('same-bytes'), 'cached', 'the same bytes under another key are the same chunk files');
    assert.equal(await read('other'), 'streaming', 'other content streams');
    assert.equal(await read('a', { offset: 0, length: LONG - CHUNK }), 'streaming', 'another range is another read');
    assert.equal(await read('a', { offset: 0, length: 4 * CHUNK }), 'cached', 'a short read never streams');
    assert.equal(await read('a', { offset: 0, length: 4 * CHUNK }), 'cached');
    clock.advance(11 * 60_000);
    assert.equal(await read('a'), 'streaming', 'a repeat after the window streams again');
  } finally {
    await engine.close();
    await backend.close();
  }
});

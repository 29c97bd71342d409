/**
 * A put whose body fails half-way (the client closed the socket, a truncated or stalled upload)
 * gives its chunk buffers back to the pool, the ones the digest worker read included
 * (src/engine/ingest.ts abort, digest-pool.ts DigestJob.abort).
 *
 * Before, the aborted digest job was forgotten at once, so the worker's acknowledgements were
 * dropped and every buffer posted to it (and the chunk being filled) was left to the garbage
 * collector. Later puts then allocated fresh shared memory, which the worker's rarely collected heap
 * kept alive: against a `ccow serve`, 30 rounds of 50 concurrent PUTs cut off after 3 MiB grew
 * its RSS from 200 MiB to 980 MiB; with the buffers reused it stays at 290–300 MiB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferPool } from '../../src/engine/buffer-pool.js';
import { DigestPool } from '../../src/engine/digest-pool.js';
import { ingest } from '../../src/engine/ingest.js';

const CHUNK = 64 * 1024;

/** A pool that records which memory it handed out and which came back. */
class CountingPool extends BufferPool {
  readonly taken = new Set<ArrayBufferLike>();
  readonly given = new Set<ArrayBufferLike>();
  override take(size: number): Buffer {
    const b = super.take(size);
    this.taken.add(b.buffer);
    return b;
  }
  override give(mem: ArrayBufferLike): void {
    this.given.add(mem);
    super.give(mem);
  }
}

/** 4.5 chunks in 16 KiB pieces, then the connection is gone. */
async function* cutOff(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < 18; i++) yield randomBytes(16 * 1024);
  throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

test('an aborted put gives every chunk buffer back to the pool once its store and the digest worker are done with it', { timeout: 30_000 }, async (t) => {
  const digests = new DigestPool();
  t.after(() => digests.close());
  const buffers = new CountingPool({ shared: true, maxFreeBytes: 64 * CHUNK });
  let stored = 0;
  const store = async (): Promise<void> => {
    await sleep(5);
    stored++;
  };
  await assert.rejects(
    ingest(cutOff(), { chunkSize: CHUNK, codec: 'none', inlineMax: 4096, digests: ['md5', 'sha256'], window: 2, pool: digests, buffers }, store),
    /aborted/,
  );
  assert.equal(stored, 4, 'the four full chunks were stored before the body failed');
  assert.equal(buffers.taken.size, 5, 'four dispatched chunks and the one being filled');
  const lost = [...buffers.taken].filter((m) => !buffers.given.has(m));
  assert.equal(lost.length, 0, `${lost.length} of ${buffers.taken.size} buffers never went back to the pool`);
});

test('a put whose size is a multiple of the chunk size gives back its spare buffer too', { timeout: 30_000 }, async (t) => {
  const digests = new DigestPool();
  t.after(() => digests.close());
  const buffers = new CountingPool({ shared: true, maxFreeBytes: 64 * CHUNK });
  async function* body(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 3; i++) yield randomBytes(CHUNK);
  }
  const r = await ingest(body(), { chunkSize: CHUNK, codec: 'none', inlineMax: 4096, digests: ['md5'], window: 2, pool: digests, buffers }, async () => undefined);
  assert.equal(r.size, 3 * CHUNK);
  const lost = [...buffers.taken].filter((m) => !buffers.given.has(m));
  assert.equal(lost.length, 0, `${lost.length} of ${buffers.taken.size} buffers never went back to the pool`);
});

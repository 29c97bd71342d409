/**
 * A gateway with lz4 buckets held hundreds of MiB it did not need (soak17, session 17): 8 writers
 * of 8 MiB objects into an lz4 bucket peaked at 746 MiB RSS and stayed at 750 idle, against 256 for
 * an uncompressed bucket. lz4-napi allocates its output with its own mimalloc; its async functions
 * ran on libuv's pool threads and V8 freed the buffers on the main thread, a cross-thread free that
 * mimalloc keeps until the allocating thread allocates again — so every pool thread kept its share.
 * chunk-codec now calls lz4 synchronously (one heap, reused). This runs the codec in a child with
 * the gateway's 16 pool threads and 16 chunks in flight and bounds the growth of its RSS; the async
 * form grew by ~1 GiB here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const CODEC = new URL('../../src/engine/chunk-codec.js', import.meta.url).href;

/** Child: 16 concurrent 1 MiB compress + decode rounds, 1,200 chunks; prints the RSS growth in MiB. */
const CHILD = `
import { randomBytes } from 'node:crypto';
const { prepareChunk, decodeChunk } = await import(${JSON.stringify(CODEC)});
// Compressible: 64-byte random words repeated, as soak17's data (lz4 saves well over 12.5 %).
const words = Array.from({ length: 256 }, () => randomBytes(64));
const base = Buffer.alloc(1 << 20);
for (let i = 0; i < base.length; i += 64) words[(i * 7919) % 256].copy(base, i);
const start = process.memoryUsage().rss;
let peak = start;
let n = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (n < 1200) {
    const i = n++;
    const data = Buffer.from(base);
    data.writeUInt32LE(i, 0);
    const c = await prepareChunk(data, 0, 'lz4');
    if (!c || c.ref.codec !== 1) throw new Error('not compressed');
    const back = await decodeChunk(c.ref, c.stored);
    if (!Buffer.from(back).equals(data)) throw new Error('round trip');
    peak = Math.max(peak, process.memoryUsage().rss);
  }
}));
console.log(JSON.stringify({ growthMiB: (peak - start) / 1048576 }));
`;

test('lz4 compression and decoding of 1,200 1 MiB chunks, 16 at once, grow RSS by less than 256 MiB', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    maxBuffer: 1 << 20,
  });
  const { growthMiB } = JSON.parse(stdout.trim().split('\n').pop()!) as { growthMiB: number };
  assert.ok(growthMiB < 256, `RSS grew by ${growthMiB.toFixed(0)} MiB`);
});

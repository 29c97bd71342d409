/**
 * The workloads of `npm run bench:s3`, identical for every server: small objects at concurrency
 * 16, one large object as a single stream each way, a paged listing, and (optionally) many large
 * uploads at once. Bodies are generated while they are sent, never held whole in memory.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BenchClient } from './client.js';

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;
const POOL = randomBytes(16 * MiB);

/** Bucket every workload uses. */
export const BUCKET = 'bench';

/** Key of small object `i` (zero-padded so listing order is numeric order). */
export function smallKey(i: number): string {
  return `small/${i.toString().padStart(8, '0')}`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Run `n` jobs with `concurrency` workers; returns jobs per second. */
async function rate(n: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const ms = await timed(() => Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await job(next++);
  })));
  return n / (ms / 1000);
}

/** MB/s with MB = 10^6 bytes. */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** Bucket of the untimed small-PUT warm-up pass (kept apart so LIST counts only the timed keys). */
export const WARM_BUCKET = 'bench-warm-up';

/** Create a bench bucket (a 409 from an earlier run is fine). */
export async function createBucket(c: BenchClient, bucket = BUCKET): Promise<void> {
  const res = await c.send({ method: 'PUT', path: `/${bucket}` });
  await res.body.dump();
  if (res.statusCode !== 200 && res.statusCode !== 409) throw new Error(`CreateBucket → ${res.statusCode}`);
}

/** `n` PUTs of distinct `size`-byte bodies at concurrency 16, over `keys` keys at most (overwriting); ops/s. */
export async function smallPuts(c: BenchClient, n: number, size = 4096, from = 0, bucket = BUCKET, keys = Infinity): Promise<number> {
  const base = randomBytes(size);
  return rate(n, 16, async (i) => {
    const body = Buffer.from(base);
    body.writeUInt32LE(from + i, 0);
    await c.ok({ method: 'PUT', path: `/${bucket}/${smallKey(from + (i % keys))}`, body });
  });
}

/** `n` GETs of the small objects at concurrency 16 (each body read and length-checked); ops/s. */
export async function smallGets(c: BenchClient, n: number, size = 4096): Promise<number> {
  return rate(n, 16, async (i) => {
    const got = await c.ok({ method: 'GET', path: `/${BUCKET}/${smallKey(i)}` });
    if (got !== size) throw new Error(`GET ${smallKey(i)}: ${got} bytes, expected ${size}`);
  });
}

const KEY_TAG = Buffer.from('<Key>');

/** Text of the first `<name>` element of a document, undefined when it has none. */
function elementText(xml: Buffer, name: string): string | undefined {
  const open = `<${name}>`;
  const at = xml.indexOf(open);
  if (at < 0) return undefined;
  const end = xml.indexOf(`</${name}>`, at);
  return end < 0 ? undefined : xml.toString('utf8', at + open.length, end);
}

/** What listAll measured: the best timed pass, and the first (cold) pass, in keys/s. */
export interface ListRates {
  best: number;
  cold: number;
}

/**
 * List every `small/` key page by page (ListObjectsV2, 1000 keys a page, continuation tokens) in
 * `warmup + runs` passes; the result is the best of the last `runs` passes. The first passes of a
 * fresh server run its listing code cold (V8 compiles it while the pass runs, on the same two
 * cores): they are reported apart, as `cold`, rather than mixed into the steady figure.
 */
export async function listAll(c: BenchClient, expected: number, runs = 3, warmup = 0): Promise<ListRates> {
  let best = Infinity;
  let cold = 0;
  for (let r = 0; r < warmup + runs; r++) {
    let count = 0;
    const ms = await timed(async () => {
      let token: string | undefined;
      do {
        const query = `list-type=2&max-keys=1000&prefix=small%2F${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
        const xml = await c.bytes({ method: 'GET', path: `/${BUCKET}`, query });
        for (let at = xml.indexOf(KEY_TAG); at >= 0; at = xml.indexOf(KEY_TAG, at + KEY_TAG.length)) count++;
        token = elementText(xml, 'NextContinuationToken')?.replace(/&amp;/g, '&');
      } while (token);
    });
    if (count !== expected) throw new Error(`listed ${count} keys, expected ${expected}`);
    if (r === 0) cold = expected / (ms / 1000);
    if (r >= warmup) best = Math.min(best, ms);
  }
  return { best: expected / (best / 1000), cold };
}

/**
 * A `size`-byte body in 64 KiB pieces cut from a 16 MiB random pool; the first piece of every MiB
 * is a stamped copy (MiB index and `seed`), so no two MiB of a run are equal and dedup cannot
 * flatter the gateway.
 */
export function bigBody(size: number, seed: number): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let o = 0; o < size; o += PIECE) {
      const at = o % POOL.length;
      let p = POOL.subarray(at, at + Math.min(PIECE, size - o));
      if (o % MiB === 0) {
        p = Buffer.from(p);
        p.writeUInt32LE(o / MiB, 0);
        p.writeUInt32LE(seed, 4);
      }
      yield p;
    }
  }
  return Readable.from(pieces(), { objectMode: false, highWaterMark: PIECE });
}

/** One streamed PUT of `size` bytes; MB/s. */
export async function bigPut(c: BenchClient, key: string, size: number, seed = 1): Promise<number> {
  const ms = await timed(() => c.ok({ method: 'PUT', path: `/${BUCKET}/${key}`, body: bigBody(size, seed), contentLength: size }));
  return mbps(size, ms);
}

/** One streamed GET of `size` bytes (read and counted, not kept); MB/s. */
export async function bigGet(c: BenchClient, key: string, size: number): Promise<number> {
  let got = 0;
  const ms = await timed(async () => {
    got = await c.download(`/${BUCKET}/${key}`);
  });
  if (got !== size) throw new Error(`GET ${key}: ${got} bytes, expected ${size}`);
  return mbps(size, ms);
}

/** Outcome of many concurrent large uploads. */
export interface ManyResult {
  /** Aggregate MB/s of the uploads that succeeded. */
  mbps: number;
  ok: number;
  /** Uploads answered 503 SlowDown (admission control) — not retried. */
  slowDown: number;
}

/** `count` concurrent streamed PUTs of `size` bytes each. */
export async function manyBigPuts(c: BenchClient, count: number, size: number): Promise<ManyResult> {
  let ok = 0;
  let slowDown = 0;
  const ms = await timed(() => Promise.all(Array.from({ length: count }, async (_, i) => {
    const res = await c.send({ method: 'PUT', path: `/${BUCKET}/many-${i}`, body: bigBody(size, 100 + i), contentLength: size });
    const text = await res.body.text();
    if (res.statusCode === 503 && text.includes('SlowDown')) slowDown++;
    else if (res.statusCode === 200) ok++;
    else throw new Error(`PUT many-${i} → ${res.statusCode}: ${text.slice(0, 300)}`);
  })));
  return { mbps: mbps(ok * size, ms), ok, slowDown };
}

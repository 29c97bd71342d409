/**
 * Streaming a body into chunks (shared/spec/ccow.md §3, §12): incoming pieces are copied once into a
 * preallocated chunk buffer; each full chunk is hashed (BLAKE3), optionally compressed and handed to
 * the store while the next one fills, with a bounded window of chunks in flight. MD5 (and any other
 * digest asked for) runs in the same pass: on the main thread for bodies that fit one chunk, in the
 * digest worker for larger ones, overlapped with hashing and storing.
 */
import type { Codec, DigestName, PutDigests } from './api.js';
import type { BufferPool } from './buffer-pool.js';
import type { ByteBudget } from './budget.js';
import { prepareChunk } from './chunk-codec.js';
import type { DigestJob, DigestPool } from './digest-pool.js';
import { EngineErrors } from './errors.js';
import type { ChunkRef } from './format/ref.js';
import { DigestSet, md5Once } from './hashers.js';
import { transientBuffer } from '../common/index.js';

/** Stores one prepared chunk (claim/put/record under the writer's intent). */
export type StoreChunk = (ref: ChunkRef, stored: Buffer) => Promise<unknown>;

export interface IngestOptions {
  chunkSize: number;
  codec: Codec;
  /** Bodies of at most this many bytes come back inline (no chunk stored). */
  inlineMax: number;
  digests: readonly DigestName[];
  expectedSize?: number;
  maxSize?: number;
  /** Chunks in flight. */
  window: number;
  /** Bytes in flight shared with other puts (undefined: only the window bounds this put). */
  budget?: ByteBudget;
  /** Worker for the digests of multi-chunk bodies (undefined: main thread). */
  pool?: DigestPool;
  /** Chunk buffers (shared memory of their own), returned once stored and digested. */
  buffers: BufferPool;
}

/** What a body turned into. */
export interface Ingested {
  size: number;
  /** Leaf refs in offset order (holes omitted); empty when inline. */
  leaves: ChunkRef[];
  /** The whole body, when it is at most `inlineMax` bytes. */
  inline?: Buffer;
  digests: PutDigests;
}

/** Unacknowledged chunks a job may have at the digest worker (bounds pinned memory). */
const MAX_DIGEST_BACKLOG = 16;


/** Cut `body` into chunks and store them; see the module comment. */
export async function ingest(body: AsyncIterable<Uint8Array>, o: IngestOptions, store: StoreChunk): Promise<Ingested> {
  const run = new IngestRun(o, store);
  try {
    // `add` and `end` answer synchronously while the body fits inline (every small put): no
    // promise per piece.
    for await (const piece of body) {
      const pending = run.add(piece);
      if (pending) await pending;
    }
    return await run.end();
  } catch (e) {
    await run.abort();
    throw e;
  }
}

class IngestRun {
  readonly #o: IngestOptions;
  readonly #store: StoreChunk;
  #small: Buffer[] = [];
  #smallLen = 0;
  #cur: Buffer | undefined;
  #fill = 0;
  #offset = 0;
  #total = 0;
  #job: DigestJob | undefined;
  #local: DigestSet | undefined;
  readonly #inflight = new Set<Promise<void>>();
  readonly #leaves: (ChunkRef | undefined)[] = [];
  /** Buffers posted to the digest worker and not yet acknowledged, in post order. */
  readonly #digesting: Buffer[] = [];
  /** Users (store, digest) of each buffer in flight; it goes back to the pool at zero. */
  readonly #users = new Map<Buffer, number>();
  #error: Error | undefined;

  constructor(o: IngestOptions, store: StoreChunk) {
    this.#o = o;
    this.#store = store;
  }

  /** Take one piece; a promise only when the piece went to the chunker (it may have to wait). */
  add(piece: Uint8Array): Promise<void> | undefined {
    this.#throwIfFailed();
    this.#total += piece.length;
    this.#checkSize(false);
    if (!this.#cur && this.#smallLen + piece.length <= this.#o.inlineMax) {
      // Copied: a producer may reuse its buffer once we return. The copy ends in the encoded VM
      // (or a part record) and is dropped with the put (common/slab.ts).
      const copy = transientBuffer(piece.length);
      copy.set(piece);
      this.#small.push(copy);
      this.#smallLen += piece.length;
      return undefined;
    }
    return this.#addChunked(piece);
  }

  async #addChunked(piece: Uint8Array): Promise<void> {
    if (!this.#cur) {
      // Past the inline threshold: from here on the body is chunked, starting with what was held back.
      this.#cur = this.#o.buffers.take(this.#o.chunkSize);
      const held = this.#small;
      this.#small = [];
      for (const s of held) await this.#append(s);
    }
    await this.#append(piece);
  }

  /** Copy `piece` into chunk buffers, dispatching each one that fills. */
  async #append(piece: Uint8Array): Promise<void> {
    let p = 0;
    while (p < piece.length) {
      const n = Math.min(piece.length - p, this.#o.chunkSize - this.#fill);
      this.#cur!.set(piece.subarray(p, p + n), this.#fill);
      this.#fill += n;
      p += n;
      if (this.#fill === this.#o.chunkSize) {
        await this.#dispatch(this.#cur!, false);
        this.#cur = this.#o.buffers.take(this.#o.chunkSize);
        this.#fill = 0;
      }
    }
  }

  #checkSize(atEnd: boolean): void {
    const { expectedSize, maxSize } = this.#o;
    if (maxSize !== undefined && this.#total > maxSize) throw EngineErrors.ENTITY_TOO_LARGE(`body exceeds ${maxSize} bytes`);
    if (expectedSize !== undefined && (this.#total > expectedSize || (atEnd && this.#total !== expectedSize))) {
      throw EngineErrors.INCOMPLETE_BODY(`body has ${this.#total} bytes, expected ${expectedSize}`);
    }
  }

  /** Hand one chunk to the digests and the store; waits while the window is full. */
  async #dispatch(buf: Buffer, last: boolean): Promise<void> {
    if (!this.#job && !this.#local) {
      if (!last && this.#o.pool) this.#job = this.#o.pool.job(this.#o.digests, () => this.#release(this.#digesting.shift()!));
      else this.#local = new DigestSet(this.#o.digests);
    }
    while (this.#inflight.size >= this.#o.window) await Promise.race(this.#inflight);
    this.#throwIfFailed();
    if (this.#job) await this.#job.drain(MAX_DIGEST_BACKLOG);
    // Every buffer in `#users` holds its length of the budget until it goes back to the pool.
    await this.#o.budget?.acquire(buf.length);
    if (this.#job) {
      // The worker reads the shared memory while this thread hashes and stores the same bytes.
      this.#users.set(buf, 2);
      this.#digesting.push(buf);
      this.#job.post(buf);
    } else {
      this.#local!.update(buf);
      this.#users.set(buf, 1);
    }
    const index = this.#leaves.length;
    const offset = this.#offset;
    this.#offset += buf.length;
    this.#leaves.push(undefined);
    const p = this.#storeOne(buf, offset, index);
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #storeOne(buf: Buffer, offset: number, index: number): Promise<void> {
    try {
      const prep = await prepareChunk(buf, offset, this.#o.codec);
      if (prep) {
        await this.#store(prep.ref, prep.stored);
        this.#leaves[index] = prep.ref;
      }
    } catch (e) {
      this.#error ??= e instanceof Error ? e : new Error(String(e));
    } finally {
      this.#release(buf);
    }
  }

  /** One user of `buf` is done; the last one returns it to the pool. */
  #release(buf: Buffer): void {
    const n = (this.#users.get(buf) ?? 1) - 1;
    if (n > 0) {
      this.#users.set(buf, n);
      return;
    }
    this.#users.delete(buf);
    this.#o.budget?.release(buf.length);
    this.#o.buffers.give(buf.buffer);
  }

  #throwIfFailed(): void {
    const e: Error | undefined = this.#error;
    if (e) throw e;
  }

  /** The result; synchronous for an inline body that needs only MD5. */
  end(): Ingested | Promise<Ingested> {
    this.#checkSize(true);
    if (!this.#cur) return this.#endInline();
    return this.#endChunked(this.#cur);
  }

  async #endChunked(cur: Buffer): Promise<Ingested> {
    // From here `cur` belongs to the dispatch (or goes straight back to the pool), not to abort().
    this.#cur = undefined;
    if (this.#fill > 0) await this.#dispatch(cur.subarray(0, this.#fill), true);
    else this.#o.buffers.give(cur.buffer);
    await Promise.all(this.#inflight);
    this.#throwIfFailed();
    const d = this.#job ? await this.#job.finish() : await this.#local!.finish();
    this.#job = undefined;
    return { size: this.#total, leaves: this.#leaves.filter((r): r is ChunkRef => r !== undefined), digests: withSize(d, this.#total) };
  }

  #endInline(): Ingested | Promise<Ingested> {
    const data = this.#small.length === 1 ? this.#small[0]! : Buffer.concat(this.#small);
    // Only MD5 (the ETag), the common case: one call, nothing to await.
    if (this.#o.digests.length === 0 || (this.#o.digests.length === 1 && this.#o.digests[0] === 'md5')) {
      return { size: data.length, leaves: [], inline: data, digests: { md5: md5Once(data), size: data.length } };
    }
    return this.#digestInline(data);
  }

  async #digestInline(data: Buffer): Promise<Ingested> {
    const set = new DigestSet(this.#o.digests);
    set.update(data);
    const d = await set.finish();
    return { size: data.length, leaves: [], inline: data, digests: withSize(d, data.length) };
  }

  /**
   * Stop digests and wait for stores in flight, so nothing lands after the caller drops the intent.
   * Buffers go back to the pool once both their store and the worker are done with them (a cut-off
   * upload must not make the next puts allocate fresh memory: see DigestJob.abort).
   */
  async abort(): Promise<void> {
    const job = this.#job;
    this.#job = undefined;
    const acked = job?.abort();
    await Promise.allSettled(this.#inflight);
    await acked;
    // Posts the worker never acknowledged (it failed): give their budget; the memory is left to the
    // garbage collector, the worker may still read it.
    for (const buf of this.#digesting.splice(0)) this.#o.budget?.release(buf.length);
    // The chunk being filled was never dispatched: nobody else holds it.
    if (this.#cur && !this.#users.has(this.#cur)) this.#o.buffers.give(this.#cur.buffer);
    this.#cur = undefined;
  }
}

/**
 * The digests with the body's size. Not `{ ...d, size }`: Node 20's V8 takes a member added after a
 * spread through a slow path (~0.5 µs, bench/RESULTS.md session 12).
 */
function withSize(d: Partial<Record<DigestName, Buffer>>, size: number): PutDigests {
  const out = Object.assign({}, d) as PutDigests;
  out.size = size;
  return out;
}

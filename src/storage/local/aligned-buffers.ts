/**
 * Block-aligned staging buffers for O_DIRECT chunk writes (chunk-file-format.ts v2).
 *
 * open(2) "O_DIRECT": the user buffer address must be aligned to the logical block size, which
 * JavaScript cannot ask for or observe; and a buffer that is only sector-aligned (512) is accepted
 * but slow — measured 42 MB/s against 440 MB/s page-aligned here, as the block layer splits every
 * page. Buffer.allocUnsafeSlow memory comes from malloc (16-byte aligned). A WebAssembly.Memory
 * is mapped by V8 straight from the OS page allocator, so its buffer starts on a page boundary:
 * staging buffers are such memories. One O_DIRECT write from a new buffer into a probe file checks
 * that the file system accepts it.
 *
 * Buffers are reused (a fresh MiB costs page faults that dwarf the copy into a warm one) and the
 * number staged at once is bounded, so the pool's memory stays a few MiB whatever the concurrency.
 */
import type { FileHandle } from 'node:fs/promises';
import { CHUNK_BLOCK } from './chunk-file-format.js';

/** Most bytes kept in free buffers between writes. */
const MAX_FREE_BYTES = 16 * 1024 * 1024;
/** The piece of the WebAssembly API used here (tsconfig has no DOM/WebAssembly lib). */
declare const WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };

/** Buffer sizes are multiples of this: the WebAssembly page size. */
export const CLASS = 64 * 1024;
/**
 * Smallest buffer allocated: a default 1 MiB chunk's file (payload + header block) fits, and so does
 * any shorter one (an object's tail, a compressed chunk), so mixed sizes share buffers instead of
 * each odd size growing a free list of its own.
 */
const MIN_ALLOC = 1024 * 1024 + CLASS;

/** A staging buffer: `buf` is block-aligned in memory; give it back with `release`. */
export interface Staged {
  buf: Buffer;
  release(): void;
}

/** Pool of aligned buffers; `probe` is an O_DIRECT handle on a scratch file of the same file system. */
export class AlignedBuffers {
  readonly #probe: FileHandle;
  /** Free buffers, any size; `take` picks the smallest that fits. */
  readonly #free: Buffer[] = [];
  #freeBytes = 0;
  #staged = 0;
  readonly #limit: number;
  readonly #minAlloc: number;
  readonly #waiters: (() => void)[] = [];

  /**
   * `limit`: buffers staged at once (writers beyond it wait); `minAlloc`: smallest buffer made
   * (default: a whole 1 MiB chunk's file, see MIN_ALLOC).
   */
  constructor(probe: FileHandle, limit: number, minAlloc = MIN_ALLOC) {
    this.#probe = probe;
    this.#limit = limit;
    this.#minAlloc = minAlloc;
  }

  /** An aligned buffer of at least `size` bytes (contents undefined); waits while `limit` are out. */
  async take(size: number): Promise<Staged> {
    while (this.#staged >= this.#limit) await new Promise<void>((res) => this.#waiters.push(res));
    this.#staged++;
    try {
      let buf = this.#bestFit(size);
      buf ??= await this.#allocate(Math.max(this.#minAlloc, Math.ceil(size / CLASS) * CLASS));
      let released = false;
      return {
        buf,
        release: () => {
          if (released) return;
          released = true;
          this.#give(buf);
        },
      };
    } catch (e) {
      this.#done();
      throw e;
    }
  }

  /** Remove and return the smallest free buffer of at least `size` bytes. */
  #bestFit(size: number): Buffer | undefined {
    let at = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const l = this.#free[i]!.length;
      if (l >= size && (at < 0 || l < this.#free[at]!.length)) at = i;
    }
    if (at < 0) return undefined;
    const [b] = this.#free.splice(at, 1);
    this.#freeBytes -= b!.length;
    return b;
  }

  #give(buf: Buffer): void {
    this.#free.push(buf);
    this.#freeBytes += buf.length;
    // Over the cap: let the smallest go first (the large ones are the costly ones to remake).
    while (this.#freeBytes > MAX_FREE_BYTES) {
      let min = 0;
      for (let i = 1; i < this.#free.length; i++) if (this.#free[i]!.length < this.#free[min]!.length) min = i;
      this.#freeBytes -= this.#free.splice(min, 1)[0]!.length;
    }
    this.#done();
  }

  #done(): void {
    this.#staged--;
    this.#waiters.shift()?.();
  }

  async #allocate(size: number): Promise<Buffer> {
    const mem = new WebAssembly.Memory({ initial: size / CLASS, maximum: size / CLASS });
    const buf = Buffer.from(mem.buffer, 0, size);
    await this.#probe.write(buf, 0, CHUNK_BLOCK, 0);
    return buf;
  }
}

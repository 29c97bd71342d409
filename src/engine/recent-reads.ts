/**
 * Which long reads go through the page cache. A long read (reader.ts) is served around the cache
 * (the store reads chunk files with O_DIRECT) so that one pass over a large object does not push hot
 * small objects out of memory. But an object read again soon is hot itself: a repeat of the same
 * long read within `windowMs` goes through the cache, and from then on is served from memory
 * (warm buffered reads ran at ~2.0 GB/s against the disk's 1.4–1.6 through O_DIRECT here,
 * bench/RESULTS.md session 12). Second-hit admission, as caches that must survive scans do.
 */
export class RecentReads {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  readonly #windowMs: number;

  constructor(max = 1024, windowMs = 10 * 60_000) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Record a read of `key` at `now`; true when the same read happened within the window. */
  repeat(key: string, now: number): boolean {
    const last = this.#seen.get(key);
    // Re-inserted so that the map's order is least recently read first (evicted first).
    if (last !== undefined) this.#seen.delete(key);
    else if (this.#seen.size >= this.#max) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, now);
    return last !== undefined && now - last <= this.#windowMs;
  }
}

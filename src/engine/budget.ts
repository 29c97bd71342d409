/**
 * A byte budget shared by every put of an engine: chunks handed to the store (and the digest
 * worker) hold their size of it until both are done with the buffer. One upload may still keep up to
 * its own window in flight, but sixteen concurrent 1 GiB uploads share one budget instead of holding
 * sixteen windows (s3-bench `--many`: 551 MiB of anonymous memory before, issue #4's bound is
 * 300 MiB resident). Waiting here only waits for chunks already in flight to finish, which never
 * depends on a waiter, so it cannot deadlock.
 */
export class ByteBudget {
  readonly #max: number;
  #used = 0;
  readonly #waiters: { n: number; go: () => void }[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Wait until `n` more bytes fit (a request larger than the whole budget waits for an idle one). */
  async acquire(n: number): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(n)) {
      this.#used += n;
      return;
    }
    await new Promise<void>((go) => this.#waiters.push({ n, go }));
  }

  /** Take `n` bytes only if they fit now, without waiting (and without passing a waiter). */
  tryAcquire(n: number): boolean {
    if (this.#waiters.length !== 0 || this.#used + n > this.#max) return false;
    this.#used += n;
    return true;
  }

  release(n: number): void {
    this.#used -= n;
    // First come, first served: a large request is not starved by a stream of small ones.
    while (this.#waiters.length && this.#fits(this.#waiters[0]!.n)) {
      const w = this.#waiters.shift()!;
      this.#used += w.n;
      w.go();
    }
  }

  #fits(n: number): boolean {
    return this.#used === 0 || this.#used + n <= this.#max;
  }
}

/** In-process keyed mutex (ccow.md §13 per-id lock, §7.4 per-object commit lock). */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Wait for `key`, then hold it until the returned release function is called. */
  async acquire(key: string): Promise<() => void> {
    const prev = this.#tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev ? prev.then(() => mine) : mine;
    this.#tails.set(key, tail);
    if (prev) await prev;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }

  /** Run `fn` holding `key`. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

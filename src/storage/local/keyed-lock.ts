/**
 * In-process keyed mutex (shared/spec/ccow.md §13 "Per-id lock"): operations on the same key run one
 * after another, different keys run in parallel. Holds no state for idle keys.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Run `fn` once every earlier holder of `key` has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.#tails.set(key, mine);
    try {
      if (prev) await prev;
      return await fn();
    } finally {
      release();
      // Last in line: forget the key so the map only holds keys with waiters.
      if (this.#tails.get(key) === mine) this.#tails.delete(key);
    }
  }

  /** Keys with a holder or waiters (tests). */
  get size(): number {
    return this.#tails.size;
  }
}

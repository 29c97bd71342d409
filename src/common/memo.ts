/**
 * A bounded memo for parsing that every request of a client repeats with the same input (a SigV4
 * credential scope, a SignedHeaders list, an x-amz-date within one second). Values are shared
 * between callers, so they must be immutable (freeze them). Failures are not remembered: the caller
 * parses again and throws again. When full, the oldest entry goes first.
 */
export class BoundedMemo<T> {
  readonly #max: number;
  readonly #map = new Map<string, T>();

  constructor(max = 256) {
    this.#max = max;
  }

  /** The remembered value of `key`, or undefined. */
  get(key: string): T | undefined {
    return this.#map.get(key);
  }

  /** Remember `value` for `key`; returns `value`. */
  set(key: string, value: T): T {
    if (this.#map.size >= this.#max && !this.#map.has(key)) this.#map.delete(this.#map.keys().next().value!);
    this.#map.set(key, value);
    return value;
  }
}

/**
 * Young-generation collections paced by request body bytes (S3ServiceOptions.youngGc).
 *
 * Node's HTTP parser gives every body piece (up to 64 KiB) to JavaScript as a Buffer over memory of
 * its own, from malloc. A piece is garbage once the engine has copied it into a chunk buffer, but
 * its memory is freed only by a collection, and V8 collects on account of external memory only
 * after that has grown by ~64 MiB. In bench:s3's 1 GiB PUT the malloc heap peaked at 55–69 MiB
 * without and 49–59 with one scavenge per 16 MiB of body (six alternating runs; the whole bench's
 * peak RSS 8 MiB lower on average, PUT rate and CPU unchanged). A scavenge of the gateway's young
 * generation takes ~1–3 ms (bench/RESULTS.md, session 9).
 */
export class BodyGcPacer {
  readonly #collect: () => void;
  readonly #every: number;
  #bytes = 0;

  /** `collect` is run after every `everyBytes` counted (whatever request they came from). */
  constructor(collect: () => void, everyBytes: number) {
    this.#collect = collect;
    this.#every = Math.max(1, everyBytes);
  }

  /** Count `n` body bytes read (one collection however many multiples of `everyBytes` they cross). */
  add(n: number): void {
    this.#bytes += n;
    if (this.#bytes < this.#every) return;
    this.#bytes %= this.#every;
    this.#collect();
  }
}

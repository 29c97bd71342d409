/**
 * Group commit of fsyncs (shared/spec/ccow.md §13): one fsync in flight per target; every caller
 * that finished its write or rename before an fsync *started* is covered by it. Callers arriving
 * while one is in flight share the next round, which starts as soon as the current one ends. There
 * is no timer: an idle target syncs at once, a busy one batches as many callers as arrive meanwhile.
 */

interface Round {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface TargetState {
  running: boolean;
  /** The round that starts when the running one ends; shared by everyone who asked meanwhile. */
  queued?: Round;
}

function newRound(): Round {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Coalesces fsync requests per target (a directory path, a file path, the LMDB env...). */
export class GroupSync {
  readonly #sync: (target: string) => Promise<void>;
  readonly #state = new Map<string, TargetState>();
  #performed = 0;

  /** `sync` performs one real fsync of `target`. */
  constructor(sync: (target: string) => Promise<void>) {
    this.#sync = sync;
  }

  /** Number of real fsyncs performed (tests check that concurrent callers were batched). */
  get performed(): number {
    return this.#performed;
  }

  /** Resolves once an fsync of `target` that started after this call has completed. */
  request(target: string): Promise<void> {
    let st = this.#state.get(target);
    if (!st) {
      st = { running: false };
      this.#state.set(target, st);
    }
    if (!st.running) return this.#run(st, target);
    // The in-flight fsync may have started before our caller's rename: join the next round.
    st.queued ??= newRound();
    return st.queued.promise;
  }

  #run(st: TargetState, target: string): Promise<void> {
    st.running = true;
    this.#performed++;
    const p = this.#sync(target);
    const done = (): void => {
      st.running = false;
      const q = st.queued;
      st.queued = undefined;
      if (q) this.#run(st, target).then(q.resolve, q.reject);
      else this.#state.delete(target);
    };
    p.then(done, done);
    return p;
  }
}

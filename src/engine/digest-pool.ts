/**
 * Main-thread side of the digest worker (digest-worker.ts). One worker per engine, started on the
 * first large put and shared by all puts; jobs are multiplexed by id. A job's backlog of
 * unacknowledged chunks is bounded, which bounds the memory a slow MD5 can pin.
 */
import { Worker } from 'node:worker_threads';
import type { DigestName } from './api.js';
import { EngineErrors } from './errors.js';
import type { FromWorker, ToWorker } from './digest-worker.js';

interface JobState {
  pending: number;
  /** Called once per acknowledged post, in post order. */
  acked?: () => void;
  wake?: () => void;
  done?: (d: Partial<Record<DigestName, Buffer>>) => void;
  fail?: (e: Error) => void;
  error?: Error;
}

/** Lazily started digest worker. */
export class DigestPool {
  #worker: Worker | undefined;
  #closed = false;
  #nextId = 1;
  readonly #jobs = new Map<number, JobState>();

  #start(): Worker {
    if (this.#worker) return this.#worker;
    // After close() a put would start a thread nobody terminates any more.
    if (this.#closed) throw EngineErrors.UNAVAILABLE('the engine is closed');
    const w = new Worker(new URL('./digest-worker.js', import.meta.url));
    w.unref();
    w.on('message', (m: FromWorker) => this.#onMessage(m));
    w.on('error', (e) => this.#failAll(e));
    w.on('exit', () => {
      this.#worker = undefined;
      // Puts still hashing when the engine closes fail as a closed store's do (503, retryable), not
      // with an untyped error (500).
      this.#failAll(this.#closed ? EngineErrors.UNAVAILABLE('the engine closed during the upload') : new Error('digest worker exited'));
    });
    this.#worker = w;
    return w;
  }

  #onMessage(m: FromWorker): void {
    const j = this.#jobs.get(m.id);
    if (!j) return;
    if (m.op === 'ack') {
      j.pending--;
      j.acked?.();
      j.wake?.();
    } else if (m.op === 'done') {
      this.#jobs.delete(m.id);
      const out: Partial<Record<DigestName, Buffer>> = {};
      for (const [k, v] of Object.entries(m.digests)) out[k as DigestName] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      j.done?.(out);
    } else {
      this.#jobs.delete(m.id);
      const e = new Error(`digest worker: ${m.message}`);
      j.error = e;
      j.fail?.(e);
      j.wake?.();
    }
  }

  #failAll(e: Error): void {
    for (const j of this.#jobs.values()) {
      j.error = e;
      j.fail?.(e);
      j.wake?.();
    }
    this.#jobs.clear();
  }

  /** Start a job computing `names` (md5 always); `acked` runs once per post the worker is done with. */
  job(names: readonly DigestName[], acked?: () => void): DigestJob {
    const w = this.#start();
    const id = this.#nextId++;
    const state: JobState = { pending: 0, acked };
    this.#jobs.set(id, state);
    w.postMessage({ op: 'start', id, names: [...names] } satisfies ToWorker);
    return new DigestJob(w, id, state, () => this.#jobs.delete(id));
  }

  /** Terminate the worker; jobs in flight fail, and new ones, with EngineErrors.UNAVAILABLE. */
  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#worker;
    this.#worker = undefined;
    if (w) await w.terminate();
  }
}

/** One put's stream of chunks to the worker. */
export class DigestJob {
  readonly #w: Worker;
  readonly #id: number;
  readonly #s: JobState;
  readonly #forget: () => void;

  constructor(w: Worker, id: number, s: JobState, forget: () => void) {
    this.#w = w;
    this.#id = id;
    this.#s = s;
    this.#forget = forget;
  }

  /**
   * Post the next bytes (in order). Bytes over a SharedArrayBuffer are read by the worker in place
   * (the caller must not change them before the post is acknowledged); others are copied.
   */
  post(b: Uint8Array): void {
    this.#check();
    const own = b.buffer instanceof SharedArrayBuffer ? b : new Uint8Array(b);
    const msg: ToWorker = { op: 'data', id: this.#id, buf: own.buffer, off: own.byteOffset, len: own.byteLength };
    this.#s.pending++;
    if (own.buffer instanceof SharedArrayBuffer) this.#w.postMessage(msg);
    else this.#w.postMessage(msg, [own.buffer]);
  }

  /** Resolves once fewer than `maxPending` posts are unacknowledged. */
  async drain(maxPending: number): Promise<void> {
    while (this.#s.pending >= maxPending && !this.#s.error) {
      await new Promise<void>((res) => (this.#s.wake = res));
    }
    this.#s.wake = undefined;
    this.#check();
  }

  #check(): void {
    const e: Error | undefined = this.#s.error;
    if (e) throw e;
  }

  /** All digests, once the worker has seen every byte. */
  finish(): Promise<Partial<Record<DigestName, Buffer>>> {
    if (this.#s.error) return Promise.reject(this.#s.error);
    return new Promise((res, rej) => {
      this.#s.done = res;
      this.#s.fail = rej;
      this.#w.postMessage({ op: 'end', id: this.#id } satisfies ToWorker);
    });
  }

  /**
   * Stop the job. Resolves once the worker has acknowledged every post (it acknowledges posts of an
   * aborted job too, in order) or has failed: only then may the posted memory be reused. Forgetting
   * the job at once (as before) dropped those acknowledgements, so an aborted put's chunk buffers
   * never went back to the pool; each later put allocated fresh shared memory, which the worker's
   * rarely collected heap kept alive: 1,500 uploads cut off after 3 MiB grew the gateway's RSS from
   * 200 MiB to 1 GB (regress/issue-5-aborted-upload-memory).
   */
  abort(): Promise<void> {
    this.#w.postMessage({ op: 'abort', id: this.#id } satisfies ToWorker);
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#s.pending > 0 && !this.#s.error) {
          this.#s.wake = check;
          return;
        }
        this.#s.wake = undefined;
        this.#forget();
        resolve();
      };
      check();
    });
  }
}

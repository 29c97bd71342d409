/**
 * Admission of the local backend's operations: it counts what is in flight, so `close()` can wait
 * for it, and it can hold new operations while an online LMDB compaction (compaction.ts) needs the
 * env quiet — first writes only (while the compacted copy is made, reads go on: the copy is itself
 * a read transaction, LMDB readers never block each other), then everything (while the env is
 * closed, the file renamed and the env reopened, a few milliseconds).
 *
 * Range scans are tracked separately: a scan keeps its LMDB snapshot across awaits, for as long as
 * its consumer takes, and a consumer may wait for a held write inside its loop (the orphan sweep
 * deletes while it iterates). So waiting for scans has a deadline; when it passes, the compaction
 * gives up and lifts the holds rather than deadlock (`holdAll` returns false).
 */
import { StorageErrors } from '../contract/index.js';

/** What an operation does to LMDB: writes are held while a compacted copy is made. */
export type OpKind = 'read' | 'write';

/** A hold: new operations of its kind wait for `released`. */
interface Hold {
  released: Promise<void>;
  release(): void;
}

function newHold(): Hold {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { released, release };
}

/** Waits for `set` to be empty, including operations added while waiting. */
async function settleAll(set: Set<Promise<unknown>>): Promise<void> {
  while (set.size > 0) await Promise.allSettled([...set]);
}

/** In-flight tracking and holds of one backend. */
export class OpGate {
  #closed = false;
  /** Why operations fail after the backend broke (a compaction that could not reopen the env). */
  #broken: Error | undefined;
  readonly #inFlight: Record<OpKind, Set<Promise<unknown>>> = { read: new Set(), write: new Set() };
  #scans = 0;
  /** Waiters for "no scan in flight" (a compaction, a close). */
  readonly #scansIdle = new Set<() => void>();
  /** Set once close() stopped waiting for scans: the env is about to close. */
  #envClosing = false;
  #writes: Hold | undefined;
  #all: Hold | undefined;

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * True once the LMDB env is closing or gone (close() is done waiting for scans, or the backend
   * broke): a scan that ends now must not touch its cursor or read transaction any more.
   */
  get envClosing(): boolean {
    return this.#envClosing || this.#broken !== undefined;
  }

  /** True once `breakWith` was called. */
  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /** True while anything is held (a compaction is under way). */
  get holding(): boolean {
    return this.#writes !== undefined || this.#all !== undefined;
  }

  /**
   * Run `fn` as an operation of `kind`: CLOSED after close(); while held, it starts once the hold
   * is lifted (a held operation is not in flight, so it never delays the compaction that holds it).
   */
  run<T>(kind: OpKind, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const hold = this.#all ?? (kind === 'write' ? this.#writes : undefined);
    if (hold) return hold.released.then(() => this.run(kind, fn));
    const p = fn();
    const set = this.#inFlight[kind];
    set.add(p);
    const forget = (): void => void set.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * For a synchronous LMDB read (no await between the check and the read, so nothing needs
   * tracking): undefined when the read may go ahead now, else a promise to wait for first.
   */
  readBarrier(): Promise<void> | undefined {
    return this.#all?.released;
  }

  /** Start a scan (waits while everything is held); pair with `exitScan`. */
  async enterScan(): Promise<void> {
    while (this.#all) await this.#all.released;
    this.assertOpen();
    this.#scans++;
  }

  /** Throw CLOSED after close() (or the error that broke the backend). */
  assertOpen(): void {
    if (this.#closed) throw this.#closedError();
  }

  /** Fail every operation from now on with `e` (the LMDB env is gone; see compaction.ts). */
  breakWith(e: Error): void {
    this.#broken = e;
    this.#closed = true;
  }

  exitScan(): void {
    this.#scans--;
    if (this.#scans === 0) for (const idle of [...this.#scansIdle]) idle();
  }

  /** Hold new writes; resolves once the writes in flight have settled. */
  async holdWrites(): Promise<void> {
    this.#writes ??= newHold();
    await settleAll(this.#inFlight.write);
  }

  /**
   * Hold everything; resolves true once no operation or scan is in flight. False when the scans
   * did not end within `scanDeadlineMs`: the hold on reads is lifted again (writes stay held until
   * `release`).
   */
  async holdAll(scanDeadlineMs: number): Promise<boolean> {
    this.#all ??= newHold();
    await settleAll(this.#inFlight.write);
    await settleAll(this.#inFlight.read);
    if (this.#scans > 0 && !(await this.#scansEnd(scanDeadlineMs))) {
      const all = this.#all;
      this.#all = undefined;
      all.release();
      return false;
    }
    return true;
  }

  /** Lift every hold; held operations start. */
  release(): void {
    const holds = [this.#all, this.#writes];
    this.#all = undefined;
    this.#writes = undefined;
    for (const h of holds) h?.release();
  }

  /**
   * Refuse new operations (CLOSED), wait for those in flight, and give scans up to
   * `scanDeadlineMs` to end: a scan fails with CLOSED at its next step and closes its cursor and
   * snapshot itself, before the env closes under it (lmdb-js warns that aborting a transaction
   * with a cursor still open can crash). A scan whose consumer never steps again is left behind.
   */
  async close(scanDeadlineMs = 2000): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([settleAll(this.#inFlight.write), settleAll(this.#inFlight.read)]);
    if (this.#scans > 0) await this.#scansEnd(scanDeadlineMs);
    this.#envClosing = true;
  }

  #closedError(): Error {
    return this.#broken ?? StorageErrors.CLOSED();
  }

  #scansEnd(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.#scansIdle.delete(onIdle);
        resolve(idle);
      };
      const onIdle = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.#scansIdle.add(onIdle);
    });
  }

}

/**
 * The memory backend, counting the rows each metadata transaction reads through `tx.range`, and
 * able to fail the n-th transaction from a point on (issue #3 tests of work that must be paged
 * rather than done in one transaction over a whole bucket: snapshot sweeps, bucket deletes).
 */
import { StorageErrors, type MetaStore, type MetaTx, type RangeOptions, type StorageBackend } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

export interface CountingBackend {
  backend: StorageBackend;
  /** Most rows one transaction read since the last `reset`. */
  maxRows(): number;
  reset(): void;
  /** Fail the n-th transaction from now (1 = the next) with an I/O error, before it runs. */
  failTx(n: number): void;
}

export function countingBackend(): CountingBackend {
  const inner = createMemoryBackend();
  const innerMeta: MetaStore = inner.meta;
  let max = 0;
  let failIn = 0;
  const meta: MetaStore = {
    get: (k) => inner.meta.get(k),
    range: (o) => inner.meta.range(o),
    visit: (o, fn) => inner.meta.visit(o, fn),
    transaction: (fn, o) => {
      if (failIn > 0 && --failIn === 0) return Promise.reject(StorageErrors.IO('injected'));
      return innerMeta.transaction((tx) => {
        let rows = 0;
        try {
          return fn(countingTx(tx, () => rows++));
        } finally {
          max = Math.max(max, rows);
        }
      }, o);
    },
  };
  return {
    backend: { ...inner, meta, stats: () => inner.stats(), close: () => inner.close() },
    maxRows: () => max,
    reset: () => void (max = 0),
    failTx: (n) => void (failIn = n),
  };
}

/** `tx`, calling `onRow` for every row its range scans yield. */
function countingTx(tx: MetaTx, onRow: () => void): MetaTx {
  return {
    get: (k) => tx.get(k),
    put: (k, v) => tx.put(k, v),
    del: (k) => tx.del(k),
    *range(r) {
      for (const row of tx.range(r)) {
        onRow();
        yield row;
      }
    },
  };
}

/**
 * Rows `fn` reads from `meta` through range scans and visits, in and out of transactions (the
 * scale regressions of issue #3 count rows, never time). The store's methods are wrapped for the
 * call and restored after it.
 */
export async function rowsRead(meta: MetaStore, fn: () => Promise<unknown>): Promise<number> {
  const real = { range: meta.range.bind(meta), visit: meta.visit.bind(meta), transaction: meta.transaction.bind(meta) };
  let n = 0;
  meta.range = (opts: RangeOptions) => ({
    async *[Symbol.asyncIterator]() {
      for await (const kv of real.range(opts)) {
        n++;
        yield kv;
      }
    },
  });
  meta.visit = (opts, visit) => real.visit(opts, (k, v) => {
    n++;
    return visit(k, v);
  });
  meta.transaction = (<T>(fn2: (tx: MetaTx) => T, o?: Parameters<typeof real.transaction>[1]) =>
    real.transaction((tx) => fn2(countingTx(tx, () => n++)), o));
  try {
    await fn();
  } finally {
    Object.assign(meta, real);
  }
  return n;
}

/**
 * Rows written (puts and deletes) by each transaction `fn` runs, in the order they started (issue #3:
 * work spread over bounded transactions is counted in rows per transaction, never in time).
 */
export async function writesPerTx(meta: MetaStore, fn: () => Promise<unknown>): Promise<number[]> {
  const real = meta.transaction.bind(meta);
  const counts: number[] = [];
  meta.transaction = (<R>(f: (tx: MetaTx) => R, o?: Parameters<typeof real>[1]) => {
    const i = counts.push(0) - 1;
    return real((tx) => {
      counts[i] = 0;
      return f({
        get: (k) => tx.get(k),
        range: (r) => tx.range(r),
        put: (k, v) => {
          counts[i]!++;
          tx.put(k, v);
        },
        del: (k) => {
          counts[i]!++;
          tx.del(k);
        },
      });
    }, o);
  });
  try {
    await fn();
  } finally {
    meta.transaction = real;
  }
  return counts;
}

/** Count the turns of the event loop (setImmediate) until the returned function is called. */
export function countTurns(): () => number {
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    ticking = false;
    return turns;
  };
}

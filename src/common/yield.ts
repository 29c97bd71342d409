/**
 * Cooperative yielding for long loops on the event loop's thread.
 */

/**
 * Resolve on the next turn of the event loop, after pending I/O callbacks (`setImmediate`), not
 * merely after the current microtasks. A loop awaiting already-settled promises (lmdb-js reads are
 * synchronous behind our async contract) never lets other requests run; one awaiting this every few
 * hundred steps does.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

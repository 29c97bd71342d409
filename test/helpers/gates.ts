/**
 * Gates for race tests: hold a store call at a chosen point so another request can commit first,
 * without timers (the order is forced, not hoped for).
 */
import type { MetaStore } from '../../src/storage/contract/index.js';

/** Hold the next transaction the store is asked for until `release()`; `reached` resolves when it is asked. */
export function gateNextTransaction(meta: MetaStore): { reached: Promise<void>; release: () => void } {
  const orig = meta.transaction.bind(meta);
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  let arrive!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  meta.transaction = async (fn, opts) => {
    meta.transaction = orig;
    arrive();
    await open;
    return orig(fn, opts);
  };
  return { reached, release };
}

/**
 * A StorageBackend whose calls fail where a test says (issue #3 fault tests of the engine:
 * test/integration/engine/faults-ops.test.ts, regress tests): each call of the inner backend is
 * first shown to `plan`, which lets it through or names the error it fails with, before it happens
 * or, for a write, after it happened (its acknowledgement lost).
 */
import type { ChunkStore, MetaStore, StorageBackend } from '../../src/storage/contract/index.js';

export type StorageCall = 'chunks.put' | 'chunks.get' | 'chunks.has' | 'chunks.delete' | 'chunks.iterate' | 'meta.get' | 'meta.range' | 'meta.visit' | 'meta.transaction';

/** The calls that change the store: only these can fail `after`. */
export const WRITES: ReadonlySet<StorageCall> = new Set(['chunks.put', 'chunks.delete', 'meta.transaction']);

/** undefined: the call goes on; else it fails with `error` (after it happened when `after`, for a write). */
export type FaultPlan = (call: StorageCall) => { error: Error; after?: boolean } | undefined;

/** `inner` with its calls failing as `plan` says (an iterable's failure comes at its first step). */
export function faultyBackend(inner: StorageBackend, plan: FaultPlan): StorageBackend {
  const step = async <T>(call: StorageCall, op: () => Promise<T>): Promise<T> => {
    const f = plan(call);
    if (f && !(f.after && WRITES.has(call))) throw f.error;
    const r = await op();
    if (f) throw f.error;
    return r;
  };
  const iter = <T>(call: StorageCall, make: () => AsyncIterable<T>): AsyncIterable<T> => ({
    [Symbol.asyncIterator]() {
      const f = plan(call);
      return f ? { next: () => Promise.reject(f.error) } : make()[Symbol.asyncIterator]();
    },
  });
  const chunks: ChunkStore = {
    put: (id, b, o) => step('chunks.put', () => inner.chunks.put(id, b, o)),
    get: (id, o) => step('chunks.get', () => inner.chunks.get(id, o)),
    has: (ids) => step('chunks.has', () => inner.chunks.has(ids)),
    delete: (id) => step('chunks.delete', () => inner.chunks.delete(id)),
    iterate: () => iter('chunks.iterate', () => inner.chunks.iterate()),
  };
  const meta: MetaStore = {
    get: (k) => step('meta.get', () => inner.meta.get(k)),
    range: (o) => iter('meta.range', () => inner.meta.range(o)),
    visit: (o, fn) => step('meta.visit', () => inner.meta.visit(o, fn)),
    transaction: (fn, o) => step('meta.transaction', () => inner.meta.transaction(fn, o)),
  };
  return { kind: 'faulty', chunks, meta, stats: () => inner.stats(), close: () => inner.close() };
}

/**
 * The one storage contract suite (shared/STYLE.md habit 4; shared/spec/ccow.md §16). Every backend
 * runner calls `runStorageContract`; the memory backend defines correct behaviour. A backend that
 * cannot pass a case lists it in `skip` with a written reason (hono's `skip: [{ reason, tests }]`).
 */
import { describe, test } from 'node:test';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import type { CaseEnv } from './contract-helpers.js';
import { chunkCases } from './storage-contract-chunks.js';
import { metaCases } from './storage-contract-meta.js';
import { txCases } from './storage-contract-tx.js';

/** What a runner's factory returns: a fresh, empty backend and how to dispose of it. */
export interface BackendUnderTest {
  backend: StorageBackend;
  /** Close (if still open) and remove everything the backend stored. */
  cleanup(): Promise<void>;
  /** Close `backend` and open a new one over the same storage (persistent backends only). */
  reopen?(): Promise<StorageBackend>;
}

/** Factory of fresh backends, one per test case. */
export type BackendFactory = () => Promise<BackendUnderTest>;

/** Cases a backend skips, with the reason. */
export interface ContractOptions {
  skip?: { reason: string; tests: string[] }[];
  /** The backend keeps data across close/reopen (its factory provides `reopen`); runs the persistence cases. */
  persistent?: boolean;
}

/** Register the whole contract suite as `describe(name)` for one backend. */
export function runStorageContract(name: string, factory: BackendFactory, options: ContractOptions = {}): void {
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const all = [...metaCases, ...txCases, ...chunkCases];
  void describe(`storage contract: ${name}`, () => {
    for (const c of all) {
      if (c.persistent && !options.persistent) continue;
      const reason = skipped.get(c.name);
      if (reason !== undefined) {
        void test(c.name, { skip: reason }, () => undefined);
        continue;
      }
      void test(c.name, async (t) => {
        const under = await factory();
        if (c.persistent && !under.reopen) {
          await under.cleanup();
          throw new Error('a persistent backend\'s factory must provide reopen()');
        }
        let backend = under.backend;
        const env: CaseEnv = {
          get backend() {
            return backend;
          },
          reopen: async () => {
            backend = await under.reopen!();
            return backend;
          },
        };
        try {
          await c.run(t, env);
        } finally {
          await backend.close().catch(() => undefined);
          await under.cleanup();
        }
      });
    }
  });
}

export * from './contract-helpers.js';

/**
 * Shared pieces of the storage contract suite: the case shape and small byte helpers. Kept apart
 * from storage-contract.ts so the case files can import them without an import cycle.
 */
import type { TestContext } from 'node:test';
import { chunkIdOf, type ChunkId } from '../../src/common/index.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';

/** One contract case: a name and a body run against a fresh backend. */
export interface ContractCase {
  name: string;
  /** Needs `reopen` (skipped for backends without persistence). */
  persistent?: boolean;
  run(t: TestContext, env: CaseEnv): Promise<void>;
}

/** What a case body gets. */
export interface CaseEnv {
  /** The current backend (changes after `reopen`). */
  readonly backend: StorageBackend;
  /** Reopen over the same storage; only for `persistent` cases. */
  reopen(): Promise<StorageBackend>;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function payload(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A chunk: bytes and their id. */
export function chunk(size: number, seed = 1): { id: ChunkId; bytes: Buffer } {
  const bytes = payload(size, seed);
  return { id: chunkIdOf(bytes), bytes };
}

/** Bytes from numbers. */
export const b = (...xs: number[]): Buffer => Buffer.from(xs);

/** Bytes of a UTF-8 string. */
export const s = (str: string): Buffer => Buffer.from(str, 'utf8');

/** Collect an async iterable of entries as [hex key, hex value] pairs. */
export async function collect(it: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const [k, v] of it) out.push([hex(k), hex(v)]);
  return out;
}

/** Lowercase hex of bytes. */
export const hex = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');

/** Put every [key, value] in one transaction. */
export async function putAll(backend: StorageBackend, entries: readonly (readonly [Uint8Array, Uint8Array])[]): Promise<void> {
  await backend.meta.transaction((tx) => {
    for (const [k, v] of entries) tx.put(k, v);
  });
}

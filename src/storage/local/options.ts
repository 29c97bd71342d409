/**
 * Options of the local backend (shared/spec/ccow.md §13, §17) and its fault-injection hook.
 */

import type { CompactStep } from './compaction.js';

/** Durability of acknowledged writes (shared/spec/ccow.md §13 "Durability modes"). */
export type Durability = 'strict' | 'relaxed';

/**
 * Test hook: each function runs just before the named file-system step and may throw (e.g. an
 * `errnoError('ENOSPC')`) to make that step fail as the OS would. Async hooks are awaited. Lets
 * tests reach the ENOSPC/EIO paths without a full disk. Production code passes none.
 */
export interface LocalFaults {
  /** Before the payload is written to the temp file `path`. */
  beforeWrite?(path: string): void | Promise<void>;
  /** Before the data of the temp file `path` is synced (strict mode: its O_DSYNC write). */
  beforeFsync?(path: string): void | Promise<void>;
  /** Before `rename(from, to)` of a finished temp file into the chunk tree. */
  beforeRename?(from: string, to: string): void | Promise<void>;
  /** Before the group-committed `fsync` of directory `dir`. */
  beforeDirSync?(dir: string): void | Promise<void>;
  /** When the relaxed-mode periodic LMDB sync has completed, before it counts as done (tests delay it). */
  afterEnvSync?(): void | Promise<void>;
  /** Before a chunk file `path` is read. */
  beforeRead?(path: string): void | Promise<void>;
  /** Replace `statfs` figures of data dir `dir` (return undefined to use the real ones). */
  statfs?(dir: string): { free: number; total: number } | undefined;
  /** Before each step of an LMDB compaction (compaction.ts; crash tests kill the process here). */
  beforeCompactStep?(step: CompactStep): void | Promise<void>;
}

/** Options of `createLocalBackend`. */
export interface LocalBackendOptions {
  /** Data directories, one per disk. LMDB lives in `dataDirs[0]/meta`. At least one. */
  dataDirs: string[];
  /** `strict` (default): fsync before resolving; `relaxed`: LMDB noSync + sync every second, no file fsyncs. */
  durability?: Durability;
  /** Payloads up to this many bytes are stored in the LMDB `blobs` database (default 16 KiB). */
  smallChunkMax?: number;
  /**
   * Fraction of a disk's capacity after which it takes no new chunks (default 0.9). On the first
   * disk it also stops small chunks and data-adding metadata, which live in LMDB there.
   */
  fillLimit?: number;
  /**
   * Write chunk files with O_DIRECT where the file system allows it (default true; strict
   * durability only). See chunk-files.ts for why.
   */
  directIo?: boolean;
  /** Fault injection for tests. */
  faults?: LocalFaults;
  /**
   * LMDB map size in bytes (default 4 GiB): the most metadata the store can hold. The file grows
   * as needed; deletes keep room because data-adding writes stop at the fill limit (§17).
   */
  mapSize?: number;
  /**
   * Compact LMDB on open when its disk is past the fill limit and its free pages would bring it
   * back under (default true; `ccow compact` opens without, then compacts unconditionally).
   */
  compactOnOpen?: boolean;
}

/** Defaults of the optional fields. */
export const LOCAL_DEFAULTS = {
  durability: 'strict' as Durability,
  smallChunkMax: 16 * 1024,
  fillLimit: 0.9,
  mapSize: 4 * 1024 ** 3,
} as const;

/** An Error shaped like the ones node:fs rejects with (`code`, `errno`, `syscall`), for fault hooks. */
export function errnoError(code: string, syscall = 'write', path?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated fault, ${syscall}${path ? ` '${path}'` : ''}`);
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  return e;
}

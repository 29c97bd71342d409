/**
 * The composition root (shared/STYLE.md §1: cli/ is the only place that builds concrete backends):
 * storage backend → engine, shared by `serve` and the admin commands.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../engine/index.js';
import { StorageErrors } from '../storage/contract/index.js';
import { createLocalBackend, LOCAL_DEFAULTS, type LocalBackend, type LocalBackendOptions } from '../storage/local/index.js';
import type { Durability } from './config.js';

/** A CLI failure with the message to print and the exit status. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** The data dir is held by another process (a running gateway): admin commands may ask it instead. */
export class DataDirInUse extends CliError {}

/** An opened data dir: backend and engine, closed together (engine first). */
export interface Stack {
  backend: LocalBackend;
  /** The concrete engine: admin commands use its maintenance calls beyond EngineApi (sweepOrphans). */
  engine: Engine;
  close(): Promise<void>;
}

/**
 * Open the data dirs and the engine over them. A data dir held by another process (a running
 * gateway, another admin command) fails with a message saying so, not a stack trace.
 */
export async function openStack(dataDirs: string[], opts: { durability?: Durability } & Pick<EngineOptions, 'onDamage' | 'onClockSkew'> = {}): Promise<Stack> {
  const backend = await openBackend(dataDirs, { durability: opts.durability });
  let engine: Engine;
  try {
    engine = await createEngine(backend, { ...(opts.onDamage ? { onDamage: opts.onDamage } : {}), ...(opts.onClockSkew ? { onClockSkew: opts.onClockSkew } : {}) });
  } catch (e) {
    await backend.close();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    backend,
    engine,
    close: () => (closed ??= closeBoth(engine, backend)),
  };
}

/**
 * Open the local backend over `dataDirs` with the operator's mistakes in one line each: a data dir
 * held by another process, a path that is a file, a dir this user cannot write (they were stack
 * traces of the storage layer's I/O errors), data dirs that are not the store's set in its order.
 */
export async function openBackend(dataDirs: string[], opts: Omit<LocalBackendOptions, 'dataDirs'> = {}): Promise<LocalBackend> {
  // Before anything is created: a refused `ccow serve` leaves no new data dir behind.
  await checkAddressSpace(opts.mapSize ?? LOCAL_DEFAULTS.mapSize);
  for (const dir of dataDirs) {
    const st = await stat(dir).catch(() => undefined);
    if (st && !st.isDirectory()) throw new CliError(`data dir ${dir} is not a directory (--data / CCOW_DATA)`, 2);
    if (!st) await createDirs(dir);
  }
  try {
    return await createLocalBackend({ ...opts, dataDirs });
  } catch (e) {
    if (StorageErrors.LOCKED.is(e)) {
      throw new DataDirInUse(`data dir ${dataDirs.join(',')} is in use by another ccow process (is a gateway running on it?): ${e.message}`);
    }
    // Dirs in another order, one left out, one of another store (storage/local/data-dirs.ts): the
    // message names the dir and what to do. A usage mistake, so exit 2 as for other bad settings.
    if (StorageErrors.DATA_DIRS.is(e)) throw new CliError(`${e.message} (--data / CCOW_DATA)`, 2);
    if (StorageErrors.IO.is(e) || StorageErrors.NO_SPACE.is(e)) throw new CliError(`cannot open data dir ${dataDirs.join(',')}: ${e.message}`);
    throw e;
  }
}

const GiB = 1024 ** 3;

/**
 * Address space a ccow process needs besides LMDB's map: Node and V8 with the digest and XML worker
 * threads (each isolate reserves its own code range) and glibc's malloc arenas of the libuv pool
 * threads. Measured on Linux x64 with Node 20 and the default 4 GiB map: an idle gateway maps
 * 6.0 GiB, six concurrent multipart uploads peak at 6.6 GiB.
 */
const ADDRESS_SPACE_BESIDES_MAP = 4 * GiB;

/**
 * Refuse to open a store under an address-space limit (`ulimit -v`, RLIMIT_AS) too small to run
 * in. LMDB reserves its whole map when it opens; under a limit that leaves too little beside it,
 * the process died later with no `ccow:` line: a segmentation fault while opening (5 GB), or V8's
 * "Fatal process OOM … CodeRange" in the middle of the first large upload (6 GB). The
 * WebAssembly staging memories need no room here: without it they fall back to plain buffers.
 * `limits` is /proc/self/limits' text (Linux; elsewhere there is nothing to read and no check).
 */
export async function checkAddressSpace(mapSize: number, limits?: string): Promise<void> {
  const text = limits ?? await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const soft = /^Max address space\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined || soft === 'unlimited') return;
  const limit = Number(soft);
  const need = mapSize + ADDRESS_SPACE_BESIDES_MAP;
  if (!Number.isFinite(limit) || limit >= need) return;
  const gib = (n: number): string => `${(n / GiB).toFixed(1).replace(/\.0$/, '')} GiB`;
  throw new CliError(`the address-space limit (ulimit -v) of ${gib(limit)} is too small: ccow needs at least ${gib(need)} `
    + `(LMDB reserves its ${gib(mapSize)} map when it opens; Node and its worker threads use about 2.5 GiB more); `
    + `raise it to ${Math.ceil(need / 1024)} KiB (ulimit -v ${Math.ceil(need / 1024)}) or lift it`);
}

/**
 * `mkdir -p` one level at a time. Node's `mkdir(…, { recursive: true })` never returns (100 % CPU,
 * deaf to SIGTERM while the start waits for it) when a parent exists but refuses children with
 * ENOENT, as procfs does (`--data /proc/x`): it takes ENOENT for a missing parent, creates the
 * parent (EEXIST) and tries again, forever (the same loop is reported against Node's fs in
 * Kewton/CommandMate#1774 and fixed in Bun's own walk, oven-sh/bun#40600).
 */
async function createDirs(dir: string): Promise<void> {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    if (await stat(p).then(() => true, () => false)) break;
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      await mkdir(p, { mode: 0o700 });
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') continue;
      throw new CliError(`cannot create data dir ${dir}: ${(e as Error).message}`);
    }
  }
}

async function closeBoth(engine: Engine, backend: LocalBackend): Promise<void> {
  try {
    await engine.close();
  } finally {
    await backend.close();
  }
}

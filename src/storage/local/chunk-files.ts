/**
 * Chunk payloads as files (shared/spec/ccow.md §13 step 1): write to `<disk>/tmp/<random>`, fdatasync,
 * rename into `<disk>/chunks/<hex[0..2]>/<hex[2..4]>/<hex>`, fsync the directory. The directory
 * fsync is group-committed (GroupSync); file data syncs run in parallel on libuv's pool. A failed
 * write removes its temp file, so a chunk path only ever holds a complete file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageErrors } from '../contract/index.js';
import { CHUNK_HEADER_BYTES, decodeChunkFile, encodeChunkHeader } from './chunk-file-format.js';
import { chunkDir, chunkPath, type Disk } from './disks.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import { GroupSync } from './group-sync.js';
import type { LocalFaults } from './options.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** fsync a directory: makes renames and creations inside it durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write every byte of `parts` (writev may write less than asked). */
async function writeAll(fh: FileHandle, parts: Uint8Array[]): Promise<void> {
  let total = parts.reduce((n, p) => n + p.length, 0);
  let { bytesWritten } = await fh.writev(parts);
  total -= bytesWritten;
  while (total > 0) {
    // Rare short write: drop what went out and retry with the rest.
    const rest: Uint8Array[] = [];
    for (const p of parts) {
      if (bytesWritten >= p.length) bytesWritten -= p.length;
      else {
        rest.push(p.subarray(bytesWritten));
        bytesWritten = 0;
      }
    }
    parts = rest;
    ({ bytesWritten } = await fh.writev(parts));
    total -= bytesWritten;
  }
}

/** File-backed chunk payloads over a set of disks. */
export class ChunkFiles {
  readonly #strict: boolean;
  readonly #faults: LocalFaults | undefined;
  readonly #dirs = new Map<string, Promise<void>>();
  readonly #dirSync: GroupSync;

  constructor(strict: boolean, faults?: LocalFaults) {
    this.#strict = strict;
    this.#faults = faults;
    this.#dirSync = new GroupSync(async (dir) => {
      await this.#faults?.beforeDirSync?.(dir);
      await fsyncDir(dir);
    });
  }

  /** Real directory fsyncs performed so far (tests: proves concurrent renames were batched). */
  get dirSyncs(): number {
    return this.#dirSync.performed;
  }

  /** Create a disk's `chunks/` and `tmp/` (mode 0700) and empty its `tmp/` (§13 recovery). */
  async prepare(disk: Disk): Promise<void> {
    await mkdir(disk.chunksDir, { recursive: true, mode: DIR_MODE });
    await rm(disk.tmpDir, { recursive: true, force: true });
    await mkdir(disk.tmpDir, { recursive: true, mode: DIR_MODE });
  }

  /** Store `bytes` as chunk `hex` on `disk`; durable on resolve in strict mode. */
  async write(disk: Disk, hex: string, bytes: Uint8Array): Promise<void> {
    const tmp = join(disk.tmpDir, randomBytes(12).toString('hex'));
    const final = chunkPath(disk, hex);
    let fh: FileHandle | undefined;
    try {
      await this.#faults?.beforeWrite?.(tmp);
      fh = await open(tmp, 'wx', FILE_MODE);
      // Header and payload in one writev: the caller's bytes are written without a copy.
      await writeAll(fh, [encodeChunkHeader(bytes.length), bytes]);
      if (this.#strict) {
        await this.#faults?.beforeFsync?.(tmp);
        await fh.datasync();
      }
      await fh.close();
      fh = undefined;
      await this.#ensureDir(disk, hex);
      await this.#faults?.beforeRename?.(tmp, final);
      await rename(tmp, final);
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw mapFsError(e, `writing chunk ${hex}`);
    }
    if (!this.#strict) return;
    try {
      await this.#dirSync.request(chunkDir(disk, hex));
    } catch (e) {
      throw mapFsError(e, `syncing the directory of chunk ${hex}`);
    }
  }

  /** The payload of chunk `hex` from the first of `disks` that has it; CHUNK_MISSING if none. */
  async read(disks: readonly Disk[], hex: string): Promise<Buffer> {
    for (const disk of disks) {
      const path = chunkPath(disk, hex);
      let file: Buffer;
      try {
        await this.#faults?.beforeRead?.(path);
        file = await readWhole(path);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw mapFsError(e, `reading chunk ${hex}`);
      }
      return decodeChunkFile(file, hex);
    }
    throw StorageErrors.CHUNK_MISSING(`chunk ${hex} not found`);
  }

  /** The first of `disks` holding a file for `hex`, with its payload size; undefined if none. */
  async locate(disks: readonly Disk[], hex: string): Promise<{ disk: Disk; size: number } | undefined> {
    for (const disk of disks) {
      try {
        const s = await stat(chunkPath(disk, hex));
        return { disk, size: Math.max(0, s.size - CHUNK_HEADER_BYTES) };
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw mapFsError(e, `looking up chunk ${hex}`);
      }
    }
    return undefined;
  }

  /** Unlink chunk `hex` from every disk; returns the payload bytes freed. Absent files are fine. */
  async remove(disks: readonly Disk[], hex: string): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    for (const disk of disks) {
      const path = chunkPath(disk, hex);
      try {
        const s = await stat(path);
        await unlink(path);
        count++;
        bytes += Math.max(0, s.size - CHUNK_HEADER_BYTES);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw mapFsError(e, `deleting chunk ${hex}`);
      }
    }
    return { count, bytes };
  }

  /** Every chunk file on `disk` as [hex, payload size]; skips stray names. */
  async *list(disk: Disk, withSizes = false): AsyncGenerator<[string, number]> {
    for (const a of await readdirOrEmpty(disk.chunksDir)) {
      for (const b of await readdirOrEmpty(join(disk.chunksDir, a))) {
        const dir = join(disk.chunksDir, a, b);
        for (const name of await readdirOrEmpty(dir)) {
          if (!HEX64.test(name) || !name.startsWith(a + b)) continue;
          const size = withSizes ? await sizeOrUndefined(join(dir, name)) : 0;
          if (size !== undefined) yield [name, Math.max(0, size - CHUNK_HEADER_BYTES)];
        }
      }
    }
  }

  /**
   * mkdir the chunk's directory once; fsync the parents of any directory created (§13). Concurrent
   * writers into a new directory share one creation, so none renames before the parents are durable.
   */
  #ensureDir(disk: Disk, hex: string): Promise<void> {
    const dir = chunkDir(disk, hex);
    let p = this.#dirs.get(dir);
    if (!p) {
      p = this.#createDir(disk, dir);
      this.#dirs.set(dir, p);
      // A failed creation is retried by the next writer.
      p.catch(() => this.#dirs.delete(dir));
    }
    return p;
  }

  async #createDir(disk: Disk, dir: string): Promise<void> {
    const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (created === undefined || !this.#strict) return;
    // New `xx/yy/` (and maybe `xx/`): their entries in the parents must be durable before a rename
    // under them is acknowledged.
    await this.#dirSync.request(dirname(dir));
    if (created !== dir) await this.#dirSync.request(disk.chunksDir);
  }
}

async function readWhole(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return [];
    throw mapFsError(e, `listing ${dir}`);
  }
}

async function sizeOrUndefined(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw mapFsError(e, `stat ${path}`);
  }
}

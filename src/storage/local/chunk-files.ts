/**
 * Chunk payloads as files (shared/spec/ccow.md §13 step 1): write to `<disk>/tmp/<random>`, fdatasync,
 * rename into `<disk>/chunks/<hex[0..2]>/<hex[2..4]>/<hex>`, fsync the directory. The directory
 * fsync is group-committed (GroupSync); file data syncs run in parallel on libuv's pool. In strict
 * mode the temp file is mostly opened O_DSYNC, so its write returns once the data is durable, as a
 * write followed by fdatasync would (POSIX synchronized I/O data integrity; Linux runs the same
 * vfs_fsync_range as fdatasync after the write) — one pool job instead of two. A failed write
 * removes its temp file, so a chunk path only ever holds a complete file.
 *
 * In strict mode on a file system that supports it, the temp file is written with O_DIRECT from a
 * block-aligned staging buffer (format v2, chunk-file-format.ts): the bytes go to the device without
 * the kernel's page-cache copy, which measured ~2 s of system CPU per GiB here against ~0.65 s
 * direct. The data is synced all the same (block allocation and size are metadata). tmpfs and
 * other file systems that refuse O_DIRECT get buffered v1 files; relaxed mode too, since it acks
 * before the disk and a direct write would make it wait for the device. Some file systems take the
 * O_DIRECT open and refuse the write (EINVAL: FUSE and network file systems, alignment rules above
 * 4 KiB): `prepare` writes a probe block to find out, and a write refused later still falls back
 * to a buffered file and makes the disk buffered. A chunk for which no staging memory can be
 * mapped (RangeError: an address-space limit, as V8 reserves guard regions with each memory) is
 * written buffered too.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsc, fdatasync as fsFdatasync, fstatSync, fsync as fsFsync, open as fsOpen, openSync, read as fsRead, rename as fsRename, stat as fsStat, writev as fsWritev } from 'node:fs';
import { mkdir, open, readdir, rm, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPageAligned } from '../../common/index.js';
import { StorageErrors } from '../contract/index.js';
import { AlignedBuffers, CLASS, type Staged } from './aligned-buffers.js';
import { CHUNK_BLOCK, CHUNK_HEADER_BYTES, decodeChunkFile, encodeChunkHeader, readChunkHeader, roundToBlock, writeChunkHeaderV2 } from './chunk-file-format.js';
import { chunkDir, chunkPath, type Disk } from './disks.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import { GroupSync } from './group-sync.js';
import type { LocalFaults } from './options.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const DIRECT_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_DIRECT;
/** A buffered temp file ('wx'). */
const WRITE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL;
/** statfs(2) f_type of tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
/** Staging buffers in use at once: about libuv's pool size, the writes that can run at a time. */
const STAGED_AT_ONCE = 8;
/**
 * Header (and partial last) blocks of payloads written in place, in use at once: they are small,
 * so more in-place writes may wait in libuv's queue than staged ones.
 */
const HEADS_AT_ONCE = 32;

/*
 * The write path sends to libuv's pool only the calls that wait on the disk or may (open with
 * O_CREAT allocates an inode, writev, fdatasync, fsync, mkdir, and the rename and existence check,
 * which wait for a directory's lock); the others (close, opening a directory to fsync it) are
 * direct system calls of a few µs. Every pool job costs a thread wake-up each way, dear on this VM:
 * 25–50 µs of process CPU per fs/promises call against 5–10 µs for the direct call (scratch loop,
 * 16 pool threads: stat of a missing path 59 vs 9 µs, rename 48 vs 10, open + close of a directory
 * 50 vs 6, a directory fsync 115 vs 60), and a chunk took ~13 such jobs. But a rename or a lookup
 * in a directory that a pool thread is creating in or renaming into waits for it, and for ext4's
 * journal: direct, they blocked the event loop for 4–9 ms now and then under 8 concurrent large
 * puts (strace of the main thread), and its delay's p99 rose from 19–20 to 31–35 ms; in the pool
 * again, 25–27 (session 11). File descriptors are plain numbers (no FileHandle), so that they can
 * be closed directly.
 */

/** An open temp file; `synced`: its data is durable already. */
interface Written {
  fd: number;
  synced: boolean;
}

/** A callback-style fs call as a promise. */
function call<T>(f: (cb: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v))));
}

/** fsync a directory: makes renames and creations inside it durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await call<void>((cb) => fsFsync(fd, (e) => cb(e, undefined)));
  } finally {
    closeSync(fd);
  }
}

/** open(2) of a new file in libuv's pool (creating the inode may wait on the disk). */
function openFile(path: string, flags: number): Promise<number> {
  return call<number>((cb) => fsOpen(path, flags, FILE_MODE, (e, fd) => cb(e, fd)));
}

/** Close `fd`, ignoring errors (cleanup after a failure that is reported instead). */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the failure being handled is the one to report
  }
}

/** Write every byte of `parts` at the file position (writev may write less than asked). */
async function writeAll(fd: number, parts: Uint8Array[]): Promise<void> {
  const writev = (p: Uint8Array[]): Promise<number> => call<number>((cb) => fsWritev(fd, p, (e, n) => cb(e, n)));
  let total = parts.reduce((n, p) => n + p.length, 0);
  let bytesWritten = await writev(parts);
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
    bytesWritten = await writev(parts);
    total -= bytesWritten;
  }
}

/**
 * True when one block written with O_DIRECT from a staging buffer into `probe` goes through: some
 * file systems accept the O_DIRECT open and refuse the write (EINVAL), and a staging buffer needs
 * address space for a WebAssembly memory (RangeError without it).
 */
async function directWriteWorks(aligned: AlignedBuffers, probe: FileHandle): Promise<boolean> {
  let staged: Staged;
  try {
    staged = await aligned.take(CHUNK_BLOCK);
  } catch (e) {
    if (e instanceof RangeError || errnoCode(e) === 'EINVAL') return false;
    throw e;
  }
  try {
    staged.buf.fill(0, 0, CHUNK_BLOCK);
    await probe.write(staged.buf, 0, CHUNK_BLOCK, 0);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EINVAL') return false;
    throw e;
  } finally {
    staged.release();
  }
}

/** File-backed chunk payloads over a set of disks. */
export class ChunkFiles {
  readonly #strict: boolean;
  /** O_DSYNC in strict mode: the temp file's write is durable when it returns. */
  readonly #dsync: number;
  readonly #faults: LocalFaults | undefined;
  readonly #directIo: boolean;
  readonly #dirs = new Map<string, Promise<void>>();
  readonly #dirSync: GroupSync;
  /** Disks (by index) whose file system accepts O_DIRECT. */
  readonly #direct = new Set<number>();
  #aligned: AlignedBuffers | undefined;
  /** Staging for the header and last block of payloads written in place (same probe as #aligned). */
  #heads: AlignedBuffers | undefined;
  #probe: FileHandle | undefined;
  #directReads = 0;

  /** `directIo`: use O_DIRECT where the file system allows it (strict mode only; default true). */
  constructor(strict: boolean, faults?: LocalFaults, directIo = true) {
    this.#strict = strict;
    this.#dsync = strict ? fsc.O_DSYNC : 0;
    this.#faults = faults;
    this.#directIo = directIo && strict;
    this.#dirSync = new GroupSync(async (dir) => {
      await this.#faults?.beforeDirSync?.(dir);
      await fsyncDir(dir);
    });
  }

  /** Chunk payloads read with O_DIRECT so far (tests: proves the streaming path was taken). */
  get directReads(): number {
    return this.#directReads;
  }

  /** Real directory fsyncs performed so far (tests: proves concurrent renames were batched). */
  get dirSyncs(): number {
    return this.#dirSync.performed;
  }

  /**
   * Create a disk's `chunks/` and `tmp/` (mode 0700) and empty its `tmp/` (§13 recovery); find out
   * whether its file system takes O_DIRECT writes.
   */
  async prepare(disk: Disk): Promise<void> {
    await mkdir(disk.chunksDir, { recursive: true, mode: DIR_MODE });
    await rm(disk.tmpDir, { recursive: true, force: true });
    await mkdir(disk.tmpDir, { recursive: true, mode: DIR_MODE });
    if (!this.#directIo) return;
    // tmpfs takes O_DIRECT since Linux 6.6, as a no-op: the bytes go through its page cache all the
    // same, so the staging copy and the padding would be pure cost.
    if ((await statfs(disk.path)).type === TMPFS_MAGIC) return;
    let probe: FileHandle;
    const probePath = join(disk.tmpDir, 'direct-io-probe');
    try {
      probe = await open(probePath, DIRECT_FLAGS, FILE_MODE);
    } catch (e) {
      if (errnoCode(e) === 'EINVAL') return; // tmpfs before 6.6 and friends: buffered writes here
      throw e;
    }
    let keep = false;
    try {
      // Unlinked at once: the handle keeps working and no probe file outlives the process.
      await unlink(probePath);
      const aligned = this.#aligned ?? new AlignedBuffers(probe, STAGED_AT_ONCE);
      if (!(await directWriteWorks(aligned, probe))) return;
      this.#direct.add(disk.index);
      if (!this.#aligned) {
        this.#probe = probe;
        this.#aligned = aligned;
        this.#heads = new AlignedBuffers(probe, HEADS_AT_ONCE, CLASS);
        keep = true;
      }
    } finally {
      if (!keep) await probe.close();
    }
  }

  /** Release the O_DIRECT probe file handle. */
  async close(): Promise<void> {
    const p = this.#probe;
    this.#probe = undefined;
    await p?.close();
  }

  /** Store `bytes` as chunk `hex` on `disk`; durable on resolve in strict mode. */
  async write(disk: Disk, hex: string, bytes: Uint8Array): Promise<void> {
    const tmp = join(disk.tmpDir, randomBytes(12).toString('hex'));
    const final = chunkPath(disk, hex);
    let fd: number | undefined;
    try {
      await this.#faults?.beforeWrite?.(tmp);
      const written = await this.#writeTemp(disk, tmp, bytes);
      fd = written.fd;
      if (this.#strict && !written.synced) {
        await this.#faults?.beforeFsync?.(tmp);
        const f = fd;
        await call<void>((cb) => fsFdatasync(f, (e) => cb(e, undefined)));
      }
      // close(2) releases the descriptor even when it fails: never close it twice.
      const f = fd;
      fd = undefined;
      closeSync(f);
      await this.#ensureDir(disk, hex);
      await this.#faults?.beforeRename?.(tmp, final);
      // In the pool: a rename takes the directories' locks and waits for ext4's journal when it is
      // busy (see the note above `call`).
      await call<void>((cb) => fsRename(tmp, final, (e) => cb(e, undefined)));
    } catch (e) {
      if (fd !== undefined) closeQuietly(fd);
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

  /**
   * Create `tmp` holding `bytes` (v2 with O_DIRECT where possible, else v1); its open descriptor,
   * and whether its data is durable already (written O_DSYNC in strict mode).
   */
  async #writeTemp(disk: Disk, tmp: string, bytes: Uint8Array): Promise<Written> {
    if (this.#aligned && this.#direct.has(disk.index)) {
      const direct = await this.#writeDirect(disk, tmp, bytes);
      if (direct !== undefined) return direct;
    }
    const fd = await openFile(tmp, WRITE_FLAGS | this.#dsync);
    try {
      if (this.#strict) await this.#faults?.beforeFsync?.(tmp);
      // Header and payload in one writev: the caller's bytes are written without a copy.
      await writeAll(fd, [encodeChunkHeader(bytes.length), bytes]);
      return { fd, synced: this.#strict };
    } catch (e) {
      closeQuietly(fd);
      throw e;
    }
  }

  /**
   * A v2 file: header block, payload, zero padding to the block boundary. A payload in page-aligned
   * memory (common/aligned-memory.ts: the engine's chunk buffers) is written in place, with only
   * the header and a partial last block staged; any other is copied into a staging buffer first.
   * A staging copy is held only for the write itself (an O_DIRECT write returns once the device has
   * the bytes), not for the fdatasync that follows. Undefined, with nothing left at `tmp`, when this
   * chunk must be written buffered: no staging memory could be mapped (RangeError), or O_DIRECT
   * was refused (EINVAL), which makes the disk buffered from then on.
   */
  async #writeDirect(disk: Disk, tmp: string, bytes: Uint8Array): Promise<Written | undefined> {
    const inPlace = isPageAligned(bytes);
    // In place: the whole blocks of the payload stay where they are; the rest follows the header.
    const whole = inPlace ? bytes.length - (bytes.length % CHUNK_BLOCK) : 0;
    const rest = bytes.length - whole;
    const size = CHUNK_BLOCK + roundToBlock(rest);
    let staged: Staged;
    try {
      staged = await (inPlace ? this.#heads! : this.#aligned!).take(size);
    } catch (e) {
      if (e instanceof RangeError) return undefined;
      if (errnoCode(e) !== 'EINVAL') throw e;
      // The probe write from a new staging buffer was refused: its memory is not aligned enough.
      this.#direct.clear();
      return undefined;
    }
    let fd: number | undefined;
    try {
      const buf = staged.buf.subarray(0, size);
      writeChunkHeaderV2(buf, bytes.length);
      buf.set(bytes.subarray(whole), CHUNK_BLOCK);
      buf.fill(0, CHUNK_BLOCK + rest);
      // Header and staged tail around the payload's whole blocks (each part block-aligned).
      const parts = whole === 0 ? [buf] : rest === 0 ? [buf, bytes.subarray(0, whole)] : [buf.subarray(0, CHUNK_BLOCK), bytes.subarray(0, whole), buf.subarray(CHUNK_BLOCK)];
      // In place, the write syncs too (O_DSYNC): the small staging buffer is held through the flush.
      // A staged one is given back first and the file synced after (fdatasync in write()).
      const dsync = inPlace ? this.#dsync : 0;
      fd = await openFile(tmp, DIRECT_FLAGS | dsync);
      if (dsync !== 0) await this.#faults?.beforeFsync?.(tmp);
      await writeAll(fd, parts);
      return { fd, synced: dsync !== 0 };
    } catch (e) {
      if (fd !== undefined) closeQuietly(fd);
      if (errnoCode(e) !== 'EINVAL') throw e;
      this.#direct.delete(disk.index);
      await rm(tmp, { force: true });
      return undefined;
    } finally {
      staged.release();
    }
  }

  /**
   * The payload of chunk `hex` from the first of `disks` that has a readable copy; CHUNK_MISSING if
   * none has one. A copy that is damaged (its header does not parse, it is cut short) or unreadable
   * (an I/O error) does not end the search: a later disk may hold a good copy (the chunk written
   * again while its first disk was away, or on a fallback disk). With none, the first such failure
   * is thrown. With `accept`, a copy it refuses (its bytes do not hash to the id) is passed over too;
   * with no accepted copy, the first refused one is returned unless a copy was unreadable (which may
   * be the good one: then that I/O error). `bad` collects the disks whose copies were damaged or
   * refused. With `alloc`, the file is read into memory it returns (ChunkGetOptions.alloc): a
   * refused copy's bytes may then be overwritten by the next copy read.
   */
  async read(disks: readonly Disk[], hex: string, alloc?: (size: number) => Buffer, streaming = false, accept?: (payload: Buffer) => boolean, bad?: Disk[]): Promise<Buffer> {
    let damaged: Error | undefined;
    let unreadable: Error | undefined;
    let refused: Buffer | undefined;
    for (const disk of disks) {
      const path = chunkPath(disk, hex);
      let payload: Buffer | undefined;
      try {
        await this.#faults?.beforeRead?.(path);
        if (streaming && this.#aligned && this.#direct.has(disk.index)) payload = await this.#readDirect(path, hex, alloc);
        payload ??= decodeChunkFile(await readWhole(path, alloc), hex);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        if (StorageErrors.CHUNK_CORRUPT.is(e) || StorageErrors.CHUNK_MISSING.is(e)) {
          damaged ??= e;
          bad?.push(disk);
        } else {
          unreadable ??= mapFsError(e, `reading chunk ${hex}`);
        }
        continue;
      }
      if (!accept || accept(payload)) return payload;
      refused ??= payload;
      bad?.push(disk);
    }
    if (unreadable) throw unreadable;
    if (refused) return refused;
    if (damaged) throw damaged;
    throw StorageErrors.CHUNK_MISSING(`chunk ${hex} not found`);
  }

  /**
   * The payload of a v2 file read with O_DIRECT into a staging buffer, then copied out (into
   * `alloc`'s memory when given): on these disks a cold 1 MiB O_DIRECT read runs at ~1.9 GB/s
   * where the buffered read path manages ~0.5 GB/s (dd, 2026-11-26). Undefined when the file must
   * be read buffered: a v1 file (its length is not a whole number of blocks), no staging memory
   * (RangeError), or O_DIRECT refused (EINVAL).
   */
  async #readDirect(path: string, hex: string, alloc?: (size: number) => Buffer): Promise<Buffer | undefined> {
    let fd: number;
    try {
      fd = openSync(path, fsc.O_RDONLY | fsc.O_DIRECT);
    } catch (e) {
      if (errnoCode(e) === 'EINVAL') return undefined;
      throw e;
    }
    try {
      const { size } = fstatSync(fd);
      if (size < CHUNK_BLOCK || size % CHUNK_BLOCK !== 0) return undefined;
      let staged: Staged;
      try {
        staged = await this.#aligned!.take(size);
      } catch (e) {
        // No staging memory, or a new staging buffer's probe write refused: read buffered.
        if (e instanceof RangeError || errnoCode(e) === 'EINVAL') return undefined;
        throw e;
      }
      try {
        const payload = decodeChunkFile(await readFully(fd, staged.buf.subarray(0, size)), hex);
        const out = alloc ? alloc(payload.length).subarray(0, payload.length) : Buffer.allocUnsafe(payload.length);
        out.set(payload);
        this.#directReads++;
        return out;
      } catch (e) {
        if (errnoCode(e) === 'EINVAL') return undefined;
        throw e;
      } finally {
        staged.release();
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The first of `disks` holding a file for `hex`; undefined if none. */
  async locate(disks: readonly Disk[], hex: string): Promise<Disk | undefined> {
    for (const disk of disks) {
      let found: boolean;
      try {
        // In the pool (see the note above `call`): a lookup waits for the directory's lock while a
        // rename or create in it is in flight.
        found = await call<boolean>((cb) => fsStat(chunkPath(disk, hex), (e) => (e && e.code === 'ENOENT' ? cb(null, false) : cb(e, true))));
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw mapFsError(e, `looking up chunk ${hex}`);
      }
      if (found) return disk;
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
        const size = await payloadSize(path);
        await unlink(path);
        count++;
        bytes += size;
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
          if (size !== undefined) yield [name, size];
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

/**
 * Reads of chunk files open, size and close them with direct system calls and send only the
 * read(2), which waits on the disk, to libuv's pool. Every pool job costs the event loop a thread
 * wake-up, which is dear on this VM (paravirtualised interrupts): a profile of 1 GiB GETs showed
 * open, fstat and close at ~45–55 µs of main-thread time each per chunk as pool jobs, where the
 * calls themselves on a cached path take a few µs. (The metadata store reads LMDB pages on the
 * main thread the same way.)
 */
async function readWhole(path: string, alloc?: (size: number) => Buffer): Promise<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    return await readFully(fd, alloc ? alloc(size).subarray(0, size) : Buffer.allocUnsafe(size));
  } finally {
    closeSync(fd);
  }
}

/** read(2) of `fd` at `pos` in libuv's pool. */
function readAt(fd: number, buf: Buffer, off: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fsRead(fd, buf, off, buf.length - off, pos, (e, n) => (e ? reject(e) : resolve(n)));
  });
}

/** Fill `buf` from offset 0 of `fd`; a shorter file gives the part read. */
async function readFully(fd: number, buf: Buffer): Promise<Buffer> {
  let off = 0;
  while (off < buf.length) {
    const bytesRead = await readAt(fd, buf, off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === buf.length ? buf : buf.subarray(0, off);
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
    return await payloadSize(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw mapFsError(e, `stat ${path}`);
  }
}

/**
 * Payload bytes of the chunk file at `path`, from its header (v2 files are padded, so the file
 * size alone does not tell); a file without a readable header counts as its size less a v1 header.
 */
async function payloadSize(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(CHUNK_HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, CHUNK_HEADER_BYTES, 0);
    const h = bytesRead === CHUNK_HEADER_BYTES ? readChunkHeader(head) : undefined;
    return h ? h.length : Math.max(0, (await fh.stat()).size - CHUNK_HEADER_BYTES);
  } finally {
    await fh.close();
  }
}

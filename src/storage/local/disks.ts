/**
 * The data disks of a local backend: directory layout, rendezvous placement of chunk files and the
 * fill limit (shared/spec/ccow.md §17). Placement is rendezvous (highest random weight) hashing of
 * the chunk id over the disks, equally weighted: adding a disk moves only ~1/n of new placements,
 * and reads try disks in the same order, so a chunk written while its first choice was full is
 * still found (on the second disk tried, and so on).
 */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { blake3, type ChunkId } from '../../common/index.js';
import { StorageErrors } from '../contract/index.js';
import type { LocalFaults } from './options.js';

/** How long a statfs reading is trusted before a write re-reads it. */
const STATFS_TTL_MS = 1000;
/** Within this fraction of the disk below the fill limit, statfs readings are not cached. */
const NEAR_MARGIN = 0.05;

/** One data directory. */
export interface Disk {
  readonly index: number;
  readonly path: string;
  readonly chunksDir: string;
  readonly tmpDir: string;
  /** Rendezvous seed: derived from the path, so it is stable across restarts. */
  readonly seed: number;
}

/** Free/total bytes of one disk. */
export interface DiskSpace {
  path: string;
  free: number;
  total: number;
}

/** Chunk file directory of `hex` on `disk`: `chunks/<hex[0..2]>/<hex[2..4]>`. */
export function chunkDir(disk: Disk, hex: string): string {
  return join(disk.chunksDir, hex.slice(0, 2), hex.slice(2, 4));
}

/** Chunk file path of `hex` on `disk`. */
export function chunkPath(disk: Disk, hex: string): string {
  return join(chunkDir(disk, hex), hex);
}

/** murmur3's 32-bit finaliser: a cheap, well-mixing bijection. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Rendezvous weight of `id` on a disk with `seed`. The id is already a uniform hash. */
function weight(id: ChunkId, seed: number): number {
  const b = Buffer.from(id.buffer, id.byteOffset, id.byteLength);
  return fmix32(fmix32(b.readUInt32LE(0) ^ seed) ^ b.readUInt32LE(4));
}

/** The disks, their placement order per id, and their fill state. */
export class DiskSet {
  readonly disks: readonly Disk[];
  readonly #fillLimit: number;
  readonly #faults: LocalFaults | undefined;
  readonly #space = new Map<number, { at: number; space: DiskSpace }>();

  constructor(paths: readonly string[], fillLimit: number, faults?: LocalFaults) {
    this.disks = paths.map((path, index) => ({
      index,
      path,
      chunksDir: join(path, 'chunks'),
      tmpDir: join(path, 'tmp'),
      seed: blake3(Buffer.from(path)).readUInt32LE(0),
    }));
    this.#fillLimit = fillLimit;
    this.#faults = faults;
  }

  /** Disks in rendezvous order for `id`: the first is its home, the rest are fallbacks. */
  order(id: ChunkId): Disk[] {
    if (this.disks.length === 1) return [this.disks[0]!];
    return this.disks
      .map((d) => ({ d, w: weight(id, d.seed) }))
      .sort((a, b) => b.w - a.w || a.d.index - b.d.index)
      .map((x) => x.d);
  }

  /** The first disk in `id`'s order that is below the fill limit; NO_SPACE when all are past it. */
  async pickForWrite(id: ChunkId): Promise<Disk> {
    for (const d of this.order(id)) {
      if (!this.#isFull(await this.space(d))) return d;
    }
    throw StorageErrors.NO_SPACE(`all ${this.disks.length} data dirs are past the fill limit`);
  }

  /**
   * From the cached statfs reading alone: true when `disk` is clearly below the fill limit (the
   * reading is fresh and has room), undefined when `pastLimit` must look. Lets a metadata commit
   * skip an await on the common path.
   */
  belowLimitCached(disk: Disk): boolean | undefined {
    const cached = this.#space.get(disk.index);
    if (!cached || this.#faults?.statfs || Date.now() - cached.at >= STATFS_TTL_MS) return undefined;
    return this.#isFull(cached.space) ? undefined : true;
  }

  /** True when `disk` is past the fill limit (statfs cached as in `space`). */
  async pastLimit(disk: Disk): Promise<boolean> {
    return this.#isFull(await this.space(disk));
  }

  /** Past the fill limit (less `margin`, a fraction of the disk). */
  #isFull(s: DiskSpace, margin = 0): boolean {
    return s.total > 0 && (s.total - s.free) / s.total >= this.#fillLimit - margin;
  }

  /** Free/total of `disk`, cached for a second (`fresh` forces a new reading). */
  async space(disk: Disk, fresh = false): Promise<DiskSpace> {
    const now = Date.now();
    const cached = this.#space.get(disk.index);
    // A statfs fault hook is read every time, so tests can fill and free disks at will.
    if (!fresh && cached && now - cached.at < STATFS_TTL_MS && !this.#faults?.statfs) return cached.space;
    const space = await this.#statfs(disk);
    // Only readings with clear room are cached. A disk near or past the limit is re-read on every
    // write: writes resume as soon as space is freed (§17), and writes that bypass `consumed` (LMDB)
    // cannot overshoot the limit during a cached second. One statfs per write while it is near.
    if (this.#isFull(space, NEAR_MARGIN)) this.#space.delete(disk.index);
    else this.#space.set(disk.index, { at: now, space });
    return space;
  }

  /** Count `bytes` just written to `disk` against its cached free space (until the next statfs). */
  consumed(disk: Disk, bytes: number): void {
    const cached = this.#space.get(disk.index);
    if (cached) cached.space.free = Math.max(0, cached.space.free - bytes);
  }

  /** Forget the cached reading of `disk` (after ENOSPC or a delete) so the next write re-reads it. */
  invalidate(disk: Disk): void {
    this.#space.delete(disk.index);
  }

  /** Forget every cached reading. */
  invalidateAll(): void {
    this.#space.clear();
  }

  async #statfs(disk: Disk): Promise<DiskSpace> {
    const fake = this.#faults?.statfs?.(disk.path);
    if (fake) return { path: disk.path, ...fake };
    const s = await statfs(disk.path);
    return { path: disk.path, free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  }
}

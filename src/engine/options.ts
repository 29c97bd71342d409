/** Engine options and their defaults (shared/spec/README.md §5, ccow.md §3, §9, §13). */
import type { Clock } from './uvid.js';
import { systemClock } from './uvid.js';

/** Options of `createEngine`. Every field has a production default; tests lower sizes and times. */
export interface EngineOptions {
  /** Time source (ms, fractional allowed). Default: the wall clock with µs resolution. */
  clock?: Clock;
  /** 16-bit segment id; default: the persisted one, or a random non-zero id chosen at first start. */
  segmentId?: number;
  /** 16-bit node id of this process within the segment. Default 1. */
  nodeId?: number;
  /** Versions of at most this many bytes live inside their VM (§3). Default 4096. */
  inlineMax?: number;
  /** Manifest fan-out (§5). Default 640, minimum 4. */
  btreeOrder?: number;
  /** Smallest chunk size a bucket may use. Default 4 KiB (the engine itself handles 512 B). */
  minChunkSize?: number;
  /** Multipart: every part but the last must be at least this big (S3: 5 MiB). */
  minPartSize?: number;
  /** GC hold (§9): grace after write, claim or last reference dropped. Default 1 h. */
  holdMs?: number;
  /** Lease of single-PUT intents (§9). Default 1 h. */
  intentLeaseMs?: number;
  /** Chunks of one put being stored at once (lets the store's group commit batch their fsyncs). Default 16. */
  putWindow?: number;
  /**
   * Bytes of chunks all puts together may have in flight (stored or digested, not yet done); a put
   * beyond it waits. Bounds memory under many concurrent uploads. Default 32 MiB (two windows of 1 MiB
   * chunks: one stream of the default chunk size never waits on it, one of 8 MiB chunks keeps 4 in flight; s3-bench `--many`, 16 concurrent 1 GiB uploads, peaked at
   * 323 MiB RSS with 64 MiB and 270 MiB with 32 in the same hour, issue #4's bound being 300).
   */
  putBudget?: number;
  /** Chunks fetched ahead by a read (§5: 4). */
  readAhead?: number;
  /**
   * Chunks a streaming read (a long range, see reader.ts) may fetch ahead while `readBudget` has
   * room; beyond `readAhead` each further chunk holds its size of that budget. Default 8: one cold
   * 1 GiB GET read 919–1,182 MB/s with 8 against 804–986 with 4 over four GETs in one run (16:
   * 953–1,217, twice the memory), bench/RESULTS.md 2026-11-26 session 8.
   */
  readAheadStreaming?: number;
  /** Bytes all streaming reads together may hold beyond their `readAhead` chunks. Default 32 MiB. */
  readBudget?: number;
  /** Run MD5 & co. of large puts in a worker thread. Default true. */
  digestWorker?: boolean;
  /** Decoded VMs kept in memory. Default 4096. */
  vmCacheSize?: number;
  /** Quiet delete markers of never-versioned buckets are purged after this (§7.3). Default 24 h. */
  tombstoneRetentionMs?: number;
  /** Change-feed records older than this are trimmed once every consumer cursor has passed them (§14). Default 7 days. */
  feedRetentionMs?: number;
  /** Records older than this are trimmed even if a cursor has not passed them (that consumer must resync). Default 30 days. */
  feedMaxRetentionMs?: number;
  /** Scrub (§17): stored bytes re-hashed per second at most. Default 50 MB/s. */
  scrubBytesPerSec?: number;
  /** Scrub (§17): a pass over every chunk starts this long after the previous one started. Default 30 days. */
  scrubEveryMs?: number;
  /**
   * Told about damaged stored data (a read or the scrub found a chunk's bytes corrupt or missing
   * and quarantined it; or a manifest that cannot be repaired by a new put). Default: nothing.
   */
  onDamage?: (d: DamageReport) => void;
  /**
   * Told when this process's clock is more than 5 s behind the newest UVID timestamp it must
   * exceed (a head version's, or the restart floor): the UVID rule keeps versions ordered, but
   * last-writer-wins then favours the other writer (ccow.md §6 "Clock discipline"). At most once a
   * minute. Default: nothing.
   */
  onClockSkew?: (s: ClockSkewReport) => void;
}

/** One finding of `onClockSkew`. */
export interface ClockSkewReport {
  /** How far the clock is behind the timestamp the new UVID had to take, ms. */
  behindMs: number;
  /** That timestamp, ms since the epoch. */
  aheadAt: number;
}

/** One finding of `onDamage`. */
export interface DamageReport {
  /** Hex chunk id. */
  chunk: string;
  /** `unreadable`: the store failed to read it (an I/O error); not quarantined, as that may pass. */
  problem: 'corrupt' | 'missing' | 'unreadable';
  /** Found by a read or by the scrub. */
  foundBy: 'read' | 'scrub';
  /** True when the chunk was quarantined: the next put of the same content stores it again. */
  quarantined: boolean;
}

/** Options with every default applied. */
export type ResolvedOptions = Required<Omit<EngineOptions, 'segmentId' | 'onDamage' | 'onClockSkew'>> &
  Pick<EngineOptions, 'segmentId' | 'onDamage' | 'onClockSkew'>;

export const MiB = 1024 * 1024;

export function resolveOptions(o: EngineOptions): ResolvedOptions {
  return {
    clock: o.clock ?? systemClock,
    segmentId: o.segmentId,
    nodeId: o.nodeId ?? 1,
    inlineMax: o.inlineMax ?? 4096,
    btreeOrder: Math.max(4, o.btreeOrder ?? 640),
    minChunkSize: o.minChunkSize ?? 4096,
    minPartSize: o.minPartSize ?? 5 * MiB,
    holdMs: o.holdMs ?? 3_600_000,
    intentLeaseMs: o.intentLeaseMs ?? 3_600_000,
    putWindow: Math.max(1, o.putWindow ?? 16),
    putBudget: Math.max(1, o.putBudget ?? 32 * MiB),
    readAhead: Math.max(1, o.readAhead ?? 4),
    readAheadStreaming: Math.max(1, o.readAheadStreaming ?? 8),
    readBudget: Math.max(0, o.readBudget ?? 32 * MiB),
    digestWorker: o.digestWorker ?? true,
    vmCacheSize: o.vmCacheSize ?? 4096,
    tombstoneRetentionMs: o.tombstoneRetentionMs ?? 24 * 3_600_000,
    feedRetentionMs: o.feedRetentionMs ?? 7 * 24 * 3_600_000,
    feedMaxRetentionMs: o.feedMaxRetentionMs ?? 30 * 24 * 3_600_000,
    scrubBytesPerSec: Math.max(1, o.scrubBytesPerSec ?? 50_000_000),
    scrubEveryMs: o.scrubEveryMs ?? 30 * 24 * 3_600_000,
    ...(o.onDamage ? { onDamage: o.onDamage } : {}),
    ...(o.onClockSkew ? { onClockSkew: o.onClockSkew } : {}),
  };
}

/** Largest bucket chunk size (§3). */
export const MAX_CHUNK_SIZE = 8 * MiB;
/** Default bucket chunk size. */
export const DEFAULT_CHUNK_SIZE = MiB;

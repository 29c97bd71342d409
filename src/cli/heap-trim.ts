/**
 * Gives glibc's freed heap pages back to the OS while the gateway is busy.
 *
 * Why: Node's HTTP parser copies every request-body piece (≤ 64 KiB) into a Buffer of its own,
 * malloc'd from glibc's main heap, and frees it only when V8 next collects. glibc returns freed
 * memory to the OS only from the top of the heap (M_TRIM_THRESHOLD); the pieces freed in the middle
 * stay resident as holes. Under 16 concurrent 1 GiB uploads those holes were 64–102 MiB of the
 * peak (bench/RESULTS.md, sessions 9, 13, 21), and neither paced young collections, malloc
 * thresholds nor jemalloc moved it. malloc_trim(3) releases every whole free page of every arena
 * (madvise MADV_DONTNEED, glibc ≥ 2.8), so the resident size follows what is in use rather than
 * the burst's high-water mark. Measured with bench:s3 `--phases=big --many` (session 23): peak
 * 284–294 MiB with a trim every 250 ms against 309–318 without.
 *
 * glibc only: ffi-rs (prebuilt N-API binaries as optional dependencies, no install script) calls
 * libc.so.6's malloc_trim. Elsewhere (musl, macOS, Windows) the trimmer reports itself unavailable
 * and the gateway runs without it.
 */
import { createRequire } from 'node:module';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type * as FfiRs from 'ffi-rs';

/** How often a busy gateway trims (ms): a trim walks the free lists, ~7 µs per free MiB. */
export const HEAP_TRIM_INTERVAL_MS = 250;
/**
 * Below this share of the last interval spent running JavaScript the process counts as idle and
 * is not trimmed (nothing was freed, and an idle gateway should not wake a thread 4 times a second).
 */
const BUSY_UTILIZATION = 0.02;

/** `malloc_trim(0)`, run on a thread of its own; resolves to its result (1: memory was released). */
export type MallocTrim = () => Promise<number>;

/** glibc's malloc_trim through ffi-rs, or the reason it is not available on this system. */
export function loadMallocTrim(): MallocTrim | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `not on ${process.platform}` };
  try {
    // Loaded on demand: a platform without ffi-rs's prebuilt binary still runs the gateway.
    const ffi = createRequire(import.meta.url)('ffi-rs') as typeof FfiRs;
    // musl has no libc.so.6 (and no malloc_trim): open throws there.
    ffi.open({ library: 'ccow-libc', path: 'libc.so.6' });
    return () => ffi.load<FfiRs.DataType.I32, undefined, true>({
      library: 'ccow-libc',
      funcName: 'malloc_trim',
      retType: ffi.DataType.I32,
      paramsType: [ffi.DataType.I64],
      paramsValue: [0],
      // Off the event loop: a trim of a large fragmented heap takes ~1 ms.
      runInNewThread: true,
    });
  } catch (e) {
    return { unavailable: (e as Error).message };
  }
}

/** A running trimmer. */
export interface HeapTrimmer {
  /** Trims done so far (each a malloc_trim call). */
  readonly trims: number;
  /** Stop trimming; idempotent. Resolves once a trim in progress has ended. */
  stop(): Promise<void>;
}

/** Options of startHeapTrimmer. */
export interface HeapTrimmerOptions {
  /** Between ticks (ms). Default HEAP_TRIM_INTERVAL_MS. */
  intervalMs?: number;
  /** A failed trim (the trimmer has stopped). */
  onError?: (e: Error) => void;
  /**
   * Asked at every tick: was the process busy since the last one? Default: the event loop ran
   * JavaScript for at least 2 % of the interval (performance.eventLoopUtilization).
   */
  busy?: () => boolean;
}

/** The default `busy`: event-loop utilization since the previous call ≥ BUSY_UTILIZATION. */
function eventLoopBusy(): () => boolean {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization >= BUSY_UTILIZATION;
    last = now;
    return busy;
  };
}

/**
 * Trim every `intervalMs` while the process was busy during the interval. One trim at a time;
 * a failing trim stops the trimmer (reported through `onError`) rather than repeating the error.
 */
export function startHeapTrimmer(trim: MallocTrim, o: HeapTrimmerOptions = {}): HeapTrimmer {
  const busy = o.busy ?? eventLoopBusy();
  let running: Promise<void> | undefined;
  let trims = 0;
  const tick = (): void => {
    // Asked every tick, so the default's interval is always the last one.
    if (!busy() || running) return;
    running = trim().then(
      () => { trims++; },
      (e: unknown) => { clearInterval(timer); o.onError?.(e instanceof Error ? e : new Error(String(e))); },
    ).finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, o.intervalMs ?? HEAP_TRIM_INTERVAL_MS);
  // Never what keeps the process alive.
  timer.unref();
  return {
    get trims() { return trims; },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

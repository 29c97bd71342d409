/**
 * Drives the engine's background workers (GC, intent expiry, … — ccow.md §17) in the gateway
 * process. Each worker's `step()` does a bounded amount of work and says whether more is waiting
 * (shared/STYLE.md habit 7): a busy worker is stepped again at once, an idle one after its own idle
 * pause, or sooner when it says work came due (`Worker.due`). The loop sleeps when none is busy.
 *
 * Not every worker each round while any is busy: the idle ones' steps (feed trim reads every
 * consumer cursor and the feed's head, intent expiry its leases, …) were repeated once per step of
 * a long GC sweep or lifecycle pass, their cost multiplied by its rounds, to find nothing new.
 */
import type { Worker } from '../engine/index.js';

/** Logger the runner reports worker failures to. */
export interface WorkerLog {
  error(obj: object, msg?: string): void;
}

/** A running loop; `stop()` resolves once the current step has finished. */
export interface WorkerRunner {
  stop(): Promise<void>;
}

/**
 * Start stepping `workers`: a busy worker again in the next round, an idle (or failed) one `idleMs`
 * (default 10 s) after that step unless its `due()` says so sooner; sleep when none is busy.
 */
export function runWorkers(workers: Worker[], log: WorkerLog, idleMs = 10_000): WorkerRunner {
  let stopped = false;
  let wake: (() => void) | undefined;
  // When each worker is stepped next whatever its due() says (0: in the next round).
  const nextAt = workers.map(() => 0);
  const loop = async (): Promise<void> => {
    while (!stopped) {
      let busy = false;
      for (const [i, w] of workers.entries()) {
        if (stopped) break;
        let r: 'busy' | 'idle' | undefined;
        try {
          if (Date.now() < nextAt[i]! && !w.due?.()) continue;
          r = await w.step();
        } catch (err) {
          // One failing worker must not stop the others; it is retried after its idle pause.
          log.error({ err, worker: w.name }, 'background worker step failed');
        }
        busy = r === 'busy' || busy;
        nextAt[i] = r === 'busy' ? 0 : Date.now() + idleMs;
      }
      if (!busy && !stopped) {
        // Until the first idle pause ends (each worker's started at its own last step).
        const ms = Math.max(0, Math.min(...nextAt) - Date.now());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          timer.unref();
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  };
  const done = workers.length === 0 ? Promise.resolve() : loop();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await done;
    },
  };
}

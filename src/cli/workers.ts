/**
 * Drives the engine's background workers (GC, intent expiry, … — ccow.md §17) in the gateway
 * process. Each worker's `step()` does a bounded amount of work and says whether more is waiting
 * (shared/STYLE.md habit 7); this loop steps busy workers back to back and sleeps when all are idle.
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

/** Start stepping `workers`; sleep `idleMs` (default 10 s) whenever none of them is busy. */
export function runWorkers(workers: Worker[], log: WorkerLog, idleMs = 10_000): WorkerRunner {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      let busy = false;
      for (const w of workers) {
        if (stopped) break;
        try {
          busy = (await w.step()) === 'busy' || busy;
        } catch (err) {
          // One failing worker must not stop the others; it is retried after the idle pause.
          log.error({ err, worker: w.name }, 'background worker step failed');
        }
      }
      if (!busy && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idleMs);
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

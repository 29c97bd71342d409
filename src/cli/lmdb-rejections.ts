/**
 * A process-level guard against a known lmdb-js 3.x behaviour: when an LMDB commit fails (ENOSPC on
 * a full disk, EIO), lmdb-js rejects two promises that nobody can await — the commit promise of
 * its own event-turn batch (`write.js`, the `writeBatchStart` instruction) and `error.commitError`,
 * which carries the OS error. Every writer's own promise is rejected too, and the engine answers
 * those requests; but Node's default for an unhandled rejection is to exit, so a full disk would
 * kill the gateway (found by test/integration/faults/disk-full.test.ts). Only the CLI, the process
 * owner, installs this: the two orphaned rejections are logged and dropped; any other unhandled
 * rejection still ends the process as before.
 */

/** True for a rejection that lmdb-js made and left without a handler. */
export function isOrphanedLmdbRejection(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  if ('commitError' in reason) return true;
  return /[\\/]node_modules[\\/]lmdb[\\/]/.test(reason.stack ?? '');
}

/** Log-and-drop orphaned lmdb-js rejections; rethrow anything else (Node's default: exit). */
export function installLmdbRejectionGuard(log: (msg: string) => void): void {
  // `commitError` promises met so far: their own rejection arrives as a separate event (in the
  // same batch, so a handler attached now would come too late to silence it).
  const commitErrors = new WeakSet<Promise<unknown>>();
  process.on('unhandledRejection', (reason, promise) => {
    if (commitErrors.has(promise)) return;
    if (isOrphanedLmdbRejection(reason)) {
      const inner = (reason as { commitError?: unknown }).commitError;
      if (inner instanceof Promise) {
        commitErrors.add(inner);
        inner.catch(() => undefined);
      }
      log(`ccow: storage commit failed (${(reason as Error).message}); the affected requests were answered with an error`);
      return;
    }
    throw reason;
  });
}

/**
 * Run a crash-test child (one JSON line per stdout line) and SIGKILL it at a moment the caller
 * picks from its lines: test/integration/engine/crash.test.ts and crash-ops.test.ts (issue #3
 * "Crash safety"; shared/spec/ccow.md §13).
 */
import { spawn } from 'node:child_process';

/** What a killed child left: its complete lines, its stderr, and how it ended. */
export interface KilledChild<L> {
  /** Lines printed before the kill; a line cut by the kill was never completely written and is not here. */
  lines: L[];
  stderr: string;
  signal: NodeJS.Signals | null;
  code: number | null;
}

/**
 * Spawn `node <args>` and SIGKILL it `delayMs` after it is armed: at once when `early` (while it
 * starts), else at the first line for which `armAt(line)` is true. A child that stalls is killed
 * after 20 s, so it cannot hang the test (it then fails on the caller's counts, not here).
 */
export async function runAndKill<L>(args: readonly string[], o: { early: boolean; delayMs: number; armAt: (line: L) => boolean }): Promise<KilledChild<L>> {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: L[] = [];
  let partial = '';
  let stderr = '';
  let armed = false;
  const kill = (): void => void child.kill('SIGKILL');
  const arm = (): void => {
    if (!armed) setTimeout(kill, o.delayMs);
    armed = true;
  };
  const guard = setTimeout(kill, 20_000);
  if (o.early) arm();
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      const line = JSON.parse(p) as L;
      lines.push(line);
      if (o.armAt(line)) arm();
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
  clearTimeout(guard);
  return { lines, stderr, signal, code };
}

/**
 * Two processes of the same pid in different pid namespaces (two containers on one volume, each
 * gateway pid 1) open one data dir (shared/spec/ccow.md §13: one owner per data dir; owner-lock.ts).
 * The second cannot tell the LOCK naming pid 1 from one its own crashed predecessor left, so it
 * waits to see whether the LOCK is still refreshed:
 * - while the first keeps running (refreshing every 5 s), the second is refused with LOCKED after
 *   OWN_PID_STALE_MS (30 s), naming the other pid namespace — it must never take the dir over;
 * - when the first stops meanwhile (releasing its LOCK), the second takes the dir as soon as the
 *   LOCK is gone.
 * The coverage run showed neither branch ever ran. Real processes: `unshare -p -f --mount-proc`
 * makes each child pid 1 of a new pid namespace (needs root or user namespaces; skipped without).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

after(removeTempDirs);

const LOCAL = resolve(fileURLToPath(import.meta.url), '../../../../src/storage/local/index.js');

const canUnshare = spawnSync('unshare', ['-p', '-f', '--mount-proc', 'sh', '-c', 'echo $$'], { encoding: 'utf8' }).stdout?.trim() === '1';

/** A child, pid 1 of its own pid namespace, that opens `dir` and reports on stdout (JSON lines). */
function inNamespace(dir: string, holdUntilSigterm: boolean): { child: ChildProcess; lines: () => Promise<Record<string, unknown>>; out: () => string } {
  const code = `
    const { createLocalBackend } = await import(${JSON.stringify(LOCAL)});
    const t0 = Date.now();
    try {
      const be = await createLocalBackend({ dataDirs: [${JSON.stringify(dir)}], mapSize: 16 * 1024 * 1024 });
      console.log(JSON.stringify({ opened: true, pid: process.pid, ms: Date.now() - t0 }));
      if (${holdUntilSigterm}) {
        const alive = setInterval(() => undefined, 60_000);
        process.on('SIGTERM', async () => { clearInterval(alive); await be.close(); process.exit(0); });
      }
      else await be.close();
    } catch (e) {
      console.log(JSON.stringify({ opened: false, pid: process.pid, code: e.code, message: e.message, ms: Date.now() - t0 }));
    }`;
  const child = spawn('unshare', ['-p', '-f', '--mount-proc', '--kill-child', process.execPath, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const waiting: ((l: Record<string, unknown>) => void)[] = [];
  const ready: Record<string, unknown>[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else ready.push(line);
    }
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // A child that dies without a report fails the test instead of leaving it waiting.
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w({ exited: code, stderr: err });
  });
  return {
    child,
    lines: () => (ready.length > 0 ? Promise.resolve(ready.shift()!) : new Promise((res) => waiting.push(res))),
    out: () => err,
  };
}

/**
 * Stop a child: SIGTERM to the node process inside (unshare ignores SIGTERM while it waits for it),
 * SIGKILL to unshare after 10 s (--kill-child then takes the node process with it).
 */
async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  const inner = (await readFile(`/proc/${c.pid}/task/${c.pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
  for (const pid of inner) process.kill(Number(pid), 'SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

test('a LOCK held by pid 1 of another pid namespace: refused while it is refreshed, taken once released', { skip: !canUnshare && 'unshare -p not permitted here', timeout: 120_000 }, async () => {
  const [held, released] = [(await makeTempDir('lock-ns-held')).path, (await makeTempDir('lock-ns-released')).path];
  const holders = [inNamespace(held, true), inNamespace(released, true)];
  const others: ChildProcess[] = [];
  try {
    for (const h of holders) assert.deepEqual({ ...(await h.lines()), ms: 0 }, { opened: true, pid: 1, ms: 0 }, h.out());
    assert.equal((await readFile(join(held, 'LOCK'), 'utf8')).split('\n')[1], '1', 'the LOCK names pid 1');

    // Both contenders are pid 1 too, and start waiting on a LOCK naming their own pid.
    const refused = inNamespace(held, false);
    const taker = inNamespace(released, false);
    others.push(refused.child, taker.child);
    await new Promise((r) => setTimeout(r, 3000));
    const stoppedAt = Date.now();
    await stop(holders[1]!.child);
    const took = await taker.lines();
    assert.equal(took.opened, true, `the dir released by its owner is taken: ${JSON.stringify(took)} ${taker.out()}`);
    assert.ok(Date.now() - stoppedAt < 5000, 'without waiting out the 30 s');

    const r = await refused.lines();
    assert.equal(r.opened, false, `never two owners of one data dir: ${JSON.stringify(r)}`);
    assert.equal(r.code, 'CCOW_ERR_LOCKED');
    assert.match(String(r.message), /locked by pid 1 of another pid namespace/);
    assert.ok(Number(r.ms) >= 29_000, `it waited for the LOCK to go stale (${String(r.ms)} ms)`);
    assert.equal((await readFile(join(held, 'LOCK'), 'utf8')).split('\n')[1], '1', 'the LOCK is untouched');
  } finally {
    for (const c of [...holders.map((h) => h.child), ...others]) await stop(c);
  }
});

/**
 * The malloc heap trimmer of `ccow serve` (src/cli/heap-trim.ts): glibc's malloc_trim through
 * ffi-rs really gives freed heap pages back, and the trimmer runs only while the process is busy,
 * one trim at a time, and stops on an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadMallocTrim, startHeapTrimmer } from '../../../src/cli/heap-trim.js';

const HEAP_TRIM_JS = fileURLToPath(new URL('../../../src/cli/heap-trim.js', import.meta.url));

/** Wait until `cond` holds (polling; timers run late on a loaded machine), at most 5 s. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5_000; !cond(); await sleep(10)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  }
}

/** Keep the event loop busy for `ms` (the trimmer only trims a busy process). */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

test('malloc_trim is available on this Linux/glibc machine and returns freed heap holes to the OS', { skip: process.platform !== 'linux' && 'glibc only' }, () => {
  // In a child of its own: the measurement must not see the test runner's heap. 2,000 touched
  // 60 KB buffers come from glibc's main heap; freeing every other one leaves ~57 MiB of holes that
  // glibc keeps resident (it trims only the top), until malloc_trim releases them.
  const script = `
    const { loadMallocTrim } = await import(${JSON.stringify(HEAP_TRIM_JS)});
    const trim = loadMallocTrim();
    if (typeof trim !== 'function') throw new Error('unavailable: ' + trim.unavailable);
    const keep = [];
    for (let i = 0; i < 2000; i++) keep.push(Buffer.allocUnsafeSlow(60000).fill(i));
    for (let i = 0; i < keep.length; i += 2) keep[i] = null;
    const ab0 = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 20 && process.memoryUsage().arrayBuffers > ab0 - 59e6; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
    const before = process.memoryUsage.rss();
    const released = await trim();
    const after = process.memoryUsage.rss();
    console.log(JSON.stringify({ freed: ab0 - process.memoryUsage().arrayBuffers, before, after, released, kept: keep.filter(Boolean).length }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })) as
    { freed: number; before: number; after: number; released: number; kept: number };
  assert.equal(out.kept, 1000);
  assert.ok(out.freed >= 59e6, `GC freed ${out.freed} bytes of buffers`);
  assert.equal(out.released, 1, 'malloc_trim says it released memory');
  // Most of the ~57 MiB of holes leave the resident set (each hole loses only its partial pages).
  assert.ok(out.before - out.after > 40 * 2 ** 20, `RSS ${out.before} → ${out.after}`);
});

test('the trimmer trims only while busy, never two at once, and stops trimming at stop()', async () => {
  let calls = 0;
  let running = 0;
  let overlapped = false;
  const trim = async (): Promise<number> => {
    calls++;
    if (++running > 1) overlapped = true;
    await sleep(30);
    running--;
    return 1;
  };
  // The busy signal is the test's (the default reads the whole process's event-loop use, which
  // other tests in a batch disturb); the default itself is checked below.
  let busy = true;
  const t = startHeapTrimmer(trim, { intervalMs: 10, busy: () => busy });
  // Busy: ticks every 10 ms meet the 30 ms trims in progress.
  await waitFor(() => calls >= 3, 'three trims while busy');
  busy = false;
  await waitFor(() => running === 0, 'the last trim to end');
  const busyCalls = calls;
  assert.equal(overlapped, false);
  assert.equal(t.trims, busyCalls, 'every trim finished');
  // Idle: no trim.
  await sleep(150);
  assert.equal(calls, busyCalls, 'no trim while idle');
  busy = true;
  await waitFor(() => calls > busyCalls, 'trims again once busy again');
  await t.stop();
  assert.equal(t.trims, calls, 'stop() waited for the trim in progress');
  const stopped = calls;
  await sleep(60);
  assert.equal(calls, stopped, 'no trim after stop()');
});

test('by default the trimmer counts a process whose event loop runs JavaScript as busy', async () => {
  let calls = 0;
  const t = startHeapTrimmer(async () => {
    calls++;
    return 1;
  }, { intervalMs: 20 });
  for (let i = 0; i < 6 && calls === 0; i++) {
    spin(40);
    await sleep(5);
  }
  await t.stop();
  assert.ok(calls >= 1, `${calls} trims while spinning`);
});

test('stop() waits for a trim in progress; a failing trim stops the trimmer and is reported once', async () => {
  let finished = false;
  const slow = startHeapTrimmer(async () => {
    await sleep(80);
    finished = true;
    return 0;
  }, { intervalMs: 5 });
  spin(20);
  await sleep(10);
  await slow.stop();
  assert.equal(finished, true);

  const errors: Error[] = [];
  let calls = 0;
  const failing = startHeapTrimmer(async () => {
    calls++;
    throw new Error('symbol not found');
  }, { intervalMs: 5, onError: (e) => errors.push(e) });
  for (let i = 0; i < 6; i++) {
    spin(15);
    await sleep(5);
  }
  assert.equal(calls, 1);
  assert.deepEqual(errors.map((e) => e.message), ['symbol not found']);
  await failing.stop();
});

test('loadMallocTrim answers a function here or says why not', () => {
  const t = loadMallocTrim();
  if (process.platform === 'linux') assert.equal(typeof t, 'function');
  else assert.match((t as { unavailable: string }).unavailable, /not on/);
});

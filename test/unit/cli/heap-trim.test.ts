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

test('the trimmer trims while the event loop is busy, never two at once, and not while idle', async () => {
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
  const t = startHeapTrimmer(trim, { intervalMs: 40 });
  // Busy: every interval is mostly spent spinning; the 30 ms trims and the late ticks of a blocked
  // loop meet trims in progress.
  for (let i = 0; i < 8; i++) {
    spin(45);
    await sleep(5);
  }
  await sleep(100);
  const busyCalls = calls;
  assert.ok(busyCalls >= 2, `${busyCalls} trims while busy`);
  assert.equal(overlapped, false);
  // `trims` counts finished ones: a tick that came late (a loaded machine) may have one running.
  assert.ok(t.trims === busyCalls || t.trims === busyCalls - 1, `${t.trims} finished of ${busyCalls}`);
  // Idle: 10 intervals of nothing but waiting. (At most one stray trim: a 40 ms interval counts as
  // busy from 0.8 ms of work, which a GC of the test process can be; ungated it would be 10.)
  await sleep(400);
  assert.ok(calls - busyCalls <= 1, `${calls - busyCalls} trims while idle`);
  const idleCalls = calls;
  await t.stop();
  assert.equal(t.trims, calls, 'stop() waited for the trim in progress');
  spin(100);
  await sleep(100);
  assert.equal(calls, idleCalls, 'no trim after stop()');
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

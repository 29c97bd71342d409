/**
 * Crash safety of LMDB compaction (issue #3; shared/spec/ccow.md §13; src/storage/local/
 * compaction.ts): a child process (compaction-crash-child.ts) is killed with SIGKILL before each
 * step of a compaction (in place and through a scratch dir), during the copy, and at random moments
 * of a write + compact loop. Then the data dir opens with everything intact — every acknowledged
 * row, every kept blob, none of the deleted ones — the temp dir, the marker and any scratch copy
 * are gone, and the file is the old one when the kill came before the rename (or, through a
 * scratch dir, before the marker), the compacted one after.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { COMPACT_TMP, createLocalBackend, PENDING, STARTED, type LocalBackend } from '../../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { baseBlob, baseRow, BLOBS, KEPT, loopRow, ROWS } from './compaction-crash-child.js';

after(removeTempDirs);

const CHILD = fileURLToPath(new URL('./compaction-crash-child.js', import.meta.url));

interface Run {
  acked: number;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Run the child until it dies (by itself at `killAt`, or killed `killAfterMs` after `ready`). */
function runChild(dir: string, killAt: string, scratch: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, killAt, scratch], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let acked = -1;
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      for (const m of c.toString().matchAll(/^ack (\d+)$/gm)) acked = Math.max(acked, Number(m[1]));
      if (killAfterMs !== undefined && /^ready$/m.test(c.toString())) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ acked: acked + 1, signal, output }));
  });
}

async function assertIntact(be: LocalBackend, acked: number): Promise<void> {
  for (let i = 0; i < ROWS; i++) {
    const [k, v] = baseRow(i);
    assert.deepEqual(Buffer.from((await be.meta.get(k))!), v, `base row ${i}`);
  }
  for (let i = 0; i < acked; i++) {
    const [k, v] = loopRow(i);
    assert.deepEqual(Buffer.from((await be.meta.get(k)) ?? []), v, `acknowledged loop row ${i}`);
  }
  const ids = Array.from({ length: BLOBS }, (_, i) => baseBlob(i));
  assert.deepEqual(await be.chunks.has(ids.map((b) => b.id)), ids.map((_, i) => i < KEPT), 'kept blobs present, deleted ones absent');
  for (const b of ids.slice(0, KEPT)) assert.ok(Buffer.from(await be.chunks.get(b.id)).equals(b.bytes), 'a kept blob changed');
}

/** What the data dir looked like right after the kill. */
interface AfterKill {
  /** data.mdb's size, undefined when it was missing (a scratch compaction between unlink and rename). */
  size: number | undefined;
  tmpLeft: boolean;
  copied: number | undefined;
  marker: boolean;
}

/** Kill, reopen, check; returns what the data dir looked like after the kill. */
async function crashAndCheck(t: { diagnostic(s: string): void }, killAt: string, opts: { scratch?: boolean; killAfterMs?: number } = {}): Promise<AfterKill> {
  const dir = join((await makeTempDir('compaction-crash')).path, 'd0');
  const scratch = opts.scratch ? (await makeTempDir('compaction-crash-scratch')).path : '';
  const run = await runChild(dir, killAt, scratch, opts.killAfterMs);
  assert.equal(run.signal, 'SIGKILL', `the child did not die by SIGKILL:\n${run.output}`);
  assert.match(run.output, /^ready$/m, run.output);
  const meta = join(dir, 'meta');
  const seen: AfterKill = {
    size: statSync(join(meta, 'data.mdb'), { throwIfNoEntry: false })?.size,
    tmpLeft: existsSync(join(meta, COMPACT_TMP)),
    copied: statSync(join(meta, COMPACT_TMP, 'data.mdb'), { throwIfNoEntry: false })?.size,
    marker: existsSync(join(meta, PENDING)),
  };
  const be = await createLocalBackend({ dataDirs: [dir] });
  try {
    assert.ok(!existsSync(join(meta, COMPACT_TMP)), 'open removes the temp dir');
    assert.ok(!existsSync(join(meta, PENDING)), 'open finishes the marked compaction');
    // A marked copy is recovered, an unmarked one discarded (meta/compact.started names it): either way, gone.
    if (opts.scratch && existsSync(scratch)) assert.deepEqual(readdirSync(scratch), [], 'open leaves no scratch copy');
    assert.ok(!existsSync(join(meta, STARTED)), 'nor its record');
    await assertIntact(be, run.acked);
    // The store still compacts, and keeps everything doing so.
    assert.equal((await be.compact(opts.scratch ? { scratch } : {})).compacted, true);
    await assertIntact(be, run.acked);
  } finally {
    await be.close();
  }
  const compactions = run.output.match(/^compacted true/gm)?.length ?? 0;
  const state = [seen.size === undefined ? 'no data.mdb' : `data.mdb ${seen.size} B`, seen.marker ? 'marker' : '', seen.tmpLeft ? `temp dir left${seen.copied !== undefined ? ` with a ${seen.copied} B copy` : ''}` : ''].filter(Boolean).join(', ');
  t.diagnostic(`kill ${killAt}${opts.killAfterMs !== undefined ? ` ${opts.killAfterMs} ms after ready` : ''}${opts.scratch ? ' (scratch dir)' : ''}: ${run.acked} row(s) acknowledged, ${compactions} compaction(s) done, ${state}`);
  return seen;
}

/** Before the first compaction, the file holds every blob's pages; after, only the kept ones'. */
const FULL = BLOBS * 12 * 1024;

// Each case is a child process (~0.5 s) and a reopen; three at a time.
test('SIGKILL before each step of a compaction: the old file before the rename, the new one after; nothing lost', { timeout: 60_000, concurrency: 3 }, async (t) => {
  await Promise.all(['copy', 'during-copy', 'fsync', 'close', 'rename', 'dirsync', 'reopen'].map((step) =>
    t.test(step === 'during-copy' ? 'killed during the copy' : `killed before ${step}`, async (st) => {
      const { size, tmpLeft, copied } = await crashAndCheck(st, step);
      if (['dirsync', 'reopen'].includes(step)) assert.ok(size! < FULL / 2, `the compacted file (${size} B)`);
      else assert.ok(size! >= FULL, `the old file (${size} B)`);
      if (step !== 'reopen') assert.ok(tmpLeft, 'the temp dir was still there');
      if (step === 'during-copy') assert.ok((copied ?? 0) > 0, 'killed after the copy started writing');
    }),
  ));
});

test('SIGKILL before each step of a compaction through a scratch dir: the old file until the marker, the scratch copy after it', { timeout: 60_000, concurrency: 3 }, async (t) => {
  await Promise.all(['during-copy', 'close', 'mark', 'unlink', 'transfer', 'rename', 'dirsync', 'reopen'].map((step) =>
    t.test(step === 'during-copy' ? 'killed during the copy' : `killed before ${step}`, async (st) => {
      const { size, marker } = await crashAndCheck(st, step, { scratch: true });
      if (['transfer', 'rename'].includes(step)) assert.equal(size, undefined, 'data.mdb deleted, the scratch copy is the database');
      else if (['dirsync', 'reopen'].includes(step)) assert.ok(size! < FULL / 2, `the compacted file (${size} B)`);
      else assert.ok(size! >= FULL, `the old file (${size} B)`);
      assert.equal(marker, ['unlink', 'transfer', 'rename', 'dirsync'].includes(step), 'the marker exists from its step to the end of the copy back');
    }),
  ));
});

test('SIGKILL at random moments of a write + compact loop: every acknowledged row survives', { timeout: 60_000, concurrency: 3 }, async (t) => {
  await Promise.all([5, 90, 300].map((ms) => t.test(`killed ${ms} ms after ready`, async (st) => void (await crashAndCheck(st, 'none', { killAfterMs: ms })))));
});

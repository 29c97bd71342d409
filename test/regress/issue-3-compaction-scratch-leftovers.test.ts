/**
 * Regression (issue #3, crash safety of LMDB compaction; found by crash14, crash-ops compact mode:
 * up to 2 copies of data.mdb left after 8 SIGKILL rounds): a compaction through an operator's
 * `--scratch DIR` killed before its marker (compact.pending) was written left its full copy of
 * data.mdb in DIR for ever. The data disks' own scratch dirs are emptied at open, DIR is not (it may
 * hold another store's copies). Now the compaction records the copy's dir in the store's meta/
 * (compact.started) before making it, and names it after the store (its data dir set id), and the
 * next open (or compaction) deletes it; another store's copies and a marked copy (the only complete
 * database until it is back) are left alone.
 *
 * Deterministic: the child holds at the chosen compaction step (faults.beforeCompactStep) and says
 * so on stdout; the parent SIGKILLs it then (test/helpers/kill-child.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalBackend, PENDING, STARTED, type CompactStep } from '../../src/storage/local/index.js';
import { runAndKill } from '../helpers/kill-child.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const LOCAL = pathToFileURL(fileURLToPath(new URL('../../src/storage/local/index.js', import.meta.url))).href;
const ROWS = 50;

/** A child that writes ROWS rows, then compacts through `scratch` and holds before `step`. */
function childScript(data: string, scratch: string, step: CompactStep): string {
  return `
const { createLocalBackend } = await import(${JSON.stringify(LOCAL)});
const hold = ${JSON.stringify(step)};
const be = await createLocalBackend({
  dataDirs: [${JSON.stringify(data)}],
  compactOnOpen: false,
  faults: { beforeCompactStep: (s) => s === hold ? new Promise(() => { console.log(JSON.stringify({ at: s })); setInterval(() => undefined, 1000); }) : undefined },
});
await be.meta.transaction((tx) => { for (let i = 0; i < ${ROWS}; i++) tx.put(Buffer.from('row-' + i), Buffer.alloc(2000, i)); });
console.log(JSON.stringify({ at: 'written' }));
await be.compact({ scratch: ${JSON.stringify(scratch)} });
console.log(JSON.stringify({ at: 'done' }));
`;
}

/** Run the child and kill it once it holds before `step`. */
async function killAt(data: string, scratch: string, step: CompactStep): Promise<void> {
  const r = await runAndKill<{ at: string }>(['--input-type=module', '-e', childScript(data, scratch, step)], { early: false, delayMs: 0, armAt: (l) => l.at === step });
  assert.equal(r.signal, 'SIGKILL', `the child was killed before ${step} (stderr: ${r.stderr})`);
  assert.ok(r.lines.some((l) => l.at === step), `the child reached ${step}: ${JSON.stringify(r.lines)}`);
}

/** Open the store, check its rows, close it. */
async function openAndCheck(data: string, also?: (be: Awaited<ReturnType<typeof createLocalBackend>>) => Promise<void>): Promise<void> {
  const be = await createLocalBackend({ dataDirs: [data], compactOnOpen: false });
  try {
    for (let i = 0; i < ROWS; i++) assert.ok(Buffer.from((await be.meta.get(Buffer.from(`row-${i}`)))!).equals(Buffer.alloc(2000, i)), `row-${i} of ${data}`);
    await also?.(be);
  } finally {
    await be.close();
  }
}

for (const step of ['copy', 'fsync', 'close', 'mark'] as const) {
  test(`a compaction through --scratch killed before '${step}' (no marker yet): the next open deletes its copy`, { timeout: 60_000 }, async () => {
    const root = (await makeTempDir('ccow-regress-scratch-left-')).path;
    const [data, scratch] = [join(root, 'data'), join(root, 'scratch')];
    await killAt(data, scratch, step);
    assert.equal(readdirSync(scratch).length, 1, 'the killed compaction left its dir in the scratch dir');
    assert.ok(!existsSync(join(data, 'meta', PENDING)), 'no marker: the copy is not the database');
    await openAndCheck(data);
    assert.deepEqual(readdirSync(scratch), [], 'the open deleted the copy');
    assert.ok(!existsSync(join(data, 'meta', STARTED)), 'and its record');
  });
}

test('another store\'s copies in the same scratch dir stay, finished (marked) or not, and a compaction leaves them too', { timeout: 120_000 }, async () => {
  const root = (await makeTempDir('ccow-regress-scratch-shared-')).path;
  const [a, b, c, scratch] = [join(root, 'a'), join(root, 'b'), join(root, 'c'), join(root, 'scratch')];
  await killAt(b, scratch, 'close'); // b: an unfinished copy
  await killAt(c, scratch, 'transfer'); // c: marked, data.mdb deleted: the copy is c's only database
  await killAt(a, scratch, 'close');
  const before = readdirSync(scratch).sort();
  assert.equal(before.length, 3);
  assert.equal(new Set(before.map((d) => d.split('-')[2])).size, 3, `each copy's dir names its store: ${before.join(', ')}`);
  await openAndCheck(a, async (be) => {
    assert.equal((await be.compact({ scratch })).compacted, true);
  });
  const others = readdirSync(scratch).sort();
  assert.equal(others.length, 2, `a's copy is gone, b's and c's stay: ${before.join(', ')} -> ${others.join(', ')}`);
  await openAndCheck(c);
  await openAndCheck(b);
  assert.deepEqual(readdirSync(scratch), [], 'each store removed its own at its next open (c: recovered from its copy)');
});

/**
 * Regression (issue #3 "kill -9 … recovery on start needs no manual step"; found by the engine
 * crash test on a fresh clone, chain 3/4): `<dir>/LOCK` was created empty (O_EXCL) and then
 * written. An owner killed in between left an empty LOCK, which the next open took for one being
 * written by a live process and refused (LOCKED, "locked by another process") for 10 s. The LOCK is
 * now linked into place from a complete temp file, so it never exists without its pid.
 *
 * Deterministic: a preload kills the child with SIGKILL right after the first file of the LOCK
 * (the LOCK itself on the old code, its temp file now) has been opened.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const LOCAL = pathToFileURL(fileURLToPath(new URL('../../src/storage/local/index.js', import.meta.url))).href;

const PRELOAD = `
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
const open = fsp.open;
fsp.open = async (path, ...rest) => {
  const fh = await open(path, ...rest);
  if (/\\/LOCK(\\.\\d+-\\d+\\.tmp)?$/.test(String(path))) process.kill(process.pid, 'SIGKILL');
  return fh;
};
syncBuiltinESMExports();
`;

test('an owner killed while it takes the LOCK does not lock the next open out', { timeout: 60_000 }, async () => {
  const dir = await makeTempDir('ccow-regress-lock-kill-');
  const data = join(dir.path, 'data');
  const preload = join(dir.path, 'preload.mjs');
  await writeFile(preload, PRELOAD);
  const script = `const { createLocalBackend } = await import(${JSON.stringify(LOCAL)}); await createLocalBackend({ dataDirs: [${JSON.stringify(data)}] }); console.log('opened');`;
  const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('close', (_c, s) => res(s)));
  assert.equal(signal, 'SIGKILL', `the child was killed while taking the LOCK (stdout: ${out})`);
  // The next open right away takes over: no LOCK without a pid was left behind.
  const backend = await createLocalBackend({ dataDirs: [data] });
  try {
    const left = (await readdir(data)).filter((f) => f.startsWith('LOCK.'));
    assert.deepEqual(left, [], 'the temp LOCK of the dead owner is removed');
  } finally {
    await backend.close();
  }
});

/**
 * `bin/ccow` in a fresh clone before `npm run build` (README: "`ccow` is `bin/ccow` … after
 * `npm run build`"; a new user tries it right after `npm ci`) printed Node's MODULE_NOT_FOUND
 * stack trace. Now it says in one line what is missing and what to run, exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('bin/ccow without dist/ says to build first, in one line', async (t) => {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'ccow-not-built-')));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'bin'));
  for (const f of ['ccow', 'node-tuned']) await copyFile(join(process.cwd(), 'bin', f), join(dir, 'bin', f));
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(join(dir, 'bin', 'ccow'), ['--help'], { env: { PATH: process.env.PATH, NODE: process.execPath }, cwd: dir },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `ccow: ${join(dir, 'dist', 'src', 'cli', 'main.js')} is missing: run \`npm run build\` first (\`npm start\` builds and serves)\n`);
});

/**
 * bin/ccow and bin/node-tuned (README "Process settings"): the launcher sets libuv's pool size
 * before Node starts and starts Node with CCOW_NODE_FLAGS (V8's heap growth by default), a value
 * already in the environment wins, the rest of the environment passes through, and
 * `bin/ccow` reaches the built CLI from any working directory and through a symlink (npm links it
 * into node_modules/.bin).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = process.cwd();
const PRINT = 'console.log(JSON.stringify([process.env.UV_THREADPOOL_SIZE ?? null, process.env.MALLOC_ARENA_MAX ?? null]))';

test('bin/node-tuned sets the process settings and keeps ones already set', async () => {
  const env = { PATH: process.env.PATH, NODE: process.execPath };
  const { stdout } = await run(join(ROOT, 'bin/node-tuned'), ['-e', PRINT], { env });
  assert.deepEqual(JSON.parse(stdout), ['16', null]);
  const preset = await run(join(ROOT, 'bin/node-tuned'), ['-e', PRINT], { env: { ...env, UV_THREADPOOL_SIZE: '3', MALLOC_ARENA_MAX: '2' } });
  assert.deepEqual(JSON.parse(preset.stdout), ['3', '2']);
  // The node it runs is $NODE (so a Node 24 test run starts Node 24 gateways).
  const v = await run(join(ROOT, 'bin/node-tuned'), ['-p', 'process.version'], { env });
  assert.equal(v.stdout.trim(), process.version);
});

test('bin/node-tuned starts node with CCOW_NODE_FLAGS: V8 heap growth by default, yours when set, none when empty', async () => {
  const env = { PATH: process.env.PATH, NODE: process.execPath };
  const argv = async (extra: Record<string, string>): Promise<unknown> =>
    JSON.parse((await run(join(ROOT, 'bin/node-tuned'), ['-e', 'console.log(JSON.stringify(process.execArgv))'], { env: { ...env, ...extra } })).stdout);
  // The default (README "Process settings"): large uploads no longer run a full GC every few MiB.
  assert.deepEqual(await argv({}), ['--heap-growing-percent=200', '--max-semi-space-size=16', '-e', 'console.log(JSON.stringify(process.execArgv))']);
  assert.deepEqual(await argv({ CCOW_NODE_FLAGS: '--heap-growing-percent=50 --stack-size=900' }), ['--heap-growing-percent=50', '--stack-size=900', '-e', 'console.log(JSON.stringify(process.execArgv))']);
  assert.deepEqual(await argv({ CCOW_NODE_FLAGS: '' }), ['-e', 'console.log(JSON.stringify(process.execArgv))']);
  // Words, never file patterns: a flag like --inspect=[::1]:9229 must not match names in the cwd.
  const dir = await mkdtemp(join(tmpdir(), 'ccow-flags-'));
  try {
    await writeFile(join(dir, '--title=xyz1'), '');
    const { stdout } = await run(join(ROOT, 'bin/node-tuned'), ['-e', 'console.log(JSON.stringify(process.execArgv))'], { env: { ...env, CCOW_NODE_FLAGS: '--title=xyz?' }, cwd: dir });
    assert.deepEqual(JSON.parse(stdout), ['--title=xyz?', '-e', 'console.log(JSON.stringify(process.execArgv))']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bin/ccow runs the built CLI from another directory and through a symlink', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-launcher-'));
  try {
    await symlink(join(ROOT, 'bin/ccow'), join(dir, 'ccow'));
    const env = { PATH: process.env.PATH, NODE: process.execPath };
    const { stdout } = await run(join(dir, 'ccow'), ['--help'], { env, cwd: dir });
    assert.match(stdout, /^Usage: ccow /);
    assert.match(stdout, /serve \[options\] +run the S3 gateway/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

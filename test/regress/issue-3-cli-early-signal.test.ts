/**
 * Issue #3 (ops10): `ccow serve` installed its SIGINT/SIGTERM handlers only once the program's
 * modules (fastify, lmdb, the engine…) had loaded, 0.5–1 s after the start. A SIGTERM in that time
 * (a supervisor stopping a container that had just started, a rolling restart) took the default
 * action: the process died by the signal (exit 143) instead of the documented clean shutdown.
 * main.ts now installs the handlers before it imports the program; a signal before the gateway
 * began to start exits 0 with one `ccow: … shutdown complete` line, and nothing is on disk.
 *
 * Deterministic without timers: a module hook (node --import) holds the loading of program.js
 * and tells the test when it is there; the signal is sent while the modules are still loading.
 * The second test holds the start while it opens credentials.json: a SIGTERM then waits for the
 * start, shuts down cleanly and leaves a whole credentials file that the next start uses.
 *
 * A second signal exits at once (exit 1). During the very first start, between the write of
 * credentials.json's temp file and its rename into place, that left `credentials.json.<pid>.tmp`
 * (with the generated secret) in the data dir for good: the next start wrote its own file and never
 * looked at it (review11). The next start now removes such temp files (the data dir is locked then,
 * so no live writer owns one). That start also left a default user behind whose secret only the
 * temp file had (it was saved before the file): credentials.json is now written first.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../helpers/cli.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Module hooks (run in Node's hooks thread): hold program.js's load until the `go` file exists. */
const HOOKS = `
import { existsSync, writeFileSync } from 'node:fs';
let marker, go;
export async function initialize(data) { marker = data.marker; go = data.go; }
export async function load(url, context, next) {
  if (url.endsWith('/cli/program.js')) {
    writeFileSync(marker, 'loading');
    while (!existsSync(go)) await new Promise((r) => setTimeout(r, 10));
  }
  return next(url, context);
}
`;

/** Preload: register the hooks, or hold the opening of credentials.json's temp file, or its rename into place. */
const PRELOAD = `
import { register, syncBuiltinESMExports } from 'node:module';
import fsp from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
const { HOLD, MARKER, GO } = process.env;
if (HOLD === 'program') register(new URL('./hooks.mjs', import.meta.url), { data: { marker: MARKER, go: GO } });
if (HOLD === 'credentials') {
  const open = fsp.open;
  fsp.open = async (path, ...rest) => {
    if (String(path).includes('credentials.json')) {
      writeFileSync(MARKER, 'writing');
      while (!existsSync(GO)) await new Promise((r) => setTimeout(r, 10));
    }
    return open(path, ...rest);
  };
  syncBuiltinESMExports();
}
if (HOLD === 'rename') {
  // Signals sent back to back merge into one: tell the test when each one has been taken.
  let signals = 0;
  process.on('SIGTERM', () => writeFileSync(MARKER + '.sigterm' + ++signals, ''));
  const rename = fsp.rename;
  fsp.rename = async (from, to) => {
    if (String(to).endsWith('credentials.json')) {
      writeFileSync(MARKER, 'renaming');
      while (!existsSync(GO)) await new Promise((r) => setTimeout(r, 10));
    }
    return rename(from, to);
  };
  syncBuiltinESMExports();
}
`;

interface Run {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
  marker: string;
  go: string;
}

/**
 * A temp dir (removed after the test) and `ccow serve` held at `hold` (let go, and killed if still
 * running, at the end of the test); resolves once the hold is reached.
 */
async function heldStart(t: TestContext, hold: 'program' | 'credentials' | 'rename'): Promise<{ dir: string; data: string; run: Run }> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-early-signal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const run = await serveHeld(dir, hold, data);
  t.after(() => run.kill('SIGKILL'));
  await until(run.marker, run.exit);
  return { dir, data, run };
}

async function serveHeld(dir: string, hold: 'program' | 'credentials' | 'rename', data: string): Promise<Run> {
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(join(dir, 'preload.mjs'), PRELOAD);
  const marker = join(dir, `${hold}.marker`);
  const go = join(dir, `${hold}.go`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCOW_')) env[k] = v;
  Object.assign(env, { CCOW_LOG_LEVEL: 'warn', HOLD: hold, MARKER: marker, GO: go });
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'preload.mjs')).href, CLI, 'serve', '--listen', '127.0.0.1:0', '--data', data], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { exit, kill: (s) => child.kill(s), stdout: () => stdout, marker, go };
}

/** Resolve once `file` exists (or fail when the process exits first). */
async function until(file: string, exit: Run['exit']): Promise<void> {
  let exited = false;
  void exit.then(() => { exited = true; });
  while (!existsSync(file)) {
    if (exited) assert.fail(`the process exited before ${file}: ${JSON.stringify(await exit)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Start `ccow serve` on `data` again, wait until it listens, stop it (exit 0); resolves with its stdout. */
async function nextStart(t: { after: (fn: () => void) => void }, dir: string, data: string): Promise<string> {
  const again = await serveHeld(dir, 'program', data);
  t.after(() => again.kill('SIGKILL'));
  await writeFile(again.go, 'go');
  let exited = false;
  void again.exit.then(() => { exited = true; });
  while (!/listening on/.test(again.stdout()) && !exited) await new Promise((res) => setTimeout(res, 20));
  again.kill('SIGTERM');
  assert.equal((await again.exit).code, 0);
  return again.stdout();
}

test('SIGTERM while `ccow serve` is still loading its modules: clean exit 0, nothing on disk', { timeout: 60_000 }, async (t) => {
  const { data, run } = await heldStart(t, 'program');
  run.kill('SIGTERM');
  // Let the load go on. On Node 20 the handler runs while the load is held (the hooks thread
  // awaits); on Node 24 the main thread waits for the hooks thread, so the signal is handled once
  // the modules are loaded and the start then shuts down cleanly. Both are a clean exit; only the
  // default action (death by SIGTERM, the old code) is wrong.
  await writeFile(run.go, 'go');
  const r = await run.exit;
  assert.equal(r.signal, null, `died by ${r.signal} (default action): ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  if (/^ccow: SIGTERM before the gateway started: shutdown complete/m.test(r.stderr)) assert.equal(existsSync(data), false, 'nothing was created');
  else assert.match(r.stdout, /listening on/, `neither the early shutdown nor a started gateway: ${r.stderr}`);
});

test('SIGTERM while `ccow serve` writes credentials.json: the start finishes, shutdown is clean, the file is whole', { timeout: 60_000 }, async (t) => {
  const { dir, data, run } = await heldStart(t, 'credentials');
  run.kill('SIGTERM');
  await writeFile(run.go, 'go');
  const r = await run.exit;
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(await readFile(join(data, 'credentials.json'), 'utf8')) as { v: number; generated?: { accessKey: string } };
  assert.equal(doc.v, 1);
  assert.ok(doc.generated?.accessKey);
  assert.deepEqual((await readdir(data)).filter((f) => f.includes('.tmp')), [], 'no temp file left');
  // The next start uses the same keys.
  assert.match(await nextStart(t, dir, data), new RegExp(`access key: ${doc.generated.accessKey} `));
});

test('a second SIGTERM during the first start, before credentials.json is in place: the next start removes the temp file', { timeout: 60_000 }, async (t) => {
  const { dir, data, run } = await heldStart(t, 'rename');
  run.kill('SIGTERM');
  await until(`${run.marker}.sigterm1`, run.exit);
  run.kill('SIGTERM');
  const r = await run.exit;
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /SIGTERM again, exiting without waiting/);
  const temps = async (): Promise<string[]> => (await readdir(data)).filter((f) => f.startsWith('credentials.json.'));
  assert.equal((await temps()).length, 1, 'the interrupted write left its temp file (the case under test)');
  assert.match(await nextStart(t, dir, data), /listening on/);
  assert.deepEqual(await temps(), [], 'no temp file of credentials.json left');
  const doc = JSON.parse(await readFile(join(data, 'credentials.json'), 'utf8')) as { v: number; generated: { accessKey: string } };
  assert.equal(doc.v, 1);
  // One default user, the one whose keys credentials.json holds: the cut-off start saved none
  // (it saved one before, whose secret only the removed temp file had, next to the new one).
  const ls = await runCli(['user', 'ls', '--data', data]);
  assert.equal(ls.code, 0, ls.stderr);
  const users = ls.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
  assert.deepEqual(users, [doc.generated.accessKey]);
});

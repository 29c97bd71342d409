/**
 * An admin command given a data dir that does not exist (a typo, an unmounted disk, the default
 * ./data run from the wrong directory) created a new, empty store there and answered for it:
 * `ccow fsck` printed "clean" with exit 0, `ccow user ls` an empty table, `ccow user add` a key no
 * gateway knew. Found by following README "Admin commands" from a fresh clone. Now each admin
 * command refuses with one `ccow: …` line, exit 2 (a wrong setting, README "Configuration"), and
 * creates nothing; `ccow serve` still creates its data dirs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';

test('fsck, gc, compact and user add/ls/rm refuse a data dir that does not exist, and create nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-admin-missing-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const typo = join(dir, 'dtaa');
  const env = cleanEnv();
  for (const args of [['fsck'], ['gc', '--grace', '0'], ['compact'], ['user', 'ls'], ['user', 'add', 'alice'], ['user', 'rm', 'SOMEKEY']]) {
    const r = await runCli([...args, '--data', typo], { env, cwd: dir });
    const what = args.join(' ');
    assert.equal(r.code, 2, `${what}: exit status (stdout: ${r.stdout})`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line, got:\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^ccow: data dir ${typo} does not exist \\(--data / CCOW_DATA\\)`), what);
    assert.equal(r.stdout, '', `${what}: nothing reported for a store that is not there`);
    await assert.rejects(access(typo), `${what}: no store created`);
  }
  // Through CCOW_DATA and the default ./data alike.
  const viaEnv = await runCli(['fsck'], { env: cleanEnv({ CCOW_DATA: typo }), cwd: dir });
  assert.equal(viaEnv.code, 2, viaEnv.stdout);
  const viaDefault = await runCli(['user', 'ls'], { env, cwd: dir });
  assert.equal(viaDefault.code, 2, viaDefault.stdout);
  assert.match(viaDefault.stderr, /^ccow: data dir \.\/data does not exist/);
  await assert.rejects(access(join(dir, 'data')));

  // A dir that exists is opened as before (an empty one is a new store); a missing one appended to
  // the set is refused too, instead of being made a new disk of the store.
  const store = join(dir, 'store');
  await mkdir(store);
  const add = await runCli(['user', 'add', 'alice', '--data', store], { env, cwd: dir });
  assert.equal(add.code, 0, add.stderr);
  const appended = await runCli(['fsck', '--data', `${store},${typo}`], { env, cwd: dir });
  assert.equal(appended.code, 2, appended.stdout);
  assert.match(appended.stderr, /does not exist/);
  await assert.rejects(access(typo));
  assert.equal((await runCli(['fsck', '--data', store], { env, cwd: dir })).code, 0);
});

/**
 * `ccow --version` answered "unknown option '--version'" (exit 2): a user filing a bug could not say
 * which build they run (newuser16, session 16). It now prints package.json's version, exit 0, and
 * nothing else; `-V` is the short form (commander's convention). packageVersion() walks up to the
 * ccow-s3 package.json, so any build dir (dist/, a test's outDir, the Docker image's /app) finds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { packageVersion } from '../../src/cli/version.js';

/** The repository's package.json, found the way a user's shell would: from the working tree. */
async function repoPackage(): Promise<{ name: string; version: string }> {
  return JSON.parse(await readFile(join(process.cwd(), 'package.json'), 'utf8')) as { name: string; version: string };
}

test('ccow --version and -V print the package version and exit 0', async (t) => {
  const pkg = await repoPackage();
  assert.equal(pkg.name, 'ccow-s3', 'run from the project root');
  const dir = await mkdtemp(join(tmpdir(), 'ccow-version-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const flag of ['--version', '-V']) {
    // From another directory: the version must not depend on where the user stands.
    const r = await runCli([flag], { env: cleanEnv(), cwd: dir });
    assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
    assert.equal(r.stdout, `${pkg.version}\n`, flag);
    assert.equal(r.stderr, '', flag);
  }
  const help = await runCli(['--help'], { env: cleanEnv(), cwd: dir });
  assert.match(help.stdout, /-V, --version/, 'listed in the help text');
});

test('packageVersion walks up to the ccow-s3 package.json and says unknown without one', async (t) => {
  assert.equal(packageVersion(), (await repoPackage()).version);
  const dir = await mkdtemp(join(tmpdir(), 'ccow-version-none-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(packageVersion(dir), 'unknown');
});

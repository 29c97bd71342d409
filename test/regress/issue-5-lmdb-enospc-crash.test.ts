/**
 * Regression (issue #5, faults/disk-full): when an LMDB commit failed with ENOSPC, lmdb-js 3.x left
 * two rejected promises without a handler (its event-turn batch's commit promise and
 * `error.commitError`), and Node's default for unhandled rejections ended the `ccow serve` process:
 * a full disk killed the gateway. src/cli/lmdb-rejections.ts drops exactly those two; any other
 * unhandled rejection still ends the process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { isOrphanedLmdbRejection } from '../../src/cli/lmdb-rejections.js';
import { KEYS, payloadOf, send, sha256, spawnGateway } from '../integration/faults/helpers.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

const GUARD = fileURLToPath(new URL('../../src/cli/lmdb-rejections.js', import.meta.url));

/** Run a tiny script with the guard installed; returns its exit status and stderr. */
function withGuard(body: string): { status: number | null; stderr: string } {
  const script = `import { installLmdbRejectionGuard } from ${JSON.stringify(GUARD)};
installLmdbRejectionGuard((l) => process.stderr.write(l + '\\n'));
${body}
setTimeout(() => process.exit(0), 100);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

test('an orphaned lmdb-js commit rejection (and its commitError) is logged, not fatal', () => {
  // lmdb-js order: the batch's commit promise is rejected first, then commitError with the OS error.
  const r = withGuard(`let fail; const inner = new Promise((_, reject) => { fail = reject; });
Promise.reject(Object.assign(new Error('Commit failed (see commitError for details)'), { commitError: inner }));
fail(Object.assign(new Error('No space left on device'), { code: 28 }));`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /storage commit failed/);
});

test('any other unhandled rejection still ends the process', () => {
  const r = withGuard(`Promise.reject(new Error('a real bug'));`);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /a real bug/);
});

test('isOrphanedLmdbRejection: only lmdb-js errors', () => {
  assert.equal(isOrphanedLmdbRejection(Object.assign(new Error('Commit failed'), { commitError: Promise.resolve() })), true);
  const fromLmdb = new Error('No space left on device');
  fromLmdb.stack = 'Error: No space left on device\n    at Function.<anonymous> (file:///app/node_modules/lmdb/write.js:516:7)';
  assert.equal(isOrphanedLmdbRejection(fromLmdb), true);
  assert.equal(isOrphanedLmdbRejection(new Error('elsewhere')), false);
  assert.equal(isOrphanedLmdbRejection('a string'), false);
});

test('ccow serve survives LMDB running out of space on a full tmpfs', { timeout: 60_000 }, async (t) => {
  const mnt = await mountTmpfs(6, 'ccow-regress-enospc-');
  if (!mnt) {
    t.skip('cannot mount a tmpfs here');
    return;
  }
  const dir = mnt.path;
  const gw = await spawnGateway(dir);
  t.after(async () => {
    await gw.kill();
    await mnt.release();
  });
  const pool = new Pool(gw.url, { connections: 2 });
  t.after(() => pool.close());
  const put = (path: string, body?: Buffer) => send(pool, gw.url, { method: 'PUT', path, body, sign: KEYS, contentSha256: sha256(body ?? Buffer.alloc(0)) });
  assert.equal((await put('/regress')).status, 200);
  // Small objects live in LMDB, so they grow data.mdb until the tmpfs is full.
  let refused = 0;
  for (let i = 0; i < 1000 && refused === 0; i++) {
    const r = await put(`/regress/k${i}`, payloadOf(`k${i}`, 12 * 1024));
    if (r.status !== 200) refused = i;
  }
  assert.ok(refused > 0, 'the disk never filled');
  assert.equal(gw.child.exitCode, null, `the gateway exited:\n${gw.output()}`);
  const r = await send(pool, gw.url, { method: 'GET', path: '/regress/k0', sign: KEYS });
  assert.equal(r.status, 200);
  assert.ok(r.body.equals(payloadOf('k0', 12 * 1024)));
});

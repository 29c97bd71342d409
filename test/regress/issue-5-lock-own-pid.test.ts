/**
 * A data dir LOCK naming the new gateway's own pid, left by a crashed earlier gateway, is taken over
 * (issue #5 "Faults": restart; shared/spec/ccow.md §13 one owner per data dir).
 *
 * In the container image the gateway is pid 1 of every run (ENTRYPOINT bin/ccow execs node). After a
 * crash, an OOM kill or `docker kill`, the LOCK still named pid 1, which on the next start is alive —
 * the new gateway itself — so every restart exited with "data dir /data is locked by pid 1" until
 * someone removed the file by hand (reproduced with `unshare -p -f --mount-proc`, i.e. as pid 1).
 * Such a LOCK may also belong to a live gateway in another pid namespace, so it is taken over once
 * its owner stopped refreshing it (owner-lock.ts); here it is old. A second open within one process
 * is still refused at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { runCcow, spawnGateway } from '../integration/faults/helpers.js';
import { makeTempDir } from '../helpers/temp-dir.js';

test('a LOCK naming this very pid, not held by this process and no longer refreshed, is taken over; a second open in the process is still LOCKED', async (t) => {
  const dir = await makeTempDir('lock-own-pid');
  t.after(() => dir.cleanup());
  // What a crashed earlier incarnation with our pid left behind.
  await writeFile(join(dir.path, 'LOCK'), `ccow-lock/1\n${process.pid}\n2026-01-01T00:00:00.000Z\n`);
  const crashedAt = new Date(Date.now() - 10 * 60_000);
  await utimes(join(dir.path, 'LOCK'), crashedAt, crashedAt);
  const backend = await createLocalBackend({ dataDirs: [dir.path] });
  t.after(() => backend.close());
  await assert.rejects(createLocalBackend({ dataDirs: [dir.path] }), (e) => StorageErrors.LOCKED.is(e));
  await backend.close();
  const again = await createLocalBackend({ dataDirs: [dir.path] });
  await again.close();
});

test('a second ccow serve on a held data dir is refused with a clear message; after a SIGKILL the next one starts', { timeout: 60_000 }, async (t) => {
  const dir = await makeTempDir('lock-serve');
  t.after(() => dir.cleanup());
  const gw = await spawnGateway(dir.path);
  t.after(() => gw.kill());
  assert.equal((await readFile(join(dir.path, 'LOCK'), 'utf8')).split('\n')[1], String(gw.pid));
  const second = await runCcow(['serve', '--listen', '127.0.0.1:0', '--data', dir.path]);
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.match(second.stderr, /^ccow: data dir .* is in use by another ccow process \(is a gateway running on it\?\): .*locked by pid \d+/m);
  await gw.kill();
  const next = await spawnGateway(dir.path);
  t.after(() => next.kill());
  assert.equal(await next.stop(), 0, next.output());
});

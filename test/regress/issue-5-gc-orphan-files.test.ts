/**
 * `ccow gc` removes orphan chunk files (issue #5 "Faults": crash; shared/spec/ccow.md §13
 * recovery). A gateway killed between a chunk file's rename and the transaction that records its
 * chunk row leaves bytes without a row: a `kill -9` in the middle of a 64 MiB PUT left 3–6 of them
 * in every try. GC visits only chunks that have a row, so `ccow gc --grace 0` left them, `ccow fsck`
 * reported them as leaked (exit 1) and on a full disk their space stayed taken, until a gateway was
 * started and its orphan-sweep worker ran. Here the crash window's state is made directly (a chunk
 * file stored through the backend, no row), then the admin commands run as the operator would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chunkIdOf } from '../../src/common/index.js';
import { createEngine } from '../../src/engine/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { runCcow } from '../integration/faults/helpers.js';
import { makeTempDir } from '../helpers/temp-dir.js';

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

test('ccow gc removes chunk files a crash left without a chunk row; fsck is clean afterwards and live data reads back', { timeout: 60_000 }, async (t) => {
  const dir = await makeTempDir('gc-orphans');
  t.after(() => dir.cleanup());
  const body = randomBytes(3 * 1024 * 1024);
  const orphans = [randomBytes(1024 * 1024), randomBytes(300 * 1024)];
  {
    const backend = await createLocalBackend({ dataDirs: [dir.path] });
    const engine = await createEngine(backend);
    await engine.createBucket('bkt', { owner: 'o' });
    await engine.putObject({ bucket: 'bkt', key: 'live' }, once(body));
    // The crash window: the payload is durable under its id, its row never committed.
    for (const o of orphans) await backend.chunks.put(chunkIdOf(o), o);
    await engine.close();
    await backend.close();
  }

  const before = await runCcow(['fsck', '--data', dir.path]);
  assert.equal(before.code, 1, before.stdout + before.stderr);
  assert.match(before.stdout, /^leaked: 2$/m);

  const gc = await runCcow(['gc', '--grace', '0', '--data', dir.path]);
  assert.equal(gc.code, 0, gc.stdout + gc.stderr);
  assert.match(gc.stdout, /^gc: 2 orphan chunk file\(s\) removed$/m);

  const after = await runCcow(['fsck', '--data', dir.path]);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.match(after.stdout, /^clean$/m);

  const backend = await createLocalBackend({ dataDirs: [dir.path] });
  t.after(() => backend.close());
  const engine = await createEngine(backend);
  t.after(() => engine.close());
  const read = await engine.read({ bucket: 'bkt', key: 'live' });
  const got: Uint8Array[] = [];
  for await (const c of read.body) got.push(c);
  assert.ok(Buffer.concat(got).equals(body), 'the live object is untouched');
});

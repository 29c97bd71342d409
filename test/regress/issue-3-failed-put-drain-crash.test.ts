/**
 * Regress (issue #3, scale hunt), the kill -9 half of issue-3-failed-put-drain: a failed PUT now
 * drops its intent a batch per transaction before it answers. A SIGKILL between two of those
 * transactions leaves the intent part-dropped — its record, the members not yet dropped and their
 * references — and the chunks already let go queued for GC. The next start must finish the drop
 * (an older epoch's PUT intent, §13 recovery), GC must then collect every chunk of the PUT and none
 * before (no chunk freed while still referenced), and fsck must be clean (shared/spec/ccow.md §9,
 * §13). The child is test/helpers/failed-put-drain-writer.ts; it announces every transaction of the
 * drop and pauses before the next, so a kill at its n-th line lands after exactly n of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import { DRAIN_BATCH } from '../../src/engine/refs.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { PUT_BUCKET as B, PUT_ENGINE_OPTS, PUT_KEY, type PutDrainLine } from '../helpers/failed-put-drain-writer.js';
import { runAndKill } from '../helpers/kill-child.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const CHILD = fileURLToPath(new URL('../helpers/failed-put-drain-writer.js', import.meta.url));
/** 700 chunks, 699 recorded: three drop transactions of 256, 256 and 187 members (and the record). */
const CHUNKS = 700;

async function count(backend: StorageBackend, table: number): Promise<number> {
  let n = 0;
  for await (const _ of backend.meta.range(prefixRange(Buffer.from([table])))) n++;
  return n;
}

/** Kill the child after its `n`-th drop transaction, check what it left, reopen and recover. */
async function killAfter(n: number): Promise<void> {
  const dir = await makeTempDir('put-drain-crash');
  try {
    const k = await runAndKill<PutDrainLine>([CHILD, dir.path, String(CHUNKS)], {
      early: false,
      delayMs: 0,
      armAt: (l) => l.t === 'tx' && l.n === n,
    });
    assert.equal(k.signal, 'SIGKILL', `the child was killed (stderr: ${k.stderr})`);
    assert.ok(k.lines.some((l) => l.t === 'failing'), 'the PUT failed');
    assert.ok(!k.lines.some((l) => l.t === 'failed'), 'the kill came before the drop ended');
    const backend = await createLocalBackend({ dataDirs: [dir.path], durability: 'strict' });
    try {
      // What the kill left, before a start touches it: the intent, part-dropped.
      assert.equal(await count(backend, T.INTENT), 1, 'the intent record is still there');
      assert.equal(await count(backend, T.MEMBER), CHUNKS - 1 - n * DRAIN_BATCH, `${n} batches were dropped`);
      const e = await createEngine(backend, PUT_ENGINE_OPTS);
      try {
        assert.equal(await count(backend, T.INTENT), 0, 'the start finished the drop');
        assert.equal(await count(backend, T.MEMBER), 0);
        await assert.rejects(e.head({ bucket: B, key: PUT_KEY }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
        await e.gc({ graceMs: 0 });
        await e.sweepOrphans();
        assert.equal(await e.gc({ graceMs: 0 }), 0, 'GC converged');
        assert.equal((await e.bucketStats(B)).physicalBytes, 0, 'every chunk of the PUT collected');
        const f = await e.fsck();
        assert.deepEqual({ missing: f.missing, leaked: f.leaked, dangling: f.danglingRefs }, { missing: [], leaked: [], dangling: [] });
        // The store takes writes again (the same content is stored anew).
        await e.putObject({ bucket: B, key: 'after' }, (async function* () {
          yield Buffer.alloc(3 * 32 * 1024, 9);
        })());
        assert.deepEqual((await e.fsck()).missing, []);
      } finally {
        await e.close();
      }
    } finally {
      await backend.close();
    }
  } finally {
    await dir.cleanup();
  }
}

test('kill -9 after the first drop transaction of a failed PUT: the next start finishes it', () => killAfter(1));

test('kill -9 after the second drop transaction of a failed PUT: the next start finishes it', () => killAfter(2));

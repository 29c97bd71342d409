/**
 * Crash test (issue #3 "Crash safety"; shared/spec/ccow.md §13): a writer process
 * (test/helpers/crash-writer.ts) runs concurrent puts, overwrites, deletes, copies and multipart
 * uploads on the local backend with strict durability and is killed with SIGKILL at a random
 * (seeded) moment. The data dir is then reopened in this process and checked:
 *
 *  - per key, the versions listed are exactly the model of the acknowledged operations, or that
 *    model plus the one operation that was in flight on the key (at most one per key is), and
 *    every listed version reads back bit-exact (sha256 and size): an acknowledged version is
 *    readable by its version id unless a later operation of its key (acknowledged, or the one in
 *    flight) purged it; a version nobody acknowledged is visible only whole, with the bytes of the
 *    in-flight operation;
 *  - the current object (a read without version id) is the head of that list;
 *  - the bucket counters agree with the listing (objects, logical bytes);
 *  - every visible version has its change-feed record;
 *  - fsck finds nothing missing, corrupt or dangling; leaks are allowed only until the documented
 *    recovery has run (expired intents of the dead epoch → GC, orphan-file sweep, aborting the
 *    uploads left behind), after which fsck is clean.
 *
 * Rounds run in chains on one data dir, so a store that survived crashes keeps being written to,
 * crashed and checked. CRASH_SEED and CRASH_ROUNDS override the defaults (a failure names its seed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type ObjectVersion } from '../../../src/engine/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { CRASH_BUCKETS, CRASH_KEYS, seededRandom, WRITER_OPTS, type CrashLine, type CrashOp } from '../../helpers/crash-writer.js';
import { runAndKill, type KilledChild } from '../../helpers/kill-child.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const WRITER = fileURLToPath(new URL('../../helpers/crash-writer.js', import.meta.url));
const SEED = Number(process.env.CRASH_SEED ?? 20261126);
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 20);
const CHAIN = 5;

/** One version as the model and the store see it; `versionId` '*' = not known (unacknowledged). */
interface Ver {
  versionId: string;
  marker: boolean;
  sha?: string;
  size?: number;
}

/** Per `bucket/key`: versions newest first. */
type Model = Map<string, Ver[]>;

/** What a round checked: acknowledged operations, operations in flight, and those of them that had committed. */
interface Tally {
  acked: number;
  inflight: number;
  landed: number;
}

type Round = KilledChild<CrashLine>;

/**
 * Run the writer and SIGKILL it: in 15 % of the rounds while it starts (0–600 ms after spawn), else
 * 0–30 ms after its K-th acknowledgement, K uniform in 0..40 (a kill by count, not by time, so a
 * slow machine still gets writes in flight and acknowledged before the kill).
 */
async function crashRound(dir: string, seed: number, rng: () => number): Promise<Round> {
  const early = rng() < 0.15;
  const delay = early ? rng() * 600 : rng() * 30;
  const afterAcks = Math.floor(rng() * 41);
  let acks = 0;
  return runAndKill<CrashLine>([WRITER, dir, String(seed)], {
    early,
    delayMs: delay,
    armAt: (line) => (line.t === 'ready' && afterAcks === 0) || (line.t === 'ack' && ++acks >= afterAcks),
  });
}

/** The model after `op` (with its version id, if acknowledged). */
function apply(vers: readonly Ver[], op: CrashOp, versionId: string | undefined, versioned: boolean): Ver[] {
  const id = versionId ?? '*';
  switch (op.kind) {
    case 'put':
    case 'mpu':
    case 'copy': {
      const v: Ver = { versionId: versioned ? id : 'null', marker: false, sha: op.sha!, size: op.size! };
      return versioned ? [v, ...vers] : [v];
    }
    case 'delete':
      if (versioned) return [{ versionId: id, marker: true }, ...vers];
      // Never versioned: the null version gives way to a quiet marker, which listings do not show (§7.3).
      return [];
    case 'deleteVersion':
      return vers.filter((v) => v.versionId !== op.versionId);
  }
}

function matches(actual: readonly Ver[], want: readonly Ver[]): boolean {
  return (
    actual.length === want.length &&
    actual.every((a, i) => {
      const w = want[i]!;
      if (a.marker !== w.marker || (w.versionId !== '*' && a.versionId !== w.versionId)) return false;
      return a.marker || (a.sha === w.sha && a.size === w.size);
    })
  );
}

async function readSha(e: Engine, bucket: string, key: string, versionId?: string): Promise<{ sha: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of (await e.read({ bucket, key }, versionId === undefined ? {} : { versionId })).body) {
    h.update(c);
    size += c.length;
  }
  return { sha: h.digest('hex'), size };
}

/** The store's versions of one key, each non-marker read in full. */
async function actualVersions(e: Engine, bucket: string, key: string): Promise<{ vers: Ver[]; listed: ObjectVersion[] }> {
  const listed = (await e.listVersions(bucket, { prefix: key, limit: 1000 })).entries.filter((v) => v.key === key);
  const vers: Ver[] = [];
  for (const v of listed) {
    vers.push(v.deleteMarker ? { versionId: v.versionId, marker: true } : { versionId: v.versionId, marker: false, ...(await readSha(e, bucket, key, v.versionId)) });
  }
  return { vers, listed };
}

/** Split the writer's lines into acknowledged operations (in order) and the one in flight, per key. */
function histories(lines: readonly CrashLine[]): Map<string, { acked: [CrashOp, string | undefined][]; inflight?: CrashOp }> {
  const begun = new Map<number, CrashOp>();
  const out = new Map<string, { acked: [CrashOp, string | undefined][]; inflight?: CrashOp }>();
  const slot = (op: CrashOp) => {
    const k = `${op.bucket}/${op.key}`;
    let h = out.get(k);
    if (!h) out.set(k, (h = { acked: [] }));
    return h;
  };
  for (const l of lines) {
    if (l.t === 'begin') {
      const { t: _t, op: n, ...op } = l;
      begun.set(n, op);
      const h = slot(op);
      assert.equal(h.inflight, undefined, `two operations in flight on ${op.bucket}/${op.key}`);
      h.inflight = op;
    } else if (l.t === 'ack') {
      const op = begun.get(l.op)!;
      const h = slot(op);
      h.acked.push([op, l.versionId]);
      h.inflight = undefined;
    } else if (l.t === 'fail') {
      assert.fail(`writer operation ${l.op} (${JSON.stringify(begun.get(l.op))}) failed: ${l.error}`);
    }
  }
  return out;
}

/** Reopen, check everything the file comment lists, run recovery, check fsck is clean. */
async function check(dir: string, model: Model, round: Round, where: string): Promise<Tally> {
  // Relaxed: the checks and the recovery writes need no fsync of their own (a SIGKILL, unlike a
  // power cut, loses nothing the kernel has), and the writer under test runs strict.
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'relaxed' });
  const e = await createEngine(backend, { ...WRITER_OPTS, holdMs: 0 });
  const n: Tally = { acked: 0, inflight: 0, landed: 0 };
  try {
    assert.deepEqual(await readdir(join(dir, 'tmp')), [], `${where}: tmp/ emptied on open`);
    const hist = histories(round.lines);
    const visible = new Set<string>();
    for (const b of CRASH_BUCKETS) {
      if (!(await e.getBucket(b.name))) {
        // Killed before the writer made its buckets: then it wrote nothing.
        assert.ok(![...model.keys(), ...hist.keys()].some((k) => k.startsWith(`${b.name}/`)), `${where}: bucket ${b.name} vanished`);
        continue;
      }
      let objects = 0;
      let logical = 0;
      for (const key of CRASH_KEYS) {
        const slot = `${b.name}/${key}`;
        const h = hist.get(slot) ?? { acked: [] };
        let want = model.get(slot) ?? [];
        for (const [op, vid] of h.acked) want = apply(want, op, vid, b.versioned);
        n.acked += h.acked.length;
        const { vers, listed } = await actualVersions(e, b.name, key);
        const alt = h.inflight && apply(want, h.inflight, undefined, b.versioned);
        if (h.inflight) n.inflight++;
        const landed = !matches(vers, want) && alt !== undefined && matches(vers, alt);
        if (landed) n.landed++;
        assert.ok(
          matches(vers, want) || landed,
          `${where}: ${slot} holds ${JSON.stringify(vers)}\nacknowledged model: ${JSON.stringify(want)}\nwith the in-flight ${JSON.stringify(h.inflight)}: ${JSON.stringify(alt)}`,
        );
        const head = vers[0];
        if (head && !head.marker) {
          assert.deepEqual(await readSha(e, b.name, key), { sha: head.sha, size: head.size }, `${where}: ${slot} current object is the newest version`);
          objects++;
        } else {
          await assert.rejects(e.read({ bucket: b.name, key }), (err: { code?: string }) => err.code === 'CCOW_ERR_NO_SUCH_KEY' || err.code === 'CCOW_ERR_DELETE_MARKER', `${where}: ${slot} has no current object`);
        }
        for (const v of vers) if (!v.marker) logical += v.size!;
        for (const v of listed) visible.add(v.uvid);
        model.set(slot, vers);
      }
      const stats = await e.bucketStats(b.name);
      assert.deepEqual({ objects: stats.objects, logical: stats.logicalBytes }, { objects, logical }, `${where}: ${b.name} counters agree with the listing`);
    }
    const feed = new Set((await e.feedRead(0n, 1e6)).filter((r) => r.op === 'version').map((r) => r.uvid));
    for (const u of visible) assert.ok(feed.has(u), `${where}: version ${u} has a change-feed record`);

    const before = await e.fsck();
    assert.deepEqual({ missing: before.missing, corrupt: before.corrupt, dangling: before.danglingRefs, missingRefs: before.missingRefs, indexErrors: before.indexErrors }, { missing: [], corrupt: [], dangling: [], missingRefs: [], indexErrors: [] }, `${where}: fsck right after the crash`);
    // Recovery (§13): the dead epoch's put intents were expired by createEngine; uploads left
    // behind are aborted here; then GC (hold 0) and the orphan-file sweep.
    for (const b of CRASH_BUCKETS) {
      if (!(await e.getBucket(b.name))) continue;
      for (const u of (await e.listUploads(b.name, { limit: 1000 })).uploads) await e.abortUpload(b.name, u.uploadId);
    }
    await e.gc({ graceMs: 0 });
    await e.sweepOrphans();
    const after = await e.fsck();
    assert.deepEqual(
      { missing: after.missing, corrupt: after.corrupt, leaked: after.leaked, dangling: after.danglingRefs },
      { missing: [], corrupt: [], leaked: [], dangling: [] },
      `${where}: fsck after recovery`,
    );
  } finally {
    await e.close();
    await backend.close();
  }
  return n;
}

const chains = Math.ceil(ROUNDS / CHAIN);
// Two chains at a time: a round mostly waits (process start, fsyncs), so two overlap well on 2 cores.
describe('crash test', { concurrency: 2 }, () => {
  for (let c = 0; c < chains; c++) {
    const rounds = Math.min(CHAIN, ROUNDS - c * CHAIN);
    it(`SIGKILL a writer ${rounds} times on one data dir: acknowledged writes survive bit-exact, nothing half-visible, fsck clean (chain ${c + 1}/${chains}, seed ${SEED})`, async (t) => {
      const dir = await makeTempDir('crash');
      const rng = seededRandom(SEED + c * 7919);
      const model: Model = new Map();
      const total: Tally = { acked: 0, inflight: 0, landed: 0 };
      try {
        for (let r = 0; r < rounds; r++) {
          const seed = Math.floor(rng() * 2 ** 31);
          const where = `seed ${SEED}, chain ${c + 1}, round ${r + 1} (writer seed ${seed})`;
          const round = await crashRound(dir.path, seed, rng);
          assert.equal(round.signal, 'SIGKILL', `${where}: the writer died by itself (code ${round.code}): ${round.stderr}`);
          const n = await check(dir.path, model, round, where);
          total.acked += n.acked;
          total.inflight += n.inflight;
          total.landed += n.landed;
        }
      } finally {
        await dir.cleanup();
      }
      t.diagnostic(`${rounds} rounds: ${total.acked} acknowledged operations checked; ${total.inflight} in flight at the kill, ${total.landed} of which had committed`);
    });
  }
});

/**
 * Crash rounds for the operations crash.test.ts does not reach (issue #3 "Crash safety";
 * shared/spec/ccow.md §9 back-references and GC, §10 snapshots and clones, §13 crash safety):
 * crash-ops-child.ts runs one operation mix on the local backend (strict durability) with GC and
 * the orphan sweep next to it, and is killed with SIGKILL at a seeded random moment; the data dir
 * is then reopened here and checked. Per mode:
 *
 * - `mpu` (UploadPart / Complete / Abort in flight): an acknowledged Complete's object reads back
 *   bit-exact with the ETag it answered (= the multipart ETag of the parts it named); a Complete in
 *   flight left the object complete and exact with its upload gone, or no object and the upload
 *   with its parts; a retry of a committed Complete answers the version it made; every open upload
 *   lists exactly its acknowledged parts (one in flight: absent or whole), and completing it after
 *   a GC with no hold reads back every part bit-exact;
 * - `del` (DeleteObjects-like batches of markers and version purges): every key's versions are the
 *   model of the acknowledged operations (or that plus the one in flight), and listings, GETs and
 *   the counters agree; `sus` the same with versioning Suspended in most rounds (a put or delete
 *   replaces the null version);
 * - `clone` (CopyObject, clone of a version or of a snapshot's view, snapshot create/delete, purges
 *   of the sources racing them): the same model per key; acknowledged snapshots exist, deleted ones
 *   do not; every view reads whole, with bytes once written to its key, and the same in every later
 *   round (nothing a snapshot needs is freed);
 * - `lifecycle` (the lifecycle worker on a fast clock, GC with the 1 h hold of that clock): keys
 *   under no rule follow the model exactly; keys under the rules show only whole versions that were
 *   written and not purged; a lifecycle pass here afterwards leaves nothing due and a second pass
 *   changes nothing; no upload under the abort rule is left;
 * - `compact` (online LMDB compactions, killed at random or just before a random step): the store
 *   opens without a temp dir or a copy in the scratch dir left, and every key follows the model;
 * - `bclone` (Engine.bucketClone of a snapshot of a 600-key source, killed mostly inside a fill of
 *   3 pages, while the source changes): the source follows its model; the view the child logged
 *   with a clone is the model at its snapshot; every acknowledged clone is listed, owned as asked,
 *   and holds exactly its view (keys, bytes, object counter); the clone in flight is invisible (no
 *   lookup or listing finds it) or visible and exact, never partial; the bucket-clone worker run
 *   until idle (even rounds) or the same bucketClone call made again (odd rounds) then makes it
 *   visible and exact; snapshots: acknowledged ones exist unless their delete was acknowledged,
 *   deleted ones do not; after the recovery every clone and every snapshot view still reads exact.
 *
 * Always: fsck right after the reopen finds nothing missing, corrupt or dangling; after the recovery
 * (leftover uploads aborted, GC with no hold, orphan sweep) it is clean, and a second GC deletes
 * nothing (GC converges). Rounds of a mode run in a chain on one data dir. CRASH_OPS_SEED overrides
 * the seed, CRASH_OPS_ROUNDS the rounds per chain, CRASH_OPS_MODES the modes run; a failure names
 * the seed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createEngine, type Engine } from '../../../src/engine/index.js';
import { cloneMarkOf, decodeBucketRecord } from '../../../src/engine/format/records.js';
import { bucketKey } from '../../../src/engine/keys.js';
import { COMPACT_TMP, createLocalBackend, PENDING, type LocalBackend } from '../../../src/storage/local/index.js';
import { seededRandom } from '../../helpers/crash-writer.js';
import { runAndKill, type KilledChild } from '../../helpers/kill-child.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import { BUCKET, ENGINE_OPTS, KEYS, readSha, scratchOf, SRC_KEYS, type Mode, type OpsLine, type OpsOp } from './crash-ops-child.js';

const CHILD = fileURLToPath(new URL('./crash-ops-child.js', import.meta.url));
const SEED = Number(process.env.CRASH_OPS_SEED ?? 20261127);
const ROUNDS = Number(process.env.CRASH_OPS_ROUNDS ?? 5);
const DAY = 86_400_000;

/** A version as the model and the store see it; versionId '*' = not known (unacknowledged). */
interface Ver {
  versionId: string;
  marker: boolean;
  sha?: string;
  size?: number;
}

/** What a chain remembers between rounds. */
interface Chain {
  /** Per key: versions newest first, as last seen. */
  model: Map<string, Ver[]>;
  /** Per key: every sha ever sent to it (put, copy, clone). */
  sent: Map<string, Set<string>>;
  /** Snapshot name → key → sha of its view (null: no object in the view), once first seen. */
  views: Map<string, Map<string, string | null>>;
  /** Lifecycle mode: clock offset of the round. */
  offset: number;
  /** Round number (from 0). */
  round: number;
  /** bclone mode: the source's current content (key → SHA-256), as last seen. */
  src: Map<string, string>;
  /** bclone mode: clones made (acknowledged, or finished by a recovery) → their view and owner. */
  clones: Map<string, { view: Map<string, string>; owner: string }>;
  /** bclone mode: snapshot name → its view, for the snapshots that exist. */
  snaps: Map<string, Map<string, string>>;
}

type Round = KilledChild<OpsLine>;

/** Acknowledgements before the kill (uniform in the range), per mode. */
const KILL_AFTER: Record<Mode, [number, number]> = { mpu: [2, 40], del: [0, 50], sus: [0, 50], clone: [0, 50], lifecycle: [20, 140], compact: [0, 50], bclone: [0, 8] };

/** bclone mode: the acknowledgements KILL_AFTER counts (the source's changes come by the hundred). */
const BCLONE_ACKS = ['snapCreate', 'bclone', 'snapDelete'];

/** Kill delay range (ms) for modes whose operation in flight is long: a bucket clone's 3-page fill takes ~400 ms. */
const SPREAD: Partial<Record<Mode, number>> = { bclone: 450 };

/** The operations whose start may trigger the kill, per mode (they are short: a count of acks rarely lands in one). */
const TRIGGERS: Record<Mode, string[]> = { mpu: ['complete', 'abort'], del: ['deleteVersion', 'delete'], sus: ['put', 'delete', 'deleteVersion'], clone: ['clone', 'copy', 'snapCreate', 'snapDelete'], lifecycle: ['deleteVersion'], compact: ['deleteVersion'], bclone: ['bclone'] };

/**
 * Run the child and SIGKILL it: 10 % of rounds while it starts (0–500 ms after spawn); 40 % 0–15 ms
 * after the start of the first operation of the mode's trigger kinds that follows its K-th
 * acknowledgement; else 0–30 ms after its K-th acknowledgement (K uniform in the mode's range).
 * Modes with a SPREAD: 0–SPREAD ms in both cases (bclone: K counts its BCLONE_ACKS only).
 */
async function crashRound(mode: Mode, dir: string, seed: number, offset: number, rng: () => number): Promise<Round> {
  const r = rng();
  const early = r < 0.1;
  const onBegin = !early && r < 0.5;
  const delay = early ? rng() * 500 : rng() * (SPREAD[mode] ?? (onBegin ? 15 : 30));
  const [lo, hi] = KILL_AFTER[mode];
  const afterAcks = lo + Math.floor(rng() * (hi - lo + 1));
  let acks = 0;
  const kinds = new Map<number, string>();
  return runAndKill<OpsLine>([CHILD, mode, dir, String(seed), String(offset)], {
    early,
    delayMs: delay,
    armAt: (line) => {
      if (line.t === 'begin' && mode === 'bclone') kinds.set(line.op, line.kind);
      if (line.t === 'ack' && (mode !== 'bclone' || BCLONE_ACKS.includes(kinds.get(line.op) ?? ''))) acks++;
      return onBegin ? line.t === 'begin' && acks >= afterAcks && TRIGGERS[mode].includes(line.kind) : (line.t === 'ready' && afterAcks === 0) || (line.t === 'ack' && acks >= afterAcks);
    },
  });
}

/** One operation of the round with where its lines are. */
interface Op {
  n: number;
  op: OpsOp;
  begin: number;
  ack?: { at: number; versionId?: string; etag?: string; uploadId?: string };
  fail?: { code: string; error: string };
}

function ops(lines: readonly OpsLine[]): Op[] {
  const byN = new Map<number, Op>();
  lines.forEach((l, at) => {
    if (l.t === 'begin') {
      const { t: _t, op: n, ...op } = l;
      byN.set(n, { n, op, begin: at });
    } else if (l.t === 'ack') {
      const { t: _t, op: _n, ...rest } = l;
      byN.get(l.op)!.ack = { at, ...rest };
    } else if (l.t === 'fail') {
      byN.get(l.op)!.fail = { code: l.code, error: l.error };
    }
  });
  return [...byN.values()];
}

/** Failures that are outcomes, not findings: a copy whose source was purged meanwhile, a purge the lifecycle worker beat. */
function benignFailure(mode: Mode, o: Op): boolean {
  const code = o.fail!.code;
  if ((o.op.kind === 'copy' || o.op.kind === 'clone') && ['CCOW_ERR_NO_SUCH_VERSION', 'CCOW_ERR_NO_SUCH_KEY', 'CCOW_ERR_DELETE_MARKER', 'CCOW_ERR_NO_SUCH_SNAPSHOT'].includes(code)) return true;
  return mode === 'lifecycle' && o.op.kind === 'deleteVersion' && code === 'CCOW_ERR_NO_SUCH_VERSION';
}

/** The model after `op`; Suspended: a new version is the null version and replaces the previous one (§7.3). */
function apply(vers: readonly Ver[], op: OpsOp, versionId: string | undefined, suspended: boolean): Ver[] {
  const id = suspended ? 'null' : (versionId ?? '*');
  const rest = suspended ? vers.filter((v) => v.versionId !== 'null') : vers;
  switch (op.kind) {
    case 'put':
    case 'copy':
    case 'clone':
      return [{ versionId: id, marker: false, sha: op.sha, size: op.size }, ...rest];
    case 'delete':
      return [{ versionId: id, marker: true }, ...rest];
    case 'deleteVersion':
      return vers.filter((v) => v.versionId !== op.versionId);
    default:
      return [...vers];
  }
}

function matches(actual: readonly Ver[], want: readonly Ver[]): boolean {
  return actual.length === want.length && actual.every((a, i) => {
    const w = want[i]!;
    if (a.marker !== w.marker || (w.versionId !== '*' && a.versionId !== w.versionId)) return false;
    return a.marker || (a.sha === w.sha && a.size === w.size);
  });
}

/** Every version of the bucket, per key, non-markers read in full. */
async function actual(e: Engine): Promise<Map<string, Ver[]>> {
  const out = new Map<string, Ver[]>();
  for (const v of (await e.listVersions(BUCKET, { limit: 100_000 })).entries) {
    const list = out.get(v.key) ?? [];
    out.set(v.key, list);
    list.push(v.deleteMarker ? { versionId: v.versionId, marker: true } : { versionId: v.versionId, marker: false, ...(await readSha(e, v.key, { versionId: v.versionId })) });
  }
  return out;
}

/** Listings, reads and counters agree: the current object is the newest version, listed as such. */
async function agree(e: Engine, vers: Map<string, Ver[]>, where: string, logical: boolean): Promise<void> {
  const current = new Map((await e.listObjects(BUCKET, { limit: 100_000 })).entries.map((o) => [o.key, o]));
  let objects = 0;
  let bytes = 0;
  for (const [key, vs] of vers) {
    const head = vs[0];
    for (const v of vs) if (!v.marker) bytes += v.size!;
    if (head && !head.marker) {
      objects++;
      assert.deepEqual(await readSha(e, key), { sha: head.sha, size: head.size }, `${where}: ${key}: GET is the newest version`);
      const h = await e.head({ bucket: BUCKET, key });
      assert.equal(h.versionId, head.versionId, `${where}: ${key}: HEAD is the newest version`);
      assert.deepEqual([current.get(key)?.size, current.get(key)?.etag], [head.size, h.etag], `${where}: ${key}: listed as the current version`);
    } else {
      await assert.rejects(e.read({ bucket: BUCKET, key }), (err: { code?: string }) => err.code === 'CCOW_ERR_NO_SUCH_KEY' || err.code === 'CCOW_ERR_DELETE_MARKER', `${where}: ${key} has no current object`);
      assert.ok(!current.has(key), `${where}: ${key}: listed as current but GET says none`);
    }
  }
  for (const key of current.keys()) assert.ok(vers.get(key)?.[0]?.marker === false, `${where}: ${key} listed as current without a version`);
  const stats = await e.bucketStats(BUCKET);
  assert.equal(stats.objects, objects, `${where}: object counter`);
  // Hidden (snapshot-pinned) versions keep their bytes counted: the logical counter is checked without snapshots only.
  if (logical) assert.equal(stats.logicalBytes, bytes, `${where}: logical bytes counter`);
}

/** The exact model for keys under no lifecycle rule; a weaker one (§ header) for `x/` keys of the lifecycle mode. */
function checkKeys(mode: Mode, chain: Chain, all: Op[], vers: Map<string, Ver[]>, suspended: boolean, where: string): { acked: number; landed: number } {
  let acked = 0;
  let landed = 0;
  for (const key of KEYS) {
    const mine = all.filter((o) => 'key' in o.op && o.op.key === key && !(o.fail && benignFailure(mode, o)));
    for (const o of mine) assert.ok(!o.fail, `${where}: ${JSON.stringify(o.op)} failed: ${o.fail?.code} ${o.fail?.error}`);
    const sent = chain.sent.get(key) ?? new Set<string>();
    chain.sent.set(key, sent);
    for (const o of mine) if ('sha' in o.op) sent.add(o.op.sha);
    const got = vers.get(key) ?? [];
    const inflight = mine.filter((o) => !o.ack);
    assert.ok(inflight.length <= 1, `${where}: ${key}: two operations in flight`);
    if (mode === 'lifecycle' && key.startsWith('x/')) {
      // Lifecycle may have added markers, purged noncurrent versions and lone markers; it never
      // writes data. A data version shown is whole, was written to this key, and was not purged.
      const purged = new Set(mine.filter((o) => o.ack && o.op.kind === 'deleteVersion').map((o) => (o.op as { versionId: string }).versionId));
      const known = new Set([...(chain.model.get(key) ?? []).map((v) => v.versionId), ...mine.filter((o) => o.ack?.versionId).map((o) => o.ack!.versionId!)]);
      for (const v of got) {
        if (v.marker) continue;
        assert.ok(chain.sent.get(key)?.has(v.sha!), `${where}: ${key} version ${v.versionId} holds bytes never written to it`);
        assert.ok(!purged.has(v.versionId), `${where}: ${key} version ${v.versionId} was purged (acknowledged) but is back`);
        const fromInflight = inflight[0] && 'sha' in inflight[0].op && inflight[0].op.sha === v.sha;
        assert.ok(known.has(v.versionId) || fromInflight, `${where}: ${key} version ${v.versionId} comes from no write`);
      }
      continue;
    }
    let want = chain.model.get(key) ?? [];
    for (const o of mine) if (o.ack) want = apply(want, o.op, o.ack.versionId, suspended);
    acked += mine.filter((o) => o.ack).length;
    const alt = inflight[0] && apply(want, inflight[0].op, undefined, suspended);
    const ok = matches(got, want);
    if (!ok && alt && matches(got, alt)) landed++;
    assert.ok(ok || (alt !== undefined && matches(got, alt)), `${where}: ${key} holds ${JSON.stringify(got)}\nacknowledged model: ${JSON.stringify(want)}\nwith the in-flight ${JSON.stringify(inflight[0]?.op)}: ${JSON.stringify(alt)}`);
  }
  return { acked, landed };
}

/** Multipart: see the header. Returns the uploads the check leaves open (the recovery completes them). */
async function checkUploads(e: Engine, all: Op[], vers: Map<string, Ver[]>, where: string): Promise<{ verify: { uploadId: string; key: string; parts: Map<number, { sha: string; size: number }> }[]; completed: number; flight: { landed: number; open: number } }> {
  const open = new Map((await e.listUploads(BUCKET, { prefix: 'm/', limit: 10_000 })).uploads.map((u) => [u.uploadId, u.key]));
  const mp = all.filter((o) => ['create', 'part', 'complete', 'abort'].includes(o.op.kind));
  for (const o of mp) assert.ok(!o.fail, `${where}: ${JSON.stringify(o.op)} failed: ${o.fail?.code} ${o.fail?.error}`);
  const created = new Map(mp.filter((o) => o.op.kind === 'create' && o.ack).map((o) => [o.ack!.uploadId!, (o.op as { key: string }).key]));
  const creating = new Set(mp.filter((o) => o.op.kind === 'create' && !o.ack).map((o) => (o.op as { key: string }).key));
  const verify: { uploadId: string; key: string; parts: Map<number, { sha: string; size: number }> }[] = [];
  let completed = 0;
  const flight = { landed: 0, open: 0 };
  for (const [id, key] of open) {
    if (created.has(id)) continue;
    assert.ok(creating.has(key), `${where}: open upload ${id} of ${key} that no create made`);
    assert.deepEqual((await e.listParts(BUCKET, id)).parts, [], `${where}: an upload whose create was in flight has parts`);
  }
  for (const [id, key] of created) {
    const mine = mp.filter((o) => 'uploadId' in o.op && o.op.uploadId === id);
    const done = mine.find((o) => o.op.kind === 'complete');
    const abort = mine.find((o) => o.op.kind === 'abort');
    const vs = vers.get(key) ?? [];
    if (done && !done.ack && open.has(id)) flight.open++;
    else if (done && !done.ack) flight.landed++;
    const whole = async (c: Op & { op: { kind: 'complete' } }): Promise<void> => {
      assert.equal(vs.length, 1, `${where}: ${key}: one version from its Complete`);
      assert.equal(vs[0]!.sha, c.op.sha, `${where}: ${key}: completed object is the named parts, bit-exact`);
      const head = await e.head({ bucket: BUCKET, key }, { versionId: vs[0]!.versionId });
      assert.equal(head.etag, c.op.etag, `${where}: ${key}: multipart ETag`);
      if (c.ack) assert.deepEqual([vs[0]!.versionId, head.etag], [c.ack.versionId, c.ack.etag], `${where}: ${key}: the acknowledged version and ETag`);
      // A client whose Complete got no answer (the crash) retries it: the retry gets the first one's
      // answer (completedUpload, recorded in the commit's transaction), not NoSuchUpload.
      const named = c.op.parts.map((pn) => ({ partNumber: pn, etag: mine.filter((o) => o.op.kind === 'part' && o.op.partNumber === pn && o.ack).at(-1)!.ack!.etag! }));
      const retry = await e.completedUpload(BUCKET, id, named);
      assert.deepEqual(retry && [retry.key, retry.versionId, retry.etag], [key, vs[0]!.versionId, c.op.etag], `${where}: ${key}: a retried Complete answers the version it made`);
      completed++;
    };
    if (done && !open.has(id)) {
      await whole(done as Op & { op: { kind: 'complete' } });
      continue;
    }
    assert.ok(!done?.ack, `${where}: ${key}: Complete acknowledged, upload still open`);
    assert.equal(vs.length, 0, `${where}: ${key}: a version without a committed Complete`);
    if (!open.has(id)) {
      assert.ok(abort, `${where}: ${key}: upload ${id} gone without Complete or Abort`);
      continue;
    }
    assert.ok(!abort?.ack, `${where}: ${key}: Abort acknowledged, upload still open`);
    // Parts: the acknowledged ones; the one in flight absent (or the earlier upload of its number) or whole.
    const want = new Map<number, { sha: string; size: number; etag: string }>();
    let flying: (Op & { op: { kind: 'part' } }) | undefined;
    for (const o of mine) {
      if (o.op.kind !== 'part') continue;
      if (o.ack) want.set(o.op.partNumber, o.op);
      else flying = o as Op & { op: { kind: 'part' } };
    }
    const listed = (await e.listParts(BUCKET, id, { limit: 10_000 })).parts;
    const parts = new Map<number, { sha: string; size: number }>();
    for (const p of listed) {
      const w = want.get(p.partNumber);
      const f = flying?.op.partNumber === p.partNumber ? flying.op : undefined;
      const is = (x: { size: number; etag: string } | undefined): boolean => x !== undefined && x.size === p.size && x.etag === p.etag;
      assert.ok(is(w) || is(f), `${where}: ${key} part ${p.partNumber} (${p.size} B, ${p.etag}) is neither the acknowledged part nor the one in flight, whole`);
      parts.set(p.partNumber, is(w) && !(is(f) && f!.sha !== w!.sha) ? w! : f!);
    }
    for (const pn of want.keys()) assert.ok(parts.has(pn), `${where}: ${key}: acknowledged part ${pn} missing`);
    verify.push({ uploadId: id, key, parts });
  }
  return { verify, completed, flight };
}

/** Snapshots: acknowledged ones exist, deleted ones do not; views read whole and never change. */
async function checkSnapshots(e: Engine, chain: Chain, all: Op[], where: string): Promise<number> {
  const names = new Set((await e.snapshotList(BUCKET)).map((s) => s.name));
  for (const o of all) {
    if (o.op.kind !== 'snapCreate' && o.op.kind !== 'snapDelete') continue;
    assert.ok(!o.fail, `${where}: ${JSON.stringify(o.op)} failed: ${o.fail?.code} ${o.fail?.error}`);
    const name = o.op.name;
    const deleting = all.some((d) => d.op.kind === 'snapDelete' && d.op.name === name);
    if (o.op.kind === 'snapCreate' && o.ack && !deleting) assert.ok(names.has(o.op.name), `${where}: acknowledged snapshot ${o.op.name} is gone`);
    if (o.op.kind === 'snapDelete' && o.ack) assert.ok(!names.has(o.op.name), `${where}: deleted snapshot ${o.op.name} is back`);
  }
  for (const name of chain.views.keys()) if (!names.has(name)) assert.ok(all.some((d) => d.op.kind === 'snapDelete' && d.op.name === name), `${where}: snapshot ${name} vanished`);
  for (const name of names) {
    const view = new Map<string, string | null>();
    for (const key of KEYS) {
      try {
        const got = await readSha(e, key, { snapshot: name });
        assert.ok(chain.sent.get(key)?.has(got.sha), `${where}: ${key} in snapshot ${name} holds bytes never written to it`);
        view.set(key, got.sha);
      } catch (err) {
        if ((err as { code?: string }).code !== 'CCOW_ERR_NO_SUCH_KEY') throw err;
        view.set(key, null);
      }
    }
    const before = chain.views.get(name);
    if (before) assert.deepEqual(view, before, `${where}: the view of snapshot ${name} changed`);
    chain.views.set(name, view);
  }
  for (const name of [...chain.views.keys()]) if (!names.has(name)) chain.views.delete(name);
  return names.size;
}

/** Run the lifecycle worker through one whole pass (a fresh worker starts one at once). */
async function lifecyclePass(e: Engine): Promise<void> {
  const w = e.workers().find((x) => x.name === 'lifecycle')!;
  for (let i = 0; i < 10_000 && (await w.step()) === 'busy'; i++);
}

/** Key → SHA-256 of every current object of `bucket` (or of its snapshot's view), read in full. */
async function contentOf(e: Engine, bucket: string, snapshot?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const listed = await e.listObjects(bucket, { limit: 100_000, ...(snapshot ? { snapshot } : {}), ...(bucket === BUCKET ? { prefix: 'b/' } : {}) });
  assert.ok(!listed.truncated);
  for (const o of listed.entries) {
    const h = createHash('sha256');
    for await (const c of (await e.read({ bucket, key: o.key }, snapshot ? { snapshot } : {})).body) h.update(c);
    out.set(o.key, h.digest('hex'));
  }
  return out;
}

/** A clone is visible (lookup, listing), owned as asked, and holds exactly `view`: keys, bytes, object counter. */
async function exactClone(e: Engine, dst: string, want: { view: Map<string, string>; owner: string }, where: string): Promise<void> {
  const info = await e.getBucket(dst);
  assert.ok(info, `${where}: clone ${dst} not found by name`);
  assert.equal(info.owner, want.owner, `${where}: clone ${dst} owner`);
  assert.ok((await e.listBuckets()).some((b) => b.name === dst), `${where}: clone ${dst} not listed`);
  assert.deepEqual(await contentOf(e, dst), want.view, `${where}: clone ${dst} holds exactly its view`);
  assert.equal((await e.bucketStats(dst)).objects, want.view.size, `${where}: clone ${dst} object counter`);
}

/** What the store records under a bucket name: nothing, a clone still filling (marked), or a bucket. */
async function recordOf(backend: LocalBackend, name: string): Promise<'none' | 'marked' | 'bucket'> {
  const raw = await backend.meta.get(bucketKey(name));
  return raw === undefined ? 'none' : cloneMarkOf(decodeBucketRecord(raw)) ? 'marked' : 'bucket';
}

/** bclone mode, after the reopen: see the header. Returns the round's note; the recovery finishes the clone in flight. */
async function checkBucketClones(e: Engine, backend: LocalBackend, chain: Chain, lines: readonly OpsLine[], where: string): Promise<string> {
  // The source's model along the log, and the view each snapshot of the round was taken of.
  const byN = new Map<number, OpsOp>();
  const acked = new Set<number>();
  const model = new Map(chain.src);
  const views = new Map<string, Map<string, string>>();
  for (const l of lines) {
    if (l.t === 'fail') assert.fail(`${where}: ${JSON.stringify(byN.get(l.op))} failed: ${l.code} ${l.error}`);
    if (l.t === 'begin') {
      const { t: _t, op: n, ...op } = l;
      byN.set(n, op);
      if (op.kind === 'snapCreate') {
        const changing = [...byN].filter(([m, o]) => !acked.has(m) && 'key' in o);
        assert.deepEqual(changing, [], `${where}: a source change in flight while snapshot ${op.name} was taken (the child's lock)`);
        views.set(op.name, new Map(model));
      }
      if (op.kind === 'bclone') assert.deepEqual(new Map(Object.entries(op.view)), views.get(op.name), `${where}: the view logged with clone ${op.dst} is not the model at snapshot ${op.name}`);
    }
    if (l.t !== 'ack') continue;
    acked.add(l.op);
    const op = byN.get(l.op)!;
    if (op.kind === 'put') model.set(op.key, op.sha);
    if (op.kind === 'delete') model.delete(op.key);
  }
  const all = [...byN].map(([n, op]) => ({ op, ack: acked.has(n) }));
  // The source: the model, a change in flight absent or whole.
  const got = await contentOf(e, BUCKET);
  const inflight = new Map(all.filter((o) => !o.ack && 'key' in o.op).map((o) => [(o.op as { key: string }).key, o.op]));
  for (const key of SRC_KEYS) {
    const f = inflight.get(key);
    const alt = f?.kind === 'put' ? f.sha : f?.kind === 'delete' ? undefined : model.get(key);
    assert.ok(got.get(key) === model.get(key) || got.get(key) === alt, `${where}: source ${key} holds ${got.get(key)}, model ${model.get(key)}, in flight ${JSON.stringify(f)}`);
  }
  for (const key of got.keys()) assert.ok(SRC_KEYS.includes(key), `${where}: source key ${key} nobody wrote`);
  chain.src = got;
  // Snapshots: acknowledged ones exist unless their delete was acknowledged; deleted ones do not.
  const names = new Set((await e.snapshotList(BUCKET)).map((x) => x.name));
  const deleting = new Set(all.filter((o) => o.op.kind === 'snapDelete').map((o) => (o.op as { name: string }).name));
  for (const o of all) {
    if (o.op.kind === 'snapCreate' && o.ack && !deleting.has(o.op.name)) assert.ok(names.has(o.op.name), `${where}: acknowledged snapshot ${o.op.name} is gone`);
    if (o.op.kind === 'snapDelete' && o.ack) assert.ok(!names.has(o.op.name), `${where}: deleted snapshot ${o.op.name} is back`);
  }
  for (const name of chain.snaps.keys()) assert.ok(names.has(name) || deleting.has(name), `${where}: snapshot ${name} of an earlier round vanished`);
  for (const name of names) {
    assert.ok(chain.snaps.has(name) || views.has(name), `${where}: snapshot ${name} that no create made`);
    chain.snaps.set(name, chain.snaps.get(name) ?? views.get(name)!);
  }
  for (const name of chain.snaps.keys()) if (!names.has(name)) chain.snaps.delete(name);
  // Clones: the acknowledged ones (this round's and earlier) exact; the one in flight invisible or exact.
  const clones = all.filter((o) => o.op.kind === 'bclone') as { op: OpsOp & { kind: 'bclone' }; ack: boolean }[];
  const want = (op: OpsOp & { kind: 'bclone' }): { view: Map<string, string>; owner: string } => ({ view: new Map(Object.entries(op.view)), owner: op.owner ?? 'crash' });
  for (const o of clones) if (o.ack) chain.clones.set(o.op.dst, want(o.op));
  for (const [dst, w] of chain.clones) await exactClone(e, dst, w, where);
  const flying = clones.filter((o) => !o.ack);
  assert.ok(flying.length <= 1, `${where}: two bucket clones in flight`);
  const listed = (await e.listBuckets()).map((b) => b.name).filter((n) => n.startsWith('bc-'));
  for (const n of listed) assert.ok(chain.clones.has(n) || flying[0]?.op.dst === n, `${where}: bucket ${n} that no clone made`);
  const f = flying[0]?.op;
  if (!f) return `${chain.clones.size} clones, ${names.size} snapshots; no clone in flight`;
  const state = await recordOf(backend, f.dst);
  const visible = await e.getBucket(f.dst);
  assert.equal(visible !== undefined, state === 'bucket', `${where}: clone ${f.dst} in flight: found by name ${visible !== undefined}, record ${state}`);
  if (visible) await exactClone(e, f.dst, want(f), `${where} (in flight, visible)`);
  else {
    assert.ok(!listed.includes(f.dst), `${where}: clone ${f.dst} in flight listed while unfinished`);
    await assert.rejects(e.listObjects(f.dst, { limit: 10 }), { code: 'CCOW_ERR_NO_SUCH_BUCKET' }, `${where}: clone ${f.dst} in flight readable while unfinished`);
    assert.ok(names.has(f.name), `${where}: snapshot ${f.name} of the unfinished clone ${f.dst} is gone`);
  }
  // Recovery: the worker until idle (even rounds), else the same call again (a client retrying the
  // call that got no answer). A clone the crash left without a record is only made by a retry.
  let how: string;
  if (visible) how = 'had landed';
  else if (chain.round % 2 === 0) {
    const worker = e.workers().find((w) => w.name === 'bucket-clone')!;
    let busy = 0;
    while ((await worker.step()) === 'busy') assert.ok(++busy < 50, `${where}: the bucket-clone worker never went idle`);
    how = `${state}, worker ${busy} steps`;
    if (state === 'marked') assert.ok(await e.getBucket(f.dst), `${where}: the worker went idle and left clone ${f.dst} unfinished`);
    else await e.bucketClone(BUCKET, f.name, f.dst, f.owner ? { owner: f.owner } : {});
  } else {
    await e.bucketClone(BUCKET, f.name, f.dst, f.owner ? { owner: f.owner } : {});
    how = `${state}, finished by the call again`;
  }
  await exactClone(e, f.dst, want(f), `${where} (in flight, after its recovery)`);
  chain.clones.set(f.dst, want(f));
  return `${chain.clones.size} clones, ${names.size} snapshots; clone in flight: ${how}`;
}

/** The recovery every mode ends with: leftover uploads aborted, GC with no hold, orphan sweep; GC converges and fsck is clean. */
async function settle(e: Engine, where: string): Promise<void> {
  for (const u of (await e.listUploads(BUCKET, { limit: 10_000 })).uploads) await e.abortUpload(BUCKET, u.uploadId);
  await e.gc({ graceMs: 0 });
  await e.sweepOrphans();
  assert.equal(await e.gc({ graceMs: 0 }), 0, `${where}: a second GC deleted more (did not converge)`);
  const after = await e.fsck();
  assert.deepEqual(
    { missing: after.missing, corrupt: after.corrupt, leaked: after.leaked, dangling: after.danglingRefs, damaged: after.damaged },
    { missing: [], corrupt: [], leaked: [], dangling: [], damaged: [] },
    `${where}: fsck after recovery`,
  );
}

async function check(mode: Mode, dir: string, chain: Chain, round: Round, where: string): Promise<string> {
  assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)) || mode === 'compact', `${where}: compaction temp dir outside the compact mode`);
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'relaxed', compactOnOpen: false });
  const clock = mode === 'lifecycle' ? { now: () => Date.now() + chain.offset + 100 * DAY } : undefined;
  const e = await createEngine(backend, { ...ENGINE_OPTS, holdMs: 0, ...(clock ? { clock } : {}) });
  try {
    assert.ok(!existsSync(join(dir, 'meta', COMPACT_TMP)), `${where}: open removes the compaction temp dir`);
    assert.ok(!existsSync(join(dir, 'meta', PENDING)), `${where}: open finishes a compaction marked through the scratch dir`);
    assert.deepEqual(readdirSync(join(dir, 'tmp')), [], `${where}: tmp/ emptied on open`);
    const bucket = await e.getBucket(BUCKET);
    if (!bucket) {
      assert.ok(!round.lines.some((l) => l.t === 'ack'), `${where}: the bucket vanished`);
      return 'killed before the bucket existed';
    }
    const first = await e.fsck();
    assert.deepEqual({ missing: first.missing, corrupt: first.corrupt, dangling: first.danglingRefs, missingRefs: first.missingRefs, indexErrors: first.indexErrors }, { missing: [], corrupt: [], dangling: [], missingRefs: [], indexErrors: [] }, `${where}: fsck right after the crash`);
    if (mode === 'bclone') {
      const note = await checkBucketClones(e, backend, chain, round.lines, where);
      await e.gc({ graceMs: 0 });
      await settle(e, where);
      // Nothing a clone or a view needs was freed (snapshots deleted, source versions purged).
      for (const [dst, w] of chain.clones) await exactClone(e, dst, w, `${where} (after GC)`);
      for (const [name, view] of chain.snaps) assert.deepEqual(await contentOf(e, BUCKET, name), view, `${where} (after GC): the view of snapshot ${name}`);
      return note;
    }
    const all = ops(round.lines);
    const vers = await actual(e);
    // The child sets the versioning state before its first operation; nothing changes it after.
    const suspended = bucket.versioning === 'Suspended';
    const keys = checkKeys(mode, chain, all, vers, suspended, where);
    await agree(e, vers, where, mode !== 'clone');
    const noted = (what: string): number => round.lines.reduce((n, l) => n + (l.t === 'note' && l.what === what ? l.n : 0), 0);
    let note = `${suspended ? 'Suspended: ' : ''}${all.filter((o) => o.ack).length} acked, ${all.filter((o) => !o.ack && !o.fail).length} in flight (${keys.landed} key ops landed); ${noted('gc')} busy GC steps`;
    if (mode === 'lifecycle') note += `, ${noted('lifecycle')} lifecycle steps`;
    if (mode === 'compact') {
      // The scratch dir is the chain's own (an operator's --scratch): the open deleted every copy of a compaction killed before its marker.
      assert.deepEqual(existsSync(scratchOf(dir)) ? readdirSync(scratchOf(dir)) : [], [], `${where}: open leaves no scratch copy`);
      note += `, ${noted('compacted')} compactions`;
    }
    let verify: Awaited<ReturnType<typeof checkUploads>>['verify'] = [];
    if (mode === 'mpu') {
      const u = await checkUploads(e, all, vers, where);
      verify = u.verify;
      const flying = all.filter((o) => !o.ack && (o.op.kind === 'complete' || o.op.kind === 'part')).map((o) => o.op.kind);
      note += `; uploads: ${u.completed} completed, ${verify.length} open (in flight: ${flying.join(', ') || 'none'}; Completes in flight: ${u.flight.landed} committed, ${u.flight.open} not)`;
    }
    if (mode === 'clone') {
      const fromSnap = all.filter((o) => o.ack && o.op.kind === 'clone' && o.op.from?.includes('@snap:')).length;
      note += `; ${await checkSnapshots(e, chain, all, where)} snapshots, ${fromSnap} clones of a view`;
    }
    if (mode === 'lifecycle') {
      const passes = all.filter((o) => o.op.kind === 'deleteVersion' || o.op.kind === 'delete').length;
      await lifecyclePass(e);
      const once = await actual(e);
      await lifecyclePass(e);
      assert.deepEqual(await actual(e), once, `${where}: a second lifecycle pass changed something`);
      for (const [key, vs] of once) if (key.startsWith('x/')) assert.ok(vs.length === 0 || vs[0]!.marker, `${where}: ${key}: a due current version survived a pass`);
      assert.deepEqual((await e.listUploads(BUCKET, { prefix: 'u/', limit: 1000 })).uploads, [], `${where}: an upload under the abort rule survived a pass`);
      note += `, ${passes} deletes by the child`;
      for (const [k, vs] of once) vers.set(k, vs);
      for (const k of vers.keys()) if (!once.has(k)) vers.delete(k);
    }
    // Recovery: GC with no hold first (a part or a view whose chunks were wrongly unreferenced loses them here).
    await e.gc({ graceMs: 0 });
    for (const u of verify) {
      if (u.parts.size === 0) continue;
      const nums = [...u.parts.keys()].sort((a, b) => a - b);
      const listed = (await e.listParts(BUCKET, u.uploadId, { limit: 10_000 })).parts;
      const v = await e.completeUpload(BUCKET, u.uploadId, listed.map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
      let at = 0;
      for (const pn of nums) {
        const p = u.parts.get(pn)!;
        assert.deepEqual(await readSha(e, u.key, { versionId: v.versionId, offset: at, length: p.size }), { sha: p.sha, size: p.size }, `${where}: ${u.key} part ${pn} after a GC with no hold`);
        at += p.size;
      }
    }
    await settle(e, where);
    if (mode === 'clone') await checkSnapshots(e, chain, [], `${where} (after GC)`);
    for (const key of KEYS) chain.model.set(key, vers.get(key) ?? []);
    return note;
  } finally {
    await e.close();
    await backend.close();
  }
}

const MODES: Mode[] = ['mpu', 'del', 'sus', 'clone', 'lifecycle', 'compact', 'bclone'];
/** CRASH_OPS_MODES=bclone,clone runs only those modes (their seeds stay those of the full run). */
const ONLY = process.env.CRASH_OPS_MODES?.split(',');

// Two chains at a time: a round mostly waits on process start and fsyncs.
describe('crash rounds per operation kind', { concurrency: 2 }, () => {
  MODES.forEach((mode, m) => {
    if (ONLY && !ONLY.includes(mode)) return;
    it(`${mode}: SIGKILL ${ROUNDS} times on one data dir; acknowledged outcomes hold, nothing half-done, fsck clean, GC converges (seed ${SEED})`, async (t) => {
      const tmp = await makeTempDir(`crash-ops-${mode}`);
      const dir = { path: join(tmp.path, 'data'), cleanup: () => tmp.cleanup() };
      const rng = seededRandom(SEED + m * 7919);
      const chain: Chain = { model: new Map(), sent: new Map(), views: new Map(), offset: 0, round: 0, src: new Map(), clones: new Map(), snaps: new Map() };
      try {
        for (let r = 0; r < ROUNDS; r++) {
          const seed = Math.floor(rng() * 2 ** 31);
          const where = `seed ${SEED}, ${mode} round ${r + 1} (child seed ${seed})`;
          chain.offset = r * 200 * DAY;
          chain.round = r;
          const round = await crashRound(mode, dir.path, seed, chain.offset, rng);
          assert.equal(round.signal, 'SIGKILL', `${where}: the child died by itself (code ${round.code}): ${round.stderr}`);
          t.diagnostic(`${mode} round ${r + 1}: ${await check(mode, dir.path, chain, round, where)}`);
        }
      } finally {
        await dir.cleanup();
      }
    });
  });
});

/**
 * Child process of crash-ops.test.ts (issue #3 "Crash safety"; shared/spec/ccow.md §9, §10, §13):
 * runs one kind of operation mix on the engine over a local backend (strict durability) until the
 * parent kills it with SIGKILL, or it kills itself at a chosen compaction step.
 *
 *   node crash-ops-child.js <mode> <dataDir> <seed> <clockOffsetMs>
 *
 * Modes (each next to a GC + orphan-sweep loop with no hold):
 * - `mpu`: multipart uploads: parts (UploadPart, or UploadPartCopy of a range of an object completed
 *   earlier; some re-uploaded under the same number), then Complete with
 *   all or some of the parts, or Abort; some uploads are left open;
 * - `del`: DeleteObjects-like batches on a versioned bucket: delete markers and version purges
 *   (current, noncurrent, markers) of several keys at once, between puts and copies;
 * - `sus`: the same on a bucket whose versioning is switched to Suspended or back to Enabled before
 *   each run (a put or delete then replaces the null version: a purge inside its commit, §7.3);
 * - `clone`: CopyObject (COPY, REPLACE, with a checksum algorithm) and clone (of a version, or of a
 *   bucket snapshot's view) racing purges of their sources and deletes of the snapshot cloned,
 *   bucket snapshot create/delete;
 * - `lifecycle`: the lifecycle worker on a clock running 200 000× fast (rules on `x/` and `u/`
 *   become due within a second or two) next to writes on every key;
 * - `compact`: online LMDB compactions (src/storage/local/compaction.ts) during writes, in place or
 *   through a scratch dir; in half the rounds the process kills itself before a random step of one;
 * - `bclone`: whole-bucket clones of a snapshot (Engine.bucketClone, src/engine/bucket-clone.ts):
 *   a source of 600 keys (`SRC_KEYS`, mostly inline, some LMDB blobs and chunk files; written once
 *   per chain) changed by one loop (puts, delete markers, purges of noncurrent versions), and one
 *   that takes a snapshot (under the source's lock, so its view is the content this process knows),
 *   clones it into a fresh bucket name (3 fill pages, while the source keeps changing) and deletes
 *   an older snapshot whose clone was acknowledged.
 *
 * Protocol: one JSON `OpsLine` per stdout line; `begin` before an operation starts, `ack` once its
 * promise resolved (durable, §13), `fail` when it rejected. At most one key operation per key is
 * in flight, so the parent can model each key's history (crash.test.ts does the same).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type EngineOptions, type LifecycleConfig } from '../../../src/engine/index.js';
import { createLocalBackend, type CompactStep, type LocalBackend } from '../../../src/storage/local/index.js';
import { seededRandom } from '../../helpers/crash-writer.js';

export type Mode = 'mpu' | 'del' | 'sus' | 'clone' | 'lifecycle' | 'compact' | 'bclone';

const KiB = 1024;
/** The versioned bucket every mode writes to (64 KiB chunks: files; ≤ 16 KiB: LMDB blobs). */
export const BUCKET = 'v';
export const CHUNK = 64 * KiB;
/** Keys of the key operations; `x/…` are under the lifecycle rules, `k…` under none. */
export const KEYS = [...Array.from({ length: 8 }, (_, i) => `k${String(i).padStart(2, '0')}`), ...Array.from({ length: 6 }, (_, i) => `x/${String(i).padStart(2, '0')}`)];
/** Keys of the bclone mode's source (in BUCKET): 600 keys are 3 fill pages of 256 (bucket-clone.ts PAGE). */
export const SRC_KEYS = Array.from({ length: 600 }, (_, i) => `b/${String(i).padStart(4, '0')}`);
/** Owner of half the bclone mode's clones (the others get the source's, 'crash'). */
export const CLONE_OWNER = 'bob';
/** The lifecycle mode's clock runs this much faster than the wall clock. */
export const FAST = 200_000;
/** Lifecycle rules of the lifecycle mode (days counted on the fast clock). */
export const RULES: LifecycleConfig = {
  v: 1,
  rules: [
    { id: 'x', status: 'Enabled', filter: { prefix: 'x/' }, expiration: { days: 1 }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
    { id: 'xm', status: 'Enabled', filter: { prefix: 'x/' }, expiration: { expiredObjectDeleteMarker: true } },
    { id: 'u', status: 'Enabled', filter: { prefix: 'u/' }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
  ],
};
/**
 * No GC hold: §9 calls the hold a safety margin, not a correctness crutch ("locally every race is
 * closed by transactions"), so GC runs against the writers with none.
 */
export const ENGINE_OPTS: EngineOptions = { btreeOrder: 4, minPartSize: 64 * KiB, holdMs: 0 };

/** What an operation does; key operations carry the key, the rest their own fields. */
export type OpsOp =
  | { kind: 'put' | 'copy' | 'clone'; key: string; sha: string; size: number; from?: string }
  | { kind: 'delete'; key: string }
  | { kind: 'deleteVersion'; key: string; versionId: string }
  | { kind: 'snapCreate' | 'snapDelete'; name: string }
  | { kind: 'create'; key: string }
  | { kind: 'part'; key: string; uploadId: string; partNumber: number; sha: string; size: number; etag: string; from?: string }
  | { kind: 'complete'; key: string; uploadId: string; parts: number[]; sha: string; size: number; etag: string }
  | { kind: 'abort'; key: string; uploadId: string }
  /** bclone mode: clone BUCKET's snapshot `name` into bucket `dst`; `view` is what the snapshot shows (key → SHA-256). */
  | { kind: 'bclone'; name: string; dst: string; owner?: string; view: Record<string, string> };

export type OpsLine =
  | { t: 'ready'; epoch: number }
  | ({ t: 'begin'; op: number } & OpsOp)
  | { t: 'ack'; op: number; versionId?: string; etag?: string; uploadId?: string }
  | { t: 'fail'; op: number; code: string; error: string }
  /** Background work done (for the round's diagnostics): busy GC and lifecycle worker steps, compactions. */
  | { t: 'note'; what: 'gc' | 'lifecycle' | 'compacted' | 'seeded'; n: number };

/** Pool of 24 chunk-sized blocks: bodies made of them share chunks (dedup, shared references). */
const POOL = createCipheriv('aes-128-ctr', Buffer.alloc(16, 3), Buffer.alloc(16, 0)).update(Buffer.alloc(24 * CHUNK));

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Uint8Array): Buffer => createHash('md5').update(b).digest();

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

/** A body: pool blocks (shared chunks) and, mostly, a stamped tail of its own. */
export function makeBody(rng: () => number, size: number, stamp: string): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += CHUNK) {
    const blk = Math.floor(rng() * 24) * CHUNK;
    POOL.copy(b, i, blk, blk + Math.min(CHUNK, size - i));
  }
  if (size > 0 && rng() < 0.7) {
    const tail = Math.max(0, size - 1 - Math.floor(rng() * Math.min(size, 3 * CHUNK)));
    b.write(`${stamp}/`.repeat(Math.ceil((size - tail) / (stamp.length + 1))).slice(0, size - tail), tail, 'latin1');
  }
  return b;
}

function sizeOf(rng: () => number): number {
  const r = rng();
  if (r < 0.1) return Math.floor(rng() * 4097); // inline (§3)
  if (r < 0.25) return 4097 + Math.floor(rng() * 12 * KiB); // LMDB blob
  return CHUNK + Math.floor(rng() * 6 * CHUNK);
}

async function* stream(rng: () => number, b: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; ) {
    const n = Math.min(b.length - i, 1 + Math.floor(rng() * 100 * KiB));
    yield b.subarray(i, i + n);
    i += n;
    if (rng() < 0.3) await yieldToLoop();
  }
}

function emit(line: OpsLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

/** SHA-256 and size of what `read` streams for `key` (the child records it, the parent checks against it). */
export async function readSha(e: Engine, key: string, opts: { versionId?: string; snapshot?: string; offset?: number; length?: number } = {}): Promise<{ sha: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of (await e.read({ bucket: BUCKET, key }, opts)).body) {
    h.update(c);
    size += c.length;
  }
  return { sha: h.digest('hex'), size };
}

class Child {
  #op = 0;
  readonly busy = new Set<string>();
  /** Acknowledged snapshots whose delete was not acknowledged. */
  readonly snaps: string[] = [];
  uploads = 0;
  /** Objects this process completed (mpu mode): sources of UploadPartCopy. */
  readonly completed: { key: string; versionId: string; body: Buffer }[] = [];

  constructor(readonly e: Engine, readonly rng: () => number, readonly mode: Mode, readonly stamp: string) {}

  async run<T extends { versionId?: string; etag?: string; uploadId?: string } | void>(op: OpsOp, fn: () => Promise<T>): Promise<T | undefined> {
    const n = ++this.#op;
    emit({ t: 'begin', op: n, ...op });
    try {
      const r = await fn();
      if (this.rng() < 0.3) await sleep(this.rng() * 4);
      const a: OpsLine = { t: 'ack', op: n };
      if (r && r.versionId !== undefined) a.versionId = r.versionId;
      if (r && r.etag !== undefined) a.etag = r.etag;
      if (r && r.uploadId !== undefined) a.uploadId = r.uploadId;
      emit(a);
      return r;
    } catch (err) {
      const x = err as { code?: string; message?: string };
      emit({ t: 'fail', op: n, code: x.code ?? 'unknown', error: String(x.message ?? err) });
      return undefined;
    }
  }

  /** Forever: take an idle key and run one operation of the mode's mix on it. */
  async work(): Promise<void> {
    for (;;) {
      if (this.mode === 'mpu') {
        await this.upload(`m/${this.stamp}-${this.uploads++}`);
        continue;
      }
      if (this.mode === 'lifecycle' && this.rng() < 0.08) {
        await this.upload(`u/${this.stamp}-${this.uploads++}`, true);
        continue;
      }
      if ((this.mode === 'del' || this.mode === 'sus') && this.rng() < 0.3) {
        await this.deleteBatch();
        continue;
      }
      const key = pick(this.rng, KEYS);
      if (this.busy.has(key)) {
        await yieldToLoop();
        continue;
      }
      this.busy.add(key);
      try {
        await this.keyOp(key);
      } finally {
        this.busy.delete(key);
      }
    }
  }

  async keyOp(key: string): Promise<void> {
    const { e, rng } = this;
    const r = rng();
    const copyShare = this.mode === 'clone' ? 0.35 : 0.12;
    if (r < 0.3) {
      const versions = (await e.listVersions(BUCKET, { prefix: key, limit: 100 })).entries.filter((v) => v.key === key);
      if (versions.length > 0 && (versions.length > 4 || r < 0.18)) {
        const v = versions.length > 4 ? versions[versions.length - 1]! : pick(rng, versions);
        await this.run({ kind: 'deleteVersion', key, versionId: v.versionId }, () => e.deleteObject({ bucket: BUCKET, key }, { versionId: v.versionId }));
        return;
      }
      await this.run({ kind: 'delete', key }, () => e.deleteObject({ bucket: BUCKET, key }));
      return;
    }
    if (r < 0.3 + copyShare) return this.copy(key);
    const body = makeBody(rng, sizeOf(rng), `${this.stamp}.${this.#op}`);
    await this.run({ kind: 'put', key, sha: sha256(body), size: body.length }, () => e.putObject({ bucket: BUCKET, key }, stream(rng, body)));
  }

  /**
   * CopyObject or clone of a version of another key, or (clone mode) of a snapshot's view. The source
   * key is not held: a purge of the source version may race the copy (then it fails or lands whole).
   */
  async copy(key: string): Promise<void> {
    const { e, rng } = this;
    const srcKey = pick(rng, KEYS);
    const snapshot = this.mode === 'clone' && this.snaps.length > 0 && rng() < 0.35 ? pick(rng, this.snaps) : undefined;
    let src: { versionId?: string; snapshot?: string };
    let got: { sha: string; size: number };
    try {
      if (snapshot) src = { snapshot };
      else {
        const versions = (await e.listVersions(BUCKET, { prefix: srcKey, limit: 100 })).entries.filter((v) => v.key === srcKey && !v.deleteMarker);
        if (versions.length === 0) return;
        src = { versionId: pick(rng, versions).versionId };
      }
      got = await readSha(e, srcKey, src);
    } catch {
      return; // purged, deleted or marker: nothing to copy
    }
    const from = `${srcKey}@${src.versionId ?? `snap:${src.snapshot!}`}`;
    const clone = this.mode === 'clone' && (snapshot !== undefined || rng() < 0.5);
    // CopyObject as S3 sends it: COPY, REPLACE (a new VM over the source's refs, §10), or with
    // x-amz-checksum-algorithm (the source is read first: a longer window for a racing purge).
    const how = rng();
    const opts = how < 0.3 ? { replace: { contentType: 'application/x-crash', userMeta: { op: from } } } : how < 0.5 ? { checksumAlgorithm: 'CRC32' as const } : {};
    await this.run({ kind: clone ? 'clone' : 'copy', key, ...got, from }, () =>
      clone ? e.clone({ bucket: BUCKET, key: srcKey, ...src }, { bucket: BUCKET, key }) : e.copyObject({ bucket: BUCKET, key: srcKey, versionId: src.versionId! }, { bucket: BUCKET, key }, opts),
    );
  }

  /** As DeleteObjects runs a request's keys: 2–8 keys, a marker or a version purge each, at once. */
  async deleteBatch(): Promise<void> {
    const { e, rng } = this;
    const keys = [...new Set(Array.from({ length: 2 + Math.floor(rng() * 7) }, () => pick(rng, KEYS)))].filter((k) => !this.busy.has(k));
    for (const k of keys) this.busy.add(k);
    try {
      const page = (await e.listVersions(BUCKET, { limit: 1000 })).entries;
      await Promise.all(keys.map(async (key) => {
        const versions = page.filter((v) => v.key === key);
        if (versions.length === 0 || rng() < 0.35) {
          await this.run({ kind: 'delete', key }, () => e.deleteObject({ bucket: BUCKET, key }));
          return;
        }
        // The current version, a marker, or any other: each purge path.
        const v = rng() < 0.4 ? versions[0]! : pick(rng, versions);
        await this.run({ kind: 'deleteVersion', key, versionId: v.versionId }, () => e.deleteObject({ bucket: BUCKET, key }, { versionId: v.versionId }));
      }));
    } finally {
      for (const k of keys) this.busy.delete(k);
    }
  }

  /**
   * A multipart upload of a fresh key: 2–4 parts of ≥ 64 KiB (the last any size), one of them
   * sometimes uploaded twice; then Complete (all parts, or without one), Abort, or nothing.
   * `open`: never completed (the lifecycle mode's abort rule collects it).
   */
  async upload(key: string, open = false): Promise<void> {
    const { e, rng } = this;
    const created = await this.run({ kind: 'create', key }, async () => ({ uploadId: (await e.createUpload({ bucket: BUCKET, key }, {})).uploadId }));
    if (!created) return;
    const { uploadId } = created;
    const count = 2 + Math.floor(rng() * 3);
    const bodies = new Map<number, Buffer>();
    const etags = new Map<number, string>();
    for (let n = 1; n <= count; n++) {
      const again = n > 1 && rng() < 0.2 ? 1 + Math.floor(rng() * (n - 1)) : undefined;
      for (const pn of again ? [n, again] : [n]) {
        let size = pn === count ? Math.floor(rng() * 2 * CHUNK) : CHUNK + Math.floor(rng() * 3 * CHUNK);
        // UploadPartCopy of a range of an object completed earlier, or UploadPart.
        const src = this.completed.length > 0 && rng() < 0.25 ? pick(rng, this.completed) : undefined;
        const offset = src ? Math.floor(rng() * Math.max(1, src.body.length - size)) : 0;
        if (src) size = Math.min(size, src.body.length - offset);
        const body = src ? src.body.subarray(offset, offset + size) : makeBody(rng, size, `${this.stamp}.${key}.${pn}.${this.#op}`);
        if (pn !== count && size < CHUNK) continue; // source too short for a part that is not the last
        const etag = `"${md5(body).toString('hex')}"`;
        const p = await this.run({ kind: 'part', key, uploadId, partNumber: pn, sha: sha256(body), size, etag, ...(src ? { from: src.key } : {}) }, async () => ({
          etag: (src
            ? await e.copyPart(BUCKET, uploadId, pn, { bucket: BUCKET, key: src.key, versionId: src.versionId }, { offset, length: size })
            : await e.putPart(BUCKET, uploadId, pn, stream(rng, body))).etag,
        }));
        if (!p) return;
        bodies.set(pn, body);
        etags.set(pn, p.etag);
      }
    }
    if (open) return;
    const r = rng();
    if (r < 0.15) return; // left open
    if (r < 0.3) {
      await this.run({ kind: 'abort', key, uploadId }, () => e.abortUpload(BUCKET, uploadId));
      return;
    }
    // Complete with every part, or without one that is not the last (its chunks then go to GC).
    const skip = r < 0.55 && count > 2 ? 1 + Math.floor(rng() * (count - 1)) : undefined;
    const parts = [...bodies.keys()].filter((pn) => pn !== skip).sort((a, b) => a - b);
    const sel = parts.map((pn) => bodies.get(pn)!);
    const etag = `"${md5(Buffer.concat(sel.map(md5))).toString('hex')}-${parts.length}"`;
    const all = Buffer.concat(sel);
    const v = await this.run({ kind: 'complete', key, uploadId, parts, sha: sha256(all), size: all.length, etag }, async () => {
      const v = await e.completeUpload(BUCKET, uploadId, parts.map((pn) => ({ partNumber: pn, etag: etags.get(pn)! })));
      return { versionId: v.versionId, etag: v.etag };
    });
    if (v && all.length > 0) this.completed.push({ key, versionId: v.versionId, body: all });
  }

  /** bclone mode: the source's current content (key → SHA-256), as this process found or wrote it. */
  readonly src = new Map<string, string>();
  #srcLock: Promise<unknown> = Promise.resolve();

  /** Run `fn` as the only changer of the source (a snapshot taken under it sees `src`). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#srcLock.then(fn);
    this.#srcLock = run.catch(() => undefined);
    return run;
  }

  /** A source body: mostly inline (≤ 4 KiB, §3), some LMDB blobs, a few chunk files. */
  srcBody(): Buffer {
    const r = this.rng();
    const size = r < 0.85 ? 100 + Math.floor(this.rng() * 500) : r < 0.97 ? 4097 + Math.floor(this.rng() * 12 * KiB) : CHUNK + Math.floor(this.rng() * CHUNK);
    return makeBody(this.rng, size, `${this.stamp}.${this.#op}`);
  }

  /** bclone mode: read what the source holds, write its missing keys (the first round of a chain), then a `seeded` note. */
  async seedSource(): Promise<void> {
    const { e } = this;
    for (const o of (await e.listObjects(BUCKET, { prefix: 'b/', limit: 10_000 })).entries) this.src.set(o.key, (await readSha(e, o.key)).sha);
    const missing = SRC_KEYS.filter((k) => !this.src.has(k));
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let key = missing.shift(); key !== undefined; key = missing.shift()) {
        const body = this.srcBody();
        const sha = sha256(body);
        if (await this.run({ kind: 'put', key, sha, size: body.length }, () => e.putObject({ bucket: BUCKET, key }, stream(this.rng, body)))) this.src.set(key, sha);
      }
    }));
    emit({ t: 'note', what: 'seeded', n: this.src.size });
  }

  /** bclone mode: batches of 1–6 changes of source keys: a put, a delete marker, or a purge of the oldest noncurrent version. */
  async changeSource(): Promise<void> {
    const { e, rng } = this;
    for (;;) {
      await sleep(5 + rng() * 25);
      await this.locked(async () => {
        for (let n = 1 + Math.floor(rng() * 6); n > 0; n--) {
          const key = pick(rng, SRC_KEYS);
          const r = rng();
          if (r < 0.15 && this.src.has(key)) {
            if (await this.run({ kind: 'delete', key }, async () => (await e.deleteObject({ bucket: BUCKET, key }), {}))) this.src.delete(key);
            continue;
          }
          if (r < 0.4) {
            const versions = (await e.listVersions(BUCKET, { prefix: key, limit: 100 })).entries.filter((v) => v.key === key);
            if (versions.length > 1) {
              const versionId = versions[versions.length - 1]!.versionId;
              await this.run({ kind: 'deleteVersion', key, versionId }, async () => (await e.deleteObject({ bucket: BUCKET, key }, { versionId }), {}));
              continue;
            }
          }
          const body = this.srcBody();
          const sha = sha256(body);
          if (await this.run({ kind: 'put', key, sha, size: body.length }, () => e.putObject({ bucket: BUCKET, key }, stream(rng, body)))) this.src.set(key, sha);
        }
      });
    }
  }

  /**
   * bclone mode: snapshot the source, clone the snapshot into a fresh bucket, and (60 %) delete an
   * older snapshot whose clone was acknowledged. Snapshots of earlier rounds count as done: the
   * parent finished their clones after the crash.
   */
  async bucketClones(): Promise<void> {
    const { e, rng } = this;
    const done = (await e.snapshotList(BUCKET)).map((s) => s.name);
    for (let i = 0; ; i++) {
      await sleep(rng() * 20);
      const name = `bs-${this.stamp}-${i}`;
      const view = await this.locked(async () => {
        const made = await this.run({ kind: 'snapCreate', name }, async () => (await e.snapshotCreate(BUCKET, name), {}));
        return made && Object.fromEntries([...this.src].sort(([a], [b]) => (a < b ? -1 : 1)));
      });
      if (!view) continue;
      const dst = `bc-${this.stamp}-${i}`;
      const owner = rng() < 0.5 ? CLONE_OWNER : undefined;
      if (await this.run({ kind: 'bclone', name, dst, ...(owner ? { owner } : {}), view }, async () => (await e.bucketClone(BUCKET, name, dst, owner ? { owner } : {}), {}))) done.push(name);
      if (done.length > 1 && rng() < 0.6) {
        const old = pick(rng, done.slice(0, -1));
        if (await this.run({ kind: 'snapDelete', name: old }, async () => (await e.snapshotDelete(BUCKET, old), {}))) done.splice(done.indexOf(old), 1);
      }
    }
  }

  /** Clone mode: take a snapshot, or delete one. */
  async snapshots(): Promise<void> {
    for (let i = 0; ; i++) {
      await sleep(20 + this.rng() * 80);
      if (this.snaps.length > 0 && this.rng() < 0.35) {
        // Clones may still pick it until the delete is acknowledged (they race it).
        const name = pick(this.rng, this.snaps);
        if (await this.run({ kind: 'snapDelete', name }, async () => (await this.e.snapshotDelete(BUCKET, name), {}))) this.snaps.splice(this.snaps.indexOf(name), 1);
      } else {
        const name = `s-${this.stamp}-${i}`;
        const made = await this.run({ kind: 'snapCreate', name }, async () => {
          await this.e.snapshotCreate(BUCKET, name);
          return {};
        });
        if (made) this.snaps.push(name);
      }
    }
  }
}

/**
 * GC as the gateway's worker loop runs it (one batch of candidates per step, busy steps back to back)
 * and the orphan sweep, concurrently with the writers.
 */
async function collect(e: Engine, rng: () => number): Promise<void> {
  const gc = e.workers().find((w) => w.name === 'gc')!;
  let sweepAt = 0;
  for (;;) {
    if ((await gc.step()) === 'busy') emit({ t: 'note', what: 'gc', n: 1 });
    else await sleep(rng() * 20);
    if (Date.now() >= sweepAt) {
      await e.sweepOrphans();
      sweepAt = Date.now() + 50;
    }
  }
}

/** The lifecycle worker, stepped as the gateway's worker loop does (passes are hourly on its clock). */
async function lifecycle(e: Engine): Promise<void> {
  const w = e.workers().find((x) => x.name === 'lifecycle')!;
  for (;;) {
    if ((await w.step()) === 'idle') await sleep(5);
    else emit({ t: 'note', what: 'lifecycle', n: 1 });
  }
}

/** Online compactions with a short pause between them, half of them through a scratch dir (compact-scratch.ts). */
async function compactions(be: LocalBackend, rng: () => number, scratch: string): Promise<void> {
  for (;;) {
    await sleep(10 + rng() * 60);
    if ((await be.compact(rng() < 0.5 ? { scratch } : {})).compacted) emit({ t: 'note', what: 'compacted', n: 1 });
  }
}

/** Compaction steps to die before (`mark`, `unlink`, `transfer` come only through a scratch dir). */
const STEPS: CompactStep[] = ['copy', 'fsync', 'close', 'mark', 'unlink', 'transfer', 'rename', 'dirsync', 'reopen'];

/** The scratch dir of the compact mode: next to the data dir (the parent gives each chain a dir of its own). */
export const scratchOf = (dataDir: string): string => join(dataDir, '..', 'scratch');

async function main(mode: Mode, dir: string, seed: number, offset: number): Promise<void> {
  const rng = seededRandom(seed);
  const start = Date.now();
  const clock = mode === 'lifecycle' ? { now: () => start + offset + (Date.now() - start) * FAST } : undefined;
  // Compact mode: in half the rounds die just before a random step of one of the first compactions.
  const killAt = mode === 'compact' && rng() < 0.5 ? { step: pick(rng, STEPS), nth: 1 + Math.floor(rng() * 3) } : undefined;
  let seen = 0;
  const backend = await createLocalBackend({
    dataDirs: [dir],
    durability: 'strict',
    compactOnOpen: false,
    ...(killAt ? {
      faults: {
        beforeCompactStep: (step: CompactStep) => {
          if (step === 'copy') seen++;
          if (seen === killAt.nth && step === killAt.step) process.kill(process.pid, 'SIGKILL');
        },
      },
    } : {}),
  });
  const e = await createEngine(backend, { ...ENGINE_OPTS, ...(clock ? { clock } : {}) });
  if (!(await e.getBucket(BUCKET))) {
    await e.createBucket(BUCKET, { owner: 'crash', chunkSize: CHUNK, codec: 'none' });
    await e.putBucketConfig(BUCKET, 'versioning', 'Enabled');
    if (mode === 'lifecycle') await e.putBucketConfig(BUCKET, 'lifecycle', RULES);
  }
  if (mode === 'sus') await e.putBucketConfig(BUCKET, 'versioning', rng() < 0.6 ? 'Suspended' : 'Enabled');
  emit({ t: 'ready', epoch: e.identity.epoch });
  const c = new Child(e, rng, mode, `${e.identity.epoch}`);
  if (mode === 'bclone') {
    await c.seedSource();
    await Promise.all([c.changeSource(), c.bucketClones(), collect(e, rng)]);
    return;
  }
  const jobs: Promise<void>[] = [...Array.from({ length: mode === 'mpu' ? 4 : 6 }, () => c.work()), collect(e, rng)];
  if (mode === 'clone') jobs.push(c.snapshots());
  if (mode === 'lifecycle') jobs.push(lifecycle(e));
  if (mode === 'compact') jobs.push(compactions(backend, rng, scratchOf(dir)));
  await Promise.all(jobs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, dir, seed, offset] = process.argv.slice(2);
  main(mode as Mode, dir!, Number(seed), Number(offset ?? 0)).catch((err: unknown) => {
    process.stderr.write(`crash-ops-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  });
}

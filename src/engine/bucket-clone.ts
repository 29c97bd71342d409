/**
 * Clone a whole bucket from a snapshot (shared/spec/ccow.md §10: "a whole bucket = a new bucket
 * whose ni/cur are filled with version records pointing at the view's VMs — O(number of objects),
 * no payload").
 *
 * The new bucket is created with a clone mark in its record (format/records.ts CLONE_MARK) and
 * filled a page of the view at a time, each key by the same commit an object clone makes (the
 * view's VM, zero bytes copied). While the mark is there no lookup by name finds the bucket
 * (core.bucket, getBucket, listBuckets), though its name is taken (CreateBucket answers
 * BUCKET_EXISTS); one transaction removes the mark at the end, so the clone appears whole or not
 * at all. The mark records the last key cloned: after a crash the bucket-clone worker finishes the
 * fill from there (a key cloned twice is replaced by the same version: the clone is unversioned).
 * The snapshot cannot be deleted while a clone of it fills (snapshots.ts asks `cloneUsing`), and
 * the entries its view pins keep its bucket from being deleted, so a fill always has its source.
 */
import type { MetaTx } from '../storage/contract/index.js';
import type { BucketInfo, Worker } from './api.js';
import { bucketById, createBucket, toBucketInfo } from './buckets.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { appendFeed } from './feed.js';
import { CLONE_MARK, cloneMarkOf, decodeBucketRecord, encodeBucketRecord, type CloneMark } from './format/records.js';
import { bucketKey, prefixRange, T } from './keys.js';
import { listObjects } from './listing.js';
import { copyBetween } from './objects.js';
import { snapshotCutoff } from './resolve.js';
import { storage } from './storage-errors.js';

/** Keys of the view cloned between two updates of the mark's cursor. */
const PAGE = 256;

/** Options of bucketClone. */
export interface BucketCloneOptions {
  /** Owner (tenant id) of the new bucket. Default: the source bucket's owner. */
  owner?: string;
}

/**
 * Names of the clones being created or filled in this process: the worker leaves them alone. By
 * name, taken before the bucket is created: the worker could otherwise find the new record between
 * its commit and the fill's start and fill it too — and a second filler lagging behind the first
 * would clone keys again into a bucket already visible, over what was written there since.
 */
const filling = new WeakMap<Core, Set<string>>();

/** Run `fn` as the only filler of clone `name` in this process (false: another one is). */
async function asFiller(core: Core, name: string, fn: () => Promise<void>): Promise<boolean> {
  let running = filling.get(core);
  if (!running) filling.set(core, (running = new Set()));
  if (running.has(name)) return false;
  running.add(name);
  try {
    await fn();
  } finally {
    running.delete(name);
  }
  return true;
}

/**
 * Create bucket `dst` holding, for every key of snapshot `snapshot` of bucket `src`, the version
 * that snapshot's view shows (no payload copied; tags kept, ACLs not: the new owner owns every
 * object). The new bucket is unversioned, with the source's chunk size and compression and none of
 * its configuration (policy, CORS, lifecycle…): those name the source's principals and rules, not
 * the clone's. Resolves once the whole view is in it and it is visible.
 */
export async function bucketClone(core: Core, src: string, snapshot: string, dst: string, opts: BucketCloneOptions = {}): Promise<BucketInfo> {
  const sb = await core.bucket(src);
  // Fails with NO_SUCH_SNAPSHOT before anything is created.
  await snapshotCutoff(core, sb, snapshot);
  const mark: CloneMark = { srcId: sb.rec.id, src: sb.rec.name, snapshot };
  let out: BucketInfo | undefined;
  const ran = await asFiller(core, dst, async () => {
    const info = await createBucket(core, dst, { owner: opts.owner ?? sb.rec.owner, chunkSize: sb.rec.chunkSize, codec: sb.rec.codec, configs: { [CLONE_MARK]: mark } });
    out = await fill(core, dst, info.id);
  });
  // Another clone to the same name is being made in this process: the name is taken.
  if (!ran || !out) throw EngineErrors.BUCKET_EXISTS(`bucket ${dst} exists`);
  return out;
}

/** Fill the clone `name` (id `id`) from its mark's cursor to the end of the view, then unmark it. */
async function fill(core: Core, name: string, id: string): Promise<BucketInfo> {
  for (;;) {
    const db = await filled(core, name, id);
    const mark = cloneMarkOf(db.rec);
    if (!mark) return toBucketInfo(db.rec);
    let sb: Bucket;
    let page: Awaited<ReturnType<typeof listObjects>>;
    try {
      sb = await core.bucket(mark.src, mark.srcId);
      page = await listObjects(core, mark.src, { startAfter: mark.after, limit: PAGE, snapshot: mark.snapshot });
    } catch (e) {
      // The source bucket is gone (and its snapshots with it). The entries a snapshot's view pins
      // keep a bucket from being deleted, so its view had nothing left after the cursor.
      if (!EngineErrors.NO_SUCH_BUCKET.is(e) && !EngineErrors.NO_SUCH_SNAPSHOT.is(e)) throw e;
      await updateMark(core, name, id, () => true);
      continue;
    }
    for (const e of page.entries) await copyBetween(core, sb, { key: e.key, snapshot: mark.snapshot }, db, e.key, {});
    const last = page.entries.at(-1)?.key;
    // The whole view is in (the last page): the bucket appears, as a created one does.
    await updateMark(core, name, id, (m) => {
      if (!page.truncated || last === undefined) return true;
      m.after = last;
      return false;
    });
  }
}

/** The clone as recorded now (still marked or not), or NO_SUCH_BUCKET when it is gone. */
async function filled(core: Core, name: string, id: string): Promise<Bucket> {
  const b = await core.findBucket(name);
  if (!b || b.rec.id !== id) throw EngineErrors.NO_SUCH_BUCKET(`bucket clone ${name} disappeared`);
  return b;
}

/**
 * Move the clone's cursor (`change` sets `after`) or, when `change` returns true, remove its mark:
 * the bucket becomes visible, with a feed record as a created bucket has.
 */
async function updateMark(core: Core, name: string, id: string, change: (m: CloneMark) => boolean): Promise<void> {
  await storage(core.backend.meta.transaction((tx) => {
    const raw = tx.get(bucketKey(name));
    const r = raw && decodeBucketRecord(raw);
    const m = r && cloneMarkOf(r);
    if (!r || r.id !== id || !m) throw EngineErrors.NO_SUCH_BUCKET(`bucket clone ${name} disappeared`);
    const done = change(m);
    if (done) delete r.configs[CLONE_MARK];
    tx.put(bucketKey(name), encodeBucketRecord(r));
    if (done) appendFeed(tx, [{ op: 'bucket', bucket: name, tenant: r.owner, viaIsgw: false, at: Math.floor(core.now() * 1000) }]);
    core.cacheBucket(name, r);
  })).catch((e: unknown) => {
    core.forgetBucket(name);
    throw e;
  });
}

/**
 * The bucket clone filling from snapshot `snapshot` of the bucket with id `srcId`, if any, as seen
 * in `tx` (snapshots.ts refuses to delete that snapshot meanwhile). A store has few buckets.
 */
export function cloneUsing(tx: MetaTx, srcId: string, snapshot: string): string | undefined {
  for (const [, v] of tx.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const r = decodeBucketRecord(v);
    const m = cloneMarkOf(r);
    if (m && m.srcId === srcId && m.snapshot === snapshot) return r.name;
  }
  return undefined;
}

/** Finishes the clones a crash (or a failed fill) left marked, one at a time. */
export function bucketCloneWorker(core: Core): Worker {
  return {
    name: 'bucket-clone',
    async step() {
      // Collected first: the range's read snapshot is not held across a fill.
      const marked: { name: string; id: string }[] = [];
      for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
        const r = decodeBucketRecord(v);
        if (cloneMarkOf(r)) marked.push({ name: r.name, id: r.id });
      }
      for (const r of marked) {
        // By id, inside the filler's turn: the record read above may have been replaced since.
        const ran = await asFiller(core, r.name, async () => {
          const b = await bucketById(core, Buffer.from(r.id, 'hex'));
          if (b?.cloning) await fill(core, b.rec.name, b.rec.id);
        });
        if (ran) return 'busy';
      }
      return 'idle';
    },
  };
}

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
 * at all. The mark records the last key cloned (a key cloned twice is replaced by the same version:
 * the clone is unversioned).
 *
 * The source stays: the mark is written in a transaction that finds the snapshot, and from then on
 * the snapshot cannot be deleted (snapshotDelete asks `cloneUsing`), nor its bucket (deleteBucket
 * does too; the entries the view pins keep it anyway). A clone whose fill fails is removed again
 * (`abandon`); one a crash interrupted is finished by the bucket-clone worker, a page per step, or by
 * the same bucketClone call made again (`ccow snapshot clone` re-run). A fill that fails in the
 * worker on damaged data is removed; on a passing failure (a full disk) it is tried again later,
 * after the other clones had their turn.
 */
import { forEachLimited } from '../common/index.js';
import type { BucketInfo, Worker } from './api.js';
import { createBucket, toBucketInfo } from './buckets.js';
import { applyEffects, keyEntries, newEffects, purgeEntry, refreshCur } from './commit.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { appendFeed } from './feed.js';
import { CLONE_MARK, cloneMarkOf, decodeBucketRecord, encodeBucketRecord, type CloneMark } from './format/records.js';
import { bsnapKey, bucketKey, bucketPrefix, countersKey, decodeObjectKey, encodeObjectKey, ownerKey, prefixRange, T } from './keys.js';
import { listObjects } from './listing.js';
import { copyBetween } from './objects.js';
import { storage } from './storage-errors.js';

/** Keys of the view cloned between two updates of the mark's cursor (one worker step). */
const PAGE = 256;

/**
 * Keys of a page cloned at once. Each clone is a durable commit of its own; one after the other a
 * page paid 256 commit cycles (184 objects/s on the local backend, strict), side by side they share
 * group commits. The keys of a page are distinct and the cursor moves only after the whole page.
 */
const FILL_CONCURRENCY = 16;

/** Options of bucketClone. */
export interface BucketCloneOptions {
  /** Owner (tenant id) of the new bucket. Default: the source bucket's owner. */
  owner?: string;
}

/**
 * Names of the clones being created, filled or removed in this process: one filler at a time. By
 * name, taken before the bucket is created: the worker could otherwise find the new record between
 * its commit and the fill's start and fill it too — and a second filler lagging behind the first
 * would clone keys again into a bucket already visible, over what was written there since.
 */
const busy = new WeakMap<Core, Set<string>>();

/**
 * Per engine: false once a scan of the bucket table found no clone marked unfinished and nothing
 * may have left one since (a bucketClone call that failed). The
 * bucket-clone worker then skips the scan: it read every bucket record at every step (the runner
 * steps every worker each round, back to back while another is busy), for clones that exist only
 * after a crash or a failure. Unknown (true) at start: the previous process may have left some.
 */
const mayHaveUnfinished = new WeakMap<Core, boolean>();

/** Run `fn` as the only one working on clone `name` in this process; undefined if another one is. */
async function exclusively<T>(core: Core, name: string, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
  let names = busy.get(core);
  if (!names) busy.set(core, (names = new Set()));
  if (names.has(name)) return undefined;
  names.add(name);
  try {
    return { value: await fn() };
  } finally {
    names.delete(name);
  }
}

/**
 * Create bucket `dst` holding, for every key of snapshot `snapshot` of bucket `src`, the version
 * that snapshot's view shows (no payload copied; tags kept, ACLs not: the new owner owns every
 * object). The new bucket is unversioned, with the source's chunk size and compression and none of
 * its configuration (policy, CORS, lifecycle…): those name the source's principals and rules, not
 * the clone's. Resolves once the whole view is in it and it is visible. A clone of the same source
 * and snapshot that a crash left unfinished under `dst` is finished instead.
 */
export async function bucketClone(core: Core, src: string, snapshot: string, dst: string, opts: BucketCloneOptions = {}): Promise<BucketInfo> {
  const sb = await core.bucket(src);
  const mark: CloneMark = { srcId: sb.rec.id, src: sb.rec.name, snapshot };
  const r = await exclusively(core, dst, async () => {
    const unfinished = await core.findBucket(dst);
    const m = unfinished && cloneMarkOf(unfinished.rec);
    let id: string;
    if (m && m.srcId === mark.srcId && m.snapshot === snapshot) id = unfinished.rec.id;
    else {
      const info = await createBucket(core, dst, { owner: opts.owner ?? sb.rec.owner, chunkSize: sb.rec.chunkSize, codec: sb.rec.codec, configs: { [CLONE_MARK]: mark } }, (tx) => {
        // In the transaction that writes the mark: a snapshotDelete committed before it is seen
        // here, one after it sees the mark (cloneUsing).
        if (tx.get(bsnapKey(sb.id, snapshot)) === undefined) throw EngineErrors.NO_SUCH_SNAPSHOT(`no snapshot ${snapshot} in ${src}`);
        core.bucketInTx(tx, sb);
      });
      id = info.id;
    }
    try {
      await fill(core, dst, id, Infinity);
    } catch (e) {
      // Not left half-made for the worker: the caller gets the error and may try again. If the
      // removal fails too (the store is failing), the worker deals with the clone later.
      await abandon(core, dst, id).catch(() => undefined);
      throw e;
    }
    return toBucketInfo((await filled(core, dst, id)).rec);
  }).catch((e: unknown) => {
    // A failed create (committed all the same?), fill or removal may have left a marked clone.
    mayHaveUnfinished.set(core, true);
    throw e;
  });
  // Another call is cloning into the same name in this process: the name is taken.
  if (!r) throw EngineErrors.BUCKET_EXISTS(`bucket ${dst} exists`);
  return r.value;
}

/**
 * Fill clone `name` (id `id`) from its mark's cursor, at most `pages` pages; true once it is done
 * (its mark removed, the bucket visible).
 */
async function fill(core: Core, name: string, id: string, pages: number): Promise<boolean> {
  for (let p = 0; p < pages; p++) {
    const db = await filled(core, name, id);
    const mark = cloneMarkOf(db.rec);
    if (!mark) return true;
    // The source and its snapshot cannot go while the mark is there (see the header): their
    // absence is damage, reported as such (the worker then removes the clone).
    const sb = await core.bucket(mark.src, mark.srcId).catch((e: unknown) => {
      throw EngineErrors.NO_SUCH_BUCKET.is(e) ? EngineErrors.NO_SUCH_SNAPSHOT(`bucket ${mark.src} of the snapshot ${name} is cloned from is gone`, { cause: e }) : e;
    });
    const page = await listObjects(core, mark.src, { startAfter: mark.after, limit: PAGE, snapshot: mark.snapshot });
    await forEachLimited(page.entries, FILL_CONCURRENCY, (e) => copyBetween(core, sb, { key: e.key, snapshot: mark.snapshot }, db, e.key, {}).then(() => undefined));
    const last = page.entries.at(-1)?.key;
    const done = !page.truncated || last === undefined;
    await updateMark(core, name, id, (m) => {
      if (!done) m.after = last;
      return done;
    });
    if (done) return true;
  }
  return false;
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
 * Remove an unfinished clone: its entries a page at a time (each dropping its VM reference, as a
 * purge does), then its record and counters. Nobody else wrote to it (no lookup finds it) and
 * nobody took a snapshot of it, so every entry goes. Idempotent: a removal a crash interrupted is
 * finished by the next.
 */
async function abandon(core: Core, name: string, id: string): Promise<void> {
  const b = await core.findBucket(name);
  if (!b || b.rec.id !== id || !b.cloning) return;
  const base = bucketPrefix(T.NI, b.id);
  for (;;) {
    const keys = new Set<string>();
    for await (const [k] of core.backend.meta.range({ ...prefixRange(base), limit: PAGE })) keys.add(decodeObjectKey(k, base.length).key);
    if (keys.size === 0) break;
    await storage(core.backend.meta.transaction((tx) => {
      const fx = newEffects();
      for (const key of keys) {
        const enc = encodeObjectKey(key);
        const entries = keyEntries(tx, b.id, enc);
        entries.forEach((_, i) => purgeEntry(core, tx, b, key, entries, i, [], fx));
        refreshCur(tx, b, enc, fx);
      }
      applyEffects(tx, b.id, fx);
    }));
  }
  await storage(core.backend.meta.transaction((tx) => {
    const raw = tx.get(bucketKey(name));
    const r = raw && decodeBucketRecord(raw);
    if (!r || r.id !== id || !cloneMarkOf(r)) return;
    tx.del(countersKey(b.id));
    tx.del(bucketKey(name));
    tx.del(ownerKey(r.owner, name));
    core.cacheBucket(name, null);
  })).catch((e: unknown) => {
    core.forgetBucket(name);
    throw e;
  });
}

/** Errors that say the view cannot be cloned (damaged or missing data): retrying cannot help. */
function damaged(e: unknown): boolean {
  return [EngineErrors.CHUNK_MISSING, EngineErrors.CHUNK_CORRUPT, EngineErrors.NO_SUCH_SNAPSHOT, EngineErrors.NO_SUCH_VERSION, EngineErrors.NO_SUCH_KEY].some((d) => d.is(e));
}

/**
 * Finishes the clones a crash left marked, one page per step, taking the marked clones in turn (a
 * clone that keeps failing does not hold up the others). A clone that cannot be made (damaged or
 * missing data) is removed; the damage is fsck's and the scrubber's to report.
 */
export function bucketCloneWorker(core: Core): Worker {
  /** The clone worked on last: the next step starts after it. */
  let last = '';
  return {
    name: 'bucket-clone',
    async step() {
      if (mayHaveUnfinished.get(core) === false) return 'idle';
      // Cleared before the scan: a bucketClone that leaves a clone behind meanwhile sets it again.
      mayHaveUnfinished.set(core, false);
      // Collected first: the range's read snapshot is not held across a fill.
      const marked: { name: string; id: string }[] = [];
      try {
        for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
          const r = decodeBucketRecord(v);
          if (cloneMarkOf(r)) marked.push({ name: r.name, id: r.id });
        }
      } catch (e) {
        mayHaveUnfinished.set(core, true);
        throw e;
      }
      // Found some: looked for again at the next step, until a scan finds none.
      if (marked.length > 0) mayHaveUnfinished.set(core, true);
      const turn = [...marked.filter((m) => m.name > last), ...marked.filter((m) => m.name <= last)];
      for (const m of turn) {
        const ran = await exclusively(core, m.name, async () => {
          last = m.name;
          try {
            await fill(core, m.name, m.id, 1);
          } catch (e) {
            // Gone meanwhile (removed by a bucketClone call that failed, or replaced): nothing to do.
            if (EngineErrors.NO_SUCH_BUCKET.is(e)) return;
            if (!damaged(e)) throw e;
            await abandon(core, m.name, m.id);
          }
        });
        if (ran) return 'busy';
      }
      return 'idle';
    },
  };
}


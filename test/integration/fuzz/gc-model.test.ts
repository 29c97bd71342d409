/**
 * Model-based property of space reclamation (issue #3; shared/spec/ccow.md §9 back-references and
 * the hold, §10 snapshots and clones, §12 dedup), over the memory and the local backend: per seed, a
 * random sequence of
 *
 * - puts (empty, inline, multi-chunk with CM trees; bodies built from a small palette of 512-byte
 *   blocks, zero blocks, exact repeats and prefixes of earlier bodies, so chunks, CMs and whole VMs
 *   are shared; now and then a body whose last chunk is a stored manifest's exact bytes), puts
 *   refused at or before their commit, and puts whose process "dies" mid-body (a restart);
 * - deletes and version purges in never versioned, Enabled and Suspended buckets; tag changes;
 *   chunk size and codec changes of a bucket;
 * - copies (same VM; REPLACE or an added checksum: a new VM over the same refs) and clones (of
 *   versions and of snapshot views), within and across buckets of other chunk sizes and codecs;
 * - multipart uploads: parts sharing contents, UploadPartCopy of whole versions and ranges,
 *   re-uploaded part numbers, aborts, completions with a subset of the parts;
 * - bucket snapshots, Engine.bucketClone of a snapshot, removal of such clones with everything in
 *   them; lifecycle expiration (a pass two days on: current and noncurrent versions, markers,
 *   incomplete uploads under `lc/`);
 * - a read held open across a purge and a GC run within the hold (the hold protects it);
 * - races: writers (puts of earlier bodies, copies of a version purged meanwhile, parts of an
 *   upload completed or aborted meanwhile) against GC past the hold or with no hold at all;
 * - restarts, and GC passes: the clock past the hold, the background workers (lifecycle aside, and
 *   sometimes Engine.gc and sweepOrphans) run until all are idle.
 *
 * The model keeps every version that must stay readable: per bucket, key and version id (newest
 * first, delete markers included), per snapshot the view it was taken with, per open upload its
 * parts. After each GC pass every modelled version reads back byte-exact (whole and a random
 * range), ListObjectVersions, snapshot views, uploads and parts list exactly the model, and fsck
 * finds nothing missing, corrupt, leaked, dangling, lacking a back-reference or damaged. At the end
 * everything is deleted (snapshots before or after the versions they pin, by seed), GC runs past
 * the hold, and the store must hold no chunk, manifest, back-reference, queue entry, intent, upload
 * or index row, with a clean fsck. It found issue-3-payload-manifest-id and issue-3-gc-worker-idle-early.
 *
 * GC_MODEL_SEEDS seeds per backend (default 16) from GC_MODEL_SEED (default fixed; `random`
 * explores), GC_MODEL_OPS operations per seed (default 140); GC_MODEL_VERBOSE=1 prints how often
 * each operation ran. A failure names the seed, the step and the steps before it; replay with
 * GC_MODEL_SEED=<seed> GC_MODEL_SEEDS=1 (a sequence with races replays its choices, not always
 * their interleaving).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Engine, LifecycleConfig, Versioning, Worker } from '../../../src/engine/index.js';
import { prefixRange, Sub, T } from '../../../src/engine/keys.js';
import { seededRandom } from '../../helpers/crash-writer.js';
import { BACKENDS, body, bytes, collect, openHarness, TEST_OPTS, type Harness } from '../engine/harness.js';

const BASE_SEED = process.env.GC_MODEL_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.GC_MODEL_SEED ?? 20261127);
const SEEDS = Number(process.env.GC_MODEL_SEEDS ?? 16);
const OPS = Number(process.env.GC_MODEL_OPS ?? 140);

const HOLD = TEST_OPTS.holdMs!;
const MIN_PART = TEST_OPTS.minPartSize!;
const INLINE_MAX = 4096;
const DAY = 86_400_000;
const BLOCK = 512;
const KEYS = ['k0', 'k1', 'd/k2', 'lc/k3', 'lc/k4'];
/** Keys under this prefix are the lifecycle rule's (buckets `b` and `c`). */
const LC = 'lc/';
const LIFECYCLE: LifecycleConfig = { v: 1, rules: [{ id: 'lc', status: 'Enabled', filter: { prefix: LC }, expiration: { days: 1 }, noncurrentVersionExpiration: { noncurrentDays: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }] };

/** A version as the model knows it; `data` null for a delete marker. */
interface MVer {
  versionId: string;
  data: Buffer | null;
}

interface MBucket {
  name: string;
  versioning: Versioning;
  /** Key → versions, newest first. */
  keys: Map<string, MVer[]>;
  /** Snapshot name → key → bytes the view shows. */
  snaps: Map<string, Map<string, Buffer>>;
  lifecycle: boolean;
  /** Made by bucketClone (may be removed again). */
  clone: boolean;
  /** Chunk size of new writes. */
  chunkSize: number;
}

interface MUpload {
  bucket: string;
  key: string;
  id: string;
  parts: Map<number, { data: Buffer; etag: string }>;
}

const md5 = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;
const sha = (b: Buffer | null): string => (b ? createHash('sha256').update(b).digest('hex').slice(0, 12) : 'DM');

/** One seeded run: an engine, its model and the operations. */
class Run {
  readonly buckets = new Map<string, MBucket>();
  readonly uploads: MUpload[] = [];
  /** Bodies written so far (repeated whole or as a prefix, so chunks and VMs are shared). */
  readonly written: Buffer[] = [];
  readonly trace: string[] = [];
  workers: Worker[];
  #names = 0;

  constructor(readonly h: Harness, readonly rng: () => number) {
    this.workers = h.engine.workers();
  }

  get e(): Engine {
    return this.h.engine;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rng() * (hi - lo + 1));
  }

  pick<X>(xs: readonly X[]): X {
    return xs[Math.floor(this.rng() * xs.length)]!;
  }

  chance(p: number): boolean {
    return this.rng() < p;
  }

  name(prefix: string): string {
    return `${prefix}${++this.#names}`;
  }

  log(s: string): void {
    this.trace.push(s);
  }

  // ---- contents ----

  block(i: number): Buffer {
    if (i === 0) return Buffer.alloc(BLOCK); // a zero chunk: never stored (§3), a hole
    if (i === 1) return Buffer.from('compressible '.repeat(40).slice(0, BLOCK)); // lz4 keeps it compressed
    return bytes(BLOCK, 7000 + i);
  }

  size(): number {
    const r = this.rng();
    if (r < 0.08) return 0;
    if (r < 0.3) return this.int(1, INLINE_MAX);
    if (r < 0.36) return this.pick([INLINE_MAX, INLINE_MAX + 1, 3 * BLOCK * 4, 4 * BLOCK * 4 + 1]);
    if (r < 0.85) return this.int(INLINE_MAX + 1, 24 * BLOCK);
    return this.int(24 * BLOCK + 1, 80 * BLOCK);
  }

  content(size = this.size()): Buffer {
    const r = this.rng();
    if (r < 0.2 && this.written.length) return this.pick(this.written);
    const parts: Buffer[] = [];
    let n = 0;
    if (r < 0.35 && this.written.length) {
      const p = this.pick(this.written);
      parts.push(p);
      n = p.length;
    }
    const min = n;
    while (n < size) {
      const b = this.chance(0.8) ? this.block(this.int(0, 5)) : bytes(BLOCK, this.int(1, 1e9));
      parts.push(b);
      n += b.length;
    }
    const out = Buffer.concat(parts).subarray(0, Math.max(size, min));
    return this.remember(out);
  }

  remember(b: Buffer): Buffer {
    if (b.length <= 80 * BLOCK) this.written.push(b);
    if (this.written.length > 24) this.written.shift();
    return b;
  }

  // ---- model helpers ----

  bucket(): MBucket {
    return this.pick([...this.buckets.values()]);
  }

  versions(b: MBucket, key: string): MVer[] {
    let v = b.keys.get(key);
    if (!v) b.keys.set(key, (v = []));
    return v;
  }

  /** A new version (or marker) `v` written to b/key as the bucket's versioning makes it (§7.3). */
  apply(b: MBucket, key: string, v: MVer): void {
    const vs = this.versions(b, key);
    if (b.versioning !== 'Enabled') {
      assert.equal(v.versionId, 'null', `a write to ${b.name} (${b.versioning}) makes the null version`);
      const i = vs.findIndex((x) => x.versionId === 'null');
      if (i >= 0) vs.splice(i, 1);
    } else assert.notEqual(v.versionId, 'null');
    vs.unshift(v);
  }

  /** Every modelled (bucket, key, version) holding data. */
  dataVersions(): { b: MBucket; key: string; v: MVer; current: boolean }[] {
    const out: { b: MBucket; key: string; v: MVer; current: boolean }[] = [];
    for (const b of this.buckets.values()) for (const [key, vs] of b.keys) vs.forEach((v, i) => v.data && out.push({ b, key, v, current: i === 0 }));
    return out;
  }

  view(b: MBucket): Map<string, Buffer> {
    const m = new Map<string, Buffer>();
    for (const [k, vs] of b.keys) if (vs[0]?.data) m.set(k, vs[0].data);
    return m;
  }

  // ---- operations ----

  /**
   * A body whose last chunk is the exact bytes of a stored manifest (a CM or VM blob): chunk ids are
   * BLAKE3 of stored bytes for payloads and manifests alike (§2), so such data meets a manifest's id.
   */
  async manifestBody(b: MBucket): Promise<Buffer | undefined> {
    const blobs: Buffer[] = [];
    for await (const [k, v] of this.h.backend.meta.range(prefixRange(Buffer.from([T.CHUNK])))) {
      if (k.length === 34 && k[33] === Sub.BLOB && v.length <= b.chunkSize) blobs.push(Buffer.from(v));
    }
    if (!blobs.length) return undefined;
    const lead = Math.ceil((INLINE_MAX + 1) / b.chunkSize) * b.chunkSize;
    return this.remember(Buffer.concat([bytes(lead, this.int(1, 1e9)), this.pick(blobs)]));
  }

  async put(): Promise<void> {
    const b = this.bucket();
    const key = this.pick(KEYS);
    const mb = this.chance(0.04) ? await this.manifestBody(b) : undefined;
    const data = mb ?? this.content();
    this.log(`put ${b.name}/${key} ${data.length}B ${sha(data)}${mb ? ' (its last chunk a stored manifest\'s bytes)' : ''}`);
    const v = await this.e.putObject({ bucket: b.name, key }, body(data, this.int(300, 5000)));
    assert.equal(v.etag, md5(data));
    this.apply(b, key, { versionId: v.versionId, data });
  }

  /** A put refused at its commit (condition) or before it (short body, verify): nothing changes, its chunks become garbage. */
  async failedPut(): Promise<void> {
    const b = this.bucket();
    const key = this.pick(KEYS);
    const data = this.content(this.int(1, 30 * BLOCK));
    const cur = this.versions(b, key)[0]?.data;
    const how = this.pick(cur ? ['ifNoneMatch', 'ifMatch', 'short', 'verify'] as const : ['ifMatch', 'short', 'verify'] as const);
    this.log(`failed put (${how}) ${b.name}/${key} ${data.length}B ${sha(data)}`);
    const opts = {
      ifNoneMatch: { condition: { ifNoneMatch: '*' as const } },
      ifMatch: { condition: { ifMatch: '"0123456789abcdef0123456789abcdef"' } },
      short: { expectedSize: data.length + 1 },
      verify: { verify: () => { throw new Error('refused by verify'); } },
    }[how];
    const code = { ifNoneMatch: 'CCOW_ERR_PRECONDITION', ifMatch: cur ? 'CCOW_ERR_PRECONDITION' : 'CCOW_ERR_NO_SUCH_KEY', short: 'CCOW_ERR_INCOMPLETE_BODY', verify: undefined }[how];
    await assert.rejects(this.e.putObject({ bucket: b.name, key }, body(data, 800), opts), code ? { code } : /refused by verify/);
  }

  /** A put whose process "dies" mid-body (a restart while its body hangs): never visible, its chunks collected (§13). */
  async crashPut(): Promise<void> {
    const b = this.bucket();
    const key = this.pick(KEYS);
    // Its first piece is new, non-zero data past the inline size: stored, so its intent exists before the restart.
    const first = 10 * BLOCK;
    const data = Buffer.concat([bytes(first, this.int(1, 1e9)), this.content(this.int(1, 20 * BLOCK))]);
    this.log(`crashed put ${b.name}/${key} ${data.length}B ${sha(data)}, restart`);
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    async function* hanging(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, first);
      await gate;
      yield data.subarray(first);
    }
    const intents = await this.count(T.INTENT);
    const pending = this.e.putObject({ bucket: b.name, key }, hanging()).then(() => 'committed', () => 'failed');
    // Until its intent is recorded (its first chunk stored or claimed).
    for (let i = 0; (await this.count(T.INTENT)) === intents; i++) {
      assert.ok(i < 1000, 'the hanging put recorded no intent');
      await new Promise((res) => setTimeout(res, 2));
    }
    await this.restart();
    release();
    assert.equal(await pending, 'failed', 'a put of an older process epoch must not commit');
  }

  async count(table: number): Promise<number> {
    let n = 0;
    for await (const _ of this.h.backend.meta.range(prefixRange(Buffer.from([table])))) n++;
    return n;
  }

  async del(): Promise<void> {
    const b = this.bucket();
    const key = this.pick(KEYS);
    this.log(`delete ${b.name}/${key} (${b.versioning})`);
    const r = await this.e.deleteObject({ bucket: b.name, key });
    const vs = this.versions(b, key);
    if (b.versioning === 'Unversioned') {
      // A never-versioned bucket removes the object; its quiet marker is no version S3 shows (§1).
      const i = vs.findIndex((x) => x.versionId === 'null');
      if (i >= 0) vs.splice(i, 1);
    } else {
      assert.ok(r.deleteMarker && r.versionId);
      this.apply(b, key, { versionId: r.versionId, data: null });
    }
  }

  async delVersion(): Promise<void> {
    const b = this.bucket();
    const key = this.pick(KEYS);
    const vs = this.versions(b, key);
    if (vs.length === 0 || this.chance(0.1)) {
      if (vs.some((x) => x.versionId === 'null')) return;
      this.log(`delete ${b.name}/${key}?versionId=null (none)`);
      await assert.rejects(this.e.deleteObject({ bucket: b.name, key }, { versionId: 'null' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
      return;
    }
    const i = this.int(0, vs.length - 1);
    const v = vs[i]!;
    this.log(`delete ${b.name}/${key}?versionId=${v.versionId} (${sha(v.data)}, #${i})`);
    const r = await this.e.deleteObject({ bucket: b.name, key }, { versionId: v.versionId });
    assert.equal(r.deleteMarker, v.data === null);
    vs.splice(i, 1);
  }

  /** CopyObject (same VM; or REPLACE / a new checksum: a new VM over the same refs) or clone, within or across buckets. */
  async copy(kind: 'copy' | 'clone'): Promise<void> {
    const db = this.bucket();
    const dkey = this.pick(KEYS);
    const fromSnap = kind === 'clone' && this.chance(0.35);
    let src: { bucket: string; key: string; versionId?: string; snapshot?: string };
    let data: Buffer;
    if (fromSnap) {
      const snaps = [...this.buckets.values()].flatMap((b) => [...b.snaps].filter(([, view]) => view.size > 0).map(([s, view]) => ({ b, s, view })));
      if (!snaps.length) return;
      const { b, s, view } = this.pick(snaps);
      const key = this.pick([...view.keys()]);
      src = { bucket: b.name, key, snapshot: s };
      data = view.get(key)!;
    } else {
      const all = this.dataVersions();
      if (!all.length) return;
      const { b, key, v, current } = this.pick(all);
      src = current && this.chance(0.4) ? { bucket: b.name, key } : { bucket: b.name, key, versionId: v.versionId };
      data = v.data!;
    }
    const replace = kind === 'copy' && this.chance(0.3);
    const checksum = kind === 'copy' && !replace && this.chance(0.15);
    this.log(`${kind} ${JSON.stringify(src)} → ${db.name}/${dkey}${replace ? ' REPLACE' : ''}${checksum ? ' +CRC32' : ''} (${sha(data)})`);
    const v = kind === 'clone'
      ? await this.e.clone(src, { bucket: db.name, key: dkey })
      : await this.e.copyObject(src, { bucket: db.name, key: dkey }, replace ? { replace: { contentType: 'x/replaced', userMeta: { n: String(this.trace.length) } } } : checksum ? { checksumAlgorithm: 'CRC32' } : {});
    assert.equal(v.size, data.length);
    this.apply(db, dkey, { versionId: v.versionId, data });
  }

  /** Change a bucket's chunk size or codec: later writes chunk on another grid or compress otherwise, sharing what still matches. */
  async layout(): Promise<void> {
    const b = this.bucket();
    const [kind, value] = this.chance(0.5) ? ['chunkSize', this.pick([512, 1024, 1536, 2048])] as const : ['codec', this.pick(['none', 'lz4', 'zstd'])] as const;
    this.log(`layout ${b.name} ${kind}=${value}`);
    await this.e.putBucketConfig(b.name, kind, value);
    if (kind === 'chunkSize') b.chunkSize = value;
  }

  /** Tags rewrite a version's index entry in place (an embedded VM must stay with it). */
  async tag(): Promise<void> {
    const all = this.dataVersions();
    if (!all.length) return;
    const { b, key, v, current } = this.pick(all);
    const byId = !current || this.chance(0.5);
    this.log(`tag ${b.name}/${key}${byId ? `@${v.versionId}` : ''}`);
    await this.e.updateVersionMeta({ bucket: b.name, key }, byId ? v.versionId : undefined, { tags: this.chance(0.8) ? { n: String(this.trace.length) } : null });
  }

  async setVersioning(): Promise<void> {
    const b = this.bucket();
    const to: Versioning = b.versioning === 'Enabled' ? 'Suspended' : b.versioning === 'Suspended' ? 'Enabled' : this.pick(['Enabled', 'Suspended'] as const);
    this.log(`versioning ${b.name} ${b.versioning} → ${to}`);
    await this.e.putBucketConfig(b.name, 'versioning', to);
    b.versioning = to;
  }

  async snapCreate(): Promise<void> {
    const b = this.bucket();
    if (b.snaps.size >= 3) return;
    const s = this.name('s');
    this.log(`snapshot ${b.name}@${s} [${[...this.view(b)].map(([k, d]) => `${k}=${sha(d)}`).join(' ')}]`);
    await this.e.snapshotCreate(b.name, s);
    b.snaps.set(s, this.view(b));
  }

  async snapDelete(): Promise<void> {
    const b = this.bucket();
    if (!b.snaps.size) return;
    const s = this.pick([...b.snaps.keys()]);
    this.log(`snapshot delete ${b.name}@${s}`);
    await this.e.snapshotDelete(b.name, s);
    b.snaps.delete(s);
  }

  async bucketClone(): Promise<void> {
    const srcs = [...this.buckets.values()].filter((b) => b.snaps.size);
    if (!srcs.length || [...this.buckets.values()].filter((b) => b.clone).length >= 3) return;
    const src = this.pick(srcs);
    const s = this.pick([...src.snaps.keys()]);
    const name = this.name('clone');
    this.log(`bucketClone ${src.name}@${s} → ${name}`);
    await this.e.bucketClone(src.name, s, name);
    const b: MBucket = { name, versioning: 'Unversioned', keys: new Map(), snaps: new Map(), lifecycle: false, clone: true, chunkSize: src.chunkSize };
    for (const [k, d] of src.snaps.get(s)!) b.keys.set(k, [{ versionId: 'null', data: d }]);
    this.buckets.set(name, b);
  }

  /** Remove a bucket with everything in it: uploads, snapshots and versions (in a seeded order). */
  async dropBucket(b: MBucket): Promise<void> {
    this.log(`drop bucket ${b.name}`);
    for (const u of this.uploads.filter((x) => x.bucket === b.name)) await this.abort(u);
    const snapsFirst = this.chance(0.5);
    if (snapsFirst) for (const s of [...b.snaps.keys()]) await this.e.snapshotDelete(b.name, s);
    for (const [key, vs] of b.keys) for (const v of vs) await this.e.deleteObject({ bucket: b.name, key }, { versionId: v.versionId });
    // A version a snapshot's view shows is only hidden by its purge (§10) and keeps the bucket.
    if (!snapsFirst && [...b.snaps.values()].some((view) => view.size)) await assert.rejects(this.e.deleteBucket(b.name), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
    if (!snapsFirst) for (const s of [...b.snaps.keys()]) await this.e.snapshotDelete(b.name, s);
    await this.e.deleteBucket(b.name);
    this.buckets.delete(b.name);
  }

  async mpuCreate(): Promise<void> {
    if (this.uploads.length >= 4) return;
    const b = this.bucket();
    const key = this.pick(KEYS);
    const u = await this.e.createUpload({ bucket: b.name, key }, {});
    this.log(`upload ${b.name}/${key} ${u.uploadId}`);
    this.uploads.push({ bucket: b.name, key, id: u.uploadId, parts: new Map() });
  }

  async mpuPart(copy: boolean): Promise<void> {
    if (!this.uploads.length) return;
    const u = this.pick(this.uploads);
    const n = this.int(1, 4);
    let data: Buffer;
    let p;
    if (copy) {
      const all = this.dataVersions();
      if (!all.length) return;
      const { b, key, v } = this.pick(all);
      const whole = v.data!;
      const range = whole.length > 0 && this.chance(0.6) ? (() => {
        const offset = this.int(0, whole.length - 1);
        return { offset, length: this.int(1, whole.length - offset) };
      })() : undefined;
      data = range ? whole.subarray(range.offset, range.offset + range.length) : whole;
      this.log(`copyPart ${u.id.slice(-6)} #${n} ← ${b.name}/${key}@${v.versionId} ${JSON.stringify(range ?? 'whole')} (${data.length}B)`);
      p = await this.e.copyPart(u.bucket, u.id, n, { bucket: b.name, key, versionId: v.versionId }, range);
    } else {
      data = this.content(this.chance(0.8) ? this.int(MIN_PART, MIN_PART + 6000) : this.int(0, 5000));
      this.log(`part ${u.id.slice(-6)} #${n} ${data.length}B ${sha(data)}`);
      p = await this.e.putPart(u.bucket, u.id, n, body(data, this.int(500, 4000)));
    }
    assert.equal(p.etag, md5(data));
    u.parts.set(n, { data, etag: p.etag });
  }

  async mpuComplete(): Promise<void> {
    const u = this.uploads.length ? this.pick(this.uploads) : undefined;
    if (!u || !u.parts.size) return;
    const nums = [...u.parts.keys()].sort((x, y) => x - y);
    let chosen = nums.filter(() => this.chance(0.7));
    if (!chosen.length) chosen = [this.pick(nums)];
    const parts = chosen.map((n) => ({ partNumber: n, etag: u.parts.get(n)!.etag }));
    const tooSmall = chosen.slice(0, -1).some((n) => u.parts.get(n)!.data.length < MIN_PART);
    this.log(`complete ${u.id.slice(-6)} [${chosen.join(',')}]${tooSmall ? ' (too small)' : ''}`);
    if (tooSmall) {
      await assert.rejects(this.e.completeUpload(u.bucket, u.id, parts), { code: 'CCOW_ERR_ENTITY_TOO_SMALL' });
      return;
    }
    const data = Buffer.concat(chosen.map((n) => u.parts.get(n)!.data));
    const v = await this.e.completeUpload(u.bucket, u.id, parts);
    assert.equal(v.size, data.length);
    this.uploads.splice(this.uploads.indexOf(u), 1);
    this.apply(this.buckets.get(u.bucket)!, u.key, { versionId: v.versionId, data });
  }

  async abort(u = this.uploads.length ? this.pick(this.uploads) : undefined): Promise<void> {
    if (!u) return;
    this.log(`abort ${u.id.slice(-6)}`);
    await this.e.abortUpload(u.bucket, u.id);
    this.uploads.splice(this.uploads.indexOf(u), 1);
  }

  /** A read opened before its version is purged still reads whole after GC runs within the hold (§9). */
  async heldRead(): Promise<void> {
    const all = this.dataVersions().filter((x) => x.v.data!.length > INLINE_MAX);
    if (!all.length) return;
    const { b, key, v } = this.pick(all);
    this.log(`held read ${b.name}/${key}@${v.versionId}, purge, GC within the hold`);
    const r = await this.e.read({ bucket: b.name, key }, { versionId: v.versionId });
    await this.e.deleteObject({ bucket: b.name, key }, { versionId: v.versionId });
    const vs = this.versions(b, key);
    vs.splice(vs.indexOf(v), 1);
    await this.quiesce();
    assert.ok((await collect(r.body)).equals(v.data!), 'a read opened before the purge reads the bytes it started with');
  }

  /** Two days on: the lifecycle rule expires current `lc/` objects and noncurrent versions; the model takes what is left. */
  async lifecycle(): Promise<void> {
    this.log('lifecycle pass (+2 days)');
    this.h.clock.advance(2 * DAY + 3_600_001);
    const w = this.workers.find((x) => x.name === 'lifecycle')!;
    for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
    for (const b of this.buckets.values()) {
      if (!b.lifecycle) continue;
      const listed = (await this.e.listVersions(b.name, { prefix: LC, limit: 1000 })).entries;
      for (const key of KEYS.filter((k) => k.startsWith(LC))) {
        const before = this.versions(b, key);
        const after: MVer[] = listed.filter((x) => x.key === key).map((x) => {
          if (x.deleteMarker) return { versionId: x.versionId, data: null };
          // Lifecycle only removes versions or adds markers: every version left is one the model has.
          const m = before.find((y) => y.versionId === x.versionId && y.data);
          assert.ok(m, `lifecycle left ${b.name}/${key}@${x.versionId}, which the model does not have`);
          return m;
        });
        b.keys.set(key, after);
      }
      // Every upload under the rule began more than a day ago: all aborted (their parts' chunks become garbage).
      const left = (await this.e.listUploads(b.name, { prefix: LC, limit: 1000 })).uploads;
      assert.deepEqual(left.map((x) => x.uploadId), [], `uploads under ${LC} in ${b.name} left by the lifecycle pass`);
      for (const u of this.uploads.filter((x) => x.bucket === b.name && x.key.startsWith(LC))) this.uploads.splice(this.uploads.indexOf(u), 1);
    }
  }

  /**
   * Writers race GC (§12 claim against §9 delete): puts of bodies written before (their chunks
   * likely garbage and due), copies and clones, version purges, parts (also of an upload being
   * completed or aborted at the same time), and copies of a version purged at the same time, on
   * distinct keys so their model effects commute. GC runs as the workers past the hold, or with no
   * hold at all: "locally every race is closed by transactions" (§9), so writers must not need it.
   */
  async race(): Promise<void> {
    const noHold = this.chance(0.5);
    this.h.clock.advance(HOLD + 1);
    const used = new Set<string>();
    const tasks: (() => Promise<void>)[] = [];
    const names: string[] = [];
    const free = (b: MBucket, key: string): boolean => !used.has(`${b.name}/${key}`);
    for (let i = this.int(2, 5); i > 0; i--) {
      const b = this.bucket();
      const key = this.pick(KEYS);
      if (!free(b, key)) continue;
      used.add(`${b.name}/${key}`);
      const r = this.rng();
      const srcs = this.dataVersions().filter((x) => free(x.b, x.key));
      const vs = this.versions(b, key);
      if (r < 0.15 && vs.length) {
        const v = this.pick(vs);
        names.push(`delete ${b.name}/${key}?versionId=${v.versionId}`);
        tasks.push(async () => {
          await this.e.deleteObject({ bucket: b.name, key }, { versionId: v.versionId });
          vs.splice(vs.indexOf(v), 1);
        });
      } else if (r < 0.4 && srcs.length) {
        const { b: sb, key: skey, v } = this.pick(srcs);
        used.add(`${sb.name}/${skey}`);
        const replace = this.chance(0.3);
        // Sometimes the source version is purged meanwhile: the copy then either fails or makes a version that stays whole.
        const purge = this.chance(0.3);
        names.push(`copy ${sb.name}/${skey}@${v.versionId} → ${b.name}/${key}${replace ? ' REPLACE' : ''}${purge ? ' while the source is purged' : ''}`);
        const copy = async (): Promise<void> => {
          const c = await this.e.copyObject({ bucket: sb.name, key: skey, versionId: v.versionId }, { bucket: b.name, key }, replace ? { replace: { contentType: 'x/raced' } } : {}).catch((e: unknown) => {
            if (purge) return undefined;
            throw e;
          });
          if (c) this.apply(b, key, { versionId: c.versionId, data: v.data });
        };
        tasks.push(copy);
        if (purge) {
          tasks.push(async () => {
            await this.e.deleteObject({ bucket: sb.name, key: skey }, { versionId: v.versionId });
            const svs = this.versions(sb, skey);
            svs.splice(svs.indexOf(v), 1);
          });
        }
      } else {
        const data = this.written.length && this.chance(0.7) ? this.pick(this.written) : this.content();
        names.push(`put ${b.name}/${key} ${data.length}B ${sha(data)}`);
        tasks.push(async () => {
          const v = await this.e.putObject({ bucket: b.name, key }, body(data, 700));
          this.apply(b, key, { versionId: v.versionId, data });
        });
      }
    }
    const u = this.uploads.length && this.written.length && this.chance(0.6) ? this.pick(this.uploads) : undefined;
    if (u) this.raceUpload(u, used, tasks, names);
    this.log(`race with GC ${noHold ? 'with no hold' : 'past the hold'}: ${names.join('; ')}`);
    const gc = noHold ? async (): Promise<void> => {
      for (let i = 0; i < 4; i++) {
        await this.e.gc({ graceMs: 0 });
        await new Promise((res) => setImmediate(res));
      }
    } : () => this.quiesce();
    const settled = await Promise.allSettled([...tasks.map((f) => f()), gc()]);
    for (const x of settled) if (x.status === 'rejected') throw x.reason;
  }

  /** The part of a race on upload `u`: a part, alone or while the upload is completed (without it) or aborted. */
  raceUpload(u: MUpload, used: Set<string>, tasks: (() => Promise<void>)[], names: string[]): void {
    const n = this.int(1, 4);
    const data = this.pick(this.written);
    const others = [...u.parts.keys()].filter((x) => x !== n).sort((x, y) => x - y);
    const r = this.rng();
    const ok = others.length > 0 && others.slice(0, -1).every((x) => u.parts.get(x)!.data.length >= MIN_PART);
    const mode = r < 0.4 ? 'alone' : r < 0.7 && ok && !used.has(`${u.bucket}/${u.key}`) ? 'complete' : 'abort';
    names.push(`part ${u.id.slice(-6)} #${n} ${data.length}B ${sha(data)}${mode === 'alone' ? '' : ` while the upload is ${mode === 'complete' ? `completed with [${others.join(',')}]` : 'aborted'}`}`);
    if (mode === 'alone') {
      tasks.push(async () => {
        const p = await this.e.putPart(u.bucket, u.id, n, body(data, 900));
        u.parts.set(n, { data, etag: p.etag });
      });
      return;
    }
    this.uploads.splice(this.uploads.indexOf(u), 1);
    // The part lands before the end (then goes with the upload) or finds it gone: either is fine.
    tasks.push(() => this.e.putPart(u.bucket, u.id, n, body(data, 900)).then(() => undefined, (e: { code?: string }) => assert.equal(e.code, 'CCOW_ERR_NO_SUCH_UPLOAD')));
    if (mode === 'abort') {
      tasks.push(() => this.e.abortUpload(u.bucket, u.id));
      return;
    }
    used.add(`${u.bucket}/${u.key}`);
    tasks.push(async () => {
      const v = await this.e.completeUpload(u.bucket, u.id, others.map((x) => ({ partNumber: x, etag: u.parts.get(x)!.etag })));
      this.apply(this.buckets.get(u.bucket)!, u.key, { versionId: v.versionId, data: Buffer.concat(others.map((x) => u.parts.get(x)!.data)) });
    });
  }

  async restart(): Promise<void> {
    this.log('restart');
    await this.h.restart();
    this.workers = this.e.workers();
  }

  /** Run every background worker but lifecycle until a whole round is idle. */
  async quiesce(): Promise<void> {
    for (let round = 0; ; round++) {
      assert.ok(round < 500, 'workers never went idle');
      let busy = false;
      for (const w of this.workers) if (w.name !== 'lifecycle' && (await w.step()) === 'busy') busy = true;
      if (!busy) return;
    }
  }

  async gc(): Promise<void> {
    const api = this.chance(0.25);
    this.log(`gc (past the hold${api ? ', Engine.gc and sweepOrphans' : ''})`);
    this.h.clock.advance(HOLD + 1);
    if (api) {
      await this.e.gc();
      await this.e.sweepOrphans();
    }
    await this.quiesce();
    await this.check();
  }

  // ---- checks ----

  async check(): Promise<void> {
    const e = this.e;
    assert.deepEqual((await e.listBuckets()).map((x) => x.name).sort(), [...this.buckets.keys()].sort(), 'buckets');
    for (const b of this.buckets.values()) {
      const listed = (await e.listVersions(b.name, { limit: 1000 })).entries.map((x) => `${x.key} ${x.versionId} ${x.deleteMarker ? 'DM' : x.size}`);
      const want = [...b.keys].sort(([x], [y]) => (x < y ? -1 : 1)).flatMap(([k, vs]) => vs.map((v) => `${k} ${v.versionId} ${v.data ? v.data.length : 'DM'}`));
      assert.deepEqual(listed, want, `versions of ${b.name}`);
      for (const [key, vs] of b.keys) {
        for (const v of vs) if (v.data) await this.readBack(b.name, key, v.data, { versionId: v.versionId });
        if (vs[0]?.data) await this.readBack(b.name, key, vs[0].data, {});
        else await assert.rejects(e.read({ bucket: b.name, key }), { code: vs[0] ? 'CCOW_ERR_DELETE_MARKER' : 'CCOW_ERR_NO_SUCH_KEY' });
      }
      assert.equal((await e.bucketStats(b.name)).objects, this.view(b).size, `object count of ${b.name}`);
      assert.deepEqual((await e.snapshotList(b.name)).map((s) => s.name).sort(), [...b.snaps.keys()].sort(), `snapshots of ${b.name}`);
      for (const [s, view] of b.snaps) {
        const keys = (await e.listObjects(b.name, { limit: 1000, snapshot: s })).entries.map((x) => x.key);
        assert.deepEqual(keys, [...view.keys()].sort(), `view of ${b.name}@${s}`);
        for (const [key, data] of view) await this.readBack(b.name, key, data, { snapshot: s });
      }
      const ups = (await e.listUploads(b.name, { limit: 1000 })).uploads.map((u) => u.uploadId).sort();
      assert.deepEqual(ups, this.uploads.filter((u) => u.bucket === b.name).map((u) => u.id).sort(), `uploads of ${b.name}`);
    }
    for (const u of this.uploads) {
      const parts = (await e.listParts(u.bucket, u.id)).parts.map((p) => `${p.partNumber} ${p.size} ${p.etag}`);
      assert.deepEqual(parts, [...u.parts].sort(([x], [y]) => x - y).map(([n, p]) => `${n} ${p.data.length} ${p.etag}`), `parts of ${u.id}`);
    }
    await this.fsckClean();
  }

  /** The bytes of one version (or view), whole and one random range. */
  async readBack(bucket: string, key: string, data: Buffer, sel: { versionId?: string; snapshot?: string }): Promise<void> {
    const what = `${bucket}/${key} ${JSON.stringify(sel)}`;
    const got = await collect((await this.e.read({ bucket, key }, sel)).body);
    assert.ok(got.equals(data), `${what}: ${got.length}B ${sha(got)}, want ${data.length}B ${sha(data)}`);
    if (data.length > 1 && this.chance(0.3)) {
      const offset = this.int(0, data.length - 1);
      const length = this.int(1, data.length - offset);
      const part = await collect((await this.e.read({ bucket, key }, { ...sel, offset, length })).body);
      assert.ok(part.equals(data.subarray(offset, offset + length)), `${what} bytes ${offset}+${length}`);
    }
  }

  async fsckClean(): Promise<void> {
    const r = await this.e.fsck();
    const { missing, corrupt, leaked, danglingRefs, missingRefs, damaged, indexErrors } = r;
    assert.deepEqual({ missing, corrupt, leaked, danglingRefs, missingRefs, damaged, indexErrors }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [], damaged: [], indexErrors: [] }, 'fsck');
  }

  /** Delete everything, collect past the hold: nothing may be left in the store. */
  async drain(): Promise<void> {
    this.log('drain');
    for (const u of [...this.uploads]) await this.abort(u);
    for (const b of [...this.buckets.values()]) await this.dropBucket(b);
    // Completed-upload answers (kept 6 h for a retried Complete) go with their TTL.
    this.h.clock.advance(7 * 3_600_000);
    await this.quiesce();
    this.h.clock.advance(HOLD + 1);
    await this.quiesce();
    assert.equal((await this.h.backend.stats()).chunkCount, 0, 'no payload chunk left');
    const tables = { CHUNK: T.CHUNK, GCQ: T.GCQ, INTENT: T.INTENT, MEMBER: T.MEMBER, NI: T.NI, CUR: T.CUR, UPLOAD: T.UPLOAD, UPLOAD_BY_KEY: T.UPLOAD_BY_KEY, UPLOAD_DONE: T.UPLOAD_DONE, PART: T.PART, BSNAP: T.BSNAP, BUCKET: T.BUCKET, COUNTERS: T.COUNTERS };
    const left: Record<string, number> = {};
    for (const [name, t] of Object.entries(tables)) {
      const n = await this.count(t);
      if (n) left[name] = n;
    }
    assert.deepEqual(left, {}, 'rows left after everything was deleted and collected');
    await this.fsckClean();
  }
}

/** Operation weights. */
const OPS_TABLE: [number, (r: Run) => Promise<void>][] = [
  [20, (r) => r.put()],
  [6, (r) => r.del()],
  [7, (r) => r.delVersion()],
  [5, (r) => r.copy('copy')],
  [5, (r) => r.copy('clone')],
  [2, (r) => r.setVersioning()],
  [1, (r) => r.layout()],
  [2, (r) => r.tag()],
  [3, (r) => r.snapCreate()],
  [2, (r) => r.snapDelete()],
  [2, (r) => r.bucketClone()],
  [1, async (r) => {
    const clones = [...r.buckets.values()].filter((b) => b.clone);
    if (clones.length) await r.dropBucket(r.pick(clones));
  }],
  [3, (r) => r.mpuCreate()],
  [6, (r) => r.mpuPart(false)],
  [4, (r) => r.mpuPart(true)],
  [5, (r) => r.mpuComplete()],
  [3, (r) => r.failedPut()],
  [1, (r) => r.crashPut()],
  [1, (r) => r.abort()],
  [2, (r) => r.heldRead()],
  [1, (r) => r.lifecycle()],
  [1, (r) => r.restart()],
  [2, async (r) => {
    r.log('gc (within the hold)');
    await r.quiesce();
  }],
  [3, (r) => r.race()],
  [6, (r) => r.gc()],
];
const TOTAL_WEIGHT = OPS_TABLE.reduce((s, [w]) => s + w, 0);

/** Operations done per kind (the first word of each trace line), over every seed: GC_MODEL_VERBOSE=1 prints them. */
const done = new Map<string, number>();

async function runSeed(h: Harness, seed: number): Promise<void> {
  const r = new Run(h, seededRandom(seed));
  const step = async (i: number, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`seed ${seed} [${h.kind}], step ${i}: ${msg}\nlast steps:\n  ${r.trace.slice(-25).join('\n  ')}`, { cause: err });
    }
  };
  await step(-1, async () => {
    const e = r.e;
    // a: never versioned (may be switched), 512 B chunks; b: Enabled; c: 1 KiB chunks, lz4 (unaligned sharing with a and b).
    for (const [name, chunkSize, codec] of [['a', 512, 'none'], ['b', 512, 'none'], ['c', 1024, 'lz4']] as const) {
      await e.createBucket(name, { owner: 't', chunkSize, codec });
      r.buckets.set(name, { name, versioning: 'Unversioned', keys: new Map(), snaps: new Map(), lifecycle: name !== 'a', clone: false, chunkSize });
    }
    await e.putBucketConfig('b', 'versioning', 'Enabled');
    r.buckets.get('b')!.versioning = 'Enabled';
    for (const n of ['b', 'c']) await e.putBucketConfig(n, 'lifecycle', LIFECYCLE);
  });
  for (let i = 0; i < OPS; i++) {
    let x = r.rng() * TOTAL_WEIGHT;
    const op = OPS_TABLE.find(([w]) => (x -= w) < 0)![1];
    await step(i, () => op(r));
  }
  await step(OPS, () => r.gc());
  await step(OPS + 1, () => r.drain());
  for (const line of r.trace) done.set(line.split(' ')[0]!, (done.get(line.split(' ')[0]!) ?? 0) + 1);
}

for (const kind of BACKENDS) {
  test(`gc model: random puts, copies, clones, snapshots, bucket clones, multipart and purges lose nothing to GC and leave nothing behind [${kind}]`, async (t) => {
    t.diagnostic(`seeds ${BASE_SEED}..${BASE_SEED + SEEDS - 1}, ${OPS} operations each`);
    for (let s = 0; s < SEEDS; s++) {
      const h = await openHarness(kind);
      try {
        await runSeed(h, BASE_SEED + s);
      } finally {
        await h.close();
      }
    }
    if (process.env.GC_MODEL_VERBOSE) t.diagnostic(JSON.stringify([...done].sort((x, y) => y[1] - x[1])));
    done.clear();
  });
}

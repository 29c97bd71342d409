/**
 * A plain in-memory model of one S3 bucket's versions, the random operation sequences the
 * versioning-model properties draw, and the driver that runs one step against a gateway and checks
 * every answer against the model (versioning-model.test.ts, versioning-backends.test.ts).
 *
 * Semantics the model implements (S3 user guide "Working with objects in a versioning-enabled
 * bucket" / "… in a versioning-suspended bucket", API_PutObject, API_DeleteObject, API_GetObject,
 * API_CopyObject, API_ListObjectVersions), with the project's choices where AWS leaves room
 * (shared/spec/ccow.md §7.3, s3-surface.md §9):
 * - a key's versions are kept newest first; the first is the current one;
 * - a write (PUT, copy, completed multipart upload) in a never-versioned or suspended bucket makes
 *   the null version, removing the key's previous null version wherever it is ("If a null version
 *   is already in the bucket ... it is overwritten"), and puts it first; in an enabled bucket it
 *   adds a version with a new id;
 * - DELETE without a version id: never versioned → the object is gone (no marker listed); enabled →
 *   a new delete marker with a new id; suspended → a delete marker with the id `null`, which
 *   replaces the null version ("If there's a null version, it is deleted and replaced by a delete
 *   marker with version ID null"); a key without versions gets a marker all the same;
 * - DELETE with a version id removes that version (a marker too) for good; the next one becomes
 *   current; an id the key does not have is a 204 that changes nothing;
 * - GET/HEAD: no version → 404 NoSuchKey; current one a marker → 404 NoSuchKey with
 *   `x-amz-delete-marker: true` and its id; a version id naming a marker → 405 MethodNotAllowed
 *   with the marker headers; an unknown version id → 404 NoSuchVersion;
 * - `x-amz-version-id` on GET/HEAD/DELETE answers: the id, `null` for null versions, none at all in
 *   a never-versioned bucket; on a write's answer only a real id (a suspended PUT's sample
 *   response has none);
 * - CopyObject: from the current version, or `?versionId=`; a current marker → 404 NoSuchKey, a
 *   marker named by id → 400 InvalidRequest; onto the source's own current version without any
 *   change → 400 InvalidRequest;
 * - ListObjectVersions: keys in UTF-8 order, each key's versions newest first with IsLatest on the
 *   first, markers as DeleteMarker; ListObjectsV2: keys whose current version is not a marker.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { child, cmpUtf8, decodeValue, delimiterArb, keyArb, keyPath, modelList, pageArb, pageItems, prefixArb, q, rollUp, unescapeXml, type Item } from '../s3/listing-model.js';
import type { FuzzAnswer, FuzzRequest } from './harness.js';

export type Mode = 'Unversioned' | 'Enabled' | 'Suspended';

/** One version of the model: its S3 id (`null` for the null version), marker or object. */
export interface MVersion {
  vid: string;
  dm: boolean;
  body: Buffer;
  etag: string;
  /** Its tag set, `k=v` sorted. */
  tags: string[];
}

/** The bucket's state: versioning and each key's versions, newest first. */
export class BucketModel {
  mode: Mode = 'Unversioned';
  readonly keys = new Map<string, MVersion[]>();
  /** Ids of versions removed since (for NoSuchVersion probes). */
  readonly gone: string[] = [];
  /** Multipart uploads started and not completed yet. */
  readonly uploads: { key: string; uploadId: string }[] = [];

  versions(key: string): MVersion[] {
    return this.keys.get(key) ?? [];
  }

  /** A new version as the bucket's mode makes it (null versions replace the previous null one). */
  add(key: string, v: MVersion): void {
    const old = this.versions(key);
    const rest = v.vid === 'null' ? old.filter((o) => o.vid !== 'null') : old;
    this.keys.set(key, [v, ...rest]);
  }

  remove(key: string, vid: string): MVersion | undefined {
    const old = this.versions(key);
    const hit = old.find((o) => o.vid === vid);
    if (!hit) return undefined;
    const rest = old.filter((o) => o !== hit);
    if (rest.length === 0) this.keys.delete(key);
    else this.keys.set(key, rest);
    if (vid !== 'null') this.gone.push(vid);
    return hit;
  }

  /** Whether answers about version `vid` show `x-amz-version-id`. */
  shows(vid: string): boolean {
    return vid !== 'null' || this.mode !== 'Unversioned';
  }

  clone(): BucketModel {
    const c = new BucketModel();
    c.adopt(this);
    return c;
  }

  /** Become a copy of `o` (versions copied, so tagging one changes only this model). */
  adopt(o: BucketModel): void {
    this.mode = o.mode;
    this.keys.clear();
    for (const [k, vs] of o.keys) this.keys.set(k, vs.map((v) => ({ ...v, tags: [...v.tags] })));
    this.gone.splice(0, this.gone.length, ...o.gone);
    this.uploads.splice(0, this.uploads.length, ...o.uploads);
  }
}

// ---------------------------------------------------------------------------------------------
// Random sequences.

/** A listing request of a check (prefix, delimiter of any string, start marker, page size). */
export interface ListQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  page: number;
  url: boolean;
  /** ListObjectVersions: start at key-marker + version-id-marker naming a stored version (picked mod). */
  idPick?: number;
}

/** One step. Keys and versions are picked by index (mod what exists), so any number fits. */
export type Step =
  | { op: 'put'; key: number; body: number; cond?: Cond; tags?: number }
  | { op: 'tag'; key: number; pick: number; tags: number; remove: boolean }
  | { op: 'delete'; key: number; cond?: Cond }
  | { op: 'deleteVersion'; key: number; pick: number }
  | { op: 'copy'; key: number; src: number; pick: number; replace: boolean }
  | { op: 'multipart'; key: number; body: number; cuts: number[] }
  | { op: 'mpuStart'; key: number }
  | { op: 'mpuComplete'; pick: number; body: number; cuts: number[] }
  | { op: 'versioning'; status: 'Enabled' | 'Suspended' }
  | { op: 'deleteObjects'; entries: { key: number; pick: number; byVersion: boolean }[] }
  | { op: 'concurrent'; steps: Step[] };

/**
 * A conditional write or delete: `If-None-Match: *` (PUT only), `If-Match` with the current ETag,
 * another ETag, or `*` (DELETE only). Conditions look at the current version only; a current
 * delete marker counts as no object (API_PutObject, API_DeleteObject, user guide "conditional
 * deletes": "Conditional delete evaluations only apply to the current version of the object").
 */
export type Cond = 'noneMatch' | 'matchCurrent' | 'matchOther' | 'matchAny';

/** A run: the bucket's keys, the steps, and a listing query per step (picked from the keys). */
export interface Scenario {
  keys: string[];
  steps: { step: Step; list: ListQuery; probe: number }[];
}

const putArb = fc.record({ op: fc.constant('put' as const), key: fc.nat(), body: fc.nat(), cond: fc.option(fc.constantFrom<Cond>('noneMatch', 'matchCurrent', 'matchOther'), { nil: undefined, freq: 3 }), tags: fc.option(fc.nat(), { nil: undefined }) }, { requiredKeys: ['op', 'key', 'body'] });
const deleteArb = fc.record({ op: fc.constant('delete' as const), key: fc.nat(), cond: fc.option(fc.constantFrom<Cond>('matchCurrent', 'matchOther', 'matchAny'), { nil: undefined, freq: 3 }) }, { requiredKeys: ['op', 'key'] });
const deleteVersionArb = fc.record({ op: fc.constant('deleteVersion' as const), key: fc.nat(), pick: fc.nat() });
const copyArb = fc.record({ op: fc.constant('copy' as const), key: fc.nat(), src: fc.nat(), pick: fc.nat(), replace: fc.boolean() });
const tagArb = fc.record({ op: fc.constant('tag' as const), key: fc.nat(), pick: fc.nat(), tags: fc.nat(), remove: fc.boolean() });
/** Two or three single-request steps sent at once (often on one key: keys are few). */
const concurrentArb = fc.record({ op: fc.constant('concurrent' as const), steps: fc.array(fc.oneof(putArb, putArb, deleteArb, deleteVersionArb, copyArb, tagArb), { minLength: 2, maxLength: 3 }) });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: concurrentArb },
  { weight: 5, arbitrary: putArb },
  { weight: 1, arbitrary: tagArb },
  { weight: 3, arbitrary: deleteArb },
  { weight: 3, arbitrary: deleteVersionArb },
  { weight: 2, arbitrary: copyArb },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('multipart' as const), key: fc.nat(), body: fc.nat(), cuts: fc.array(fc.nat(), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('mpuStart' as const), key: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('mpuComplete' as const), pick: fc.nat(), body: fc.nat(), cuts: fc.array(fc.nat(), { maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('versioning' as const), status: fc.constantFrom('Enabled' as const, 'Suspended' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteObjects' as const), entries: fc.array(fc.record({ key: fc.nat(), pick: fc.nat(), byVersion: fc.boolean() }), { minLength: 1, maxLength: 3 }) }) },
);

/** Delimiters: the listing model's, any short string, or a piece of a key. */
function delimiterOf(keys: string[]): fc.Arbitrary<string | undefined> {
  const piece = fc.tuple(fc.constantFrom(...keys), fc.nat(6), fc.integer({ min: 1, max: 3 })).map(([k, i, n]) => {
    const cs = [...k];
    return cs.slice(i % cs.length, (i % cs.length) + n).join('');
  });
  return fc.oneof(delimiterArb, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), piece);
}

function queryArb(keys: string[]): fc.Arbitrary<ListQuery> {
  const start = fc.tuple(fc.constantFrom(...keys), fc.nat(6)).map(([k, n]) => [...k].slice(0, n).join(''));
  return fc.record({
    prefix: fc.oneof(prefixArb, start),
    delimiter: delimiterOf(keys),
    marker: fc.option(fc.oneof(fc.constantFrom(...keys), start, keyArb), { nil: undefined, freq: 4 }),
    page: pageArb,
    url: fc.boolean(),
    idPick: fc.option(fc.nat(), { nil: undefined }),
  });
}

/** 1–4 keys and up to `maxSteps` steps, each with its listing query. */
export function scenarioArb(maxSteps: number): fc.Arbitrary<Scenario> {
  // No `.`/`..` path segments: inject (light-my-request) resolves them as a URL parser does and a
  // socket does not (the SDK reads and writes such keys fine; object-keys.test.ts fuzzes them).
  const plainKey = keyArb.filter((k) => !k.split('/').some((seg) => seg === '.' || seg === '..'));
  return fc.uniqueArray(plainKey, { minLength: 1, maxLength: 4 }).chain((keys) => fc.record({
    keys: fc.constant(keys),
    steps: fc.array(fc.record({ step: stepArb, list: queryArb(keys), probe: fc.nat() }), { minLength: 1, maxLength: maxSteps }),
  }));
}

/** Bodies: a few shared ones (dedup, the empty object) and distinct ones of up to ~3 KB. */
function bodyOf(n: number, step: number): Buffer {
  const shared = ['', 'a', 'same body', 'x'.repeat(2048)];
  if (n % 3 === 0) return Buffer.from(shared[(n / 3) % shared.length]!);
  return Buffer.from(`body ${step} ${n} `.repeat(1 + (n % 200)));
}

/** Tag sets: as an x-amz-tagging header (URL query form) and as the model keeps them. */
const TAG_SETS: { header: string; tags: string[] }[] = [
  { header: 'a=1', tags: ['a=1'] },
  { header: 'k=v&x=y%20z', tags: ['k=v', 'x=y z'] },
  { header: 'e=', tags: ['e='] },
];

function taggingXml(tags: string[]): string {
  return `<Tagging><TagSet>${tags.map((t) => {
    const [k, v] = t.split('=') as [string, string];
    return `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`;
  }).join('')}</TagSet></Tagging>`;
}

const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');

// ---------------------------------------------------------------------------------------------
// Running and checking.

/** Something that sends one signed request (harness.ts Fuzzer.send). */
export type Send = (r: FuzzRequest) => Promise<FuzzAnswer>;

/** An expected answer: status, code (not for HEAD), headers (null = absent), body. */
interface Expect {
  status: number;
  code?: string;
  /** null: absent; undefined: not checked. */
  headers?: Record<string, string | null | undefined>;
  body?: Buffer;
  etag?: string;
}

function header(a: FuzzAnswer, name: string): string | undefined {
  const v = a.headers[name];
  return v === undefined ? undefined : String(v);
}

function expectAnswer(a: FuzzAnswer, e: Expect, what: string): void {
  const detail = `${what} → ${a.status} ${a.text.slice(0, 300)} ${JSON.stringify(a.headers)}`;
  assert.equal(a.status, e.status, `status of ${detail}`);
  if (e.code !== undefined && a.text !== '') assert.equal(a.code, e.code, `code of ${detail}`);
  for (const [k, v] of Object.entries(e.headers ?? {})) if (v !== undefined) assert.equal(header(a, k), v ?? undefined, `${k} of ${detail}`);
  if (e.body !== undefined) assert.ok(a.body.equals(e.body), `body of ${detail}: ${a.body.length} bytes, expected ${e.body.length}`);
  if (e.etag !== undefined) assert.equal(header(a, 'etag'), e.etag, `ETag of ${detail}`);
}

/** What GET/HEAD of `key` (current, or `vid`) must answer. */
function expectRead(m: BucketModel, key: string, vid: string | undefined): Expect {
  const vs = m.versions(key);
  const v = vid === undefined ? vs[0] : vs.find((x) => x.vid === vid);
  if (!v) return vid === undefined ? { status: 404, code: 'NoSuchKey', headers: { 'x-amz-delete-marker': null } } : { status: 404, code: 'NoSuchVersion', headers: { 'x-amz-delete-marker': null } };
  if (v.dm) {
    const headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': v.vid };
    return vid === undefined ? { status: 404, code: 'NoSuchKey', headers } : { status: 405, code: 'MethodNotAllowed', headers };
  }
  return { status: 200, headers: { 'x-amz-version-id': m.shows(v.vid) ? v.vid : null, 'x-amz-delete-marker': null, 'x-amz-tagging-count': v.tags.length > 0 ? String(v.tags.length) : null }, body: v.body, etag: v.etag };
}

/** The gateway under test: one bucket, its model, a way to send. */
export interface Target {
  send: Send;
  bucket: string;
  model: BucketModel;
}

async function must(t: Target, r: FuzzRequest, e: Expect, what: string): Promise<FuzzAnswer> {
  const a = await t.send(r);
  expectAnswer(a, e, `${what}: ${r.method} ${r.path}`);
  return a;
}

/** Create the bucket (never versioned). */
export async function createBucket(t: Target): Promise<void> {
  await must(t, { method: 'PUT', path: `/${t.bucket}` }, { status: 200 }, 'CreateBucket');
}

/** Run one step against the gateway and the model; check the step's own answer. */
export async function runStep(t: Target, keys: string[], step: Step, index: number): Promise<string[]> {
  const m = t.model;
  const key = 'key' in step ? keys[step.key % keys.length]! : '';
  const path = keyPath(t.bucket, key);
  const newVid = (a: FuzzAnswer, what: string): string => newVersionId(m, a, what);
  switch (step.op) {
    case 'versioning': {
      await must(t, { method: 'PUT', path: `/${t.bucket}?versioning`, body: `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${step.status}</Status></VersioningConfiguration>` }, { status: 200 }, 'PutBucketVersioning');
      m.mode = step.status;
      const got = await t.send({ method: 'GET', path: `/${t.bucket}?versioning` });
      assert.equal(child(got.text, 'Status'), step.status, 'GetBucketVersioning');
      return [];
    }
    case 'multipart': {
      const init = await must(t, { method: 'POST', path: `${path}?uploads` }, { status: 200 }, 'CreateMultipartUpload');
      await completeUpload(t, key, child(init.text, 'UploadId')!, step, index, newVid);
      return [key];
    }
    case 'mpuStart': {
      const init = await must(t, { method: 'POST', path: `${path}?uploads` }, { status: 200 }, 'CreateMultipartUpload');
      m.uploads.push({ key, uploadId: child(init.text, 'UploadId')! });
      return [];
    }
    case 'mpuComplete': {
      // The version is made when the upload completes, as the bucket's versioning is then.
      if (m.uploads.length === 0) return [];
      const [u] = m.uploads.splice(step.pick % m.uploads.length, 1);
      await completeUpload(t, u!.key, u!.uploadId, step, index, newVid);
      return [u!.key];
    }
    case 'put':
    case 'copy':
    case 'delete':
    case 'tag':
    case 'deleteVersion': {
      const plan = planSingle(t.bucket, m, keys, step, index);
      return applyAll(plan, m, await t.send(plan.req));
    }
    case 'concurrent':
      return runConcurrent(t, keys, step.steps.filter(isSingle), index);
    case 'deleteObjects': {
      const seen = new Set<string>();
      // Each key once, and none XML 1.0 cannot carry (control characters, even as references).
      const entries = step.entries.map((en) => ({ key: keys[en.key % keys.length]!, vid: en.byVersion ? versionPick(m, keys[en.key % keys.length]!, en.pick) : undefined })).filter((en) => {
        if (seen.has(en.key) || [...en.key].some((c) => c < ' ' && c !== '\t' && c !== '\n' && c !== '\r')) return false;
        seen.add(en.key);
        return true;
      });
      if (entries.length === 0) return [];
      const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
      const body = `<Delete>${entries.map((en) => `<Object><Key>${esc(en.key)}</Key>${en.vid ? `<VersionId>${en.vid}</VersionId>` : ''}</Object>`).join('')}</Delete>`;
      const a = await must(t, { method: 'POST', path: `/${t.bucket}?delete`, body }, { status: 200 }, 'DeleteObjects');
      assert.ok(!/<Error>/.test(a.text), `DeleteObjects: ${a.text}`);
      const deleted = [...a.text.matchAll(/<Deleted>(.*?)<\/Deleted>/gs)].map((x) => x[1]!);
      assert.equal(deleted.length, entries.length, `DeleteObjects answers each object: ${a.text}`);
      for (const en of entries) {
        const d = deleted.find((x) => decodeValue(child(x, 'Key') ?? '', false) === en.key);
        assert.ok(d !== undefined, `DeleteObjects: no <Deleted> for ${JSON.stringify(en.key)}: ${a.text}`);
        if (en.vid !== undefined) {
          const hit = m.versions(en.key).find((v) => v.vid === en.vid);
          assert.equal(child(d, 'VersionId'), en.vid, `DeleteObjects VersionId: ${d}`);
          if (hit?.dm) assert.equal(child(d, 'DeleteMarker'), 'true', `DeleteObjects of a marker: ${d}`);
          m.remove(en.key, en.vid);
        } else if (m.mode === 'Unversioned') {
          assert.equal(child(d, 'DeleteMarker'), undefined, `DeleteObjects in a never-versioned bucket: ${d}`);
          m.remove(en.key, 'null');
        } else {
          assert.equal(child(d, 'DeleteMarker'), 'true', `DeleteObjects marker: ${d}`);
          const id = child(d, 'DeleteMarkerVersionId');
          if (m.mode === 'Suspended') assert.equal(id, 'null', `DeleteObjects suspended marker id: ${d}`);
          else assert.ok(id !== undefined && id !== 'null', `DeleteObjects marker id: ${d}`);
          m.add(en.key, { vid: id, dm: true, body: Buffer.alloc(0), etag: '', tags: [] });
        }
      }
      return entries.map((en) => en.key);
    }
  }
}

/** The live current version of `key` (none when absent or a delete marker). */
function live(m: BucketModel, key: string): MVersion | undefined {
  const v = m.versions(key)[0];
  return v && !v.dm ? v : undefined;
}

function condHeaders(m: BucketModel, key: string, cond: Cond | undefined): Record<string, string> {
  switch (cond) {
    case undefined: return {};
    case 'noneMatch': return { 'if-none-match': '*' };
    case 'matchAny': return { 'if-match': '*' };
    case 'matchCurrent': return { 'if-match': live(m, key)?.etag ?? '"00000000000000000000000000000000"' };
    case 'matchOther': return { 'if-match': '"ffffffffffffffffffffffffffffffff"' };
  }
}

/**
 * The refusal the condition headers sent get from the model as it is: 412 when an object is there
 * for If-None-Match or its ETag differs from If-Match's, 404 NoSuchKey when If-Match finds none.
 */
function condRefusal(m: BucketModel, key: string, sent: Record<string, string>): Expect | undefined {
  const cur = live(m, key);
  if (sent['if-none-match'] !== undefined) return cur ? { status: 412, code: 'PreconditionFailed' } : undefined;
  const want = sent['if-match'];
  if (want === undefined) return undefined;
  if (!cur) return { status: 404, code: 'NoSuchKey' };
  return want !== '*' && want !== cur.etag ? { status: 412, code: 'PreconditionFailed' } : undefined;
}

/** The new real version id a write answered: not `null`, not one the model has or had. */
function newVersionId(m: BucketModel, a: FuzzAnswer, what: string): string {
  const id = header(a, 'x-amz-version-id');
  assert.ok(id !== undefined && id !== 'null' && !m.gone.includes(id) && ![...m.keys.values()].flat().some((v) => v.vid === id), `${what}: new version id ${id}`);
  return id;
}

/** A step of one request, decided against the model as it is when sent (version ids, ETags). */
export interface Plan {
  req: FuzzRequest;
  /**
   * The request's effects in order, each checking the answer against `m` (the model as it is at
   * that point) and applying its part; the keys touched. One for most requests; a copy reads its
   * source, then writes (a concurrent request may come in between). `ctx` carries what an earlier
   * effect of the same request saw.
   */
  effects: ((m: BucketModel, a: FuzzAnswer, ctx: Record<string, unknown>) => string[])[];
}

/** Apply a plan's effects one after the other. */
function applyAll(p: Plan, m: BucketModel, a: FuzzAnswer): string[] {
  const ctx = {};
  return p.effects.flatMap((f) => f(m, a, ctx));
}

/** Single-request steps: PUT, CopyObject, DELETE, DELETE ?versionId, Put/DeleteObjectTagging. */
export type SingleStep = Extract<Step, { op: 'put' | 'copy' | 'delete' | 'tag' | 'deleteVersion' }>;

export function isSingle(step: Step): step is SingleStep {
  return step.op === 'put' || step.op === 'copy' || step.op === 'delete' || step.op === 'tag' || step.op === 'deleteVersion';
}

export function planSingle(bucket: string, pm: BucketModel, keys: string[], step: SingleStep, index: number): Plan {
  const key = keys[step.key % keys.length]!;
  const path = keyPath(bucket, key);
  const check = (a: FuzzAnswer, r: FuzzRequest, e: Expect, what: string): void => expectAnswer(a, e, `${what}: ${r.method} ${r.path}`);
  switch (step.op) {
    case 'put': {
      const body = bodyOf(step.body, index);
      const tagSet = step.tags === undefined ? undefined : TAG_SETS[step.tags % TAG_SETS.length]!;
      const cond = condHeaders(pm, key, step.cond);
      const req: FuzzRequest = { method: 'PUT', path, body, headers: { ...cond, ...(tagSet ? { 'x-amz-tagging': tagSet.header } : {}) } };
      return {
        req,
        effects: [(m, a) => {
          const refusal = condRefusal(m, key, cond);
          if (refusal) {
            check(a, req, refusal, `PutObject ${step.cond}`);
            return [key];
          }
          check(a, req, { status: 200, etag: `"${md5hex(body)}"`, headers: m.mode === 'Enabled' ? {} : { 'x-amz-version-id': null } }, 'PutObject');
          m.add(key, { vid: m.mode === 'Enabled' ? newVersionId(m, a, 'PutObject') : 'null', dm: false, body, etag: `"${md5hex(body)}"`, tags: tagSet?.tags ?? [] });
          return [key];
        }],
      };
    }
    case 'copy': {
      const srcKey = keys[step.src % keys.length]!;
      const pvs = pm.versions(srcKey);
      const at = step.pick % (pvs.length + 1);
      const namedId = at < pvs.length ? pvs[at]!.vid : undefined;
      const source = `/${bucket}/${q(srcKey)}${namedId ? `?versionId=${namedId}` : ''}`;
      const req: FuzzRequest = { method: 'PUT', path, headers: { 'x-amz-copy-source': source, ...(step.replace ? { 'x-amz-metadata-directive': 'REPLACE' } : {}) } };
      return {
        req,
        effects: [(m, a, ctx) => {
          // The source as the copy reads it; its answer's status is decided here.
          const vs = m.versions(srcKey);
          const named = namedId === undefined ? undefined : vs.find((v) => v.vid === namedId);
          const src = namedId === undefined ? vs[0] : named;
          let e: Expect;
          if (!src) e = namedId === undefined ? { status: 404, code: 'NoSuchKey' } : { status: 404, code: 'NoSuchVersion' };
          else if (src.dm) e = named ? { status: 400, code: 'InvalidRequest' } : { status: 404, code: 'NoSuchKey' };
          else if (srcKey === key && src === vs[0] && !step.replace) e = { status: 400, code: 'InvalidRequest' };
          else e = { status: 200, headers: { 'x-amz-copy-source-version-id': m.shows(src.vid) ? src.vid : null, ...(m.mode === 'Enabled' ? {} : { 'x-amz-version-id': null }) } };
          check(a, req, e, `CopyObject from ${JSON.stringify(srcKey)}${namedId ? ` version ${namedId}` : ''}`);
          if (src && !src.dm) ctx.src = { ...src, tags: [...src.tags] };
          return [];
        }, (m, a, ctx) => {
          // The new version, written later.
          const src = ctx.src as MVersion | undefined;
          if (a.status !== 200 || !src) return [];
          const etag = decodeValue(child(a.text, 'ETag') ?? '', false);
          // A copy is one new object of the same bytes; a copy of a multipart object may keep its ETag.
          if (!src.etag.includes('-')) assert.equal(etag, src.etag, 'CopyObject ETag');
          m.add(key, { vid: m.mode === 'Enabled' ? newVersionId(m, a, 'CopyObject') : 'null', dm: false, body: src.body, etag, tags: src.tags });
          return [key, srcKey];
        }],
      };
    }
    case 'delete': {
      const cond = condHeaders(pm, key, step.cond);
      const req: FuzzRequest = { method: 'DELETE', path, headers: cond };
      return {
        req,
        effects: [(m, a) => {
          const refusal = condRefusal(m, key, cond);
          if (refusal) {
            check(a, req, refusal, `DeleteObject ${step.cond}`);
            return [key];
          }
          if (m.mode === 'Unversioned') {
            check(a, req, { status: 204, headers: { 'x-amz-delete-marker': null, 'x-amz-version-id': null } }, 'DeleteObject (never versioned)');
            m.remove(key, 'null');
            return [key];
          }
          check(a, req, { status: 204, headers: { 'x-amz-delete-marker': 'true', ...(m.mode === 'Suspended' ? { 'x-amz-version-id': 'null' } : {}) } }, 'DeleteObject');
          m.add(key, { vid: m.mode === 'Enabled' ? newVersionId(m, a, 'DeleteObject') : 'null', dm: true, body: Buffer.alloc(0), etag: '', tags: [] });
          return [key];
        }],
      };
    }
    case 'tag': {
      // The current version, or one named by id (any of the key's, `null`, a removed one).
      const named = step.pick % 2 === 0 ? undefined : versionPick(pm, key, step.pick >> 1);
      const tagSet = TAG_SETS[step.tags % TAG_SETS.length]!;
      const p = `${path}?tagging${named === undefined ? '' : `&versionId=${named}`}`;
      const req: FuzzRequest = step.remove ? { method: 'DELETE', path: p } : { method: 'PUT', path: p, body: taggingXml(tagSet.tags) };
      const what = `${step.remove ? 'Delete' : 'Put'}ObjectTagging${named === undefined ? '' : ` version ${named}`}`;
      return {
        req,
        effects: [(m, a) => {
          const vs = m.versions(key);
          const v = named === undefined ? vs[0] : vs.find((x) => x.vid === named);
          // A delete marker, named by version id or the current version, is 405 (LocalStack's
          // AWS-validated test_object_tagging_versioned); no version at all: NoSuchKey.
          let e: Expect;
          if (!v) e = named === undefined ? { status: 404, code: 'NoSuchKey' } : { status: 404, code: 'NoSuchVersion' };
          else if (v.dm) e = { status: 405, code: 'MethodNotAllowed', headers: { 'x-amz-delete-marker': 'true' } };
          else e = { status: step.remove ? 204 : 200, headers: { 'x-amz-version-id': m.shows(v.vid) ? v.vid : null } };
          check(a, req, e, what);
          if (v && !v.dm) v.tags = step.remove ? [] : tagSet.tags;
          return [key];
        }],
      };
    }
    case 'deleteVersion': {
      const vid = versionPick(pm, key, step.pick);
      const req: FuzzRequest = { method: 'DELETE', path: `${path}?versionId=${vid}` };
      return {
        req,
        effects: [(m, a) => {
          const hit = m.versions(key).find((v) => v.vid === vid);
          const headers: Record<string, string | null> = m.mode === 'Unversioned' ? { 'x-amz-delete-marker': null, 'x-amz-version-id': null } : hit ? { 'x-amz-delete-marker': hit.dm ? 'true' : null, 'x-amz-version-id': vid } : { 'x-amz-delete-marker': null };
          check(a, req, { status: 204, headers }, `DeleteObject version ${vid}${hit ? '' : ' (absent)'}`);
          m.remove(key, vid);
          return [key];
        }],
      };
    }
  }
}

/**
 * Send single-request steps at once. Each was decided against the model before any was sent; some
 * serial order of their effects (a copy's read and write may have others in between) must explain
 * every answer and the state after (every key read, both listings whole), and the model becomes
 * that order's.
 */
async function runConcurrent(t: Target, keys: string[], steps: SingleStep[], index: number): Promise<string[]> {
  const plans = steps.map((s, j) => planSingle(t.bucket, t.model, keys, s, index * 10 + j));
  const answers = await Promise.all(plans.map((p) => t.send(p.req)));
  const tried: string[] = [];
  const seen = new Set<string>();
  for (const order of interleavings(plans.map((p) => p.effects.length))) {
    const m = t.model.clone();
    const ctxs = plans.map(() => ({}));
    const next = plans.map(() => 0);
    let touched: string[];
    try {
      touched = order.flatMap((i) => plans[i]!.effects[next[i]!++]!(m, answers[i]!, ctxs[i]!));
    } catch (e) {
      tried.push(`order ${order.join(',')}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    // Orders that explain the answers alike and end alike need reading back once.
    const state = JSON.stringify([...m.keys].map(([k, vs]) => [k, vs.map((v) => [v.vid, v.dm, v.etag, v.tags, v.body.toString('base64')])]));
    if (seen.has(state)) continue;
    seen.add(state);
    try {
      const probe: Target = { ...t, model: m };
      for (const k of keys) await checkKey(probe, k);
      await checkVersions(probe, { page: 1000, url: false });
      await checkObjects(probe, { page: 1000, url: false });
    } catch (e) {
      tried.push(`order ${order.join(',')}: the state after: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    t.model.adopt(m);
    return touched;
  }
  const sent = plans.map((p, i) => `#${i} ${p.req.method} ${p.req.path} ${JSON.stringify(p.req.headers ?? {})} → ${answers[i]!.status} ${answers[i]!.code ?? ''} ${JSON.stringify(answers[i]!.headers['x-amz-version-id'] ?? '')}`);
  throw new Error(`no serial order of the concurrent requests explains their answers and the state after:\n${sent.join('\n')}\n${tried.join('\n')}`);
}

/** Every merge of sequences of `lengths[i]` effects of request i, each request's in its order. */
function interleavings(lengths: number[]): number[][] {
  if (lengths.every((n) => n === 0)) return [[]];
  return lengths.flatMap((n, i) => {
    if (n === 0) return [];
    const rest = lengths.map((x, j) => (j === i ? x - 1 : x));
    return interleavings(rest).map((o) => [i, ...o]);
  });
}

/** Upload a body in parts of at least 5 bytes (but the last) and complete; the model gets the version. */
async function completeUpload(t: Target, key: string, uploadIdRaw: string, step: { body: number; cuts: number[] }, index: number, newVid: (a: FuzzAnswer, what: string) => string): Promise<void> {
  const m = t.model;
  const path = keyPath(t.bucket, key);
  const body = Buffer.concat([bodyOf(step.body, index), Buffer.from('multipart tail')]);
  // Parts of at least 5 bytes but the last (the gateways run with minPartSize 5).
  const cuts = [...new Set(step.cuts.map((c) => 5 + (c % Math.max(1, body.length - 4))))].filter((c) => c < body.length).sort((x, y) => x - y);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, body.length]) {
    if (c - from >= 5 || c === body.length) {
      parts.push(body.subarray(from, c));
      from = c;
    }
  }
  const uploadId = encodeURIComponent(uploadIdRaw);
  const etags: string[] = [];
  for (const [i, p] of parts.entries()) {
    const a = await must(t, { method: 'PUT', path: `${path}?partNumber=${i + 1}&uploadId=${uploadId}`, body: p }, { status: 200, etag: `"${md5hex(p)}"` }, 'UploadPart');
    etags.push(header(a, 'etag')!);
  }
  const xmlBody = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const etag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}"`;
  const a = await must(t, { method: 'POST', path: `${path}?uploadId=${uploadId}`, body: xmlBody }, { status: 200, headers: m.mode === 'Enabled' ? {} : { 'x-amz-version-id': null } }, 'CompleteMultipartUpload');
  assert.ok(!/<Error>/.test(a.text), `CompleteMultipartUpload: ${a.text}`);
  assert.equal(decodeValue(child(a.text, 'ETag') ?? '', false), etag, 'CompleteMultipartUpload ETag');
  m.add(key, { vid: m.mode === 'Enabled' ? newVid(a, 'CompleteMultipartUpload') : 'null', dm: false, body, etag, tags: [] });
}

/** A version id to name: one of the key's, `null`, or one removed before (mod how many there are). */
function versionPick(m: BucketModel, key: string, pick: number): string {
  const ids = [...m.versions(key).map((v) => v.vid), 'null', ...m.gone.slice(-2)];
  return ids[pick % ids.length]!;
}

/** GET and HEAD of the current version and of every version by id, a removed id and `null`. */
export async function checkKey(t: Target, key: string): Promise<void> {
  const m = t.model;
  const path = keyPath(t.bucket, key);
  const ids = [undefined, ...m.versions(key).map((v) => v.vid), ...(m.versions(key).some((v) => v.vid === 'null') || m.mode === 'Unversioned' ? [] : ['null']), ...m.gone.slice(-1)];
  for (const vid of ids) {
    const p = vid === undefined ? path : `${path}?versionId=${vid}`;
    const e = expectRead(m, key, vid);
    await must(t, { method: 'GET', path: p }, e, `GetObject of ${JSON.stringify(key)}`);
    await must(t, { method: 'HEAD', path: p }, { ...e, body: undefined, code: undefined, headers: { ...e.headers, 'x-amz-tagging-count': undefined } }, `HeadObject of ${JSON.stringify(key)}`);
    const v = vid === undefined ? m.versions(key)[0] : m.versions(key).find((x) => x.vid === vid);
    if (v && !v.dm) {
      const tg = await t.send({ method: 'GET', path: vid === undefined ? `${path}?tagging` : `${path}?tagging&versionId=${vid}` });
      assert.equal(tg.status, 200, `GetObjectTagging of ${JSON.stringify(key)} ${vid}: ${tg.text}`);
      const got = [...tg.text.matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((x) => `${unescapeXml(x[1]!)}=${unescapeXml(x[2]!)}`).sort();
      assert.deepEqual(got, [...v.tags].sort(), `GetObjectTagging of ${JSON.stringify(key)} ${vid}`);
    }
  }
}

function qs(qy: ListQuery): string {
  let s = '';
  if (qy.prefix) s += `&prefix=${q(qy.prefix)}`;
  if (qy.delimiter) s += `&delimiter=${q(qy.delimiter)}`;
  if (qy.url) s += '&encoding-type=url';
  return s;
}

function show<T>(items: Item<T>[], f: (v: T) => string): string[] {
  return items.map((i) => ('prefix' in i ? `CP ${JSON.stringify(i.prefix)}` : `${JSON.stringify(i.key)} ${f(i.value)}`));
}

/** Keys and common prefixes of one page in byte order (the XML groups them). */
function merged<T>(keys: { key: string; value: T }[], prefixes: string[]): Item<T>[] {
  const all: Item<T>[] = [...keys, ...prefixes.map((prefix) => ({ prefix }))];
  const name = (i: Item<T>): string => ('prefix' in i ? i.prefix : i.key);
  return all.map((x, i) => ({ x, i })).sort((a, b) => cmpUtf8(name(a.x), name(b.x)) || a.i - b.i).map((a) => a.x);
}

function pageChecks(text: string, qy: ListQuery, count: number, pages: number, what: string): boolean {
  const truncated = child(text, 'IsTruncated') === 'true';
  assert.ok(count <= qy.page, `${what}: ${count} items on a page of max-keys ${qy.page}`);
  if (truncated) assert.ok(count > 0, `${what}: truncated page holds nothing`);
  assert.ok(pages < 100, `${what}: paging does not end`);
  assert.equal(decodeValue(child(text, 'Prefix') ?? '', qy.url), qy.prefix ?? '', `${what}: Prefix echoed`);
  return truncated;
}

/** ListObjectVersions paged to the end, against the model. */
export async function checkVersions(t: Target, qy: ListQuery): Promise<void> {
  const m = t.model;
  const got: Item<string>[] = [];
  let km = qy.marker;
  let vm: string | undefined;
  let after: ((v: MVersion) => boolean) | undefined;
  const startKeys = [...m.keys.keys()].filter((k) => k.startsWith(qy.prefix ?? '') && rollUp(k, qy.prefix ?? '', qy.delimiter) === undefined);
  if (qy.idPick !== undefined && startKeys.length > 0) {
    const k = startKeys[qy.idPick % startKeys.length]!;
    const vs = m.versions(k);
    const at = qy.idPick % vs.length;
    km = k;
    vm = vs[at]!.vid;
    after = (v) => vs.indexOf(v) > at;
  }
  const start = { ...qy, marker: km };
  for (let pages = 0; ; pages++) {
    let path = `/${t.bucket}?versions&max-keys=${qy.page}${qs(qy)}`;
    if (km !== undefined) path += `&key-marker=${q(km)}`;
    if (vm !== undefined) path += `&version-id-marker=${vm}`;
    const a = await t.send({ method: 'GET', path });
    assert.equal(a.status, 200, `ListObjectVersions ${path}: ${a.text}`);
    const { items, prefixes } = pageItems(a.text, ['Version', 'DeleteMarker'], qy.url);
    const page = merged(items.map((i) => ({ key: i.key, value: `${i.tag === 'DeleteMarker' ? 'DM' : 'V'} ${child(i.body, 'VersionId')} latest=${child(i.body, 'IsLatest')}${i.tag === 'Version' ? ` ${unescapeXml(child(i.body, 'ETag') ?? '')} ${child(i.body, 'Size')}` : ''}` })), prefixes);
    got.push(...page);
    if (!pageChecks(a.text, qy, page.length, pages, `ListObjectVersions ${path}`)) break;
    km = decodeValue(child(a.text, 'NextKeyMarker') ?? '', qy.url);
    vm = child(a.text, 'NextVersionIdMarker');
  }
  const want = modelList(m.keys, { ...start, after }).map((i): Item<string> => {
    if ('prefix' in i) return i;
    const v = i.value;
    const latest = m.versions(i.key)[0] === v;
    return { key: i.key, value: `${v.dm ? 'DM' : 'V'} ${v.vid} latest=${latest}${v.dm ? '' : ` ${v.etag} ${v.body.length}`}` };
  });
  assert.deepEqual(show(got, (s) => s), show(want, (s) => s), `ListObjectVersions ${JSON.stringify(start)}`);
}

/** ListObjectsV2 paged to the end (start-after = the query's marker), against the model. */
export async function checkObjects(t: Target, qy: ListQuery): Promise<void> {
  const m = t.model;
  const got: Item<string>[] = [];
  let token: string | undefined;
  for (let pages = 0; ; pages++) {
    let path = `/${t.bucket}?list-type=2&max-keys=${qy.page}${qs(qy)}`;
    if (qy.marker !== undefined) path += `&start-after=${q(qy.marker)}`;
    if (token !== undefined) path += `&continuation-token=${q(token)}`;
    const a = await t.send({ method: 'GET', path });
    assert.equal(a.status, 200, `ListObjectsV2 ${path}: ${a.text}`);
    const { items, prefixes } = pageItems(a.text, ['Contents'], qy.url);
    const page = merged(items.map((i) => ({ key: i.key, value: `${unescapeXml(child(i.body, 'ETag') ?? '')} ${child(i.body, 'Size')}` })), prefixes);
    assert.equal(Number(child(a.text, 'KeyCount')), page.length, `ListObjectsV2 ${path}: KeyCount`);
    got.push(...page);
    if (!pageChecks(a.text, qy, page.length, pages, `ListObjectsV2 ${path}`)) break;
    token = child(a.text, 'NextContinuationToken');
    assert.ok(token !== undefined, `ListObjectsV2 ${path}: NextContinuationToken on a truncated page`);
  }
  const live = new Map([...m.keys].filter(([, vs]) => !vs[0]!.dm).map(([k, vs]) => [k, [vs[0]!]]));
  const want = modelList(live, qy).map((i): Item<string> => ('prefix' in i ? i : { key: i.key, value: `${i.value.etag} ${i.value.body.length}` }));
  assert.deepEqual(show(got, (s) => s), show(want, (s) => s), `ListObjectsV2 ${JSON.stringify(qy)}`);
}

/** Everything: every key read and both listings whole and with the query. */
export async function checkAll(t: Target, keys: string[], qy: ListQuery): Promise<void> {
  for (const k of keys) await checkKey(t, k);
  await checkVersions(t, { page: 1000, url: false });
  await checkObjects(t, { page: 1000, url: false });
  await checkVersions(t, qy);
  await checkObjects(t, qy);
}

/** Run a scenario's steps with the per-step checks: touched keys read, one listing of each kind. */
export async function runScenario(t: Target, s: Scenario): Promise<void> {
  await createBucket(t);
  for (const [i, { step, list, probe }] of s.steps.entries()) {
    const touched = await runStep(t, s.keys, step, i);
    for (const k of new Set(touched)) await checkKey(t, k);
    if (probe % 2 === 0) await checkVersions(t, list);
    else await checkObjects(t, list);
  }
}

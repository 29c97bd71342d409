/**
 * Listings against a plain model (listing-model.ts), property-based: random key sets (ASCII,
 * control characters, `%`/`+`/space, BMP and astral characters, repeated delimiters, keys that are
 * prefixes of others) and random requests — prefix, single- and multi-character delimiters,
 * markers, tiny page sizes, `encoding-type=url` — paged to the end the way SDK paginators do.
 * Each property: the pages concatenated equal the model's one listing, every page holds at most
 * max-keys items (keys and common prefixes together), nothing is returned twice, IsTruncated is
 * false exactly on the last page. Runs over the real engine on the memory backend and on LMDB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createEngine } from '../../../src/engine/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';
import type { MetaStore } from '../../../src/storage/contract/index.js';
import type { EngineApi } from '../../../src/engine/api.js';
import type { S3Service } from '../../../src/s3/types.js';
import { ALICE, BOB, makeService, send } from './helpers.js';
import { child, cmpUtf8, decodeValue, elements, delimiterArb, keyArb, keyPath, modelList, pageArb, pageItems, prefixArb, q, rollUp, type Item } from './listing-model.js';

/** The service under test and its engine (for what S3 cannot do: bucket snapshots). */
interface Gateway {
  service: S3Service;
  engine: EngineApi;
}

/** A fresh bucket name per property run. */
let buckets = 0;
const bucketName = (): string => `lm-${++buckets}`;

async function mustSend(service: S3Service, method: string, path: string, body?: string): Promise<{ text: string; headers: Record<string, unknown> }> {
  const r = await send(service, { method, path, body });
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
  return r;
}

/** A listing request: what the model and the gateway are both asked. */
interface ListQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  /** version-id-marker / upload-id-marker sent with the first `marker` (key-marker). */
  idMarker?: string;
  page: number;
  url: boolean;
}

/**
 * Key set + query. Prefix, delimiter and marker are often taken from the keys, so they select
 * something: a prefix is the start of a key, a delimiter a piece of one, a marker a key, the
 * start of one or a common prefix of the listing (the case S3 resumes past).
 */
function scenario<T>(entries: fc.Arbitrary<T[]>, keyOf: (t: T) => string): fc.Arbitrary<{ data: T[]; query: ListQuery }> {
  return entries.chain((data) => {
    const keys = data.map(keyOf);
    if (keys.length === 0) return fc.record({ data: fc.constant(data), query: fc.record({ prefix: prefixArb, delimiter: delimiterArb, marker: fc.option(keyArb, { nil: undefined }), page: pageArb, url: fc.boolean() }) });
    const key = fc.constantFrom(...keys);
    const chars = (k: string): string[] => [...k];
    const start = fc.tuple(key, fc.nat(6)).map(([k, n]) => chars(k).slice(0, n).join(''));
    const piece = fc.tuple(key, fc.nat(6), fc.integer({ min: 1, max: 2 })).map(([k, i, n]) => chars(k).slice(i % chars(k).length, (i % chars(k).length) + n).join(''));
    return fc.record({
      data: fc.constant(data),
      prefix: fc.oneof(prefixArb, start),
      delimiter: fc.oneof(delimiterArb, piece),
      page: pageArb,
      url: fc.boolean(),
    }).chain(({ data: d, prefix, delimiter, page, url }) => {
      const cps = keys.filter((k) => k.startsWith(prefix ?? '')).map((k) => rollUp(k, prefix ?? '', delimiter)).filter((c) => c !== undefined);
      const marker = fc.option(fc.oneof(keyArb, key, start, ...(cps.length ? [fc.constantFrom(...cps)] : [])), { nil: undefined, freq: 3 });
      return fc.record({ data: fc.constant(d), query: fc.record({ prefix: fc.constant(prefix), delimiter: fc.constant(delimiter), marker, page: fc.constant(page), url: fc.constant(url) }) });
    });
  });
}

/** Query string of the common parameters (empty ones left out, as clients do). */
function common(qy: ListQuery): string {
  let s = '';
  if (qy.prefix) s += `&prefix=${q(qy.prefix)}`;
  if (qy.delimiter) s += `&delimiter=${q(qy.delimiter)}`;
  if (qy.url) s += '&encoding-type=url';
  return s;
}

function describe<T>(items: Item<T>[], show: (v: T) => string = () => ''): string[] {
  return items.map((i) => ('prefix' in i ? `CP ${JSON.stringify(i.prefix)}` : `${JSON.stringify(i.key)} ${show(i.value)}`));
}

/** Pages reported for one listing, with the per-page checks every listing shares. */
function checkPage(text: string, qy: ListQuery, count: number, pages: number): boolean {
  const truncated = child(text, 'IsTruncated') === 'true';
  assert.ok(count <= qy.page, `page of ${count} items over max-keys ${qy.page}`);
  if (truncated) assert.ok(count > 0, 'truncated page holds nothing');
  assert.ok(pages < 200, 'paging does not end');
  const echoed = child(text, 'Prefix');
  assert.equal(decodeValue(echoed ?? '', qy.url), qy.prefix ?? '', 'Prefix echoed');
  if (qy.delimiter) assert.equal(decodeValue(child(text, 'Delimiter') ?? '', qy.url), qy.delimiter, 'Delimiter echoed');
  return truncated;
}

// ---------------------------------------------------------------------------------------------

async function putKeys(service: S3Service, bucket: string, keys: string[]): Promise<void> {
  await mustSend(service, 'PUT', `/${bucket}`);
  for (const k of keys) await mustSend(service, 'PUT', keyPath(bucket, k), 'x');
}

async function listV2(service: S3Service, bucket: string, qy: ListQuery): Promise<Item<null>[]> {
  const got: Item<null>[] = [];
  let token: string | undefined;
  for (let pages = 0; ; pages++) {
    let path = `/${bucket}?list-type=2&max-keys=${qy.page}${common(qy)}`;
    if (qy.marker !== undefined) path += `&start-after=${q(qy.marker)}`;
    if (token !== undefined) path += `&continuation-token=${q(token)}`;
    const { text } = await mustSend(service, 'GET', path);
    const { items, prefixes } = pageItems(text, ['Contents'], qy.url);
    const count = items.length + prefixes.length;
    assert.equal(Number(child(text, 'KeyCount')), count, 'KeyCount = keys + common prefixes');
    if (qy.marker !== undefined) assert.equal(decodeValue(child(text, 'StartAfter') ?? '', qy.url), qy.marker, 'StartAfter echoed');
    // Keys and prefixes interleave in byte order on S3; the XML groups them, so merge by order.
    got.push(...merge(items.map((i) => ({ key: i.key, value: null })), prefixes));
    const truncated = checkPage(text, qy, count, pages);
    const next = child(text, 'NextContinuationToken');
    assert.equal(next !== undefined, truncated, 'NextContinuationToken iff truncated');
    if (!truncated) return got;
    token = next;
  }
}

async function listV1(service: S3Service, bucket: string, qy: ListQuery): Promise<Item<null>[]> {
  const got: Item<null>[] = [];
  let marker = qy.marker;
  for (let pages = 0; ; pages++) {
    let path = `/${bucket}?max-keys=${qy.page}${common(qy)}`;
    if (marker !== undefined) path += `&marker=${q(marker)}`;
    const { text } = await mustSend(service, 'GET', path);
    const { items, prefixes } = pageItems(text, ['Contents'], qy.url);
    assert.equal(decodeValue(child(text, 'Marker') ?? '', qy.url), marker ?? '', 'Marker echoed');
    const page = merge(items.map((i) => ({ key: i.key, value: null })), prefixes);
    got.push(...page);
    const truncated = checkPage(text, qy, page.length, pages);
    if (!truncated) return got;
    // SDK paginators: NextMarker, else the last Key (AWS sends NextMarker only with a delimiter).
    const nm = child(text, 'NextMarker');
    const last = page[page.length - 1]!;
    const lastName = 'prefix' in last ? last.prefix : last.key;
    if (nm !== undefined) assert.equal(decodeValue(nm, qy.url), lastName, 'NextMarker = last key or prefix of the page');
    marker = nm !== undefined ? decodeValue(nm, qy.url) : lastName;
  }
}

/**
 * Keys and common prefixes of one page in byte order (S3 lists them as one sorted sequence; the
 * XML groups them). Each group must already ascend as sent: keys (ties only between versions or
 * uploads of one key) and prefixes (strictly).
 */
function merge<T>(keys: { key: string; value: T }[], prefixes: string[]): Item<T>[] {
  for (let i = 1; i < keys.length; i++) assert.ok(cmpUtf8(keys[i - 1]!.key, keys[i]!.key) <= 0, `keys out of order: ${JSON.stringify(keys[i - 1]!.key)} before ${JSON.stringify(keys[i]!.key)}`);
  for (let i = 1; i < prefixes.length; i++) assert.ok(cmpUtf8(prefixes[i - 1]!, prefixes[i]!) < 0, `prefixes out of order: ${JSON.stringify(prefixes[i - 1])} before ${JSON.stringify(prefixes[i])}`);
  const all: Item<T>[] = [...keys, ...prefixes.map((prefix) => ({ prefix }))];
  const name = (i: Item<T>): string => ('prefix' in i ? i.prefix : i.key);
  return all.sort((a, b) => cmpUtf8(name(a), name(b)));
}

function noDuplicates<T>(items: Item<T>[], id: (i: Item<T>) => string): void {
  const seen = new Set<string>();
  for (const i of items) {
    const k = id(i);
    assert.ok(!seen.has(k), `returned twice: ${k}`);
    seen.add(k);
  }
}

const itemId = (i: Item<unknown>): string => ('prefix' in i ? `p:${i.prefix}` : `k:${i.key}:${JSON.stringify(i.value)}`);

async function objectsProperty(service: S3Service, runs: number): Promise<void> {
  await fc.assert(fc.asyncProperty(scenario(fc.uniqueArray(keyArb, { maxLength: 20 }), (k) => k), async ({ data, query }) => {
    const bucket = bucketName();
    await putKeys(service, bucket, data);
    const entries = new Map(data.map((k) => [k, [null]]));
    const want = modelList(entries, query);
    const v2 = await listV2(service, bucket, query);
    noDuplicates(v2, itemId);
    assert.deepEqual(describe(v2), describe(want), 'ListObjectsV2');
    const v1 = await listV1(service, bucket, query);
    assert.deepEqual(describe(v1), describe(want), 'ListObjects V1');
  }), { numRuns: runs });
}

// ---------------------------------------------------------------------------------------------
// Versions.

/**
 * One write of the versions scenario, in versioning `mode`: a PUT or a DELETE of `key`, or
 * (`purge`) a DELETE of one of its versions by id — the `purge`-th newest, markers included — or
 * (`snap`) a bucket snapshot (ccow.md §10), after which purged versions stay as hidden records
 * that S3 listings must still skip.
 */
interface Write {
  key: string;
  op: 'put' | 'del' | 'purge' | 'snap';
  purge: number;
  mode: 'Off' | 'Enabled' | 'Suspended';
}

const writesArb = fc.tuple(
  fc.uniqueArray(keyArb, { minLength: 1, maxLength: 6 }),
  fc.array(fc.tuple(fc.nat(), fc.constantFrom('put', 'put', 'put', 'del', 'purge', 'purge', 'snap'), fc.nat(3), fc.constantFrom('Off', 'Enabled', 'Enabled', 'Suspended')), { maxLength: 18 }),
).map(([keys, ws]) => {
  // Versioning never returns to Off: once on, 'Off' writes count as Enabled.
  let on = false;
  return ws.map(([i, op, purge, m]): Write => {
    if (m !== 'Off') on = true;
    const mode = m === 'Off' && on ? 'Enabled' : m;
    return { key: keys[i % keys.length]!, op, purge, mode };
  });
});

interface Ver {
  vid: string;
  dm: boolean;
}

let snaps = 0;

/** Apply the writes; returns each key's versions newest first as S3 keeps them. */
async function writeVersions({ service, engine }: Gateway, bucket: string, writes: Write[]): Promise<Map<string, Ver[]>> {
  await mustSend(service, 'PUT', `/${bucket}`);
  const model = new Map<string, Ver[]>();
  let mode: Write['mode'] = 'Off';
  for (const w of writes) {
    if (w.mode !== mode) {
      await mustSend(service, 'PUT', `/${bucket}?versioning`, `<VersioningConfiguration><Status>${w.mode}</Status></VersioningConfiguration>`);
      mode = w.mode;
    }
    const vs = model.get(w.key) ?? [];
    if (w.op === 'snap') {
      await engine.snapshotCreate(bucket, `s${++snaps}`);
      continue;
    }
    if (w.op === 'purge') {
      // DELETE ?versionId removes that version for good; the next one becomes the latest (API_DeleteObject).
      const gone = vs[w.purge % Math.max(1, vs.length)];
      if (!gone) continue;
      await mustSend(service, 'DELETE', `${keyPath(bucket, w.key)}?versionId=${gone.vid}`);
      model.set(w.key, vs.filter((v) => v !== gone));
      continue;
    }
    const del = w.op === 'del';
    if (del && mode === 'Off') {
      // Unversioned DELETE removes the object; its hidden marker is not listed (ccow.md §7.3).
      await mustSend(service, 'DELETE', keyPath(bucket, w.key));
      model.set(w.key, vs.filter((v) => v.vid !== 'null'));
      continue;
    }
    const r = await mustSend(service, del ? 'DELETE' : 'PUT', keyPath(bucket, w.key), del ? undefined : 'x');
    // Off and Suspended writes make the null version, replacing the previous one (API_PutObject, versioning docs).
    const vid = mode === 'Enabled' ? String(r.headers['x-amz-version-id']) : 'null';
    model.set(w.key, [{ vid, dm: del }, ...vs.filter((v) => vid !== 'null' || v.vid !== 'null')]);
  }
  for (const [k, vs] of model) if (vs.length === 0) model.delete(k);
  return model;
}

/** A listed version: id, marker or not, and IsLatest. */
interface Listed {
  vid: string;
  dm: boolean;
  latest: boolean;
}

async function listVersions(service: S3Service, bucket: string, qy: ListQuery): Promise<Item<Listed>[]> {
  const got: Item<Listed>[] = [];
  let km = qy.marker;
  let vm = qy.idMarker;
  for (let pages = 0; ; pages++) {
    let path = `/${bucket}?versions&max-keys=${qy.page}${common(qy)}`;
    if (km !== undefined) path += `&key-marker=${q(km)}`;
    if (vm !== undefined) path += `&version-id-marker=${vm}`;
    const { text } = await mustSend(service, 'GET', path);
    assert.equal(decodeValue(child(text, 'KeyMarker') ?? '', qy.url), km ?? '', 'KeyMarker echoed');
    assert.equal(child(text, 'VersionIdMarker') ?? '', vm ?? '', 'VersionIdMarker echoed');
    const { items, prefixes } = pageItems(text, ['Version', 'DeleteMarker'], qy.url);
    const keys = items.map((i) => ({ key: i.key, value: { vid: child(i.body, 'VersionId')!, dm: i.tag === 'DeleteMarker', latest: child(i.body, 'IsLatest') === 'true' } }));
    const page = merge(keys, prefixes);
    got.push(...page);
    const truncated = checkPage(text, qy, page.length, pages);
    if (!truncated) return got;
    const nk = child(text, 'NextKeyMarker');
    assert.ok(nk !== undefined, 'NextKeyMarker on a truncated page');
    const last = page[page.length - 1]!;
    if ('prefix' in last) {
      assert.equal(decodeValue(nk, qy.url), last.prefix, 'NextKeyMarker = the last common prefix');
      assert.equal(child(text, 'NextVersionIdMarker'), undefined, 'no NextVersionIdMarker after a prefix');
    } else {
      assert.equal(decodeValue(nk, qy.url), last.key, 'NextKeyMarker = last key');
      assert.equal(child(text, 'NextVersionIdMarker'), last.value.vid, 'NextVersionIdMarker = last version');
    }
    km = decodeValue(nk, qy.url);
    vm = child(text, 'NextVersionIdMarker');
  }
}

/**
 * With `pick`, half the time start from key-marker + version-id-marker naming one stored version
 * (of a key that does not roll up): the rest of that key's versions, then later keys.
 */
function withIdMarker<V>(model: Map<string, V[]>, qy: ListQuery, pick: number, id: (v: V) => string): { qy: ListQuery; after?: (v: V) => boolean } {
  const keys = [...model.keys()].filter((k) => k.startsWith(qy.prefix ?? '') && rollUp(k, qy.prefix ?? '', qy.delimiter) === undefined);
  if (pick % 2 === 0 || keys.length === 0) return { qy };
  const key = keys[pick % keys.length]!;
  const vs = model.get(key)!;
  const at = pick % vs.length;
  return { qy: { ...qy, marker: key, idMarker: id(vs[at]!) }, after: (v) => vs.indexOf(v) > at };
}

async function versionsProperty(gw: Gateway, runs: number): Promise<void> {
  const { service } = gw;
  await fc.assert(fc.asyncProperty(scenario(writesArb, (w) => w.key), fc.nat(), async ({ data, query }, pick) => {
    const bucket = bucketName();
    const model = await writeVersions(gw, bucket, data);
    const { qy, after } = withIdMarker(model, query, pick, (v) => v.vid);
    const want = modelList(model, { ...qy, after }).map((i): Item<Listed> => ('prefix' in i ? i : { key: i.key, value: { ...i.value, latest: model.get(i.key)![0] === i.value } }));
    const got = await listVersions(service, bucket, qy);
    noDuplicates(got, itemId);
    assert.deepEqual(describe(got, (v) => JSON.stringify(v)), describe(want, (v) => JSON.stringify(v)));
    // ListObjects shows the keys whose newest version is not a delete marker.
    const live = new Map([...model].filter(([, vs]) => !vs[0]!.dm).map(([k]) => [k, [null]]));
    assert.deepEqual(describe(await listV2(service, bucket, query)), describe(modelList(live, query)), 'ListObjectsV2 of the versioned bucket');
  }), { numRuns: runs });
}

// ---------------------------------------------------------------------------------------------
// Multipart uploads.

async function createUploads(service: S3Service, bucket: string, keys: string[]): Promise<Map<string, string[]>> {
  await mustSend(service, 'PUT', `/${bucket}`);
  const model = new Map<string, string[]>();
  for (const k of keys) {
    const { text } = await mustSend(service, 'POST', `${keyPath(bucket, k)}?uploads`);
    model.set(k, [...(model.get(k) ?? []), child(text, 'UploadId')!]);
  }
  return model;
}

async function listUploads(service: S3Service, bucket: string, qy: ListQuery): Promise<Item<string>[]> {
  const got: Item<string>[] = [];
  let km = qy.marker;
  let um = qy.idMarker;
  for (let pages = 0; ; pages++) {
    let path = `/${bucket}?uploads&max-uploads=${qy.page}${common(qy)}`;
    if (km !== undefined) path += `&key-marker=${q(km)}`;
    if (um !== undefined) path += `&upload-id-marker=${um}`;
    const { text } = await mustSend(service, 'GET', path);
    assert.equal(decodeValue(child(text, 'KeyMarker') ?? '', qy.url), km ?? '', 'KeyMarker echoed');
    assert.equal(child(text, 'UploadIdMarker') ?? '', um ?? '', 'UploadIdMarker echoed');
    const { items, prefixes } = pageItems(text, ['Upload'], qy.url);
    const page = merge(items.map((i) => ({ key: i.key, value: child(i.body, 'UploadId')! })), prefixes);
    got.push(...page);
    const truncated = checkPage(text, qy, page.length, pages);
    if (!truncated) return got;
    const nk = child(text, 'NextKeyMarker');
    assert.ok(nk !== undefined, 'NextKeyMarker on a truncated page');
    km = decodeValue(nk, qy.url);
    um = child(text, 'NextUploadIdMarker');
  }
}

async function uploadsProperty(service: S3Service, runs: number): Promise<void> {
  const keysArb = fc.tuple(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 14 })).map(([ks, is]) => is.map((i) => ks[i % ks.length]!));
  await fc.assert(fc.asyncProperty(scenario(keysArb, (k) => k), fc.nat(), async ({ data, query }, pick) => {
    const bucket = bucketName();
    const model = await createUploads(service, bucket, data);
    const { qy, after } = withIdMarker(model, query, pick, (v) => v);
    const want = modelList(model, { ...qy, after });
    const got = await listUploads(service, bucket, qy);
    noDuplicates(got, itemId);
    assert.deepEqual(describe(got, (v) => v), describe(want, (v) => v));
  }), { numRuns: runs });
}

// ---------------------------------------------------------------------------------------------

/** `LISTING_RUNS=k` multiplies the run counts, for a longer hunt by hand. */
const scale = Number(process.env.LISTING_RUNS ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * scale));


test('listings match the model: memory backend', async (t) => {
  const gw = await makeService();
  const { service } = gw;
  await t.test('ListObjectsV2 and ListObjects V1', () => objectsProperty(service, runs(60)));
  await t.test('ListObjectVersions', () => versionsProperty(gw, runs(40)));
  await t.test('ListMultipartUploads', () => uploadsProperty(service, runs(30)));
});

test('listings match the model: LMDB backend', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'listing-model-'));
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'relaxed', mapSize: 64 * 1024 * 1024 });
  const engine = await createEngine(backend, { digestWorker: false });
  try {
    await engine.putUser(ALICE);
    await engine.putUser(BOB);
    const gw = await makeService({ engine });
    const { service } = gw;
    await t.test('ListObjectsV2 and ListObjects V1', () => objectsProperty(service, runs(15)));
    await t.test('ListObjectVersions', () => versionsProperty(gw, runs(10)));
    await t.test('ListMultipartUploads', () => uploadsProperty(service, runs(8)));
  } finally {
    await engine.close();
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * A delimiter listing costs one row per common prefix shown, not one per key under it: the engine
 * seeks past each prefix (engine/listing.ts, s3-surface.md §4.1). Rows counted at the MetaStore,
 * so this holds whatever the machine's speed: 150 prefixes of 4 keys (3 versions each in the
 * versions listing, 2 uploads each in the uploads listing), pages of 40.
 */
test('delimiter listings read one row per common prefix, not every key under it', async () => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  await mustSend(service, 'PUT', '/seek-objects');
  await mustSend(service, 'PUT', '/seek-versions');
  await mustSend(service, 'PUT', '/seek-versions?versioning', '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  await mustSend(service, 'PUT', '/seek-uploads');
  const dirs = Array.from({ length: 150 }, (_, i) => `d${String(i).padStart(3, '0')}/`);
  for (const d of dirs) {
    for (const f of ['a', 'b', 'c', 'd']) await engine.putObject({ bucket: 'seek-objects', key: d + f }, one(Buffer.from(f)));
    for (let v = 0; v < 3; v++) await engine.putObject({ bucket: 'seek-versions', key: `${d}x` }, one(Buffer.from('v')));
    for (let u = 0; u < 2; u++) await engine.createUpload({ bucket: 'seek-uploads', key: `${d}y` }, {});
  }
  const counted = countRows(backend.meta);
  for (const [what, bucket, query, nextParam] of [
    ['ListObjectsV2', 'seek-objects', 'list-type=2', 'NextContinuationToken'],
    ['ListObjects', 'seek-objects', '', 'NextMarker'],
    ['ListObjectVersions', 'seek-versions', 'versions', 'NextKeyMarker'],
    ['ListMultipartUploads', 'seek-uploads', 'uploads', 'NextKeyMarker'],
  ] as const) {
    counted.rows = 0;
    const seen: string[] = [];
    let next: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const from = next === undefined ? '' : `&${{ NextContinuationToken: 'continuation-token', NextMarker: 'marker', NextKeyMarker: 'key-marker' }[nextParam]}=${q(next)}`;
      const { text } = await mustSend(service, 'GET', `/${bucket}?${query}&delimiter=%2F&max-keys=40&max-uploads=40${from}`);
      seen.push(...elements(text, 'CommonPrefixes').map((b) => child(b, 'Prefix')!));
      if (child(text, 'IsTruncated') !== 'true') break;
      next = child(text, nextParam);
    }
    assert.deepEqual(seen, dirs, what);
    // One row per prefix, plus at most one look-ahead row per page (4 pages).
    assert.ok(counted.rows <= dirs.length + 4, `${what} read ${counted.rows} rows for ${dirs.length} prefixes`);
  }
});

async function* one(b: Buffer): AsyncIterable<Uint8Array> {
  yield b;
}

/** Count the MetaStore rows the engine's scans read from now on (visit callbacks and range rows). */
function countRows(meta: MetaStore): { rows: number } {
  const counted = { rows: 0 };
  const visit = meta.visit.bind(meta);
  const range = meta.range.bind(meta);
  meta.visit = (opts, fn) => visit(opts, (k, v) => {
    counted.rows++;
    return fn(k, v);
  });
  meta.range = (opts) => ({
    async *[Symbol.asyncIterator]() {
      for await (const row of range(opts)) {
        counted.rows++;
        yield row;
      }
    },
  });
  return counted;
}

/**
 * SIGKILL of `ccow serve` in the middle of the S3 operations crash.test.ts and crash-gc.test.ts do
 * not reach (issue #4 with #3: "kill -9 in the middle of a write: acknowledged data survives,
 * nothing half-written becomes visible"; shared/spec/ccow.md §13). The built gateway runs as a child
 * and is driven over a real socket with signed requests by concurrent workers, each on its own keys:
 *
 * - `mpu`: CompleteMultipartUpload of 4–8 parts, most of them UploadPartCopy of 5 MiB ranges of a
 *   source at odd offsets (re-chunked, not shared), some UploadPart, part numbers sometimes uploaded
 *   twice, half of the uploads with CRC32 checksums (COMPOSITE or FULL_OBJECT); a Complete cut by
 *   the kill is retried after the restart (200 and the upload's ETag, committed before or not);
 * - `copy`: CopyObject of the 6 MiB source (COPY or REPLACE metadata and tags, a checksum), of a
 *   key onto itself (REPLACE), and of an o/ key while the put worker overwrites it;
 * - `put`: overwrites of unversioned keys (0 B .. 2 MiB, metadata, tags, a SHA-256 checksum) and of
 *   versioned keys (plus delete markers and purges of the oldest version); `chunked`: aws-chunked
 *   PUTs (STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer) streamed slowly, killed mid-body;
 * - `dels`: DeleteObjects of 1000 keys (a delete marker each, then those markers purged, by turns);
 * - `switch`: PutBucketVersioning Enabled/Suspended by turns while two workers put into the bucket
 *   (a put answered without a version id made the null version and replaced the previous one);
 * - `meta`: PutObjectTagging and PutObjectAcl;
 * - a reader GETs the unversioned keys all along: the body is always whole (it hashes to the
 *   x-amz-meta-sha every write carries) and is the version acknowledged last when the GET was sent
 *   or one written after, never older and never missing (the old version stays readable until the
 *   new one is acknowledged).
 *
 * Every worker runs in every round; the kill lands 0–15 ms (a Complete: 0–60 ms) after a trigger
 * that cycles through the moments above (a Complete sent, an UploadPartCopy sent, half a chunked
 * body sent, a CopyObject sent, a DeleteObjects sent, a PutBucketVersioning sent, a versioned put
 * sent, a tagging or ACL change sent), once 0–20 operations of the round were acknowledged. A
 * quarter of the restarted gateways are killed again 0–300 ms after they listen (while they recover)
 * and started once more. After each kill:
 *
 * - `ccow fsck`'s audit, run on the data dir before anything restarts, finds nothing missing,
 *   corrupt or dangling (chunk files of the interrupted writes without a row are allowed: the
 *   restarted gateway sweeps them);
 * - after the restart every key holds exactly the versions of its acknowledged operations, or of
 *   those and the one in flight, each bit-exact with its metadata, tags, ACL and checksum; the bucket
 *   versioning state is the last one acknowledged or the one in flight; ListObjectVersions,
 *   ListObjectsV2 and GET agree; every open upload is one the client created, with exactly its
 *   acknowledged parts (an interrupted part absent or whole), and a completed upload is gone;
 * - every CRASH_S3_FSCK_EVERY rounds and at the end the gateway is stopped and `ccow fsck` is clean.
 *
 * Knobs: CRASH_S3_ROUNDS (default 20), CRASH_S3_SEED (replays a run; the seed is printed),
 * CRASH_S3_FSCK_EVERY (default 10), CRASH_S3_DURABILITY (strict; relaxed too: a SIGKILL keeps the page cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { Pool, request } from 'undici';
import { fsck as fsckCommand } from '../../../src/cli/admin.js';
import { between, forEachLimit, KEYS, payloadOf, prng, runCcow, send, sha256, signHeaders, spawnGateway, type ChildGateway, type RawResponse } from './helpers.js';

const SEED = Number(process.env.CRASH_S3_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.CRASH_S3_ROUNDS ?? 20);
const FSCK_EVERY = Number(process.env.CRASH_S3_FSCK_EVERY ?? 10);
/** `relaxed` runs the gateway with --durability relaxed (a SIGKILL, unlike a power cut, loses nothing there either). */
const DURABILITY = process.env.CRASH_S3_DURABILITY ?? 'strict';
const KiB = 1024;
const MiB = 1024 * KiB;
const PART = 5 * MiB;
const SRC_SIZE = 6 * MiB + 12_345;
const DELS = 1000;

const TRIGGERS = ['complete', 'partCopy', 'chunkedMid', 'copy', 'deleteObjects', 'versioning', 'putVer', 'tagging', 'acl'] as const;
type Trigger = (typeof TRIGGERS)[number];

/** What a data version holds; `op` is its x-amz-meta-op (unique per write; 'src' for copies that keep the source's). */
interface Ver {
  versionId: string;
  marker: boolean;
  sha?: string;
  size?: number;
  op?: string;
  /** Tag set as `k=v&k=v`, sorted. */
  tags?: string;
  /** ACL summary (t/ keys only). */
  acl?: string;
  /** `alg:value` of the checksum the write sent (what GET answers must include); as read, every `alg:value` GET answered. */
  ck?: string;
}

interface KeyModel {
  bucket: string;
  key: string;
  /** Versions newest first after the acknowledged operations. */
  vers: Ver[];
  /** Alternatives if the operation in flight at the kill committed. */
  inflight?: Ver[][];
  /** The same, computed at the kill (a copy of a source that is overwritten meanwhile). */
  inflightFrom?: () => Ver[][];
  /** Unversioned keys the reader checks: op ids in write order and the index of the last acknowledged. */
  history?: { ops: string[]; acked: number };
}

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();
const b64sha = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
const crcB64 = (b: Buffer): string => {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(crc32(b));
  return v.toString('base64');
};
const xmlAll = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => decodeXml(m[1]!));
const xmlOne = (xml: string, tag: string): string | undefined => xmlAll(xml, tag)[0];
function decodeXml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
const enc = (key: string): string => key.split('/').map(encodeURIComponent).join('/');
const path = (bucket: string, key: string, q = ''): string => `/${bucket}/${enc(key)}${q}`;
const tagString = (tags: [string, string][]): string => tags.map(([k, v]) => `${k}=${v}`).sort().join('&');

/** Canned ACLs the meta worker sets, and the grants GET ?acl then shows (owner as 'owner'). */
const CANNED: Record<string, string> = {
  private: 'owner:FULL_CONTROL',
  'public-read': 'AllUsers:READ|owner:FULL_CONTROL',
  'authenticated-read': 'AuthenticatedUsers:READ|owner:FULL_CONTROL',
};

class Client {
  readonly pool: Pool;
  constructor(readonly gw: ChildGateway) {
    this.pool = new Pool(gw.url, { connections: 24, keepAliveTimeout: 30_000 });
  }
  send(method: string, p: string, body?: Buffer, headers: Record<string, string> = {}, unsigned = false): Promise<RawResponse> {
    return send(this.pool, this.gw.url, { method, path: p, body, headers, sign: KEYS, contentSha256: unsigned ? 'UNSIGNED-PAYLOAD' : sha256(body ?? Buffer.alloc(0)) });
  }
  async ok(method: string, p: string, body?: Buffer, headers: Record<string, string> = {}, status = 200): Promise<RawResponse> {
    const r = await this.send(method, p, body, headers, (body?.length ?? 0) > 64 * KiB);
    assert.equal(r.status, status, `${method} ${p}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return r;
  }
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** State shared by the workers of one round. */
class Round {
  stopped = false;
  readonly findings: string[] = [];
  readonly fired = new Set<Trigger>();
  /** Acknowledged operations in this round; the trigger counts only once there are `warmup` of them. */
  acks = 0;
  warmup = 0;
  #onTrigger: (t: Trigger) => void = () => undefined;
  constructor(readonly c: Client, readonly rand: () => number, readonly r: number) {}
  onTrigger(f: (t: Trigger) => void): void {
    this.#onTrigger = f;
  }
  trigger(t: Trigger): void {
    if (this.acks < this.warmup) return;
    this.fired.add(t);
    this.#onTrigger(t);
  }
  /** A failure before the kill is a finding; after it, the point of the test. */
  fail(what: string, e: unknown): void {
    if (!this.stopped) this.findings.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  /** A request of an operation: a 5xx or a dropped connection before the kill is a finding. */
  async call(what: string, f: () => Promise<RawResponse>): Promise<RawResponse | undefined> {
    try {
      const r = await f();
      if (r.status >= 500 && !this.stopped) this.findings.push(`${what}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      return r;
    } catch (e) {
      this.fail(what, e);
      return undefined;
    }
  }
}

/** An upload the client created; `retry` is its Complete (body, the ETag and version it makes), once sent. */
interface Upload {
  key: string;
  op: string;
  parts: Map<number, { etag: string; size: number }>;
  inflightPart?: { n: number; etag: string; size: number };
  complete?: 'inflight' | 'acked';
  retry?: { xml: Buffer; etag: string; ver: Omit<Ver, 'versionId'> };
}

/** The whole test's state: models of every key, the source object, open uploads. */
class World {
  readonly keys = new Map<string, KeyModel>();
  readonly src = payloadOf('src', SRC_SIZE);
  readonly srcSha = sha256(this.src);
  /** Uploads created (acknowledged) and not yet completed or aborted, and creates in flight. */
  uploads = new Map<string, Upload>();
  creating = new Set<string>();
  /** Versions read whole and found right (see readVersion). */
  readonly verified = new Set<string>();
  /** What each PUT to an unversioned key stores (a copy of that key becomes one of them), with its body's MD5. */
  readonly opVers = new Map<string, Omit<Ver, 'versionId'> & { md5: string }>();
  /** Versioning of `sw`: acknowledged, and the one in flight. */
  sw: { status: string; inflight?: string } = { status: 'Enabled' };
  /** PutBucketVersioning requests begun (a put that saw none begin while it ran must follow the state it began under). */
  switches = 0;
  #op = 0;
  opId(r: number): string {
    return `r${r}o${++this.#op}`;
  }
  model(bucket: string, key: string): KeyModel {
    const id = `${bucket}/${key}`;
    let m = this.keys.get(id);
    if (!m) {
      m = { bucket, key, vers: [] };
      this.keys.set(id, m);
    }
    return m;
  }
}

/** Body and headers of a PUT of `size` bytes labelled `op`. */
function putOf(op: string, size: number, rand: () => number): { body: Buffer; headers: Record<string, string>; ver: Omit<Ver, 'versionId'> } {
  const body = payloadOf(op, size);
  const sha = sha256(body);
  const headers: Record<string, string> = { 'x-amz-meta-op': op, 'x-amz-meta-sha': sha, 'content-type': 'application/x-crash' };
  const ver: Omit<Ver, 'versionId'> = { marker: false, sha, size, op, tags: '' };
  if (rand() < 0.5) {
    headers['x-amz-checksum-sha256'] = b64sha(body);
    ver.ck = `sha256:${headers['x-amz-checksum-sha256']}`;
  }
  if (rand() < 0.4) {
    const tags: [string, string][] = [['w', op], ['n', String(size)]];
    headers['x-amz-tagging'] = tags.map(([k, v]) => `${k}=${v}`).join('&');
    ver.tags = tagString(tags);
  }
  return { body, headers, ver };
}

function sizeOf(rand: () => number): number {
  const x = rand();
  if (x < 0.1) return 0;
  if (x < 0.35) return between(rand, 1, 16 * KiB + 1);
  if (x < 0.8) return between(rand, 16 * KiB, 512 * KiB);
  return between(rand, 512 * KiB, 2 * MiB);
}

/** Run an operation on `m`: `after` is the model if it commits; acknowledged → the model moves, else it stays in flight. */
async function keyOp(round: Round, m: KeyModel, after: (ack: RawResponse) => Ver[] | undefined, alts: Ver[][], op: string | undefined, run: () => Promise<RawResponse | undefined>): Promise<boolean> {
  m.inflight = alts;
  if (op !== undefined && m.history) m.history.ops.push(op);
  const r = await run();
  const next = r !== undefined && (r.status === 200 || r.status === 204) ? after(r) : undefined;
  if (next) {
    round.acks++;
    m.vers = next;
    m.inflight = undefined;
    m.inflightFrom = undefined;
    if (op !== undefined && m.history) m.history.acked = m.history.ops.indexOf(op);
    return true;
  }
  if (r && !round.stopped) {
    round.findings.push(`${m.bucket}/${m.key}: answered ${r.status} ${r.body.toString().slice(0, 200)}`);
    m.inflight = undefined;
  }
  return false;
}

/** Unversioned overwrite: the new version replaces the null one. */
const replaceNull = (vers: Ver[], v: Omit<Ver, 'versionId'>): Ver[] => [{ ...v, versionId: 'null' }, ...vers.filter((x) => x.versionId !== 'null')];

async function putWorker(w: World, round: Round, keys: string[], bucket: 'plain' | 'ver'): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    const m = w.model(bucket, keys[Math.floor(rand() * keys.length)]!);
    if (bucket === 'ver' && m.vers.length > 3) {
      const old = m.vers[m.vers.length - 1]!;
      const rest = m.vers.slice(0, -1);
      await keyOp(round, m, () => rest, [rest], undefined, () => round.call(`purge ${m.key}`, () => c.send('DELETE', path(bucket, m.key, `?versionId=${encodeURIComponent(old.versionId)}`))));
      continue;
    }
    if (bucket === 'ver' && rand() < 0.1 && m.vers[0] && !m.vers[0].marker) {
      const before = m.vers;
      await keyOp(round, m, (r) => [{ versionId: String(r.headers['x-amz-version-id']), marker: true }, ...before], [[{ versionId: '*', marker: true }, ...before]], undefined, () => round.call(`delete ${m.key}`, () => c.send('DELETE', path(bucket, m.key))));
      continue;
    }
    const op = w.opId(round.r);
    const { body, headers, ver } = putOf(op, sizeOf(rand), rand);
    if (bucket === 'plain') w.opVers.set(op, { ...ver, md5: md5(body).toString('hex') });
    const before = m.vers;
    const after = (id: string): Ver[] => (bucket === 'plain' ? replaceNull(before, ver) : [{ ...ver, versionId: id }, ...before]);
    if (bucket === 'ver') round.trigger('putVer');
    await keyOp(round, m, (r) => after(String(r.headers['x-amz-version-id'])), [after('*')], bucket === 'plain' ? op : undefined, () =>
      round.call(`PUT ${bucket}/${m.key}`, () => c.send('PUT', path(bucket, m.key), body, headers, body.length > 64 * KiB)),
    );
  }
}

/** aws-chunked PUT with an unsigned payload and a CRC32 trailer, streamed in 16–64 KiB pieces. */
async function chunkedWorker(w: World, round: Round, keys: string[]): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    const m = w.model('plain', keys[Math.floor(rand() * keys.length)]!);
    const op = w.opId(round.r);
    const size = between(rand, 256 * KiB, 3 * MiB);
    const body = payloadOf(op, size);
    const sha = sha256(body);
    const crc = crcB64(body);
    const ver: Omit<Ver, 'versionId'> = { marker: false, sha, size, op, tags: '', ck: `crc32:${crc}` };
    const p = path('plain', m.key);
    const cuts: number[] = [];
    for (let at = 0; at < size; ) {
      const n = Math.min(size - at, between(rand, 16 * KiB, 64 * KiB));
      cuts.push(n);
      at += n;
    }
    const tail = Buffer.from(`0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`);
    const length = cuts.reduce((a, n) => a + n.toString(16).length + 4 + n, tail.length);
    const headers = signHeaders(new URL(c.gw.url).host, {
      method: 'PUT',
      path: p,
      headers: { 'content-length': String(length), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(size), 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-meta-op': op, 'x-amz-meta-sha': sha },
      sign: KEYS,
      contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    });
    const before = m.vers;
    const pieces = async function* (): AsyncGenerator<Buffer> {
      let at = 0;
      for (const n of cuts) {
        yield Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n')]);
        at += n;
        if (at >= size / 2 && at - n < size / 2) round.trigger('chunkedMid');
        await sleep(1);
      }
      yield tail;
    };
    await keyOp(round, m, () => replaceNull(before, ver), [replaceNull(before, ver)], op, () =>
      round.call(`chunked PUT ${m.key}`, async () => {
        const res = await request(c.gw.url + p, { method: 'PUT', headers, body: Readable.from(pieces()), dispatcher: c.pool });
        return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
      }),
    );
  }
}

async function copyWorker(w: World, round: Round, keys: string[]): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    const m = w.model('plain', keys[Math.floor(rand() * keys.length)]!);
    const op = w.opId(round.r);
    const kind = rand();
    if (kind < 0.3) {
      await copyOfOverwritten(w, round, m, op);
      continue;
    }
    const cur = m.vers[0];
    if (kind < 0.45 && cur && !m.inflight) {
      // Onto itself, new metadata and tags: a new version of the same bytes replaces the one it reads.
      const ver: Omit<Ver, 'versionId'> = { marker: false, sha: cur.sha, size: cur.size, op, tags: `c=${op}` };
      const self = { 'x-amz-copy-source': `/plain/${enc(m.key)}`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-op': op, 'x-amz-meta-sha': cur.sha!, 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': `c=${op}` };
      round.trigger('copy');
      await keyOp(round, m, (r) => (r.body.includes('<CopyObjectResult') ? replaceNull([], ver) : undefined), [replaceNull([], ver)], op, () =>
        round.call(`CopyObject ${m.key} onto itself`, () => c.send('PUT', path('plain', m.key), undefined, self)),
      );
      continue;
    }
    const headers: Record<string, string> = { 'x-amz-copy-source': '/plain/src' };
    const ver: Omit<Ver, 'versionId'> = { marker: false, sha: w.srcSha, size: SRC_SIZE, op: 'src', tags: '' };
    if (rand() < 0.5) {
      Object.assign(headers, { 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-op': op, 'x-amz-meta-sha': w.srcSha, 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': `c=${op}` });
      ver.op = op;
      ver.tags = `c=${op}`;
    }
    if (rand() < 0.5) {
      headers['x-amz-checksum-algorithm'] = 'CRC32';
      ver.ck = `crc32:${crcB64(w.src)}`;
    }
    const before = m.vers;
    round.trigger('copy');
    await keyOp(round, m, (r) => (r.body.includes('<CopyObjectResult') ? replaceNull(before, ver) : undefined), [replaceNull(before, ver)], ver.op === 'src' ? `src:${op}` : op, () =>
      round.call(`CopyObject ${m.key}`, () => c.send('PUT', path('plain', m.key), undefined, headers)),
    );
  }
}

/**
 * CopyObject (COPY metadata) of an o/ key the put worker overwrites meanwhile: the copy holds one of
 * the versions that key had between the last acknowledged one when the copy was sent and the copy's
 * answer (its ETag tells which), whole, with that version's metadata.
 */
async function copyOfOverwritten(w: World, round: Round, m: KeyModel, op: string): Promise<void> {
  const { c, rand } = round;
  const sm = w.model('plain', `o/${between(rand, 0, 3)}`);
  const h = sm.history!;
  if (h.acked < 0 || !w.opVers.has(h.ops[h.acked]!)) {
    await sleep(5);
    return;
  }
  const lo = h.acked;
  const replaceTags = rand() < 0.5;
  const headers: Record<string, string> = { 'x-amz-copy-source': `/plain/${enc(sm.key)}` };
  if (replaceTags) Object.assign(headers, { 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': `c=${op}` });
  const verOf = (srcOp: string): Omit<Ver, 'versionId'> => {
    const v = w.opVers.get(srcOp)!;
    return { marker: false, sha: v.sha, size: v.size, op: v.op, tags: replaceTags ? `c=${op}` : v.tags };
  };
  const window = (): string[] => h.ops.slice(lo).filter((o) => w.opVers.has(o));
  const before = m.vers;
  let others: Ver[][] = [];
  round.trigger('copy');
  await keyOp(round, m, (r) => {
    const etag = xmlOne(r.body.toString(), 'ETag');
    const cands = window().filter((o) => `"${w.opVers.get(o)!.md5}"` === etag).map((o) => replaceNull(before, verOf(o)));
    if (cands.length === 0) round.findings.push(`CopyObject ${m.key} from ${sm.key}: ETag ${etag} is no version ${sm.key} had since ${h.ops[lo]}`);
    others = cands.slice(1);
    return cands[0];
  }, [], undefined, () => {
    m.inflightFrom = () => window().map((o) => replaceNull(before, verOf(o)));
    return round.call(`CopyObject ${m.key} from ${sm.key}`, () => c.send('PUT', path('plain', m.key), undefined, headers));
  });
  // Bodies with the same ETag (empty ones) cannot be told apart by the answer: any of them.
  if (others.length > 0) m.inflight = others;
}

/** Tagging and ACL changes of existing t/ keys (created, whole, before the first round). */
async function metaWorker(w: World, round: Round, keys: string[]): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    const m = w.model('plain', keys[Math.floor(rand() * keys.length)]!);
    const cur = m.vers[0]!;
    if (rand() < 0.5) {
      const tags: [string, string][] = Array.from({ length: between(rand, 0, 4) }, (_, i) => [`k${i}`, w.opId(round.r)]);
      const xml = Buffer.from(`<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`);
      const next = [{ ...cur, tags: tagString(tags) }];
      round.trigger('tagging');
      await keyOp(round, m, () => next, [next], undefined, () => round.call(`PutObjectTagging ${m.key}`, () => c.send('PUT', path('plain', m.key, '?tagging'), xml, { 'content-md5': md5(xml).toString('base64') })));
    } else {
      const canned = Object.keys(CANNED)[Math.floor(rand() * 3)]!;
      const next = [{ ...cur, acl: CANNED[canned] }];
      round.trigger('acl');
      await keyOp(round, m, () => next, [next], undefined, () => round.call(`PutObjectAcl ${m.key}`, () => c.send('PUT', path('plain', m.key, '?acl'), undefined, { 'x-amz-acl': canned })));
    }
  }
}

/** Multipart uploads of 6–10 parts, mostly UploadPartCopy of 5 MiB source ranges, then Complete. */
async function mpuWorker(w: World, round: Round, keys: string[]): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    const m = w.model('plain', keys[Math.floor(rand() * keys.length)]!);
    const op = w.opId(round.r);
    const count = between(rand, 4, 8);
    const bodies: Buffer[] = [];
    const ranges: ([number, number] | undefined)[] = [];
    for (let i = 0; i < count; i++) {
      const last = i === count - 1;
      if (!last && rand() < 0.85) {
        const at = between(rand, 0, SRC_SIZE - PART);
        ranges.push([at, at + PART - 1]);
        bodies.push(w.src.subarray(at, at + PART));
      } else {
        ranges.push(undefined);
        bodies.push(payloadOf(`${op}/${i}`, last ? between(rand, 1, 300 * KiB) : PART));
      }
    }
    const all = Buffer.concat(bodies);
    const sha = sha256(all);
    const etag = `"${md5(Buffer.concat(bodies.map(md5))).toString('hex')}-${count}"`;
    const ver: Omit<Ver, 'versionId'> = { marker: false, sha, size: all.length, op, tags: '' };
    // Half the uploads carry CRC32 part checksums, COMPOSITE or FULL_OBJECT (s3-surface.md §5.3).
    const ckType = rand() < 0.5 ? undefined : rand() < 0.5 ? 'COMPOSITE' : 'FULL_OBJECT';
    const crcs = bodies.map(crcB64);
    const createHeaders: Record<string, string> = { 'x-amz-meta-op': op, 'x-amz-meta-sha': sha };
    if (ckType) {
      Object.assign(createHeaders, { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': ckType });
      const composite = Buffer.concat(crcs.map((x) => Buffer.from(x, 'base64')));
      ver.ck = `crc32:${ckType === 'FULL_OBJECT' ? crcB64(all) : `${crcB64(composite)}-${count}`}`;
    }
    w.creating.add(m.key);
    const created = await round.call(`create ${m.key}`, () => c.send('POST', path('plain', m.key, '?uploads'), undefined, createHeaders));
    const uploadId = created?.status === 200 ? xmlOne(created.body.toString(), 'UploadId') : undefined;
    if (!uploadId) continue;
    w.creating.delete(m.key);
    const up: Upload = { key: m.key, op, parts: new Map() };
    w.uploads.set(uploadId, up);
    const q = (n: number): string => `?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`;
    let ok = true;
    const order = Array.from({ length: count }, (_, i) => i + 1);
    // Sometimes a part number is first uploaded with other bytes (the later upload replaces it).
    if (rand() < 0.3) order.unshift(between(rand, 1, count - 1));
    for (const [j, n] of order.entries()) {
      const again = j === 0 && order.length > count;
      const b = again ? payloadOf(`${op}/again`, PART) : bodies[n - 1]!;
      const range = again ? undefined : ranges[n - 1];
      const want = { n, etag: `"${md5(b).toString('hex')}"`, size: b.length };
      up.inflightPart = want;
      if (range) round.trigger('partCopy');
      const r = await round.call(`part ${n} of ${m.key}`, () =>
        range
          ? c.send('PUT', path('plain', m.key, q(n)), undefined, { 'x-amz-copy-source': '/plain/src', 'x-amz-copy-source-range': `bytes=${range[0]}-${range[1]}` })
          : c.send('PUT', path('plain', m.key, q(n)), b, ckType ? { 'x-amz-checksum-crc32': crcB64(b) } : {}, true),
      );
      if (r?.status === 200 && ckType && range && xmlOne(r.body.toString(), 'ChecksumCRC32') !== crcB64(b)) round.findings.push(`part ${n} of ${m.key}: UploadPartCopy ChecksumCRC32 ${xmlOne(r.body.toString(), 'ChecksumCRC32')}, want ${crcB64(b)}`);
      const got = r?.status === 200 ? (range ? xmlOne(r.body.toString(), 'ETag') : String(r.headers.etag)) : undefined;
      if (got === undefined) {
        ok = false;
        break;
      }
      if (got !== want.etag) round.findings.push(`part ${n} of ${m.key}: ETag ${got}, want ${want.etag}`);
      up.parts.set(n, { etag: want.etag, size: want.size });
      up.inflightPart = undefined;
    }
    if (!ok) continue;
    const xml = Buffer.from(`<CompleteMultipartUpload>${bodies.map((b, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${md5(b).toString('hex')}"</ETag>${ckType ? `<ChecksumCRC32>${crcs[i]!}</ChecksumCRC32>` : ''}</Part>`).join('')}</CompleteMultipartUpload>`);
    const before = m.vers;
    up.complete = 'inflight';
    up.retry = { xml, etag, ver };
    round.trigger('complete');
    const done = await keyOp(round, m, (r) => (r.body.includes('<CompleteMultipartUploadResult') ? replaceNull(before, ver) : undefined), [replaceNull(before, ver)], op, () =>
      round.call(`complete ${m.key}`, () => c.send('POST', path('plain', m.key, `?uploadId=${encodeURIComponent(uploadId)}`), xml)),
    );
    if (done) {
      const head = await round.call(`HEAD ${m.key}`, () => c.send('HEAD', path('plain', m.key)));
      if (head?.status === 200 && head.headers.etag !== etag && m.vers[0]?.op === op) round.findings.push(`${m.key}: ETag ${String(head.headers.etag)}, want ${etag}`);
      w.uploads.delete(uploadId);
    }
  }
}

/** DeleteObjects of every del/ key by turns: a marker on each key with data on top, then those markers purged. */
async function delsWorker(w: World, round: Round): Promise<void> {
  const { c, rand } = round;
  await sleep(between(rand, 0, 200));
  while (!round.stopped) {
    const ms = [...w.keys.values()].filter((m) => m.bucket === 'dels');
    const marking = ms.filter((m) => m.vers[0] && !m.vers[0].marker).length >= ms.length / 2;
    const targets = ms.filter((m) => (marking ? m.vers[0] && !m.vers[0].marker : m.vers[0]?.marker));
    const xml = Buffer.from(`<Delete>${targets.map((m) => `<Object><Key>${m.key}</Key>${marking ? '' : `<VersionId>${m.vers[0]!.versionId}</VersionId>`}</Object>`).join('')}</Delete>`);
    for (const m of targets) m.inflight = [marking ? [{ versionId: '*', marker: true }, ...m.vers] : m.vers.slice(1)];
    round.trigger('deleteObjects');
    const r = await round.call('DeleteObjects', () => c.send('POST', '/dels?delete', xml, { 'content-md5': md5(xml).toString('base64') }));
    if (r?.status !== 200) {
      if (r && !round.stopped) round.findings.push(`DeleteObjects: ${r.status}`);
      return;
    }
    const body = r.body.toString();
    if (body.includes('<Error>')) round.findings.push(`DeleteObjects: errors ${body.slice(0, 300)}`);
    const deleted = new Map([...body.matchAll(/<Deleted>([\s\S]*?)<\/Deleted>/g)].map((d) => [xmlOne(d[1]!, 'Key')!, d[1]!]));
    for (const m of targets) {
      const d = deleted.get(m.key);
      if (!d) {
        round.findings.push(`DeleteObjects: ${m.key} not reported deleted`);
        continue;
      }
      round.acks++;
      m.vers = marking ? [{ versionId: xmlOne(d, 'DeleteMarkerVersionId')!, marker: true }, ...m.vers] : m.vers.slice(1);
      m.inflight = undefined;
    }
  }
}

/** Worker 0 switches `sw` versioning by turns and puts; worker 1 only puts. */
async function switchWorker(w: World, round: Round, keys: string[], toggles: boolean): Promise<void> {
  const { c, rand } = round;
  while (!round.stopped) {
    if (toggles && rand() < 0.3) {
      const next = w.sw.status === 'Enabled' ? 'Suspended' : 'Enabled';
      w.sw.inflight = next;
      w.switches++;
      round.trigger('versioning');
      const xml = Buffer.from(`<VersioningConfiguration><Status>${next}</Status></VersioningConfiguration>`);
      const r = await round.call('PutBucketVersioning', () => c.send('PUT', '/swb?versioning', xml));
      if (r?.status === 200) w.sw = { status: next };
      else if (r && !round.stopped) round.findings.push(`PutBucketVersioning: ${r.status}`);
      continue;
    }
    const m = w.model('swb', keys[Math.floor(rand() * keys.length)]!);
    if (m.vers.length > 3) {
      const old = m.vers[m.vers.length - 1]!;
      const rest = m.vers.slice(0, -1);
      await keyOp(round, m, () => rest, [rest], undefined, () => round.call(`purge swb/${m.key}`, () => c.send('DELETE', path('swb', m.key, `?versionId=${encodeURIComponent(old.versionId)}`))));
      continue;
    }
    const op = w.opId(round.r);
    const { body, headers, ver } = putOf(op, between(rand, 0, 48 * KiB), rand);
    const before = m.vers;
    // Answered without x-amz-version-id: the null version (Suspended), which replaces the previous null one.
    const after = (id: string | undefined): Ver[] => (id === undefined ? replaceNull(before, ver) : [{ ...ver, versionId: id }, ...before]);
    const settled = w.sw.inflight === undefined ? { status: w.sw.status, switches: w.switches } : undefined;
    const acked = (r: RawResponse): Ver[] => {
      const id = r.headers['x-amz-version-id'] as string | undefined;
      if (settled && settled.switches === w.switches && (id === undefined) !== (settled.status === 'Suspended')) {
        round.findings.push(`PUT swb/${m.key} begun and answered while versioning was ${settled.status}: version id ${id ?? 'none (null version)'}`);
      }
      return after(id);
    };
    await keyOp(round, m, acked, [after('*'), after(undefined)], undefined, () => round.call(`PUT swb/${m.key}`, () => c.send('PUT', path('swb', m.key), body, headers)));
  }
}

/** GETs of unversioned keys during the writes: whole, and never older than the version acknowledged when sent. */
async function readerWorker(w: World, round: Round, keys: string[]): Promise<number> {
  const { c, rand } = round;
  let reads = 0;
  while (!round.stopped) {
    const m = w.model('plain', keys[Math.floor(rand() * keys.length)]!);
    const h = m.history!;
    const lo = h.acked;
    const r = await round.call(`GET ${m.key}`, () => c.send('GET', path('plain', m.key)));
    if (!r || round.stopped) break;
    reads++;
    if (r.status === 404) {
      if (lo >= 0) round.findings.push(`reader: ${m.key} 404 while ${h.ops[lo]} was acknowledged`);
      continue;
    }
    if (r.status !== 200) {
      round.findings.push(`reader: ${m.key} ${r.status}`);
      continue;
    }
    const sha = sha256(r.body);
    if (sha !== r.headers['x-amz-meta-sha']) round.findings.push(`reader: ${m.key}: body (${r.body.length} B) does not hash to its x-amz-meta-sha: half-written or mixed`);
    // c/ keys also get copies of o/ keys, whose metadata names the o/ write: wholeness only.
    if (m.key.startsWith('c/')) continue;
    const op = String(r.headers['x-amz-meta-op']);
    const idx = op === 'src' ? h.ops.findIndex((o, i) => i >= lo && o.startsWith('src:')) : h.ops.indexOf(op);
    if (idx < lo || idx < 0) round.findings.push(`reader: ${m.key} read ${op} (#${idx}), older than the acknowledged ${h.ops[lo]} (#${lo})`);
  }
  return reads;
}

/** Every version of `bucket` (ListObjectVersions, all pages), per key newest first. */
async function listVersions(c: Client, bucket: string): Promise<Map<string, { versionId: string; marker: boolean; latest: boolean; etag?: string; size?: number }[]>> {
  const out = new Map<string, { versionId: string; marker: boolean; latest: boolean; etag?: string; size?: number }[]>();
  let q = '';
  for (;;) {
    const r = await c.ok('GET', `/${bucket}?versions&max-keys=1000${q}`);
    const xml = r.body.toString();
    for (const e of xml.matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)) {
      const key = xmlOne(e[2]!, 'Key')!;
      const list = out.get(key) ?? [];
      out.set(key, list);
      const marker = e[1] === 'DeleteMarker';
      list.push({ versionId: xmlOne(e[2]!, 'VersionId')!, marker, latest: xmlOne(e[2]!, 'IsLatest') === 'true', ...(marker ? {} : { etag: xmlOne(e[2]!, 'ETag'), size: Number(xmlOne(e[2]!, 'Size')) }) });
    }
    if (!xml.includes('<IsTruncated>true</IsTruncated>')) return out;
    q = `&key-marker=${encodeURIComponent(xmlOne(xml, 'NextKeyMarker')!)}&version-id-marker=${encodeURIComponent(xmlOne(xml, 'NextVersionIdMarker')!)}`;
  }
}

/** Current objects of `bucket` (ListObjectsV2, all pages). */
async function listCurrent(c: Client, bucket: string): Promise<Map<string, { etag: string; size: number }>> {
  const out = new Map<string, { etag: string; size: number }>();
  let token: string | undefined;
  do {
    const xml = (await c.ok('GET', `/${bucket}?list-type=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`)).body.toString();
    for (const e of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) out.set(xmlOne(e[1]!, 'Key')!, { etag: xmlOne(e[1]!, 'ETag')!, size: Number(xmlOne(e[1]!, 'Size')) });
    token = xml.includes('<IsTruncated>true</IsTruncated>') ? xmlOne(xml, 'NextContinuationToken') : undefined;
  } while (token);
  return out;
}

/** Read one data version in full: body, metadata, checksum, tags (and the ACL of t/ keys). */
async function readVersion(c: Client, w: World, m: KeyModel, versionId: string, want: Ver | undefined): Promise<Ver & { etag: string }> {
  const q = m.bucket === 'plain' ? '' : `?versionId=${encodeURIComponent(versionId)}`;
  const where = `${m.bucket}/${m.key}@${versionId}`;
  // A version read whole in an earlier round (same ETag, metadata and size) is checked by HEAD only:
  // its chunks are re-hashed by every fsck, and its bytes compared again when anything about it changes.
  let g = await c.ok('HEAD', path(m.bucket, m.key, q), undefined, { 'x-amz-checksum-mode': 'ENABLED' });
  const id = (r: RawResponse, size: number): string => `${where}|${String(r.headers.etag)}|${String(r.headers['x-amz-meta-op'])}|${String(r.headers['x-amz-meta-sha'])}|${size}`;
  let sha = String(g.headers['x-amz-meta-sha']);
  let size = Number(g.headers['content-length']);
  if (!w.verified.has(id(g, size))) {
    g = await c.ok('GET', path(m.bucket, m.key, q), undefined, { 'x-amz-checksum-mode': 'ENABLED' });
    sha = sha256(g.body);
    size = g.body.length;
    assert.equal(g.headers['x-amz-meta-sha'], sha, `${where}: the body (${g.body.length} B) does not hash to its x-amz-meta-sha: half-written or mixed with another version's metadata`);
    assert.equal(Number(g.headers['content-length']), g.body.length, `${where}: Content-Length`);
    w.verified.add(id(g, size));
  }
  const v: Ver & { etag: string } = { versionId, marker: false, sha, size, op: String(g.headers['x-amz-meta-op']), etag: String(g.headers.etag) };
  const cks = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'].filter((alg) => g.headers[`x-amz-checksum-${alg}`] !== undefined);
  if (cks.length > 0) v.ck = cks.map((alg) => `${alg}:${String(g.headers[`x-amz-checksum-${alg}`])}`).join(' ');
  {
    const t = await c.ok('GET', path(m.bucket, m.key, `?tagging${q ? '&' + q.slice(1) : ''}`));
    const xml = t.body.toString();
    v.tags = tagString([...xml.matchAll(/<Tag>([\s\S]*?)<\/Tag>/g)].map((x) => [xmlOne(x[1]!, 'Key')!, xmlOne(x[1]!, 'Value')!]));
  }
  if (want?.acl !== undefined) {
    const a = (await c.ok('GET', path(m.bucket, m.key, '?acl'))).body.toString();
    const owner = xmlOne(/<Owner>([\s\S]*?)<\/Owner>/.exec(a)![1]!, 'ID');
    v.acl = [...a.matchAll(/<Grant>([\s\S]*?)<\/Grant>/g)]
      .map((x) => {
        const uri = xmlOne(x[1]!, 'URI');
        const who = uri ? uri.replace(/.*\//, '') : xmlOne(x[1]!, 'ID') === owner ? 'owner' : String(xmlOne(x[1]!, 'ID'));
        return `${who}:${xmlOne(x[1]!, 'Permission')}`;
      })
      .sort()
      .join('|');
  }
  return v;
}

function same(got: readonly Ver[], want: readonly Ver[]): boolean {
  return got.length === want.length && got.every((g, i) => {
    const w = want[i]!;
    if (g.marker !== w.marker || (w.versionId !== '*' && g.versionId !== w.versionId)) return false;
    if (g.marker) return true;
    return g.sha === w.sha && g.size === w.size && g.op === w.op && g.tags === w.tags && (w.ck ?? '').split(' ').every((ck) => ck === '' || (g.ck ?? '').split(' ').includes(ck)) && (w.acl === undefined || g.acl === w.acl);
  });
}

/** After the restart: every key against its model, listings against GETs; the model becomes what is there. */
async function verify(c: Client, w: World, where: string): Promise<{ landed: number; inflight: number }> {
  let landed = 0;
  let inflight = 0;
  // Before any key's history is replaced by what is found.
  for (const m of w.keys.values()) {
    if (m.inflightFrom) m.inflight = m.inflightFrom();
    m.inflightFrom = undefined;
  }
  for (const bucket of ['plain', 'ver', 'swb', 'dels']) {
    const versions = await listVersions(c, bucket);
    const current = await listCurrent(c, bucket);
    for (const key of versions.keys()) assert.ok(w.keys.has(`${bucket}/${key}`), `${where}: ${bucket}/${key} listed, never written`);
    for (const key of current.keys()) assert.ok(versions.get(key)?.[0] && !versions.get(key)![0]!.marker, `${where}: ${bucket}/${key} listed as current, not the newest version`);
    const ms = [...w.keys.values()].filter((m) => m.bucket === bucket);
    // 1000 del/ keys: their listing against the model; a sample of them read.
    const sample = new Set(bucket === 'dels' ? ms.filter((_, i) => i % 97 === 0).map((m) => m.key) : ms.map((m) => m.key));
    await forEachLimit(ms, 8, async (m) => {
      const listed = versions.get(m.key) ?? [];
      assert.ok(listed.every((v, i) => v.latest === (i === 0)), `${where}: ${bucket}/${m.key}: IsLatest on other than the first version`);
      const got: Ver[] = [];
      for (const [i, l] of listed.entries()) {
        if (l.marker) {
          got.push({ versionId: l.versionId, marker: true });
          continue;
        }
        if (!sample.has(m.key)) {
          // Unread: taken as the model's version of that id (the listing still has to name it).
          const mv = [...m.vers, ...(m.inflight ?? []).flat()].find((v) => v.versionId === l.versionId && !v.marker);
          got.push(mv && mv.size === l.size ? mv : { versionId: l.versionId, marker: false, size: l.size });
          continue;
        }
        const want = [m.vers, ...(m.inflight ?? [])].map((vs) => vs[i]).find((v) => v && !v.marker && (v.versionId === l.versionId || v.versionId === '*'));
        const v = await readVersion(c, w, m, l.versionId, want);
        assert.equal(v.size, l.size, `${where}: ${bucket}/${m.key}@${l.versionId}: listed size`);
        assert.equal(v.etag, l.etag, `${where}: ${bucket}/${m.key}@${l.versionId}: listed ETag`);
        if (i === 0) {
          assert.deepEqual(current.get(m.key), { etag: v.etag, size: v.size }, `${where}: ${bucket}/${m.key}: ListObjectsV2 shows the newest version`);
          const h = await c.ok('HEAD', path(bucket, m.key));
          assert.deepEqual([h.headers.etag, h.headers['x-amz-version-id'] ?? 'null'], [v.etag, bucket === 'plain' ? 'null' : l.versionId], `${where}: ${bucket}/${m.key}: HEAD is the newest version`);
        }
        const { etag: _e, ...rest } = v;
        got.push(rest);
      }
      if (sample.has(m.key) && (listed.length === 0 || listed[0]!.marker)) {
        const g = await c.send('GET', path(bucket, m.key));
        assert.equal(g.status, 404, `${where}: ${bucket}/${m.key}: no current version listed, GET ${g.status}`);
        assert.ok(!current.has(m.key), `${where}: ${bucket}/${m.key}: in ListObjectsV2 without a current version`);
      }
      const ok = same(got, m.vers);
      const alt = !ok && (m.inflight ?? []).some((a) => same(got, a));
      assert.ok(ok || alt, `${where}: ${bucket}/${m.key} holds ${JSON.stringify(got)}\nacknowledged: ${JSON.stringify(m.vers)}\nif the operation in flight committed: ${JSON.stringify(m.inflight ?? null)}`);
      if (alt) landed++;
      if (m.inflight) inflight++;
      // The model is what is there now (checked: the acknowledged state or the in-flight one).
      m.vers = got;
      m.inflight = undefined;
      if (m.history) {
        m.history.ops = m.vers[0]?.op ? [m.vers[0].op === 'src' ? 'src:restart' : m.vers[0].op] : [];
        m.history.acked = m.history.ops.length - 1;
      }
    });
  }
  const st = xmlOne((await c.ok('GET', '/swb?versioning')).body.toString(), 'Status');
  assert.ok(st === w.sw.status || st === w.sw.inflight, `${where}: sw versioning ${st}, acknowledged ${w.sw.status}, in flight ${w.sw.inflight}`);
  w.sw = { status: st! };
  return { landed, inflight };
}

/** Open uploads: each one the client created, with its acknowledged parts; completed ones gone. All then aborted. */
async function verifyUploads(c: Client, w: World, where: string): Promise<{ open: number; retried: number; committed: number }> {
  const xml = (await c.ok('GET', '/plain?uploads')).body.toString();
  const open = new Map([...xml.matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)].map((u) => [xmlOne(u[1]!, 'UploadId')!, xmlOne(u[1]!, 'Key')!]));
  for (const [id, key] of open) {
    const up = w.uploads.get(id);
    const parts = (await c.ok('GET', path('plain', key, `?uploadId=${encodeURIComponent(id)}`))).body.toString();
    const listed = [...parts.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((p) => ({ n: Number(xmlOne(p[1]!, 'PartNumber')), etag: xmlOne(p[1]!, 'ETag')!, size: Number(xmlOne(p[1]!, 'Size')) }));
    if (!up) {
      assert.ok(w.creating.has(key), `${where}: open upload ${id} of ${key} that no create made`);
      assert.deepEqual(listed, [], `${where}: an upload whose create was in flight has parts`);
    } else {
      assert.equal(up.key, key, `${where}: upload ${id}: key`);
      assert.notEqual(up.complete, 'acked', `${where}: ${key}: upload still open after its Complete was acknowledged`);
      const want = [...up.parts].map(([n, p]) => ({ n, ...p })).sort((a, b) => a.n - b.n);
      const flying = up.inflightPart;
      const withFlying = flying ? [...want.filter((p) => p.n !== flying.n), flying].sort((a, b) => a.n - b.n) : want;
      assert.ok(JSON.stringify(listed) === JSON.stringify(want) || JSON.stringify(listed) === JSON.stringify(withFlying), `${where}: ${key} upload parts ${JSON.stringify(listed)}\nacknowledged: ${JSON.stringify(want)}\nwith the one in flight: ${JSON.stringify(withFlying)}`);
    }
    if (up?.complete === 'inflight') continue;
    const a = await c.send('DELETE', path('plain', key, `?uploadId=${encodeURIComponent(id)}`));
    assert.equal(a.status, 204, `${where}: abort ${key}: ${a.status} ${a.body.toString()}`);
  }
  for (const [id, up] of w.uploads) {
    // An upload not listed: its Complete committed (acknowledged or in flight); verify() found the object.
    const now = w.model('plain', up.key).vers[0]?.op;
    if (!open.has(id)) {
      assert.ok(up.complete !== undefined, `${where}: upload ${id} of ${up.key} vanished without a Complete`);
      assert.equal(now, up.op, `${where}: ${up.key}: upload gone after its Complete, but the object is not its`);
    } else {
      assert.notEqual(now, up.op, `${where}: ${up.key}: completed object visible, its upload still open`);
    }
  }
  // A Complete cut by the kill, retried as an SDK does after a dropped connection: committed or
  // not, the retry answers 200 with the upload's ETag, and the object is then the upload's.
  for (const [id, up] of w.uploads) {
    if (up.complete !== 'inflight') continue;
    const r = await c.send('POST', path('plain', up.key, `?uploadId=${encodeURIComponent(id)}`), up.retry!.xml);
    assert.ok(r.status === 200 && r.body.includes('<CompleteMultipartUploadResult'), `${where}: ${up.key}: retried Complete (${open.has(id) ? 'upload open' : 'committed before the kill'}): ${r.status} ${r.body.toString().slice(0, 300)}`);
    assert.equal(xmlOne(r.body.toString(), 'ETag'), up.retry!.etag, `${where}: ${up.key}: retried Complete's ETag`);
    const m = w.model('plain', up.key);
    if (open.has(id)) {
      m.vers = replaceNull(m.vers, up.retry!.ver);
      m.history = { ops: [up.op], acked: 0 };
    }
    const h = await c.ok('HEAD', path('plain', up.key));
    assert.deepEqual([h.headers.etag, h.headers['x-amz-meta-op']], [up.retry!.etag, up.op], `${where}: ${up.key} after the retried Complete`);
  }
  const cut = [...w.uploads].filter(([, u]) => u.complete === 'inflight');
  w.uploads.clear();
  w.creating.clear();
  return { open: open.size, retried: cut.length, committed: cut.filter(([id]) => !open.has(id)).length };
}

/** fsck's audit of the data dir right after the kill (the `ccow fsck` code, before anything restarts). */
async function auditAfterKill(dir: string, where: string): Promise<string> {
  const lines: string[] = [];
  await fsckCommand([dir], (l) => lines.push(l));
  const count = (label: string): number => Number(new RegExp(`^${label}: (\\d+)$`, 'm').exec(lines.join('\n'))?.[1] ?? -1);
  for (const label of ['missing', 'corrupt', 'dangling refs', 'missing refs', 'index errors']) assert.equal(count(label), 0, `${where}: fsck right after the kill:\n${lines.join('\n')}`);
  return `${count('chunks checked')} chunks checked, ${count('leaked')} orphan files`;
}

async function setup(c: Client, w: World, keys: { dels: string[]; meta: string[] }): Promise<void> {
  for (const b of ['plain', 'ver', 'swb', 'dels']) await c.ok('PUT', `/${b}`);
  const on = Buffer.from('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>');
  for (const b of ['ver', 'swb', 'dels']) await c.ok('PUT', `/${b}?versioning`, on);
  await c.ok('PUT', '/plain/src', w.src, { 'x-amz-meta-op': 'src', 'x-amz-meta-sha': w.srcSha });
  const put = async (bucket: string, key: string, size: number): Promise<void> => {
    const m = w.model(bucket, key);
    const body = payloadOf(`${bucket}/${key}`, size);
    const r = await c.ok('PUT', path(bucket, key), body, { 'x-amz-meta-op': 'setup', 'x-amz-meta-sha': sha256(body) });
    m.vers = [{ versionId: String(r.headers['x-amz-version-id'] ?? 'null'), marker: false, sha: sha256(body), size, op: 'setup', tags: '' }];
  };
  for (const k of keys.meta) await put('plain', k, 3000);
  const queue = [...keys.dels];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) await put('dels', k, k.length);
  }));
}

test(`SIGKILL of the gateway mid CompleteMultipartUpload / UploadPartCopy / CopyObject / DeleteObjects of ${DELS} / versioning switch / overwrite / aws-chunked / tagging / ACL, ${ROUNDS} rounds: acknowledged outcomes hold bit-exact, nothing half-done, listings agree, fsck clean (seed ${SEED})`, { timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-crash-s3ops-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  t.diagnostic(`seed ${SEED} (CRASH_S3_SEED=${SEED} replays it)`);
  const rand = prng(SEED);
  const w = new World();
  const keys = {
    plain: ['o/0', 'o/1', 'o/2', 'o/3'],
    ver: ['v/0', 'v/1', 'v/2'],
    chunked: ['a/0', 'a/1'],
    copy: ['c/0', 'c/1'],
    mpu: ['m/0', 'm/1'],
    meta: ['t/0', 't/1'],
    sw: ['s/0', 's/1', 's/2'],
    dels: Array.from({ length: DELS }, (_, i) => `d/${String(i).padStart(4, '0')}`),
  };
  for (const k of [...keys.plain, ...keys.chunked, ...keys.copy, ...keys.mpu]) w.model('plain', k).history = { ops: [], acked: -1 };
  w.model('plain', 'src').vers = [{ versionId: 'null', marker: false, sha: w.srcSha, size: SRC_SIZE, op: 'src', tags: '' }];
  let gw = await spawnGateway(dir, ['--durability', DURABILITY]);
  t.after(() => gw.kill());
  let c = new Client(gw);
  await setup(c, w, keys);
  const fired = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    const where = `seed ${SEED} round ${r}`;
    const t0 = Date.now();
    const round = new Round(c, rand, r);
    const trigger = TRIGGERS[r % TRIGGERS.length]!;
    round.warmup = between(rand, 0, 20);
    // A Complete of several parts takes longer than the other operations: its kill lands before, during or after the commit.
    const delay = between(rand, 0, trigger === 'complete' ? 60 : 15);
    let killing: Promise<unknown> | undefined;
    const kill = (): Promise<unknown> => (killing ??= sleep(delay).then(() => {
      round.stopped = true;
      return gw.kill();
    }));
    round.onTrigger((what) => {
      if (what === trigger) void kill();
    });
    // A trigger that does not come in 8 s (its worker failed): kill anyway; the round is then counted under 'timeout'.
    const guard = setTimeout(() => void kill(), 8000);
    const readers = keys.plain.concat(keys.chunked, keys.copy, keys.mpu);
    const [reads] = await Promise.all([
      readerWorker(w, round, readers),
      putWorker(w, round, keys.plain, 'plain'),
      putWorker(w, round, keys.ver, 'ver'),
      chunkedWorker(w, round, keys.chunked),
      copyWorker(w, round, keys.copy),
      mpuWorker(w, round, keys.mpu),
      metaWorker(w, round, keys.meta),
      delsWorker(w, round),
      switchWorker(w, round, keys.sw.slice(0, 1), true),
      switchWorker(w, round, keys.sw.slice(1), false),
    ]);
    clearTimeout(guard);
    await kill();
    await c.close();
    assert.equal(gw.child.signalCode, 'SIGKILL', `${where}: the gateway died by itself:\n${gw.output()}`);
    assert.deepEqual(round.findings, [], `${where}: before the kill`);
    const hit = round.fired.has(trigger) ? trigger : 'timeout';
    fired.set(hit, (fired.get(hit) ?? 0) + 1);
    const laps: string[] = [];
    const lap = (what: string): number => laps.push(`${what} ${Date.now() - t0}`);
    lap('killed');
    const audit = await auditAfterKill(dir, where);
    lap('audited');
    gw = await spawnGateway(dir, ['--durability', DURABILITY]);
    // A quarter of the rounds kill the restarted gateway again while it recovers (orphan sweep,
    // intent expiry and the start's lifecycle pass run in its first moments).
    const twice = rand() < 0.25;
    if (twice) {
      await sleep(between(rand, 0, 300));
      await gw.kill();
      gw = await spawnGateway(dir, ['--durability', DURABILITY]);
    }
    c = new Client(gw);
    lap('restarted');
    const v = await verify(c, w, where);
    const ups = await verifyUploads(c, w, where);
    lap('verified');
    if ((r + 1) % FSCK_EVERY === 0 || r === ROUNDS - 1) {
      await c.close();
      assert.equal(await gw.stop(), 0, `${where}: graceful stop\n${gw.output()}`);
      const f = await runCcow(['fsck', '--data', dir]);
      assert.equal(f.code, 0, `${where}: ccow fsck:\n${f.stdout}\n${f.stderr}`);
      assert.match(f.stdout, /^clean$/m);
      if (r < ROUNDS - 1) {
        gw = await spawnGateway(dir, ['--durability', DURABILITY]);
        c = new Client(gw);
      }
    }
    t.diagnostic(`round ${r}: kill on ${hit}${twice ? ' (and the restart killed again)' : ''} +${delay} ms after ${round.warmup}+ acks (${round.acks} in all); ${reads} reads; fsck after the kill: ${audit}; ${v.inflight} keys with an operation in flight, ${v.landed} of them landed; ${ups.open} uploads left open, ${ups.retried} Completes cut and retried (${ups.committed} had committed); ms: ${laps.join(', ')}, end ${Date.now() - t0}`);
  }
  await c.close();
  t.diagnostic(`kills per trigger: ${JSON.stringify(Object.fromEntries(fired))}`);
});

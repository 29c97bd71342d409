/**
 * SIGKILL of `ccow serve` in the middle of a large PUT, a versioned overwrite, an UploadPart, a
 * CopyObject and a DeleteObjects, then the operator's offline recovery (issue #5 "Faults": crash;
 * shared/spec/ccow.md §9, §13). crash.test.ts checks what a restarted gateway shows; this test checks
 * what the aborted writes leave on disk, which its fsck cannot see: fsck reports unreferenced chunks
 * only once the 1 h hold has passed, and a restarted gateway sweeps orphan files by itself. Here:
 *
 * - `ccow gc --grace 0` right after the kill (no gateway started in between) leaves no chunk of an
 *   aborted write: an audit with a zero hold finds nothing leaked, missing, corrupt or dangling;
 * - after a restart every acknowledged write reads back bit-exact; an unacknowledged one is absent or
 *   whole (it may have committed before the kill); the versioned key lists only whole versions; the
 *   open upload keeps its acknowledged part, and its interrupted part is absent or whole;
 * - `ccow fsck` is clean at the end.
 *
 * The kill lands once the gateway has stored a seeded random number of new chunk files (a count, not
 * a time, so a slow machine still kills mid-body). FAULTS_SEED=<n> replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Pool, request } from 'undici';
import { createEngine } from '../../../src/engine/index.js';
import { createLocalBackend } from '../../../src/storage/local/index.js';
import { between, KEYS, payloadOf, prng, runCcow, send, sha256, signHeaders, spawnGateway, type ChildGateway, type RawResponse } from './helpers.js';

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const ROUNDS = 2;
const MiB = 1024 * 1024;
const BIG = 16 * MiB;

class Client {
  readonly pool: Pool;
  constructor(readonly gw: ChildGateway) {
    this.pool = new Pool(gw.url, { connections: 16 });
  }
  send(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
    return send(this.pool, this.gw.url, { method, path, body, headers, sign: KEYS, contentSha256: sha256(body ?? Buffer.alloc(0)) });
  }
  async ok(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
    const r = await this.send(method, path, body, headers);
    assert.equal(r.status, 200, `${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return r;
  }
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

const xmlAll = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);

/** Chunk files under `dir` (what the gateway has stored so far). */
async function chunkFiles(dir: string): Promise<number> {
  const entries = await readdir(join(dir, 'chunks'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

/** The large PUT, streamed 1 MiB at a time. */
async function streamPut(gw: ChildGateway, path: string, label: string): Promise<boolean> {
  const headers = signHeaders(new URL(gw.url).host, { method: 'PUT', path, headers: { 'content-length': String(BIG) }, sign: KEYS, contentSha256: 'UNSIGNED-PAYLOAD' });
  async function* body(): AsyncGenerator<Buffer> {
    for (let i = 0; i < BIG / MiB; i++) {
      yield payloadOf(`${label}/${i}`, MiB);
    }
  }
  const res = await request(gw.url + path, { method: 'PUT', headers, body: Readable.from(body()) });
  await res.body.arrayBuffer();
  return res.statusCode === 200;
}

function bigSha(label: string): string {
  const h = createHash('sha256');
  for (let i = 0; i < BIG / MiB; i++) h.update(payloadOf(`${label}/${i}`, MiB));
  return h.digest('hex');
}

/** What one round wrote and what the client saw acknowledged. */
interface Round {
  r: number;
  acked: Map<string, string>;
  maybe: Map<string, string>;
  gone: Set<string>;
  uploadId: string;
  part1: string;
  part2?: { etag: string; acked: boolean };
  v: { v0: string; v1: string; v1acked: boolean };
  deleted: boolean;
}

async function setupAndCrash(gw: ChildGateway, dir: string, r: number, rand: () => number): Promise<Round> {
  const c = new Client(gw);
  const acked = new Map<string, string>();
  const put = async (key: string, b: Buffer): Promise<void> => {
    await c.ok('PUT', `/${key}`, b);
    acked.set(key, sha256(b));
  };
  const keep = payloadOf(`keep${r}`, 1536 * 1024);
  await put(`plain/keep-${r}`, keep);
  const src = payloadOf(`src${r}`, 2 * MiB);
  await put(`plain/src-${r}`, src);
  const v0 = payloadOf(`v0-${r}`, 2 * MiB);
  // Checked through its version list (its current version may be the overwrite in flight).
  await c.ok('PUT', `/ver/v-${r}`, v0);
  const small = Array.from({ length: 20 }, (_, i) => `plain/d-${r}-${i}`);
  await Promise.all(small.map((k) => put(k, payloadOf(k, 5000))));
  const uploadId = xmlAll((await c.ok('POST', `/plain/mp-${r}?uploads`)).body.toString(), 'UploadId')[0]!;
  // Never completed, so part 1 may be under the 5 MiB minimum.
  const p1 = payloadOf(`p1-${r}`, MiB);
  const part1 = String((await c.ok('PUT', `/plain/mp-${r}?partNumber=1&uploadId=${uploadId}`, p1)).headers.etag);

  // The kill comes once the gateway has stored `killAfter` more chunk files (the writes in flight
  // are then surely half-way), or when every write has finished.
  const killAfter = between(rand, 1, 10);
  const baseline = await chunkFiles(dir);
  let killed: Promise<unknown> | undefined;
  const kill = (): Promise<unknown> => (killed ??= gw.kill());
  const watch = setInterval(() => void chunkFiles(dir).then((n) => {
    if (n >= baseline + killAfter) void kill();
  }), 10);
  const v1 = payloadOf(`v1-${r}`, 3 * MiB);
  const p2 = payloadOf(`p2-${r}`, 3 * MiB);
  const round: Round = { r, acked, maybe: new Map(), gone: new Set(), uploadId, part1, v: { v0: sha256(v0), v1: sha256(v1), v1acked: false }, deleted: false };
  round.maybe.set(`plain/big-${r}`, bigSha(`big${r}`));
  round.maybe.set(`plain/copy-${r}`, sha256(src));
  const quiet = async <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);
  const deleteXml = Buffer.from(`<Delete><Quiet>true</Quiet>${small.map((k) => `<Object><Key>${k.slice('plain/'.length)}</Key></Object>`).join('')}</Delete>`);
  await Promise.all([
    quiet(streamPut(gw, `/plain/big-${r}`, `big${r}`)).then((ok) => {
      if (ok) acked.set(`plain/big-${r}`, round.maybe.get(`plain/big-${r}`)!);
    }),
    quiet(c.send('PUT', `/ver/v-${r}`, v1)).then((res) => {
      round.v.v1acked = res?.status === 200;
    }),
    quiet(c.send('PUT', `/plain/mp-${r}?partNumber=2&uploadId=${uploadId}`, p2)).then((res) => {
      round.part2 = { etag: sha256(p2), acked: res?.status === 200 };
    }),
    quiet(c.send('PUT', `/plain/copy-${r}`, undefined, { 'x-amz-copy-source': `/plain/src-${r}` })).then((res) => {
      if (res?.status === 200 && res.body.includes('<CopyObjectResult')) acked.set(`plain/copy-${r}`, sha256(src));
    }),
    quiet(c.send('POST', '/plain?delete', deleteXml, { 'content-md5': createHash('md5').update(deleteXml).digest('base64') })).then((res) => {
      round.deleted = res?.status === 200;
      for (const k of small) {
        round.maybe.set(k, acked.get(k)!);
        acked.delete(k);
        if (round.deleted) round.gone.add(k);
      }
    }),
  ]);
  clearInterval(watch);
  await kill();
  await c.close();
  return round;
}

/** Offline audit with a zero hold: every chunk row and file left is reachable. */
async function auditNoLeaks(dir: string): Promise<void> {
  const backend = await createLocalBackend({ dataDirs: [dir] });
  try {
    const engine = await createEngine(backend, { holdMs: 0 });
    try {
      const rep = await engine.fsck();
      assert.deepEqual({ missing: rep.missing, corrupt: rep.corrupt, leaked: rep.leaked, dangling: rep.danglingRefs }, { missing: [], corrupt: [], leaked: [], dangling: [] });
    } finally {
      await engine.close();
    }
  } finally {
    await backend.close();
  }
}

async function verify(c: Client, round: Round): Promise<void> {
  const read = async (key: string): Promise<string | undefined> => {
    const g = await c.send('GET', `/${key}`);
    if (g.status === 404) return undefined;
    assert.equal(g.status, 200, `GET ${key}: ${g.status}`);
    return sha256(g.body);
  };
  for (const [key, sha] of round.acked) assert.equal(await read(key), sha, `${key}: acknowledged, not read back bit-exact`);
  for (const [key, sha] of round.maybe) {
    if (round.acked.has(key)) continue;
    const got = await read(key);
    if (round.gone.has(key)) assert.equal(got, undefined, `${key}: deleted by an acknowledged DeleteObjects`);
    else if (got !== undefined) assert.equal(got, sha, `${key}: visible but not whole`);
  }
  // The versioned key: v0, and v1 only whole (and surely when acknowledged); nothing else.
  const lv = (await c.ok('GET', `/ver?versions&prefix=v-${round.r}`)).body.toString();
  const ids = xmlAll(lv, 'VersionId');
  assert.ok(ids.length === 1 || ids.length === 2, `v-${round.r}: ${ids.length} versions listed`);
  assert.ok(!lv.includes('<DeleteMarker>'), 'a delete marker appeared');
  if (round.v.v1acked) assert.equal(ids.length, 2, 'acknowledged overwrite missing');
  const shas = await Promise.all(ids.map(async (id) => sha256((await c.ok('GET', `/ver/v-${round.r}?versionId=${encodeURIComponent(id)}`)).body)));
  assert.equal(shas[shas.length - 1], round.v.v0, 'the first version changed');
  if (shas.length === 2) assert.equal(shas[0], round.v.v1, 'the second version is not the overwrite, whole');
  // The upload: still open, part 1 as acknowledged, part 2 absent or whole.
  const lp = await c.ok('GET', `/plain/mp-${round.r}?uploadId=${encodeURIComponent(round.uploadId)}`);
  const nums = xmlAll(lp.body.toString(), 'PartNumber');
  const sizes = xmlAll(lp.body.toString(), 'Size').map(Number);
  assert.equal(nums[0], '1');
  assert.equal(sizes[0], MiB);
  if (round.part2?.acked) assert.deepEqual(nums, ['1', '2']);
  if (nums.length === 2) assert.equal(sizes[1], 3 * MiB, 'part 2 listed but not whole');
  const abort = await c.send('DELETE', `/plain/mp-${round.r}?uploadId=${encodeURIComponent(round.uploadId)}`);
  assert.equal(abort.status, 204);
}

test(`SIGKILL mid PUT / overwrite / UploadPart / copy / DeleteObjects, ${ROUNDS} rounds: ccow gc --grace 0 leaves no chunk of the aborted writes, acknowledged data intact (seed ${SEED})`, { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-faults-crash-gc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const rand = prng(SEED);
  t.diagnostic(`seed ${SEED} (FAULTS_SEED=${SEED} replays it)`);
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = Date.now();
    const lap = (what: string): void => t.diagnostic(`  ${what} at ${Date.now() - t0} ms`);
    const gw = await spawnGateway(dir);
    lap('started');
    t.after(() => gw.kill());
    if (r === 0) {
      const c = new Client(gw);
      await c.ok('PUT', '/plain');
      await c.ok('PUT', '/ver');
      await c.ok('PUT', '/ver?versioning', Buffer.from('<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'));
      await c.close();
    }
    const round = await setupAndCrash(gw, dir, r, rand);
    assert.equal(gw.child.signalCode, 'SIGKILL');
    lap('killed');

    const gc = await runCcow(['gc', '--grace', '0', '--data', dir]);
    assert.equal(gc.code, 0, gc.stdout + gc.stderr);
    lap('gc');
    await auditNoLeaks(dir);
    lap('audited');

    const again = await spawnGateway(dir);
    t.after(() => again.kill());
    const c = new Client(again);
    lap('restarted');
    await verify(c, round);
    lap('verified');
    await c.close();
    assert.equal(await again.stop(), 0, again.output());
    if (r === ROUNDS - 1) {
      const fsck = await runCcow(['fsck', '--data', dir]);
      assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
    }
    t.diagnostic(`round ${r}: ${gc.stdout.trim().replace(/\n/g, '; ')}; overwrite ${round.v.v1acked ? 'acked' : 'not acked'}, part 2 ${round.part2?.acked ? 'acked' : 'not acked'}, DeleteObjects ${round.deleted ? 'acked' : 'not acked'}, big ${round.acked.has(`plain/big-${r}`) ? 'acked' : 'not acked'}`);
  }
});

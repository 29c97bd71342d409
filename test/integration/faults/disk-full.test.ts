/**
 * Disk full (issue #5 "Faults": disk full; shared/spec/ccow.md §17, s3-surface.md §9
 * `InsufficientStorage` 507): the gateway's data dir sits on a 48 MiB tmpfs the test mounts (the
 * tests run as root). The built `ccow serve` runs on it with its defaults (fill limit 90 %) and is
 * filled by concurrent 1 MiB PUTs, a multipart part and then many small objects (which live in LMDB,
 * not in chunk files). Expected:
 *
 * - the client gets 507 with an XML `InsufficientStorage` error (never a 500, never a dead gateway),
 * - no partial object: a refused key is absent from GET, HEAD and the listing; a refused part is not
 *   listed by ListParts,
 * - every acknowledged object still reads back bit-exact,
 * - after deleting objects and collecting (`ccow gc --grace 0`, the engine's hold would otherwise
 *   keep the chunks an hour; then `ccow compact`) writes work again, small and 1 MiB ones, and
 *   `ccow fsck` is clean. When small objects filled the disk, their space is in LMDB's file, which
 *   never shrinks by itself: compaction gives it back (storage/local/compaction.ts). The gateway
 *   compacts by itself (at start, or when a chunk write is refused) when a data disk has room for a
 *   copy of LMDB's live pages; here the deleted objects' tombstones and feed records are about as
 *   large as the free space, so the operator's step is `ccow compact`, naming a scratch dir on
 *   another disk when it says there is no room (README, operations).
 *
 * Where mounting is impossible (no CAP_SYS_ADMIN), the same scenario runs in-process on the local
 * backend's fault injection (a fake 48 MiB statfs and ENOSPC from `beforeWrite`); the test prints
 * which of the two ran.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { startGateway } from '../../helpers/gateway.js';
import { errnoError } from '../../../src/storage/local/index.js';
import { errorCode, KEYS, payloadOf, runCcow, send, sha256, spawnGateway, type ChildGateway, type Keys, type RawResponse, sleep, forEachLimit } from './helpers.js';

const MiB = 1024 * 1024;
const SIZE_MB = 48;
const BUCKET = 'full';

/** Mount a fresh tmpfs of `SIZE_MB` MiB; false when this machine does not let us. */
function mountTmpfs(dir: string): boolean {
  // FAULTS_NO_MOUNT=1 runs the fallback on a machine that could mount (to test the fallback).
  if (process.env.FAULTS_NO_MOUNT === '1') return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // Still busy (a killed child's handles): detach it; the kernel frees it once unused.
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // not mounted
    }
  }
}

/** A gateway under test: a base URL, signing keys and a way to collect space. */
interface Target {
  url: string;
  keys: Keys;
  /** Delete unreferenced chunks now (the hold is bypassed, as `ccow gc --grace 0` does). */
  collect(): Promise<void>;
  /** fsck clean? (report text on failure) */
  fsck(): Promise<{ clean: boolean; report: string }>;
  /** Still running? (a crash is a finding) */
  alive(): boolean;
  output(): string;
}

class Client {
  readonly pool: Pool;
  constructor(readonly target: Target) {
    this.pool = new Pool(target.url, { connections: 8 });
  }
  async send(method: string, path: string, body?: Buffer): Promise<RawResponse> {
    try {
      return await send(this.pool, this.target.url, { method, path, body, sign: this.target.keys, contentSha256: sha256(body ?? Buffer.alloc(0)) });
    } catch (e) {
      // A dropped connection is a finding; say whether the gateway is still alive, and what it said.
      await sleep(200);
      const state = this.target.alive() ? 'the gateway is alive' : 'the gateway DIED';
      throw new Error(`${method} ${path}: ${(e as Error).message}; ${state}\n${this.target.output().slice(-4000)}`, { cause: e });
    }
  }
  #closed: Promise<void> | undefined;
  close(): Promise<void> {
    return (this.#closed ??= this.pool.close());
  }
}

/** A refusal must be the AWS-style 507 InsufficientStorage with an XML body. */
function assertInsufficient(r: RawResponse, what: string): void {
  assert.equal(r.status, 507, `${what}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  assert.equal(errorCode(r.body), 'InsufficientStorage', what);
}

/** A key that was refused must not exist in any form. */
async function assertAbsent(c: Client, key: string): Promise<void> {
  const g = await c.send('GET', `/${BUCKET}/${key}`);
  assert.equal(g.status, 404, `refused ${key} is readable: ${g.status}`);
  assert.equal(errorCode(g.body), 'NoSuchKey');
  assert.equal((await c.send('HEAD', `/${BUCKET}/${key}`)).status, 404);
}

async function listKeys(c: Client): Promise<Set<string>> {
  const keys = new Set<string>();
  let token = '';
  for (;;) {
    const r = await c.send('GET', `/${BUCKET}?list-type=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`);
    assert.equal(r.status, 200, r.body.toString());
    const xml = r.body.toString();
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.add(m[1]!);
    const next = /<NextContinuationToken>([^<]+)</.exec(xml)?.[1];
    if (!next) return keys;
    token = next;
  }
}

/**
 * Fill with unique 1 MiB objects, 4 at a time, until refusals come; returns acknowledged keys and
 * refused keys.
 */
async function fillLarge(c: Client): Promise<{ acked: string[]; refused: string[] }> {
  const acked: string[] = [];
  const refused: string[] = [];
  for (let batch = 0; batch < 30 && refused.length === 0; batch++) {
    await Promise.all([0, 1, 2, 3].map(async (j) => {
      const key = `big-${batch * 4 + j}`;
      const r = await c.send('PUT', `/${BUCKET}/${key}`, payloadOf(key, MiB));
      if (r.status === 200) acked.push(key);
      else {
        assertInsufficient(r, `PUT ${key}`);
        refused.push(key);
      }
    }));
  }
  return { acked, refused };
}

/** Small objects (stored inside LMDB, not as chunk files), 8 at a time, until refused. */
async function fillSmall(c: Client, t: TestContext, size: number): Promise<{ acked: string[]; refused: string[] }> {
  const acked: string[] = [];
  const refused: string[] = [];
  const max = Math.ceil((SIZE_MB * MiB) / size) + 400;
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (refused.length === 0 && next < max) {
      const key = `small-${next++}`;
      const r = await c.send('PUT', `/${BUCKET}/${key}`, payloadOf(key, size));
      if (r.status === 200) acked.push(key);
      else {
        assertInsufficient(r, `PUT ${key} (small, ${acked.length} accepted before)`);
        refused.push(key);
      }
    }
  }));
  if (refused.length === 0) t.diagnostic(`small objects: all ${max} accepted (the disk never filled up through LMDB)`);
  return { acked, refused };
}

async function assertIntact(c: Client, keys: string[], size: (k: string) => number): Promise<void> {
  for (const key of keys) {
    const r = await c.send('GET', `/${BUCKET}/${key}`);
    assert.equal(r.status, 200, `acknowledged ${key}: ${r.status}`);
    assert.ok(r.body.equals(payloadOf(key, size(key))), `acknowledged ${key} reads back different bytes`);
  }
}

/** Create the bucket and fill it with 1 MiB objects up to the refusals. */
async function fillToLimit(t: TestContext, c: Client): Promise<{ acked: string[]; refused: string[] }> {
  assert.equal((await c.send('PUT', `/${BUCKET}`)).status, 200);
  const large = await fillLarge(c);
  assert.ok(large.refused.length > 0, 'the disk never filled');
  assert.ok(large.acked.length >= 20, `only ${large.acked.length} MiB accepted on a ${SIZE_MB} MiB disk`);
  t.diagnostic(`1 MiB objects: ${large.acked.length} accepted, ${large.refused.length} refused with 507`);
  return large;
}

/** Nothing refused is visible; everything acknowledged is listed and intact. */
async function assertConsistent(c: Client, refused: string[], acked: { key: string; size: number }[]): Promise<void> {
  for (const key of refused) await assertAbsent(c, key);
  const listed = await listKeys(c);
  for (const key of refused) assert.ok(!listed.has(key), `refused ${key} is listed`);
  for (const { key } of acked) assert.ok(listed.has(key), `acknowledged ${key} not listed`);
  const sizes = new Map(acked.map((a) => [a.key, a.size]));
  // Every large object, and a sample of the small ones.
  await assertIntact(c, acked.filter((a) => a.size >= MiB || Number(/\d+$/.exec(a.key)?.[0]) % 64 === 0).map((a) => a.key), (k) => sizes.get(k)!);
}

/**
 * Delete `keys` (deletes must work on a full disk, ccow.md §17), collect, and write again: small
 * objects, then 1 MiB ones.
 */
async function freeAndWriteAgain(t: TestContext, getTarget: () => Target, c: Client, keys: string[]): Promise<void> {
  await forEachLimit(keys, 8, async (key) => {
    const d = await c.send('DELETE', `/${BUCKET}/${key}`);
    assert.equal(d.status, 204, `DELETE ${key} on a full disk: ${d.status} ${d.body.toString().slice(0, 300)}`);
  });
  await c.close();
  await getTarget().collect();
  const again = new Client(getTarget());
  t.after(() => again.close());
  // Space is back: small and large writes work again and read back.
  for (const key of ['again-small-1', 'again-small-2']) {
    const r = await again.send('PUT', `/${BUCKET}/${key}`, payloadOf(key, 12 * 1024));
    assert.equal(r.status, 200, `PUT ${key} after freeing space: ${r.status} ${r.body.toString().slice(0, 300)}`);
  }
  await assertIntact(again, ['again-small-1', 'again-small-2'], () => 12 * 1024);
  await t.test('1 MiB writes after freeing space', async () => {
    for (const key of ['again-1', 'again-2', 'again-3']) {
      const r = await again.send('PUT', `/${BUCKET}/${key}`, payloadOf(key, MiB));
      assert.equal(r.status, 200, `PUT ${key} after freeing space: ${r.status} ${r.body.toString().slice(0, 300)}`);
    }
    await assertIntact(again, ['again-1', 'again-2', 'again-3'], () => MiB);
  });
  await again.close();
  const f = await getTarget().fsck();
  assert.ok(f.clean, `fsck after the disk-full run:\n${f.report}`);
}

/**
 * Chunk files reach the fill limit: 1 MiB PUTs and a multipart part are refused with 507 and leave
 * nothing; after deletes and gc, writes work again.
 */
async function chunkFilesScenario(t: TestContext, getTarget: () => Target): Promise<void> {
  const c = new Client(getTarget());
  t.after(() => c.close());
  const large = await fillToLimit(t, c);

  // A multipart upload is refused the same way: at Create (its record is data too), or at the part,
  // which then leaves no part behind.
  const mpu = await c.send('POST', `/${BUCKET}/mpu-key?uploads`);
  if (mpu.status !== 200) {
    assertInsufficient(mpu, 'CreateMultipartUpload');
    t.diagnostic('multipart: refused at CreateMultipartUpload');
  } else {
    const uploadId = encodeURIComponent(/<UploadId>([^<]+)</.exec(mpu.body.toString())![1]!);
    assertInsufficient(await c.send('PUT', `/${BUCKET}/mpu-key?partNumber=1&uploadId=${uploadId}`, payloadOf('part', 5 * MiB)), 'UploadPart');
    const parts = await c.send('GET', `/${BUCKET}/mpu-key?uploadId=${uploadId}`);
    assert.equal(parts.status, 200);
    assert.doesNotMatch(parts.body.toString(), /<Part>/, 'a refused part is listed');
    assert.equal((await c.send('DELETE', `/${BUCKET}/mpu-key?uploadId=${uploadId}`)).status, 204);
    t.diagnostic('multipart: refused at UploadPart, no part listed, upload aborted');
  }
  const uploads = await c.send('GET', `/${BUCKET}?uploads`);
  assert.doesNotMatch(uploads.body.toString(), /<Upload>/, 'an upload is left over');

  assert.ok(getTarget().alive(), `the gateway died on a full disk:\n${getTarget().output().slice(-3000)}`);
  await assertConsistent(c, large.refused, large.acked.map((key) => ({ key, size: MiB })));
  await freeAndWriteAgain(t, getTarget, c, large.acked);
}

/**
 * Small objects alone (stored in LMDB's `blobs`, not as chunk files) fill the disk: they must be
 * refused with 507 as well, before LMDB itself runs out of space, so that deletes and gc still
 * commit and writes resume.
 */
async function smallObjectsScenario(t: TestContext, getTarget: () => Target): Promise<void> {
  const c = new Client(getTarget());
  t.after(() => c.close());
  assert.equal((await c.send('PUT', `/${BUCKET}`)).status, 200);
  const size = 16 * 1024;
  const small = await fillSmall(c, t, size);
  t.diagnostic(`16 KiB objects: ${small.acked.length} accepted, ${small.refused.length} refused with 507`);
  assert.ok(small.refused.length > 0, 'the disk never filled');
  assert.ok(getTarget().alive(), `the gateway died on a full disk:\n${getTarget().output().slice(-3000)}`);
  await assertConsistent(c, small.refused, small.acked.map((key) => ({ key, size })));
  // LMDB's file does not shrink by itself: after deleting everything the disk would still look 90 %
  // full to the chunk-file fill limit. Collecting includes `ccow compact` (issue #3).
  await freeAndWriteAgain(t, getTarget, c, small.acked);
}

/** The real thing: `ccow serve` on a tmpfs. */
async function onTmpfs(t: TestContext, dir: string, cleanup: (() => Promise<unknown>)[], scenario: Scenario): Promise<void> {
  let gw: ChildGateway = await spawnGateway(dir);
  cleanup.push(() => gw.kill());
  const target: Target = {
    get url() { return gw.url; },
    keys: KEYS,
    alive: () => gw.child.exitCode === null && gw.child.signalCode === null,
    output: () => gw.output(),
    collect: async () => {
      assert.equal(await gw.stop(), 0, `graceful stop on a full disk:\n${gw.output().slice(-3000)}`);
      const r = await runCcow(['gc', '--grace', '0', '--data', dir]);
      assert.equal(r.code, 0, `ccow gc: ${r.stdout}${r.stderr}`);
      t.diagnostic(`${r.stdout.trim()}; df after gc: ${df(dir)}`);
      t.diagnostic(await compactLmdb(dir, cleanup));
      gw = await spawnGateway(dir);
    },
    fsck: async () => {
      await gw.stop();
      const r = await runCcow(['fsck', '--data', dir]);
      return { clean: r.code === 0 && /^clean$/m.test(r.stdout), report: r.stdout + r.stderr };
    },
  };
  await scenario(t, () => target);
}

/**
 * The operator's `ccow compact`: in place when the disk has room for the copy, else (it says so)
 * again with a scratch dir on another disk (os.tmpdir(), outside the mounted tmpfs).
 */
async function compactLmdb(dir: string, cleanup: (() => Promise<unknown>)[]): Promise<string> {
  let r = await runCcow(['compact', '--data', dir]);
  let how = 'in place';
  if (r.code !== 0) {
    assert.match(r.stderr, /no data disk has room.*--scratch/, `ccow compact: ${r.stdout}${r.stderr}`);
    const scratch = await mkdtemp(join(tmpdir(), 'ccow-faults-scratch-'));
    cleanup.push(() => rm(scratch, { recursive: true, force: true }));
    r = await runCcow(['compact', '--data', dir, '--scratch', scratch]);
    how = 'through a scratch dir (no room on the disk)';
  }
  assert.equal(r.code, 0, `ccow compact: ${r.stdout}${r.stderr}`);
  return `${r.stdout.trim()}, ${how}; df after compact: ${df(dir)}`;
}

function df(dir: string): string {
  try {
    return execFileSync('df', ['-k', '--output=used,avail', dir], { encoding: 'utf8' }).trim().split('\n').pop()!.trim().replace(/\s+/, ' KiB used, ') + ' KiB free';
  } catch {
    return '?';
  }
}

/** Bytes of every file under `dir` (the fallback's idea of "used"). */
async function usedBytes(dir: string): Promise<number> {
  let total = 0;
  // Files come and go while the gateway runs: a vanished entry counts as 0.
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Fallback: an in-process gateway whose disk is 48 MiB by fault injection. */
async function withFaults(t: TestContext, dir: string, scenario: Scenario): Promise<void> {
  const total = SIZE_MB * MiB;
  let used = 0;
  const refresh = async (): Promise<void> => { used = await usedBytes(dir); };
  // statfs is read before each write; keep `used` current between writes too.
  const timer = setInterval(() => void refresh(), 50);
  const gw = await startGateway({
    backend: 'local',
    dataDir: dir,
    local: {
      faults: {
        statfs: () => ({ total, free: Math.max(0, total - used) }),
        beforeWrite: async () => {
          await refresh();
          if (used + MiB > total) throw errnoError('ENOSPC');
        },
      },
    },
  });
  t.after(async () => {
    clearInterval(timer);
    await gw.close();
  });
  const target: Target = {
    url: gw.url,
    keys: { accessKey: gw.accessKey, secretKey: gw.secretKey },
    alive: () => true,
    output: () => '',
    collect: async () => {
      const n = await gw.engine.gc({ graceMs: 0 });
      await refresh();
      t.diagnostic(`gc: ${n} chunk(s) deleted`);
    },
    fsck: async () => {
      const r = await gw.engine.fsck();
      const clean = r.missing.length + r.corrupt.length + r.leaked.length + r.danglingRefs.length === 0;
      return { clean, report: JSON.stringify(r) };
    },
  };
  await scenario(t, () => target);
}

type Scenario = (t: TestContext, getTarget: () => Target) => Promise<void>;

/** Run `scenario` on a fresh tmpfs (or, where mounting is impossible, on fault injection). */
async function onSmallDisk(t: TestContext, scenario: Scenario, opts: { needsTmpfs?: boolean } = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-faults-full-'));
  // One hook, in order: stop the gateway, unmount, remove the mount point.
  const cleanup: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const f of cleanup.reverse()) await f();
  });
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  if (mountTmpfs(dir)) {
    cleanup.push(async () => unmount(dir));
    t.diagnostic(`mode: tmpfs of ${SIZE_MB} MiB mounted at ${dir}; ccow serve child process`);
    await onTmpfs(t, dir, cleanup, scenario);
  } else if (opts.needsTmpfs) {
    t.skip('cannot mount a tmpfs here, and fault injection does not reach LMDB');
  } else {
    t.diagnostic('mode: mount impossible here; storage fault injection (fake statfs + ENOSPC in beforeWrite), in-process gateway');
    await withFaults(t, dir, scenario);
  }
}

test(`disk full, chunk files: 507 InsufficientStorage, no partial object or part, writes resume after delete + gc (${SIZE_MB} MiB disk)`, { timeout: 90_000 }, async (t) => {
  await onSmallDisk(t, chunkFilesScenario);
});

// Small objects live in LMDB's `blobs`: before storage/local 7c071e2 they bypassed the 90 % fill
// limit, filled the disk to 100 %, got 500 InternalError, and DELETE and `ccow gc` failed too
// (found by this test; the first failed commit also killed the process before cli/lmdb-rejections.ts).
test(`disk full, small objects in LMDB: 507 too, deletes and gc still work (${SIZE_MB} MiB disk)`, { timeout: 90_000 }, async (t) => {
  await onSmallDisk(t, smallObjectsScenario, { needsTmpfs: true });
});

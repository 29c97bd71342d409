/**
 * Crash safety of the whole gateway (issue #5 "Faults": crash; shared/spec/ccow.md §4 write order
 * "chunks durable → one transaction → acknowledge"): the built `ccow serve` runs as a child process,
 * 200 concurrent writes (single PUTs of 0 B..20 MiB and multipart uploads) are in flight when it is
 * killed with SIGKILL at a seeded random moment; after a restart
 *
 * - every acknowledged write (a 200 received) reads back bit-exact,
 * - nothing unacknowledged is half-visible: a visible key reads completely and equals a body that
 *   was sent for it, and listings agree with reads,
 * - a multipart upload is visible as an object only if its Complete may have committed (then whole);
 *   leftover uploads can be aborted after the restart,
 * - objects of earlier rounds are unchanged, and `ccow fsck` exits 0 and reports clean.
 *
 * Sizes (chosen to fit a loaded 2-core CI machine): per round 200 writes = 150 small (0 B..64 KiB,
 * around the inline/blob boundaries), 36 medium (64 KiB..2 MiB), 7 large single PUTs (2..20 MiB, one
 * exactly 20 MiB) and 7 multipart uploads (2–3 parts of 5 MiB + a tail) — about 150 MiB per round,
 * 4 rounds over the same data dir. The seed is printed; FAULTS_SEED=<n> replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { between, forEachLimit, KEYS, payloadOf, prng, runCcow, send, sha256, spawnGateway, type ChildGateway, type RawResponse } from './helpers.js';

const SEED = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
const ROUNDS = 3;
const WRITES = 200;
const BUCKET = 'crash';
const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** One planned write. */
interface Write {
  key: string;
  /** Single PUT, or multipart with these part sizes. */
  parts?: number[];
  size: number;
  label: string;
}

/** What the client knows about a key after the round: bodies sent, and bodies acknowledged. */
interface KeyState {
  sent: Set<string>;
  acked: Set<string>;
  multipart: boolean;
}

/** Sizes of one round: mostly small, a few large, some multipart (see the header comment). */
function planRound(rand: () => number, round: number): Write[] {
  const writes: Write[] = [];
  const small = [0, 1, 4095, 4096, 4097, 16 * 1024, 16 * 1024 + 1];
  for (let i = 0; i < WRITES; i++) {
    let size: number;
    let parts: number[] | undefined;
    if (i < 160) size = i < small.length ? small[i]! : between(rand, 0, 64 * 1024);
    else if (i < 190) size = between(rand, 64 * 1024, MiB);
    else if (i < 195) size = i === 190 ? 20 * MiB : between(rand, MiB, 8 * MiB);
    else {
      parts = [PART, between(rand, 1, MiB)];
      size = parts.reduce((a, b) => a + b, 0);
    }
    // Ten pairs of small writes share a key (concurrent overwrites): either body may win.
    const key = i < 20 ? `r${round}/dup-${i >> 1}` : `r${round}/${parts ? 'mpu' : 'obj'}-${i}`;
    writes.push({ key, size, parts, label: `${SEED}/${round}/${i}/${size}` });
  }
  // Launch order shuffled, so large writes are spread through the round.
  for (let i = writes.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [writes[i], writes[j]] = [writes[j]!, writes[i]!];
  }
  return writes;
}

/** The bodies of `w` (one, or one per part), regenerated from its label, and the object's SHA-256. */
function bodiesOf(w: Write): { bodies: Buffer[]; sha: string } {
  const bodies = w.parts ? w.parts.map((size, n) => payloadOf(`${w.label}/part${n}`, size)) : [payloadOf(w.label, w.size)];
  const h = createHash('sha256');
  for (const b of bodies) h.update(b);
  return { bodies, sha: h.digest('hex') };
}

function keyPath(key: string, query = ''): string {
  return `/${BUCKET}/${key.split('/').map(encodeURIComponent).join('/')}${query}`;
}

class Client {
  readonly pool: Pool;
  constructor(readonly gw: ChildGateway) {
    this.pool = new Pool(gw.url, { connections: WRITES + 8, pipelining: 1, keepAliveTimeout: 30_000 });
  }
  send(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
    const contentSha256 = sha256(body ?? Buffer.alloc(0));
    return send(this.pool, this.gw.url, { method, path, body, headers, sign: KEYS, contentSha256 });
  }
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** One single PUT; resolves true when the gateway acknowledged it. */
async function putOne(c: Client, w: Write, body: Buffer): Promise<boolean> {
  const r = await c.send('PUT', keyPath(w.key), body);
  assertNoServerError(r, `PUT ${w.key}`);
  return r.status === 200;
}

/** A multipart upload: create, parts (in order), complete. True when Complete was acknowledged. */
async function multipartOne(c: Client, w: Write, parts: Buffer[]): Promise<boolean> {
  const created = await c.send('POST', keyPath(w.key, '?uploads'));
  assertNoServerError(created, `CreateMultipartUpload ${w.key}`);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString())?.[1];
  if (created.status !== 200 || !uploadId) return false;
  const etags: string[] = [];
  for (let n = 0; n < parts.length; n++) {
    const r = await c.send('PUT', keyPath(w.key, `?partNumber=${n + 1}&uploadId=${encodeURIComponent(uploadId)}`), parts[n]);
    assertNoServerError(r, `UploadPart ${w.key} #${n + 1}`);
    if (r.status !== 200) return false;
    etags.push(String(r.headers.etag));
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, n) => `<Part><PartNumber>${n + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const done = await c.send('POST', keyPath(w.key, `?uploadId=${encodeURIComponent(uploadId)}`), Buffer.from(xml));
  assertNoServerError(done, `CompleteMultipartUpload ${w.key}`);
  // AWS may answer 200 with an <Error> body to a Complete: only a Result is an acknowledgement.
  return done.status === 200 && done.body.includes('<CompleteMultipartUploadResult');
}

function assertNoServerError(r: RawResponse, what: string): void {
  assert.ok(r.status < 500, `${what}: ${r.status} ${r.body.toString().slice(0, 300)}`);
}

/**
 * Run the round's writes against `gw` and SIGKILL it once `killAfterAcks` writes were
 * acknowledged (plus `delayMs`). Returns what the client knows per key.
 */
async function crashRound(gw: ChildGateway, writes: Write[], killAfterAcks: number, delayMs: number): Promise<{ states: Map<string, KeyState>; acks: number; failedEarly: string[] }> {
  const c = new Client(gw);
  const states = new Map<string, KeyState>();
  let acks = 0;
  let killed: Promise<unknown> | undefined;
  let signalled = false;
  const failedEarly: string[] = [];
  const kill = (): Promise<unknown> => (killed ??= new Promise((r) => setTimeout(r, delayMs)).then(() => {
    signalled = true;
    return gw.kill();
  }));
  await Promise.all(writes.map(async (w) => {
    const st = states.get(w.key) ?? { sent: new Set(), acked: new Set(), multipart: w.parts !== undefined };
    states.set(w.key, st);
    const { bodies, sha } = bodiesOf(w);
    st.sent.add(sha);
    let ok = false;
    try {
      ok = w.parts ? await multipartOne(c, w, bodies) : await putOne(c, w, bodies[0]!);
    } catch (e) {
      // After the kill every in-flight request fails (socket closed): that is the point. Before
      // it, a failure is a finding (an assertion about a 5xx, or a dropped connection).
      if (!signalled) failedEarly.push(`${w.key}: ${(e as Error).message}`);
    }
    // A whole 200 response read is an acknowledgement, even one that arrives between the kill
    // decision and the signal.
    if (ok) {
      st.acked.add(sha);
      if (++acks >= killAfterAcks) void kill();
    }
  }));
  await kill();
  await c.close();
  return { states, acks, failedEarly };
}

interface Seen {
  etag: string;
  size: number;
}

/** List every key under `prefix` (ListObjectsV2, all pages). */
async function listAll(c: Client, prefix: string): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  let token: string | undefined;
  do {
    const q = `?list-type=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
    const r = await c.send('GET', `/${BUCKET}${q}`);
    assert.equal(r.status, 200, r.body.toString());
    const xml = r.body.toString();
    for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = decodeXml(/<Key>([^<]*)<\/Key>/.exec(m[1]!)![1]!);
      out.set(key, { etag: decodeXml(/<ETag>([^<]*)<\/ETag>/.exec(m[1]!)![1]!), size: Number(/<Size>(\d+)<\/Size>/.exec(m[1]!)![1]) });
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? decodeXml(/<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)![1]!) : undefined;
  } while (token);
  return out;
}

function decodeXml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Check this round's keys after the restart; returns what is visible (for later rounds). */
async function verifyRound(c: Client, round: number, states: Map<string, KeyState>): Promise<Map<string, Seen>> {
  const listed = await listAll(c, `r${round}/`);
  for (const key of listed.keys()) assert.ok(states.has(key), `listed key ${key} was never written`);
  await forEachLimit(states, 8, async ([key, st]) => {
    const r = await c.send('GET', keyPath(key));
    if (r.status === 404) {
      assert.equal(st.acked.size, 0, `${key}: acknowledged (${st.multipart ? 'multipart' : 'PUT'}) but gone after the crash`);
      assert.ok(!listed.has(key), `${key}: listed but GET says 404`);
      return;
    }
    assert.equal(r.status, 200, `${key}: GET ${r.status} ${r.body.toString().slice(0, 300)}`);
    const got = sha256(r.body);
    assert.ok(st.sent.has(got), `${key}: visible body (${r.body.length} B) equals no body sent for it — half-written?`);
    const l = listed.get(key);
    assert.ok(l, `${key}: readable but missing from the listing`);
    assert.equal(l.size, r.body.length, `${key}: listed size`);
    assert.equal(l.etag, r.headers.etag, `${key}: listed ETag differs from GET`);
  });
  return listed;
}

/** Multipart uploads left over by the crash: none may be visible half-done; abort them all. */
async function abortLeftovers(c: Client, round: number, states: Map<string, KeyState>): Promise<number> {
  const r = await c.send('GET', `/${BUCKET}?uploads&prefix=${encodeURIComponent(`r${round}/`)}`);
  assert.equal(r.status, 200, r.body.toString());
  let aborted = 0;
  for (const m of r.body.toString().matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)) {
    const key = decodeXml(/<Key>([^<]*)<\/Key>/.exec(m[1]!)![1]!);
    const id = decodeXml(/<UploadId>([^<]*)<\/UploadId>/.exec(m[1]!)![1]!);
    assert.ok(states.get(key)?.multipart, `upload for ${key}, which was never a multipart key`);
    const a = await c.send('DELETE', keyPath(key, `?uploadId=${encodeURIComponent(id)}`));
    assert.equal(a.status, 204, `abort ${key}: ${a.status} ${a.body.toString()}`);
    aborted++;
  }
  return aborted;
}

test(`SIGKILL during 200 concurrent writes, ${ROUNDS} rounds: acknowledged data survives, nothing half-visible, fsck clean (seed ${SEED})`, { timeout: 170_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ccow-faults-crash-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const rand = prng(SEED);
  const earlier = new Map<string, Seen>();
  t.diagnostic(`seed ${SEED} (FAULTS_SEED=${SEED} replays it)`);

  for (let round = 0; round < ROUNDS; round++) {
    const t0 = Date.now();
    const lap = (what: string): void => t.diagnostic(`  ${what} at ${Date.now() - t0} ms`);
    const gw = await spawnGateway(dataDir);
    lap('started');
    t.after(() => gw.kill());
    if (round === 0) {
      const c = new Client(gw);
      const r = await c.send('PUT', `/${BUCKET}`);
      assert.equal(r.status, 200, r.body.toString());
      await c.close();
    }
    const writes = planRound(rand, round);
    const killAfter = between(rand, 10, 180);
    const delayMs = between(rand, 0, 40);
    const { states, acks, failedEarly } = await crashRound(gw, writes, killAfter, delayMs);
    assert.deepEqual(failedEarly, [], 'requests failed before the kill');
    assert.equal(gw.child.signalCode, 'SIGKILL');
    lap('killed');

    const again = await spawnGateway(dataDir);
    t.after(() => again.kill());
    const c = new Client(again);
    lap('restarted');
    const visible = await verifyRound(c, round, states);
    // Earlier rounds' objects are exactly as they were (their bytes are re-hashed by fsck below).
    const now = await listAll(c, '');
    for (const [key, seen] of earlier) assert.deepEqual(now.get(key), seen, `${key} (an earlier round) changed`);
    lap('verified');
    const aborted = await abortLeftovers(c, round, states);
    await c.close();
    assert.equal(await again.stop(), 0, `graceful stop after round ${round}\n${again.output()}`);
    lap('stopped');

    const fsck = await runCcow(['fsck', '--data', dataDir]);
    assert.equal(fsck.code, 0, `fsck after round ${round}:\n${fsck.stdout}\n${fsck.stderr}`);
    assert.match(fsck.stdout, /^clean$/m);
    for (const [k, v] of visible) earlier.set(k, v);
    const ackedKeys = [...states.values()].filter((s) => s.acked.size > 0).length;
    t.diagnostic(`round ${round}: killed after ${acks} acks (+${delayMs} ms; target ${killAfter}); ${ackedKeys} acked keys, ${visible.size} visible, ${aborted} leftover uploads aborted; fsck clean`);
  }
});

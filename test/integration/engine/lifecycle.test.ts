/**
 * The lifecycle worker (src/engine/lifecycle.ts) against the Amazon S3 User Guide's rules:
 * expiration of current versions per versioning state, noncurrent expiration with
 * NewerNoncurrentVersions, expired delete markers, filters, aborted uploads, day rounding to
 * midnight UTC, and rules that must not act (disabled, not yet due, another prefix).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineErrors, type Engine, type LifecycleConfig, type LifecycleRule } from '../../../src/engine/index.js';
import { lifecycleDueAt } from '../../../src/engine/lifecycle.js';
import { body, eachBackend, type FakeClock } from './harness.js';

const DAY = 86_400_000;

const put = (e: Engine, key: string, s: string, tags?: Record<string, string>) =>
  e.putObject({ bucket: 'b', key }, body(Buffer.from(s)), tags ? { tags } : {});

async function setRules(e: Engine, rules: LifecycleRule[]): Promise<void> {
  const l: LifecycleConfig = { v: 1, rules };
  await e.putBucketConfig('b', 'lifecycle', l);
}

/** Run the lifecycle worker until it goes idle. */
async function runLifecycle(e: Engine): Promise<void> {
  const w = e.workers().find((x) => x.name === 'lifecycle')!;
  for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
}

/** Move to the start of the next pass (passes are at most hourly) plus `ms`. */
function later(clock: FakeClock, ms: number): void {
  clock.advance(ms + 3_600_001);
}

/** `key: [versionId-less summary]` of every version, newest first per key. */
async function versions(e: Engine): Promise<string[]> {
  const page = await e.listVersions('b', { limit: 1000 });
  return page.entries.map((v) => `${v.key}:${v.deleteMarker ? 'DM' : v.size}${v.isLatest ? '*' : ''}`);
}

test('due times: the days are added and rounded up to midnight UTC', () => {
  const t = Date.parse('2020-01-02T11:30:00Z');
  assert.equal(new Date(lifecycleDueAt(t, 1)).toISOString(), '2020-01-04T00:00:00.000Z');
  assert.equal(new Date(lifecycleDueAt(Date.parse('2020-01-02T00:00:00Z'), 1)).toISOString(), '2020-01-03T00:00:00.000Z');
  assert.equal(new Date(lifecycleDueAt(Date.parse('2020-01-02T23:59:59.999Z'), 30)).toISOString(), '2020-02-02T00:00:00.000Z');
});

eachBackend('unversioned: Expiration Days deletes matching objects once due, and only those', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await put(e, 'logs/a', 'aaaa');
  await put(e, 'logs/big', 'x'.repeat(100));
  await put(e, 'logs/tagged', 'tt', { keep: 'yes' });
  await put(e, 'keep/b', 'bb');
  await setRules(e, [
    { id: 'logs', status: 'Enabled', filter: { prefix: 'logs/', objectSizeLessThan: 50 }, expiration: { days: 1 } },
    { id: 'off', status: 'Disabled', filter: {}, expiration: { days: 1 } },
  ]);
  await runLifecycle(e);
  assert.equal((await versions(e)).length, 4, 'nothing is due yet');
  later(clock, DAY); // due at the second midnight at the latest
  await runLifecycle(e);
  later(clock, DAY);
  await runLifecycle(e);
  const left = (await e.listObjects('b', { limit: 100 })).entries.map((o) => o.key);
  assert.deepEqual(left, ['keep/b', 'logs/big'], 'small logs/ objects expired (tags do not matter to this rule)');
  await assert.rejects(e.head({ bucket: 'b', key: 'logs/a' }), (err: unknown) => EngineErrors.NO_SUCH_KEY.is(err));
  assert.equal((await e.bucketStats('b')).objects, 2);
});

eachBackend('versioning Enabled: current versions get a delete marker, noncurrent ones expire keeping the newest N, expired markers go', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  for (const s of ['1', '22', '333', '4444']) await put(e, 'k', s);
  await put(e, 'solo', 'z');
  await setRules(e, [
    { id: 'nc', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 2, newerNoncurrentVersions: 1 } },
    { id: 'edm', status: 'Enabled', filter: {}, expiration: { expiredObjectDeleteMarker: true } },
  ]);
  later(clock, 3 * DAY);
  await runLifecycle(e);
  // Noncurrent for 3 days: '1' and '22' go, '333' is the one newest noncurrent kept.
  assert.deepEqual(await versions(e), ['k:4*', 'k:3', 'solo:1*']);

  await setRules(e, [
    { id: 'cur', status: 'Enabled', filter: { prefix: 'solo' }, expiration: { days: 1 } },
    { id: 'nc', status: 'Enabled', filter: { prefix: 'solo' }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
    { id: 'edm', status: 'Enabled', filter: {}, expiration: { expiredObjectDeleteMarker: true } },
  ]);
  later(clock, 0);
  await runLifecycle(e);
  assert.deepEqual(await versions(e), ['k:4*', 'k:3', 'solo:DM*', 'solo:1'], 'the current version of solo became noncurrent under a marker');
  later(clock, 2 * DAY);
  await runLifecycle(e);
  // solo's data version expired as noncurrent; its marker was then the only version and went too.
  assert.deepEqual(await versions(e), ['k:4*', 'k:3']);
});

eachBackend('versioning Suspended: expiration writes a null marker replacing the null version; Days also clears old markers', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  await put(e, 'k', 'old');
  await e.putBucketConfig('b', 'versioning', 'Suspended');
  await put(e, 'k', 'null-version');
  await put(e, 'm', 'mm');
  await e.deleteObject({ bucket: 'b', key: 'm' }); // m: null marker over nothing else → already expired
  await setRules(e, [{ id: 'cur', status: 'Enabled', filter: { prefix: 'k' }, expiration: { days: 1 } }]);
  later(clock, 2 * DAY);
  await runLifecycle(e);
  const v = await e.listVersions('b', { limit: 100 });
  const k = v.entries.filter((x) => x.key === 'k');
  assert.deepEqual(k.map((x) => [x.deleteMarker, x.versionId === 'null', x.size]), [[true, true, 0], [false, false, 3]]);
  assert.ok(v.entries.some((x) => x.key === 'm'), 'm is outside the rule\'s prefix');
  // Two more days: k's marker is not alone (the old version stays: no noncurrent rule), so it stays.
  later(clock, 2 * DAY);
  await runLifecycle(e);
  assert.equal((await e.listVersions('b', { limit: 100 })).entries.filter((x) => x.key === 'k').length, 2);
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: k[1]!.versionId });
  later(clock, 2 * DAY);
  await runLifecycle(e);
  assert.equal((await e.listVersions('b', { limit: 100 })).entries.filter((x) => x.key === 'k').length, 0, 'a lone marker old enough for Days is removed');
});

eachBackend('tag filters match current and noncurrent versions by their own tags; markers never match them', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  await put(e, 'a', 'v1', { tmp: 'true' });
  await put(e, 'a', 'v2');
  await put(e, 'b', 'v1', { tmp: 'true', other: 'x' });
  await setRules(e, [
    { id: 'tmp', status: 'Enabled', filter: { tags: { tmp: 'true' } }, expiration: { days: 1 }, noncurrentVersionExpiration: { noncurrentDays: 1 } },
  ]);
  later(clock, 2 * DAY);
  await runLifecycle(e);
  assert.deepEqual(await versions(e), ['a:2*', 'b:DM*', 'b:2']);
  later(clock, 2 * DAY);
  await runLifecycle(e);
  // b's tagged version, noncurrent for two days now, expired; its marker has no tags and stays.
  assert.deepEqual(await versions(e), ['a:2*', 'b:DM*']);
});

eachBackend('tag filters on names of Object.prototype members match own tags only', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  const protoTag: Record<string, string> = {};
  Object.defineProperty(protoTag, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
  await put(e, 'plain', 'x');
  await put(e, 'ctor', 'x', { constructor: 'c' });
  await put(e, 'proto', 'x', protoTag);
  await put(e, 'str', 'x', { toString: 's' });
  const rule = (id: string, tags: Record<string, string>): LifecycleRule => ({ id, status: 'Enabled', filter: { tags }, expiration: { days: 1 } });
  const onProto: Record<string, string> = {};
  Object.defineProperty(onProto, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
  await setRules(e, [rule('c', { constructor: 'c' }), rule('p', onProto), rule('s', { toString: 's' })]);
  later(clock, 2 * DAY);
  await runLifecycle(e);
  assert.deepEqual(await versions(e), ['plain:1*'], 'each tagged object expired; the untagged one matched no rule');
});

eachBackend('AbortIncompleteMultipartUpload aborts uploads of the prefix once due', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  const old = await e.createUpload({ bucket: 'b', key: 'tmp/x' }, {});
  const other = await e.createUpload({ bucket: 'b', key: 'keep/y' }, {});
  await setRules(e, [{ id: 'mpu', status: 'Enabled', filter: { prefix: 'tmp/' }, abortIncompleteMultipartUpload: { daysAfterInitiation: 3 } }]);
  later(clock, 2 * DAY);
  const fresh = await e.createUpload({ bucket: 'b', key: 'tmp/z' }, {});
  await runLifecycle(e);
  assert.equal((await e.listUploads('b', { limit: 10 })).uploads.length, 3, 'not due yet');
  later(clock, 2 * DAY);
  await runLifecycle(e);
  const left = (await e.listUploads('b', { limit: 10 })).uploads.map((u) => u.uploadId).sort();
  assert.deepEqual(left, [other.uploadId, fresh.uploadId].sort());
  assert.equal(await e.getUpload('b', old.uploadId), undefined);
});

eachBackend('a pass over many keys opens transactions only for keys with something due, across page boundaries', async ({ engine: e, backend, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const keys = Array.from({ length: 600 }, (_, i) => `k${String(i).padStart(4, '0')}`);
  for (const k of keys) await put(e, k, 'v');
  // Keys with noncurrent versions at both ends and across the 256-row page boundaries.
  const busy = ['k0000', 'k0250', 'k0254', 'k0255', 'k0256', 'k0599'];
  for (const k of busy) for (let n = 0; n < 3; n++) await put(e, k, `v${n}`);
  await setRules(e, [{ id: 'nc', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 1 } }]);
  later(clock, 2 * DAY);
  let txs = 0;
  const tx = backend.meta.transaction.bind(backend.meta);
  backend.meta.transaction = ((fn: Parameters<typeof tx>[0]) => {
    txs++;
    return tx(fn);
  }) as typeof backend.meta.transaction;
  await runLifecycle(e);
  backend.meta.transaction = tx;
  const left = await e.listVersions('b', { limit: 1000 });
  assert.equal(left.entries.length, 600, 'every noncurrent version expired, every current one stayed');
  assert.ok(left.entries.every((v) => v.isLatest));
  assert.ok(txs < 30, `${txs} transactions for ${busy.length} keys with work among 600`);
});

/**
 * The data dir set of the local backend (storage/local/data-dirs.ts), its pure parts: the
 * `CCOW-DISK` marker format against its golden fixture, and the rules `checkBeforeMeta` and
 * `planDataDirs` apply to what the listed dirs hold.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { StorageErrors } from '../../../src/storage/contract/index.js';
import { checkBeforeMeta, decodeDiskMarker, encodeDiskMarker, planDataDirs, type DirSurvey, type DiskMarker } from '../../../src/storage/local/data-dirs.js';

const GOLDEN: DiskMarker = {
  set: '0123456789abcdef0123456789abcdef',
  disk: 'fedcba9876543210fedcba9876543210',
  origin: 'created',
  members: [
    { id: '00112233445566778899aabbccddeeff', path: '/srv/ccow/d0' },
    { id: 'fedcba9876543210fedcba9876543210', path: '/srv/ccow/d 1' },
  ],
};

test('the CCOW-DISK marker v1 matches its golden fixture and decodes back', () => {
  const golden = readFileSync(join(process.cwd(), 'test/fixtures/storage/disk-marker-v1.txt'), 'utf8');
  assert.equal(encodeDiskMarker(GOLDEN), golden);
  assert.deepEqual(decodeDiskMarker(golden, 'x'), GOLDEN);
});

test('a marker this version does not write is refused (DATA_DIRS), never guessed at', () => {
  const good = encodeDiskMarker(GOLDEN);
  const bad = [
    '',
    good.replace('ccow-disk/1', 'ccow-disk/2'),
    good.slice(0, -1),
    good.replace('origin created', 'origin found'),
    good.replace('set 0123', 'set 0x23'),
    good.replace(/member fedcba\S+ "\/srv\/ccow\/d 1"\n/, ''),
    good + `member 00112233445566778899aabbccddeeff "/srv/ccow/d2"\n`,
    good.replace('"/srv/ccow/d0"', '/srv/ccow/d0'),
  ];
  for (const text of bad) assert.throws(() => decodeDiskMarker(text, 'm'), (e) => StorageErrors.DATA_DIRS.is(e), JSON.stringify(text));
});

/** A set of `n` dirs /d0…, as created; `survey(i)` is dir i as it is after that. */
function store(n: number, origin: DiskMarker['origin'] = 'created'): { record: DiskMarker; survey: (i: number) => DirSurvey } {
  const ids = Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(32, '0'));
  const record: DiskMarker = { set: 'a'.repeat(32), disk: ids[0]!, origin, members: ids.map((id, i) => ({ id, path: `/d${i}` })) };
  return { record, survey: (i) => ({ path: `/d${i}`, marker: { ...record, disk: ids[i]! }, hasMeta: i === 0, hasChunks: true }) };
}

const empty = (path: string): DirSurvey => ({ path, marker: undefined, hasMeta: false, hasChunks: false });
const refused = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (e) => StorageErrors.DATA_DIRS.is(e) && pattern.test((e as Error).message));
};

test('the listed dirs must be the whole set, the one with meta/ first', () => {
  const { record, survey } = store(3);
  const all = [survey(0), survey(1), survey(2)];
  assert.deepEqual(planDataDirs(all, record, true), { record, joining: [], stale: [], writeRecord: false });
  // Later dirs in another order: placement does not depend on the order, so that is fine.
  assert.equal(planDataDirs([survey(0), survey(2), survey(1)], record, true).joining.length, 0);
  refused(() => planDataDirs([survey(0), survey(2)], record, true), /data dir \/d1 of this store .* is not among the data dirs given .*\/d0,\/d1,\/d2/);
  refused(() => checkBeforeMeta([survey(1), survey(0), survey(2)]), /data dir \/d0 holds a metadata store \(meta\/\) but is not the first/);
  refused(() => checkBeforeMeta([survey(1), survey(2)]), /data dir \/d1 is data dir 2 of 3 of its store, whose metadata store \(meta\/\) is in \/d0/);
  refused(() => checkBeforeMeta([{ ...survey(0), hasMeta: false }, survey(1)]), /metadata store \(meta\/\) is missing/);
  refused(() => checkBeforeMeta([empty('/new'), survey(1)]), /data dir \/d1 holds chunk files but the first data dir \/new has no metadata store/);
  refused(() => checkBeforeMeta([empty('/new'), { ...survey(1), hasChunks: false }]), /data dir \/d1 belongs to a store whose metadata store is in \/d0/);
  refused(() => checkBeforeMeta([survey(0), survey(1), { ...survey(1), path: '/copy' }]), /data dirs \/d1 and \/copy carry the same CCOW-DISK marker/);
});

test('a dir of another store is refused; an empty new dir joins', () => {
  const { record, survey } = store(2);
  const other = store(2);
  const foreign = { ...other.survey(1), marker: { ...other.survey(1).marker!, set: 'b'.repeat(32) }, path: '/o1' };
  refused(() => planDataDirs([survey(0), survey(1), foreign], record, true), /data dir \/o1 belongs to another ccow store/);
  refused(() => planDataDirs([survey(0), survey(1), { ...empty('/x'), hasChunks: true }], record, true), /data dir \/x holds chunk files but is not one of this store's data dirs/);
  const plan = planDataDirs([survey(0), survey(1), empty('/d2')], record, true);
  assert.deepEqual(plan.record.members.map((m) => m.path), ['/d0', '/d1', '/d2']);
  assert.deepEqual(plan.joining.map((j) => j.path), ['/d2']);
  assert.deepEqual(plan.stale.map((j) => j.path), ['/d0', '/d1']);
  assert.equal(plan.writeRecord, true);
  // A member left out that holds no chunk files (unlistedEmpty found it so) leaves the set.
  assert.deepEqual(planDataDirs([survey(0)], record, true, new Set([record.members[1]!.id])).record.members.map((m) => m.path), ['/d0']);
  // The joiner's marker was written, then the process died before the record: the next open
  // finishes the join instead of calling /d2 foreign.
  const next = planDataDirs([survey(0), survey(1), { ...empty('/d2'), marker: plan.joining[0]!.marker }], record, true);
  assert.deepEqual(next.record, plan.record);
});

test('a store without markers is adopted with all its dirs; later, a dir without a marker that holds chunk files is refused', () => {
  const legacy = [{ ...empty('/d0'), hasMeta: true, hasChunks: true }, { ...empty('/d1'), hasChunks: true }];
  checkBeforeMeta(legacy);
  const plan = planDataDirs(legacy, undefined, true);
  assert.equal(plan.record.origin, 'adopted');
  assert.deepEqual(plan.joining.map((j) => j.path), ['/d0', '/d1']);
  const later = [{ ...legacy[0]!, marker: plan.joining[0]!.marker }, { ...legacy[1]!, marker: plan.joining[1]!.marker }];
  refused(() => planDataDirs([...later, { ...empty('/d2'), hasChunks: true }], plan.record, true), /data dir \/d2 holds chunk files but is not one of this store's data dirs/);
  assert.deepEqual(planDataDirs([...later, empty('/d2')], plan.record, true).joining.map((j) => j.path), ['/d2']);
  // A new store is created, not adopted.
  assert.equal(planDataDirs([empty('/n0'), empty('/n1')], undefined, false).record.origin, 'created');
});

test('the first dir is its metadata store\'s: a lost marker is written again; one of another store is refused', () => {
  const { record, survey } = store(2);
  const moved = { ...survey(0), marker: undefined, path: '/moved' };
  const plan = planDataDirs([moved, survey(1)], record, true);
  assert.deepEqual(plan.joining.map((j) => [j.path, j.marker.disk]), [['/moved', record.disk]]);
  assert.equal(plan.record.members[0]!.path, '/moved');
  refused(() => planDataDirs([{ ...survey(0), marker: { ...survey(0).marker!, set: 'c'.repeat(32) } }, survey(1)], record, true), /is not the one its metadata store records/);
  // A later dir that lost its marker, found at its recorded path, is that member.
  assert.deepEqual(planDataDirs([survey(0), { ...survey(1), marker: undefined }], record, true).joining.map((j) => [j.path, j.marker.disk]), [['/d1', record.members[1]!.id]]);
});

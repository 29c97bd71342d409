/**
 * The data dir LOCK file format (storage/local/owner-lock.ts, shared/spec/ccow.md §13 one owner per
 * data dir), its pure parts: `ccow-lock/1` against its golden fixture, and the texts whose pid the
 * reader refuses to trust (such a LOCK is held until old, never read as some other pid).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeOwnerLock, encodeOwnerLock, type OwnerLockInfo } from '../../../src/storage/local/owner-lock.js';

const GOLDEN: OwnerLockInfo = { pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' };

test('the ccow-lock/1 LOCK file matches its golden fixture and decodes back', () => {
  const golden = readFileSync(join(process.cwd(), 'test/fixtures/storage/owner-lock-v1.txt'), 'utf8');
  assert.equal(encodeOwnerLock(GOLDEN), golden);
  assert.deepEqual(decodeOwnerLock(golden), GOLDEN);
});

test('a LOCK without the ccow-lock/1 tag or a positive integer pid yields no owner', () => {
  const good = encodeOwnerLock(GOLDEN);
  const bad = [
    '',
    'ccow-lock/1',
    'ccow-lock/1\n',
    good.replace('ccow-lock/1', 'ccow-lock/2'),
    good.replace('ccow-lock/1', 'CCOW-LOCK/1'),
    good.replace('4242', '0'),
    good.replace('4242', '-4242'),
    good.replace('4242', '42.5'),
    good.replace('4242', 'pid'),
    '4242\n',
  ];
  for (const text of bad) assert.equal(decodeOwnerLock(text), undefined, JSON.stringify(text));
});

test('only the tag and the pid decide: a LOCK of an older writer without the time line still names its owner', () => {
  // Stricter parsing would turn a live owner's LOCK into a "malformed" one, taken over once old.
  assert.deepEqual(decodeOwnerLock('ccow-lock/1\n4242\n'), { pid: 4242, startedAt: '' });
  assert.deepEqual(decodeOwnerLock('ccow-lock/1\n4242'), { pid: 4242, startedAt: '' });
});

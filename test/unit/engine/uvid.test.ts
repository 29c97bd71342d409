/** UVIDs (shared/spec/ccow.md §6, §18 (4)) and version ids (§2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareBytes } from '../../../src/common/index.js';
import { makeUvid, uvidHexMs, uvidMs, uvidToVersionId, versionIdToUvid, UvidIssuer, uvidTs, type Clock } from '../../../src/engine/uvid.js';

/** A clock tests can move in either direction. */
function fakeClock(ms: number): Clock & { set(ms: number): void } {
  let t = ms;
  return { now: () => t, set: (x: number) => void (t = x) };
}

test('version ids are 26 base32hex characters that sort like the UVIDs and round-trip', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (a, b) => {
      const va = uvidToVersionId(a);
      const vb = uvidToVersionId(b);
      assert.equal(va.length, 26);
      assert.match(va, /^[0-9a-v]{26}$/);
      assert.deepEqual(versionIdToUvid(va), Buffer.from(a));
      assert.equal(Math.sign(compareBytes(a, b)), Math.sign(va < vb ? -1 : va > vb ? 1 : 0));
    }),
    { numRuns: 500 },
  );
});

test('malformed version ids are rejected', () => {
  for (const s of ['', 'null', 'x'.repeat(26), '0'.repeat(25), '0'.repeat(25) + '1', '0'.repeat(27)]) assert.equal(versionIdToUvid(s), undefined, s);
  assert.deepEqual(versionIdToUvid('0'.repeat(26)), Buffer.alloc(16));
});

test('UVID layout: ts µs ‖ segmentId ‖ nodeId ‖ seq, big-endian', () => {
  const u = makeUvid(0x0102030405060708n, 0x1122, 0x3344, 0x55667788);
  assert.equal(u.toString('hex'), '010203040506070811223344' + '55667788');
  assert.equal(uvidTs(u), 0x0102030405060708n);
});

test('UVIDs strictly increase when the wall clock steps back', () => {
  const clock = fakeClock(1_763_000_000_000);
  const issuer = new UvidIssuer({ clock, segmentId: 7, nodeId: 1, seq: 0xfffffff0 });
  let prev = issuer.next();
  const steps = [0, -5000, 10, -1_000_000, 0, 0, 3, -1, 86_400_000, -86_400_000];
  for (let i = 0; i < 200; i++) {
    clock.set(clock.now() + steps[i % steps.length]!);
    const u = issuer.next();
    assert.ok(compareBytes(u, prev) > 0, `uvid ${i} not greater than its predecessor`);
    prev = u;
  }
});

test('a version sorts after the head it supersedes, even if that head came from a clock far ahead', () => {
  const issuer = new UvidIssuer({ clock: fakeClock(1_000), segmentId: 1, nodeId: 1 });
  const futureHead = makeUvid(9_000_000_000n, 2, 9, 5);
  const u = issuer.next(futureHead);
  assert.ok(compareBytes(u, futureHead) > 0);
  assert.equal(uvidTs(u), 9_000_000_001n);
});

test('4 writers with one clock issue unique, totally ordered UVIDs', () => {
  const clock = fakeClock(1_763_000_000_000);
  const writers = [1, 2, 3, 4].map((n) => new UvidIssuer({ clock, segmentId: 7, nodeId: n }));
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    if (i % 50 === 0) clock.set(clock.now() - 3);
    for (const w of writers) {
      const hex = w.next().toString('hex');
      assert.ok(!seen.has(hex), 'duplicate UVID');
      seen.add(hex);
    }
  }
  assert.equal(seen.size, 4000);
});

test('seq overflow bumps the timestamp', () => {
  const clock = fakeClock(1_000);
  const issuer = new UvidIssuer({ clock, segmentId: 1, nodeId: 1, seq: 0xfffffffe });
  const a = issuer.next();
  assert.equal(a.readUInt32BE(12), 0xffffffff);
  const b = issuer.next();
  assert.ok(compareBytes(b, a) > 0);
  assert.equal(b.readUInt32BE(12), 0);
  assert.equal(uvidTs(b), uvidTs(a) + 1n);
});

test('uvidHexMs (listings, from the record hex) agrees with uvidMs (from the bytes)', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), fc.integer({ min: 0, max: 0xffff }), fc.nat(), (ts, node, seq) => {
    const u = makeUvid(ts, 0, node, seq >>> 0);
    assert.equal(uvidHexMs(u.toString('hex')), uvidMs(u));
  }));
});

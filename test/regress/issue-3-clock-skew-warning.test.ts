/**
 * Issue #3 (lead, session 15): ccow.md §6 "Clock discipline": "a gateway whose clock is > 5 s
 * behind the largest head ts it observes logs a warning (the max-rule keeps correctness, skew only
 * biases LWW)". Nothing told the operator: versions stayed ordered, silently stamped with other
 * writers' (or the previous run's) time. The engine now reports it through `onClockSkew` (at most
 * once a minute), and `ccow serve` logs it as a warning.
 */
import assert from 'node:assert/strict';
import type { ClockSkewReport } from '../../src/engine/index.js';
import { body, eachBackend } from '../integration/engine/harness.js';

const seen: ClockSkewReport[] = [];

eachBackend(
  'a clock more than 5 s behind the head version it writes after is reported, once a minute',
  async (h) => {
    seen.length = 0;
    const t0 = h.clock.now();
    await h.engine.createBucket('b', { owner: 't' });
    await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('1')));
    h.clock.set(t0 - 4_000);
    await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('2')));
    assert.equal(seen.length, 0, '4 s behind: within the tolerance');
    h.clock.set(t0 - 10_000);
    await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('3')));
    assert.equal(seen.length, 1);
    assert.ok(seen[0]!.behindMs >= 10_000 && seen[0]!.behindMs < 10_100, `behindMs ${seen[0]!.behindMs}`);
    assert.equal(seen[0]!.aheadAt, t0);
    await h.engine.putObject({ bucket: 'b', key: 'other' }, body(Buffer.from('4')));
    assert.equal(seen.length, 1, 'not again within the minute');
    h.clock.advance(61_000);
    await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('5')));
    assert.equal(seen.length, 1, 'the clock caught up');
    // A restart with the clock 20 s behind what the store already issued: the restart floor.
    const last = h.clock.now();
    await h.restart();
    h.clock.set(last - 20_000);
    await h.engine.putObject({ bucket: 'b', key: 'fresh' }, body(Buffer.from('6')));
    assert.equal(seen.length, 2);
    assert.ok(seen[1]!.behindMs >= 20_000 && seen[1]!.behindMs < 20_100, `behindMs ${seen[1]!.behindMs}`);
  },
  { onClockSkew: (s) => seen.push(s) },
);

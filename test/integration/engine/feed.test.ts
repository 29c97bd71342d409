/**
 * Change-feed cursors and retention (shared/spec/ccow.md §14): a consumer registers a named cursor
 * that only moves forward and survives restarts; feed trimming keeps every record older than the
 * retention that some cursor has not passed, until the hard cap.
 */
import assert from 'node:assert/strict';
import { EngineErrors, type Engine } from '../../../src/engine/index.js';
import { body, eachBackend } from './harness.js';

const DAY = 24 * 3_600_000;

async function trim(e: Engine): Promise<void> {
  const w = e.workers().find((x) => x.name === 'feed-trim')!;
  while ((await w.step()) === 'busy');
}

async function seqs(e: Engine): Promise<bigint[]> {
  return (await e.feedRead(0n, 1000)).map((r) => r.seq);
}

eachBackend('feed cursors: forward only, durable, and retention waits for them up to the cap', async (h) => {
  await h.engine.createBucket('b', { owner: 't' });
  for (let i = 0; i < 5; i++) await h.engine.putObject({ bucket: 'b', key: `k${i}` }, body(Buffer.from(`v${i}`)));
  assert.deepEqual(await seqs(h.engine), [1n, 2n, 3n, 4n, 5n, 6n]);

  assert.equal(await h.engine.feedCursorGet('isgw'), undefined);
  assert.equal(await h.engine.feedCursorSet('isgw', 3n), 3n);
  assert.equal(await h.engine.feedCursorSet('isgw', 2n), 3n, 'a cursor never moves back');
  await h.engine.feedCursorSet('cache', 5n);
  await h.restart();
  assert.equal(await h.engine.feedCursorGet('isgw'), 3n);

  // Past the 7-day retention: only what every cursor passed (seq < 3) goes.
  h.clock.advance(8 * DAY);
  await trim(h.engine);
  assert.deepEqual(await seqs(h.engine), [3n, 4n, 5n, 6n]);

  // The slowest consumer moves on: the records it passed go too.
  await h.engine.feedCursorSet('isgw', 5n);
  await trim(h.engine);
  assert.deepEqual(await seqs(h.engine), [5n, 6n]);

  // Past the 30-day cap, cursors no longer hold records back (the newest record always stays: §6 floor).
  h.clock.advance(30 * DAY);
  await trim(h.engine);
  assert.deepEqual(await seqs(h.engine), [6n]);

  await h.engine.feedCursorDelete('isgw');
  assert.equal(await h.engine.feedCursorGet('isgw'), undefined);
  assert.equal(await h.engine.feedCursorGet('cache'), 5n);
  await assert.rejects(h.engine.feedCursorSet('', 1n), (e) => EngineErrors.INVALID_ARGUMENT.is(e));
  await assert.rejects(h.engine.feedCursorSet('x', -1n), (e) => EngineErrors.INVALID_ARGUMENT.is(e));
});

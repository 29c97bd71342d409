/**
 * The conformance suite under node:test (so `npm test` runs it): every case file against ccow,
 * judged against expectations.json exactly as `run.js` judges it — one test per feature, plus one
 * for expectations that name no existing case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCtx, type OwnedCtx } from './lib/ctx.js';
import { judge, readExpectations, verdictLines } from './lib/expectations.js';
import { loadFeatures, repoRoot, runFeatures, type CaseResult } from './lib/suite.js';
import { startTarget, type RunningTarget } from './lib/targets.js';

const features = await loadFeatures();
const exp = readExpectations(repoRoot());

describe('conformance (ccow)', () => {
  let target: RunningTarget | undefined;
  let ctx: OwnedCtx | undefined;
  let results: CaseResult[] = [];

  before(async () => {
    target = await startTarget('ccow');
    ctx = createCtx(target.info);
    results = await runFeatures(ctx, features);
  });
  after(async () => {
    await ctx?.close();
    await target?.close();
  });

  for (const f of features) {
    test(`${f.name} (${f.cases.length} cases)`, () => {
      const mine = judge(results.filter((r) => r.feature === f.name), [f], exp);
      const lines = verdictLines({ ...mine, stale: [] });
      assert.deepEqual(lines, [], lines.join('\n'));
    });
  }

  test('expectations.json names only existing cases', () => {
    const lines = verdictLines({ ...judge([], features, exp), unexpectedFailures: [], unexpectedPasses: [] });
    assert.deepEqual(lines, [], lines.join('\n'));
  });
});

/**
 * Issue #4 (found reviewing the parsers the fuzz reaches, after the CORS RegExp 500 of 50ca178):
 * bucket policy Resource and Action patterns were matched by compiling them into a RegExp
 * (`*` → `.*`) at every request. A Resource such as `arn:aws:s3:::bkt/*a*a…*a*b` backtracks
 * exponentially against a key of `a`s: one anonymous GET blocked the event loop, for every tenant,
 * for minutes (20 stars and a 200-character key: 170 s measured). The glob is now matched by a
 * scan that backs up to the last `*` only, with the RegExp's meaning (checked here on random
 * patterns against the old RegExp).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { glob } from '../../src/s3/policy.js';
import { makeService, send } from '../integration/s3/helpers.js';

test('a policy Resource with many stars does not stall a request (it hung for minutes)', { timeout: 120_000 }, async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/glob-bt' })).status, 200);
  const resource = `arn:aws:s3:::glob-bt/${'*a'.repeat(25)}*b`;
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: resource }] });
  assert.equal((await send(service, { method: 'PUT', path: '/glob-bt?policy', body: policy })).status, 204);
  const key = 'a'.repeat(300);
  for (const k of [key, `${key}b`]) assert.equal((await send(service, { method: 'PUT', path: `/glob-bt/${k}`, body: k.slice(-1) })).status, 200);
  // Anonymous: only the policy can allow it; its pattern (ending in b) matches the second key only.
  assert.equal((await send(service, { method: 'GET', path: `/glob-bt/${key}`, as: null })).status, 403);
  const allowed = await send(service, { method: 'GET', path: `/glob-bt/${key}b`, as: null });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.text, 'b');
});

test('the glob means what the RegExp meant', () => {
  const old = (pattern: string, value: string, ignoreCase = false): boolean => {
    const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
  };
  const ch = fc.constantFrom('a', 'b', 'A', '/', '.', '*', '?', '\n', 'é', '😀', '[', '\\');
  const str = (max: number) => fc.array(ch, { maxLength: max }).map((a) => a.join(''));
  fc.assert(fc.property(str(8), str(10), fc.boolean(), (p, v, ic) => {
    const patt = ic ? p.replace(/[^A-Za-z*?]/g, '') : p;
    assert.equal(glob(patt, v, ic), old(patt, v, ic), `glob(${JSON.stringify(patt)}, ${JSON.stringify(v)}, ${ic})`);
  }), { numRuns: 5000, seed: 4 });
});

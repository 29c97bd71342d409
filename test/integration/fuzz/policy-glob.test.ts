/**
 * Property-based fuzz of bucket policy patterns at request time (issue #4): xml-bodies.test.ts
 * mutates policy documents but never asks a stored pattern to match. Here a policy allowing
 * anonymous s3:GetObject on a Resource glob (`*` and `?` anywhere, many stars, against keys of
 * up to 300 characters of a small alphabet, the shapes that make a backtracking matcher explode:
 * issue-4-policy-glob-backtracking) is stored, and anonymous GETs of existing keys must answer in
 * time, 200 exactly when the glob matches (an independent dynamic-programming matcher decides) and
 * 403 otherwise.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { uriEncode } from '../../../conformance/lib/sign.js';
import { globMatch as matches } from './authz-model.js';
import { FC_PARAMS, fuzzer } from './harness.js';

const B = 'fz-glob';

const patternArb = fc.oneof(
  fc.array(fc.constantFrom('a', 'a', '*', '*', '?', 'b', '/'), { minLength: 1, maxLength: 60 }).map((a) => a.join('')),
  fc.integer({ min: 5, max: 40 }).map((n) => `${'*a'.repeat(n)}*b`),
  fc.constantFrom('*', '?*', 'a*', '*b', '**', '***a***', 'a?a?a?*'),
);
const keyArb = fc.oneof(
  fc.array(fc.constantFrom('a', 'a', 'a', 'b', '/'), { minLength: 1, maxLength: 40 }).map((a) => a.join('')),
  fc.integer({ min: 50, max: 300 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 50, max: 300 }).map((n) => `${'a'.repeat(n)}b`),
);

test('policy Resource globs at request time: anonymous GET answers in time, 200 exactly when the glob matches', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  let allowed = 0;
  await fc.assert(fc.asyncProperty(patternArb, fc.array(keyArb, { minLength: 1, maxLength: 4 }), async (pattern, keys) => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/${pattern}` }] });
    const put = await f.check({ method: 'PUT', path: `/${B}?policy`, body: policy }, `PutBucketPolicy ${pattern}`);
    if (put.status !== 204) throw new Error(`policy with Resource ${pattern} refused: ${put.status} ${put.code}`);
    for (const key of keys) {
      const path = `/${B}/${uriEncode(key, true)}`;
      await f.send({ method: 'PUT', path, body: 'k' });
      const a = await f.check({ method: 'GET', path, anonymous: true }, `anonymous GET ${key} under Resource ${pattern}`);
      const want = matches(pattern, key) ? 200 : 403;
      if (a.status !== want) throw new Error(`Resource ${pattern}, key ${key}: ${a.status}, the glob says ${want}`);
      if (want === 200) allowed++;
    }
  }), { ...FC_PARAMS, includeErrorInReport: true });
  if (allowed === 0) throw new Error('no key ever matched: the generator is vacuous');
});

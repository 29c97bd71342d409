/**
 * Model-based property (issues #3/#4): a random sequence of S3 operations on one bucket — PUT
 * (conditional, tagged), DELETE (conditional), DELETE ?versionId, CopyObject (current or named
 * version, COPY or REPLACE), multipart uploads (whole, or completed after a versioning switch),
 * DeleteObjects, Put/DeleteObjectTagging, PutBucketVersioning switching between never versioned,
 * Enabled and Suspended, and two or three single-request steps sent at once (some serial order of
 * their effects must explain the answers and the state after) — checked after every step against
 * the plain model of versioning-model.ts:
 * the step's own answer (status, code, x-amz-version-id / x-amz-delete-marker, ETag), GET and HEAD
 * of every touched key (current version, each version by id, `null`, a removed id), and one
 * ListObjectVersions or ListObjectsV2 with a random prefix, a delimiter of any string, a start
 * marker, max-keys and encoding-type, paged to the end. Through fastify.inject (harness.ts);
 * FUZZ_BACKEND=local runs it over LMDB + chunk files. The default-seed run stays well under 20 s.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { FC_PARAMS, RUNS, fuzzer } from './harness.js';
import { BucketModel, checkAll, runScenario, scenarioArb, type Target } from './versioning-model.js';

let buckets = 0;

test('versioning model: random operation sequences on one bucket answer as the model says after every step', async (t) => {
  const f = await fuzzer(t);
  await fc.assert(fc.asyncProperty(scenarioArb(24), async (s) => {
    const target: Target = { send: (r) => f.send(r), bucket: `vm-${++buckets}`, model: new BucketModel() };
    await runScenario(target, s);
    await checkAll(target, s.keys, s.steps[s.steps.length - 1]!.list);
  }), { ...FC_PARAMS, includeErrorInReport: true, numRuns: Math.max(1, Math.round(RUNS / 3)) });
  await f.alive(`vm-${buckets}`);
});

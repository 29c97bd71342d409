/**
 * Model-based property across backends (issues #3/#4): the random operation sequences of
 * versioning-model.ts (PUT, DELETE, DELETE ?versionId, CopyObject, multipart uploads — whole, or
 * started before and completed after a versioning switch — DeleteObjects, PutBucketVersioning)
 * run step by step against a gateway on the memory backend and one on the local backend (LMDB +
 * chunk files), both checked after every step against the same model (so both answer alike, up to
 * their version ids); the local gateway is closed and started again on its data dir once before a
 * random step and once at the end, after which every key (current version, each version by id),
 * ListObjectVersions and ListObjectsV2 must answer as before the restart. Through fastify.inject (harness.ts). The default-seed run stays under 20 s.
 */
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FC_PARAMS, RUNS, fuzzer, type Fuzzer } from './harness.js';
import { BucketModel, checkAll, checkKey, createBucket, runStep, scenarioArb, type Target } from './versioning-model.js';

let buckets = 0;

test('versioning model: the memory and the local backend answer alike, and the local one the same after a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ccow-vmodel-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const mem = await fuzzer(t, { backend: 'memory' });
  const keys = { accessKey: mem.gw.accessKey, secretKey: mem.gw.secretKey };
  const localOpts = { backend: 'local' as const, dataDir, local: { durability: 'relaxed' as const }, ...keys };
  let local: Fuzzer = await fuzzer(t, localOpts);
  const restart = async (): Promise<void> => {
    await local.gw.close();
    local = await fuzzer(t, localOpts);
  };
  await fc.assert(fc.asyncProperty(scenarioArb(16), fc.nat(), async (s, restartAt) => {
    const bucket = `vb-${++buckets}`;
    const a: Target = { send: (r) => mem.send(r), bucket, model: new BucketModel() };
    const b: Target = { send: (r) => local.send(r), bucket, model: new BucketModel() };
    await createBucket(a);
    await createBucket(b);
    for (const [i, { step }] of s.steps.entries()) {
      // Once in the sequence, the local gateway restarts before a step: the steps after it
      // work on what it read back (bucket versioning, name index, uploads in progress).
      if (i === restartAt % s.steps.length) await restart();
      for (const target of [a, b]) {
        const touched = await runStep(target, s.keys, step, i);
        for (const k of new Set(touched)) await checkKey(target, k);
      }
    }
    const last = s.steps[s.steps.length - 1]!.list;
    await checkAll(a, s.keys, last);
    await checkAll(b, s.keys, last);
    await restart();
    await checkAll(b, s.keys, last); // b sends to the restarted gateway
  }), { ...FC_PARAMS, includeErrorInReport: true, numRuns: Math.max(1, Math.round(RUNS / 10)) });
  await local.alive(`vb-${buckets}`);
});

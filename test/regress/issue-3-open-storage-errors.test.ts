/**
 * Regression (issue #3, storage faults; STYLE habit 2 "nothing above the engine sees a storage error
 * raw"): createEngine read the feed's newest record and the intents with range scans that were not
 * passed through storage(), so a storage failure there rejected with the storage layer's
 * CCOW_ERR_IO instead of the engine's UNAVAILABLE (every Engine method maps it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { faultyBackend } from '../helpers/faulty-backend.js';
import { fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

test('createEngine over a store whose range scans fail rejects with UNAVAILABLE', async () => {
  const backend = faultyBackend(createMemoryBackend(), (call) => (call === 'meta.range' ? { error: StorageErrors.IO('injected') } : undefined));
  await assert.rejects(createEngine(backend, { ...TEST_OPTS, clock: fakeClock(), digestWorker: false }), (err) => EngineErrors.UNAVAILABLE.is(err));
});

/**
 * Regress (issue #3): `Engine.close()` terminates the digest worker (MD5 and checksums of puts run
 * there). A put still streaming then failed with a bare `Error('digest worker exited')`, which the
 * S3 layer answers as a 500 InternalError, where a closed store answers 503 (retryable); and a put
 * started after close() quietly started a new worker thread that nothing terminated any more.
 * Found by a close stress run (engine closed while 6 clients put, read and list).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

const CHUNK = 64 * 1024;

/** `pieces` chunks of the bucket's chunk size; `onPiece` runs before each. */
async function* slowBody(pieces: number, onPiece: (i: number) => Promise<void>): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < pieces; i++) {
    await onPiece(i);
    yield Buffer.alloc(CHUNK, i);
  }
}

test('a put in flight when the engine closes fails with UNAVAILABLE', async () => {
  const backend = createMemoryBackend();
  const e = await createEngine(backend, { holdMs: 0 });
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  let closing: Promise<void> | undefined;
  const put = e.putObject({ bucket: 'b', key: 'k' }, slowBody(8, async (i) => {
    // Three chunks are with the worker; then the engine closes under the put.
    if (i === 3) closing = e.close();
    await new Promise((r) => setTimeout(r, 5));
  }));
  await assert.rejects(put, (err: unknown) => EngineErrors.UNAVAILABLE.is(err));
  await closing;
  await backend.close();
});

test('a multi-chunk put after the engine closed is refused with UNAVAILABLE', async () => {
  const backend = createMemoryBackend();
  const e = await createEngine(backend, { holdMs: 0 });
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  await e.putObject({ bucket: 'b', key: 'first' }, slowBody(3, async () => undefined));
  await e.close();
  await assert.rejects(e.putObject({ bucket: 'b', key: 'k' }, slowBody(3, async () => undefined)), (err: unknown) => EngineErrors.UNAVAILABLE.is(err));
  await backend.close();
});

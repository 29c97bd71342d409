/**
 * The stall-guarded request body reader (src/s3/body.ts stallGuard): pieces in order, the end, the
 * stream's error after what was buffered, a stall answered RequestTimeout, an early stop that
 * leaves the stream intact for discardRest — and no listeners left behind in any of these.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { stallGuard } from '../../../src/s3/body.js';
import { S3Errors } from '../../../src/s3/errors.js';

const listeners = (s: PassThrough): number => s.listenerCount('readable') + s.listenerCount('end') + s.listenerCount('error') + s.listenerCount('close');

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const p of it) out += Buffer.from(p).toString();
  return out;
}

test('pieces written before and after the first read arrive in order, then the end', async () => {
  const s = new PassThrough();
  const before = listeners(s);
  s.write('ab');
  const got = collect(stallGuard(s, 5_000));
  setTimeout(() => {
    s.write('cd');
    s.end('ef');
  }, 10);
  assert.equal(await got, 'abcdef');
  assert.equal(listeners(s), before);
});

test('an empty body ends at once', async () => {
  const s = new PassThrough();
  s.end();
  assert.equal(await collect(stallGuard(s, 5_000)), '');
});

test("the stream's error rejects the read, after nothing is left to read", async () => {
  const s = new PassThrough();
  const boom = new Error('boom');
  const it = stallGuard(s, 5_000)[Symbol.asyncIterator]();
  s.write('xy');
  const first = await it.next();
  assert.equal(Buffer.from(first.value).toString(), 'xy');
  setTimeout(() => s.destroy(boom), 5);
  await assert.rejects(it.next(), (e) => e === boom);
  assert.equal(s.listenerCount('readable'), 0);
});

test('a stall rejects with RequestTimeout, leaves the stream undestroyed, and a later error is not unhandled', async () => {
  const s = new PassThrough();
  const before = s.listenerCount('readable');
  s.write('x');
  const it = stallGuard(s, 30)[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  await assert.rejects(it.next(), (e) => S3Errors.RequestTimeout.is(e));
  assert.equal(s.destroyed, false);
  assert.equal(s.listenerCount('readable'), before);
  // Without a listener this 'error' would be an uncaught exception and fail the test run.
  s.destroy(new Error('late'));
  await new Promise((r) => setImmediate(r));
  assert.equal(s.destroyed, true);
});

test('an early stop detaches without destroying: the rest stays readable', async () => {
  const s = new PassThrough();
  const before = listeners(s);
  s.write('first');
  for await (const p of stallGuard(s, 5_000)) {
    assert.equal(Buffer.from(p).toString(), 'first');
    break;
  }
  assert.equal(s.destroyed, false);
  assert.equal(listeners(s), before);
  s.end('rest');
  assert.equal(String(s.read()), 'rest');
});

/**
 * Issue #4 (peak RSS under large uploads): Node's HTTP parser copies every request-body piece into
 * a malloc'd ArrayBuffer of its own that lived until V8's next collection — tens of MiB of dead
 * pieces in glibc's heap during 1 GiB uploads (bench/RESULTS.md, sessions 21–25). The body reader
 * now lends each piece to its consumer and frees it when the consumer asks for the next one
 * (common/release.ts, s3/body.ts stallGuard `release`). These tests pin both halves: what is freed
 * (and what never is), and that the bytes a consumer copied out are intact.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { canReleaseBytes, releaseBytes } from '../../src/common/index.js';
import { stallGuard } from '../../src/s3/body.js';

test('this runtime can release (Node 20 through the harmony flag in a fresh context, Node 22+ natively)', () => {
  assert.equal(canReleaseBytes(), true);
});

test('releaseBytes frees a buffer that is the whole of its own ArrayBuffer, and nothing else', () => {
  const own = Buffer.from(Buffer.alloc(65536, 7));
  releaseBytes(own);
  assert.equal(own.length, 0);
  assert.equal(own.buffer.byteLength, 0);

  const big = Buffer.alloc(65536, 1);
  const slice = big.subarray(0, 32768);
  releaseBytes(slice);
  assert.equal(slice.length, 32768);
  assert.equal(big.length, 65536);

  const small = Buffer.from('pooled: a slice of Node’s 8 KiB pool');
  releaseBytes(small);
  assert.equal(small.toString(), 'pooled: a slice of Node’s 8 KiB pool');

  const shared = new Uint8Array(new SharedArrayBuffer(65536));
  releaseBytes(shared);
  assert.equal(shared.length, 65536);

  const tiny = new Uint8Array(100);
  releaseBytes(tiny);
  assert.equal(tiny.length, 100);
});

/** Fresh 64 KiB pieces, as Node's parser hands them over, each filled with its index. */
function pieces(n: number): { stream: PassThrough; sent: Buffer[] } {
  const stream = new PassThrough({ highWaterMark: 1 });
  const sent: Buffer[] = [];
  for (let i = 0; i < n; i++) sent.push(Buffer.alloc(65536, i + 1));
  return { stream, sent };
}

test('with release, a lent piece is freed when the consumer asks for the next one; its copy is intact', async () => {
  const { stream, sent } = pieces(3);
  const it = stallGuard(stream, 5_000, { release: true })[Symbol.asyncIterator]();
  const copies: Buffer[] = [];
  const lent: Uint8Array[] = [];
  for (const p of sent) {
    stream.write(p);
    const r = await it.next();
    assert.equal(r.done, false);
    assert.equal(r.value.length, 65536, 'valid while lent');
    lent.push(r.value);
    copies.push(Buffer.from(r.value));
  }
  // The first two were given back by the following next(); the last is still lent.
  assert.deepEqual(lent.map((p) => p.length), [0, 0, 65536]);
  stream.end();
  assert.equal((await it.next()).done, true);
  assert.equal(lent[2]!.length, 0, 'the last piece is freed by the read that finds the end');
  copies.forEach((c, i) => assert.ok(c.equals(Buffer.alloc(65536, i + 1))));
});

test('with release, an early stop (return) frees the piece held', async () => {
  const { stream, sent } = pieces(1);
  stream.write(sent[0]);
  const it = stallGuard(stream, 5_000, { release: true })[Symbol.asyncIterator]();
  const r = await it.next();
  assert.equal(r.value!.length, 65536);
  await it.return!();
  assert.equal(r.value!.length, 0);
});

test('without release (busboy keeps slices of its input) no piece is touched', async () => {
  const { stream, sent } = pieces(3);
  const it = stallGuard(stream, 5_000)[Symbol.asyncIterator]();
  const lent: Uint8Array[] = [];
  for (const p of sent) {
    stream.write(p);
    lent.push((await it.next()).value);
  }
  stream.end();
  assert.equal((await it.next()).done, true);
  lent.forEach((p, i) => assert.ok(Buffer.from(p).equals(Buffer.alloc(65536, i + 1))));
});

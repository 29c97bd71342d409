/**
 * Regression (issue #4): DeleteObjects answered an over-long key two ways — a 1,025-byte key was
 * reported `<Deleted>` (a missing key counts as deleted) while a 2,500-byte one got a per-key
 * `<Error>` InvalidArgument from the engine's bound, and the valid keys of the same request were
 * deleted. S3 fails the whole request and deletes nothing (aws-sdk-net#3828); every key over 1024
 * bytes now gets 400 KeyTooLongError with AWS's `<Size>` and `<MaxSizeAllowed>`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, signedGateway } from '../integration/faults/helpers.js';

const deleteXml = (keys: string[]): string =>
  `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;

test('DeleteObjects with a key over 1024 bytes: whole request 400 KeyTooLongError, nothing deleted', async (t) => {
  const { call } = await signedGateway(t);

  assert.equal((await call('PUT', '/del-long')).status, 200);
  assert.equal((await call('PUT', '/del-long/keep', 'x')).status, 200);
  for (const size of [1025, 2500]) {
    const r = await call('POST', '/del-long?delete', deleteXml(['keep', 'k'.repeat(size)]));
    assert.equal(`${r.status} ${errorCode(r.body)}`, '400 KeyTooLongError', `key of ${size} bytes`);
    assert.match(r.body.toString(), new RegExp(`<Size>${size}</Size><MaxSizeAllowed>1024</MaxSizeAllowed>`));
    assert.equal((await call('HEAD', '/del-long/keep')).status, 200, 'the valid key of the refused request stays');
  }
  // A multi-byte key counts in UTF-8 bytes: 512 × 'é' is exactly 1024 and is an ordinary key.
  const r = await call('POST', '/del-long?delete', deleteXml(['keep', 'é'.repeat(512)]));
  assert.equal(r.status, 200);
  assert.equal((r.body.toString().match(/<Deleted>/g) ?? []).length, 2);
});

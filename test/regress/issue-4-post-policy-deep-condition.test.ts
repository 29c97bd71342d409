/**
 * Issue #4 (found probing PostObject policies after the fuzz, now in test/integration/fuzz/post-form):
 * a POST policy whose condition (or expiration) is an array nested ~5,000 deep (13 KB of base64,
 * within the 20 KB of fields S3 takes before the file) parsed (JSON.parse reads any depth), but
 * quoting it in the "Invalid Condition" / "Invalid 'expiration' value" message (JSON.stringify,
 * String) overflowed the stack: 500 InternalError. It is 400 InvalidPolicyDocument now, like any
 * malformed policy, and nothing is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { amzDate, signingKey } from '../../conformance/lib/sign.js';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

test('a POST policy condition or expiration nested thousands of arrays deep is 400 InvalidPolicyDocument, not 500', async () => {
  const { service, logged } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/deep-policy' })).status, 200);
  const now = new Date();
  const date = amzDate(now);
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const expiration = `"${new Date(now.getTime() + 600_000).toISOString()}"`;
  for (const [exp, conditions] of [[expiration, `[${deep}]`], [expiration, `[["starts-with", ${deep}, ""]]`], [expiration, `[["eq", "$key", ${deep}]]`], [deep, '[]']]) {
    const policy = Buffer.from(`{"expiration":${exp},"conditions":${conditions}}`).toString('base64');
    const sig = createHmac('sha256', signingKey(ALICE.secretKey, date.slice(0, 8), 'us-east-1')).update(policy).digest('hex');
    const fields: [string, string][] = [['key', 'k'], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', `${ALICE.accessKey}/${scope}`], ['x-amz-date', date], ['policy', policy], ['x-amz-signature', sig]];
    const form = fields.map(([n, v]) => `--bnd\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('') + '--bnd\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx\r\n--bnd--\r\n';
    const res = await send(service, { method: 'POST', path: '/deep-policy', headers: { 'content-type': 'multipart/form-data; boundary=bnd' }, body: form, as: null });
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.equal(xmlText(res.text, 'Code'), 'InvalidPolicyDocument');
  }
  assert.equal((await send(service, { method: 'HEAD', path: '/deep-policy/k' })).status, 404);
  assert.deepEqual(logged, []);
});

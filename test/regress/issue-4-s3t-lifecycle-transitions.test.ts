/**
 * Issue #4 (s3-tests audit, test_lifecycle_set_noncurrent_transition and
 * test_lifecycle_transition_set_invalid_date): transitions are not implemented here (501), but
 * (1) a rule with two `<NoncurrentVersionTransition>` (or two `<Transition>`) elements, a list in
 * AWS's LifecycleRule (NoncurrentVersionTransitions / Transitions), answered 400 MalformedXML as if
 * the document were malformed, and (2) a transition whose Date is not ISO 8601 (`20220927`)
 * answered 501, where S3 refuses the malformed document with 400; a Date not at midnight but in
 * its first hour (botocore sends that test's `20220927` as 1970-08-23T00:55:27Z) passed the
 * midnight check, which looked at the hour only, in an Expiration too. Now: well-formed transitions
 * are 501 NotImplemented however many there are; a malformed Date or Days, or a Date that is not
 * midnight to the millisecond, is 400 InvalidArgument. Raw SigV4 requests (the SDK cannot send a
 * bad Date).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import aws4 from 'aws4';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

interface Reply { status: number; text: string }

function client(gw: TestGateway): (method: string, path: string, body?: string) => Promise<Reply> {
  const host = new URL(gw.url).host;
  return async (method, path, body) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-md5': createHash('md5').update(body).digest('base64') };
    const signed = aws4.sign({ host, method, path, headers, body: body ?? '', service: 's3', region: gw.region },
      { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
    const h: Record<string, string> = {};
    // Host and Content-Length are fetch's to send (it sends the same values): given by hand, the
    // npm undici 7 another test file of the same batch process loads refuses the request before it
    // is sent ("invalid content-length header"), and the test failed only in that company.
    for (const [k, v] of Object.entries(signed.headers ?? {})) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') h[k] = String(v);
    const res = await fetch(gw.url + path, { method, headers: h, body });
    return { status: res.status, text: await res.text() };
  };
}

const rule = (inner: string): string =>
  `<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>test1/</Prefix></Filter><Status>Enabled</Status>${inner}</Rule></LifecycleConfiguration>`;

test('lifecycle transitions: several are 501 NotImplemented, a malformed one is 400', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const s3 = client(gw);
  assert.equal((await s3('PUT', '/lct')).status, 200);
  const put = (inner: string): Promise<Reply> => s3('PUT', '/lct?lifecycle', rule(inner));
  const code = (r: Reply): string | undefined => /<Code>([^<]*)<\/Code>/.exec(r.text)?.[1];

  const noncurrent = await put('<NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>STANDARD_IA</StorageClass></NoncurrentVersionTransition>'
    + '<NoncurrentVersionTransition><NoncurrentDays>4</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>'
    + '<NoncurrentVersionExpiration><NoncurrentDays>6</NoncurrentDays></NoncurrentVersionExpiration>');
  assert.deepEqual([noncurrent.status, code(noncurrent)], [501, 'NotImplemented'], noncurrent.text);

  const current = await put('<Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>'
    + '<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition>');
  assert.deepEqual([current.status, code(current)], [501, 'NotImplemented'], current.text);

  const zero = await put('<Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition>');
  assert.deepEqual([zero.status, code(zero)], [501, 'NotImplemented'], 'Days 0 is a valid transition');

  const badDate = await put('<Expiration><Date>2023-09-27T00:00:00Z</Date></Expiration><Transition><Date>20220927</Date><StorageClass>GLACIER</StorageClass></Transition>');
  assert.deepEqual([badDate.status, code(badDate)], [400, 'InvalidArgument'], badDate.text);

  // What botocore sends for that Date (seconds since the epoch): 00:55:27 is not midnight, in a
  // Transition or an Expiration.
  for (const inner of ['<Transition><Date>1970-08-23T00:55:27Z</Date><StorageClass>GLACIER</StorageClass></Transition>',
    '<Expiration><Date>2030-01-01T00:00:01Z</Date></Expiration>']) {
    const notMidnight = await put(inner);
    assert.deepEqual([notMidnight.status, code(notMidnight)], [400, 'InvalidArgument'], notMidnight.text);
  }

  const badDays = await put('<Transition><Days>-1</Days><StorageClass>GLACIER</StorageClass></Transition>');
  assert.deepEqual([badDays.status, code(badDays)], [400, 'InvalidArgument'], badDays.text);

  // Nothing was stored by any of them.
  assert.equal((await s3('GET', '/lct?lifecycle')).status, 404);
});

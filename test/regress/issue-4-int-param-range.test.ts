/**
 * Issue #4 (fuzzing the listing parameters): `max-keys` (and `max-uploads`, `max-parts`,
 * `part-number-marker`, `max-buckets`) from 2147483648 up to 9999999999 were taken and clamped,
 * while one digit more was refused. S3 reads them as a signed 32-bit int and answers a value out
 * of that range with 400 InvalidArgument "Provided max-keys not an integer or within integer
 * range" (scality/cloudserver#75 quotes AWS asking for at most 2147483647); the largest int still
 * lists, clamped to a page of 1000 (s3-surface.md §4.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('integer query parameters past the int32 range: 400 InvalidArgument; 2147483647 still clamps', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/ipr' });
  const id = xmlText((await send(service, { method: 'POST', path: '/ipr/k?uploads' })).text, 'UploadId')!;
  const routes: [string, string][] = [
    ['/ipr?max-keys=', 'max-keys'], ['/ipr?list-type=2&max-keys=', 'max-keys'], ['/ipr?versions&max-keys=', 'max-keys'],
    ['/ipr?uploads&max-uploads=', 'max-uploads'], [`/ipr/k?uploadId=${id}&max-parts=`, 'max-parts'],
    [`/ipr/k?uploadId=${id}&part-number-marker=`, 'part-number-marker'],
  ];
  for (const [path, name] of routes) {
    const over = await send(service, { method: 'GET', path: path + '2147483648' });
    assert.equal(over.status, 400, `${path}: ${over.text}`);
    assert.equal(xmlText(over.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(over.text, 'ArgumentName'), name);
    const max = await send(service, { method: 'GET', path: path + '2147483647' });
    assert.equal(max.status, 200, `${path}: ${max.text}`);
  }
  const list = await send(service, { method: 'GET', path: '/ipr?list-type=2&max-keys=2147483647' });
  assert.equal(xmlText(list.text, 'MaxKeys'), '1000');
});

/**
 * Issue #4 (found writing the HTTP-date fuzz test/integration/fuzz/http-dates): an HTTP date in
 * asctime form (`Sun Nov  6 08:49:37 1994`, one of the three forms RFC 9110 §5.6.7 says a
 * recipient must accept, GMT by definition) was read with `Date.parse`, which takes a date without
 * a zone as local time. On a gateway whose TZ is not UTC, If-Modified-Since / If-Unmodified-Since
 * (and the copy-source ones) were then off by the zone's offset, giving 200 where 304/412 was due,
 * and a SigV2 request dated so was refused as RequestTimeTooSkewed. The test runs the service in
 * TZ America/New_York (UTC-4/-5).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signV2, stringToSignV2 } from '../../conformance/lib/sign.js';
import { ALICE, makeService, send } from '../integration/s3/helpers.js';

function asctime(d: Date): string {
  const [wd, day, mon, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day!.replace(/^0/, ' ')} ${time} ${year}`;
}

test('asctime HTTP dates are GMT whatever the process time zone: preconditions and SigV2 Date', async (t) => {
  const saved = process.env.TZ;
  process.env.TZ = 'America/New_York';
  t.after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/asc-date' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/asc-date/k', body: 'v' })).status, 200);
  const head = await send(service, { method: 'HEAD', path: '/asc-date/k' });
  const lastModified = new Date(String(head.headers['last-modified']));
  const now = new Date();

  // Unmodified since two hours before it was written: 412 (read as local time, it was 3 h after: 200).
  const ius = await send(service, { method: 'GET', path: '/asc-date/k', headers: { 'if-unmodified-since': asctime(new Date(lastModified.getTime() - 7_200_000)) } });
  assert.equal(ius.status, 412, ius.text);
  // Modified since now: 304 (read as local time, a date hours ahead, which S3 ignores: 200).
  const ims = await send(service, { method: 'GET', path: '/asc-date/k', headers: { 'if-modified-since': asctime(now) } });
  assert.equal(ims.status, 304);
  // The copy-source conditions read dates the same way.
  const copy = await send(service, { method: 'PUT', path: '/asc-date/copy', headers: { 'x-amz-copy-source': '/asc-date/k', 'x-amz-copy-source-if-unmodified-since': asctime(new Date(lastModified.getTime() - 7_200_000)) } });
  assert.equal(copy.status, 412, copy.text);

  // A SigV2 request dated now in asctime form is on time (it was RequestTimeTooSkewed).
  const date = asctime(new Date());
  const sig = signV2(ALICE.secretKey, stringToSignV2({ method: 'GET', dateOrExpires: date, resource: '/asc-date/k' }));
  const v2 = await send(service, { method: 'GET', path: '/asc-date/k', headers: { date, authorization: `AWS ${ALICE.accessKey}:${sig}` }, as: null });
  assert.equal(v2.status, 200, v2.text);
  assert.equal(v2.text, 'v');
});

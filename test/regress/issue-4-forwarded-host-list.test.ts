/**
 * Issue #4 (found by the property fuzz test/integration/fuzz/hosts): with proxy headers trusted,
 * the signature was verified against the whole X-Forwarded-Host value, so behind two proxies
 * (`X-Forwarded-Host: <client's host>, <first proxy's upstream>`, each proxy appending, as Apache
 * mod_proxy documents) every signed request was 403 SignatureDoesNotMatch, while the bucket of a
 * virtual-hosted request was already read from the first entry. The first entry, the Host the
 * client sent and signed, is now the one verified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, makeService, readResponse } from '../integration/s3/helpers.js';

test('behind two proxies, a request signed for the first X-Forwarded-Host entry verifies', async () => {
  const { service } = await makeService({ trustProxyHeaders: true });
  assert.equal((await readResponse(await service.handle(buildRequest({ method: 'PUT', path: '/fwd-list' })))).status, 200);
  // Signed for Host localhost:9000 (the helper's); the gateway sees the last proxy's Host and the list.
  for (const xfh of ['localhost:9000', 'localhost:9000, proxy-a.internal:8080', 'localhost:9000,proxy-a.internal,proxy-b.internal']) {
    const req = buildRequest({ method: 'PUT', path: '/fwd-list/k', body: 'via proxies' });
    req.headers.host = 'gateway.internal:9000';
    req.headers['x-forwarded-host'] = xfh;
    const res = await readResponse(await service.handle(req));
    assert.equal(res.status, 200, `${xfh}: ${res.text.slice(0, 300)}`);
  }
  // The other entries are not what was signed.
  const req = buildRequest({ method: 'GET', path: '/fwd-list/k' });
  req.headers.host = 'gateway.internal:9000';
  req.headers['x-forwarded-host'] = 'proxy-a.internal:8080, localhost:9000';
  assert.equal((await readResponse(await service.handle(req))).status, 403);
});

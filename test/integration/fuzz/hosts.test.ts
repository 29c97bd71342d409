/**
 * Property-based fuzz of the Host header (issue #4): with a virtual-hosted domain configured
 * (`--domain`) and proxy headers trusted, `Host` and `X-Forwarded-Host` name the bucket
 * (`{bucket}.{domain}`), so their odd values reach bucket naming, routing, signing (SigV4 signs
 * `host`), CORS and the listings: upper case, trailing dots, ports (empty, huge, not digits),
 * IPv6 literals, empty labels, bucket names S3 refuses, long names, several forwarded hosts, bytes
 * past ASCII. Signed over the header as sent. Each answer is a 4xx with a catalog code or a 2xx/3xx,
 * never a 5xx; a refused PUT stores nothing; a request for `{bucket}.{domain}` reaches that bucket.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { FC_PARAMS, fuzzer, refused } from './harness.js';

const DOMAIN = 'fz.example';
const B = 'fz-hosts';

const label = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(B, B.toUpperCase(), `${B}.`, 'fz-other', 'no-such-bucket', 'a', 'ab', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(300), 'Bad_Name', '-bad', 'bad-', '192.168.1.1', 'a..b', '.', '', 'xn--bcher-kva', 'b\u00fccher', 'fz-hosts.fz-hosts', '_ccow', '*', '%66z-hosts') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9.-]{0,20}$/) },
);
const suffix = fc.constantFrom(`.${DOMAIN}`, `.${DOMAIN}`, `.${DOMAIN}.`, `.${DOMAIN.toUpperCase()}`, '', `.${DOMAIN}:80`, `.${DOMAIN}:`, `.${DOMAIN}:99999999999`, `.${DOMAIN}:x`, `.other.example`, `${DOMAIN}`, `.${DOMAIN}..`, `.${DOMAIN}:9000:1`);
const hostArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(label, suffix).map(([l, s]) => l + s) },
  { weight: 1, arbitrary: fc.constantFrom(`${B}.${DOMAIN}`, `${B}.${DOMAIN}:80`, `${B.toUpperCase()}.${DOMAIN}`) },
  { weight: 1, arbitrary: fc.constantFrom(DOMAIN, `${DOMAIN}:9000`, 'localhost', '[::1]', '[::1]:9000', '[::1', '127.0.0.1', '', ' ', ':', ':9000', `${B}.${DOMAIN} `, `${B} .${DOMAIN}`) },
);

test('fuzzed Host / X-Forwarded-Host with a virtual-hosted domain: never a 5xx; a refused PUT stores nothing', async (t) => {
  const f = await fuzzer(t, { domain: DOMAIN, s3: { trustProxyHeaders: true }, http: { trustProxyHeaders: true } });
  await f.send({ method: 'PUT', path: `/${B}` });
  await f.send({ method: 'PUT', path: `/${B}/obj`, body: 'v' });
  let run = 0;
  let reached = 0;
  await fc.assert(fc.asyncProperty(hostArb, fc.option(fc.oneof(hostArb, fc.tuple(hostArb, hostArb).map(([a, b]) => `${a}, ${b}`)), { freq: 3 }),
    fc.constantFrom('GET /obj', 'GET /', 'PUT /new', 'GET /?list-type=2', 'HEAD /obj', 'GET /?cors', 'OPTIONS /obj', 'PUT /'), async (host, forwarded, op) => {
      const [method, target] = op.split(' ') as [string, string];
      const key = target === '/new' ? `/new-${++run}` : target;
      // Behind a proxy the client signed the Host it sent, which the proxy passes on as the first X-Forwarded-Host entry.
      const signedHost = forwarded === null ? host : forwarded.split(',')[0]!.trim();
      const headers: Record<string, string> = { host: signedHost };
      if (forwarded !== null) headers['x-forwarded-host'] = forwarded;
      if (method === 'OPTIONS') Object.assign(headers, { origin: 'https://app.example', 'access-control-request-method': 'GET' });
      const a = await f.check({ method, path: key, headers, body: method === 'PUT' && key !== '/' ? 'v' : undefined, anonymous: method === 'OPTIONS',
        signedHeaders: forwarded === null ? undefined : Object.keys(headers).filter((h) => h !== 'x-forwarded-host').concat(['x-amz-date', 'x-amz-content-sha256'], method === 'PUT' ? ['content-length', 'content-md5'].filter((h) => h !== 'content-md5' || key !== '/') : []),
        after: () => ({ headers: { host } }) }, `Host ${JSON.stringify(host)} X-Forwarded-Host ${JSON.stringify(forwarded)}`);
      // Signed over what the client sent: a signature of a non-empty Host always verifies.
      if (a.code === 'SignatureDoesNotMatch' && signedHost.trim() !== '') throw new Error(`signed for Host ${JSON.stringify(signedHost)} (sent ${JSON.stringify(host)}, X-Forwarded-Host ${JSON.stringify(forwarded)}) but SignatureDoesNotMatch`);
      const effective = (forwarded?.split(',')[0]?.trim() ?? host).toLowerCase();
      if (method === 'GET' && target === '/obj' && (effective === `${B}.${DOMAIN}` || effective === `${B}.${DOMAIN}:80`)) {
        if (a.status !== 200 || a.text !== 'v') throw new Error(`GET /obj with Host ${effective} did not reach ${B}: ${a.status} ${a.text.slice(0, 200)}`);
        reached++;
      }
      if (method === 'PUT' && target === '/new' && refused(a)) {
        const list = await f.send({ method: 'GET', path: `/${B}?list-type=2&prefix=${key.slice(1)}` });
        if (list.text.includes(`<Key>${key.slice(1)}</Key>`)) throw new Error(`refused PUT (${a.status} ${a.code}) with Host ${host} stored ${key}`);
      }
    }), { ...FC_PARAMS, includeErrorInReport: true });
  const seen = f.outcomes();
  if (process.env.FUZZ_VERBOSE) t.diagnostic(`${reached} reached the bucket; ${JSON.stringify([...seen].sort((x, y) => y[1] - x[1]))}`);
  if (reached === 0) throw new Error('no GET by the bucket\'s own host name: the generator never builds one');
  await f.alive(B);
});

/**
 * Property-based fuzz of the authentication parsers (issue #4; project rule "bad input gets a
 * clear error and loses nothing"): the `Authorization` header of both forms (SigV4
 * `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` and SigV2 `AWS AK:sig`), signed
 * correctly and then mangled (a component replaced, dropped, repeated or reordered, separators and
 * scheme changed, bytes inserted, truncated) together with odd `x-amz-date` / `Date` /
 * `x-amz-content-sha256` values; SigV2 requests signed correctly over odd inputs (the Date header
 * in RFC 1123, RFC 850 and asctime form, x-amz-date, Content-MD5, Content-Type, x-amz-* headers,
 * sub-resources with odd values); and presigned URLs of both versions whose query parameters are
 * set to odd values before signing or mangled after. Each answer is a 4xx with a catalog code or a
 * 2xx/3xx, never a 5xx; a refused PUT stores nothing. A fourth property signs GETs over odd query strings
 * and header whitespace correctly and wants no SignatureDoesNotMatch.
 */
import { test } from 'node:test';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { amzDate, signV4, signV2, stringToSignV2, signingKey, canonicalRequestV4, uriEncode, sha256hex } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, fuzzer, refused, type Fuzzer } from './harness.js';

const B = 'fz-auth';
const BODY = 'authenticated body';
const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

/** Printable Latin-1 (what can travel in an HTTP header value). */
const latin1 = (max: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: max }).map((a) => String.fromCharCode(...a.filter((c) => c !== 0x7f)));
const ODD = ['', ' ', '=', ',', ';', '/', '//', ':', 'AWS4-HMAC-SHA256', 'aws4_request', 'null', '%', '%zz', '+', '==', 'x'.repeat(300), 'x'.repeat(9000), 'é', '\u00ff', '0'.repeat(64), 'A'.repeat(28)];
const odd = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ODD) }, { weight: 2, arbitrary: latin1(30) });

/** Date header values: now in the three HTTP date formats (RFC 7231 §7.1.1.1), and bad ones. */
function httpDates(now: Date): string[] {
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const [wd, d, mon, y, time] = now.toUTCString().replace(',', '').split(' ');
  const rfc850 = `${days[now.getUTCDay()]}, ${d}-${mon}-${y!.slice(2)} ${time} GMT`;
  const asctime = `${wd} ${mon} ${String(now.getUTCDate()).padStart(2, ' ')} ${time} ${y}`;
  return [now.toUTCString(), rfc850, asctime, now.toISOString(), amzDate(now), String(Math.floor(now.getTime() / 1000)), '', 'garbage', 'Thu, 01 Jan 1970 00:00:00 GMT',
    'Fri, 31 Dec 9999 23:59:59 GMT', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', 'Mon, 32 Jan 2024 00:00:00 GMT', now.toUTCString().replace('GMT', 'PST'), now.toUTCString().toLowerCase(),
    '99991231T235959Z', '20261301T000000Z', '00000000T000000Z', `${amzDate(now)} `, amzDate(now).replace('Z', '')];
}

interface Op {
  method: string;
  path: string;
  body?: string;
  /** A write: after a refusal, this object must not exist. */
  writes?: boolean;
}

let run = 0;
const opArb = fc.constantFrom<() => Op>(
  () => ({ method: 'GET', path: `/${B}/obj` }),
  () => ({ method: 'HEAD', path: `/${B}/obj` }),
  () => ({ method: 'GET', path: `/${B}?list-type=2` }),
  () => ({ method: 'GET', path: '/' }),
  () => ({ method: 'PUT', path: `/${B}/put-${++run}`, body: BODY, writes: true }),
  () => ({ method: 'PUT', path: `/${B}/obj?tagging`, body: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>' }),
  () => ({ method: 'DELETE', path: `/${B}/nothing-${++run}` }),
).map((f) => f());

async function prepare(f: Fuzzer): Promise<void> {
  await f.send({ method: 'PUT', path: `/${B}` });
  await f.send({ method: 'PUT', path: `/${B}/obj`, body: BODY });
}

async function afterWrite(f: Fuzzer, op: Op, a: { status: number; code?: string; text: string }): Promise<void> {
  if (!op.writes) return;
  const head = await f.send({ method: 'HEAD', path: op.path });
  if (refused(a as never) && head.status !== 404) throw new Error(`refused PUT (${a.status} ${a.code}) stored ${op.path}: HEAD ${head.status}`);
}

// ---------------------------------------------------------------------------------------------
// The Authorization header, mangled.

interface Mangle {
  kind: 'replace' | 'drop' | 'dup' | 'reorder' | 'separator' | 'scheme' | 'insert' | 'truncate' | 'case' | 'header';
  a: number;
  value: string;
}

const mangleArb: fc.Arbitrary<Mangle> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'drop', 'dup', 'reorder', 'separator', 'scheme', 'insert', 'truncate', 'case', 'header', 'header'),
  a: fc.nat(),
  value: odd,
});

const V4_PARTS = /(Credential|SignedHeaders|Signature)=([^,]*)/g;
const SCHEMES = ['AWS4-HMAC-SHA256', 'aws4-hmac-sha256', 'AWS4-HMAC-SHA256\t', 'AWS4-ECDSA-P256-SHA256', 'AWS', 'AWS ', 'Bearer', '', 'AWS4-HMAC-SHA512', 'AWS4'];
const SEPARATORS = [',', ', ', ',,', ';', ' ', ' , ', ',\t', '&'];
const MANGLED_HEADERS = ['x-amz-date', 'date', 'x-amz-content-sha256', 'x-amz-security-token', 'authorization'];
const CONTENT_SHA = ['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-EVENTS', '0'.repeat(64), 'F'.repeat(64), ''];

function mangleAuthorization(value: string, headers: Record<string, string>, m: Mangle, dates: string[]): void {
  const v4 = value.startsWith('AWS4-HMAC-SHA256');
  const parts = v4 ? [...value.matchAll(V4_PARTS)] : [];
  switch (m.kind) {
    case 'replace':
      if (v4 && parts.length > 0) {
        const p = parts[m.a % parts.length]!;
        value = value.slice(0, p.index + p[1]!.length + 1) + m.value + value.slice(p.index + p[0].length);
      } else if (!v4) {
        const [ak, sig] = value.slice(4).split(':');
        value = m.a % 2 === 0 ? `AWS ${m.value}:${sig}` : `AWS ${ak}:${m.value}`;
      }
      break;
    case 'drop':
      if (v4 && parts.length > 0) {
        const p = parts[m.a % parts.length]!;
        value = value.slice(0, p.index) + value.slice(p.index + p[0].length);
      } else if (!v4) value = value.replace(':', m.a % 2 === 0 ? '' : ': ');
      break;
    case 'dup':
      if (v4 && parts.length > 0) value += `, ${parts[m.a % parts.length]![0]}`;
      else value += m.a % 2 === 0 ? `:${value.slice(4)}` : ` ${value}`;
      break;
    case 'reorder':
      if (v4 && parts.length === 3) {
        const order = [[2, 1, 0], [1, 0, 2], [0, 2, 1]][m.a % 3]!;
        value = `AWS4-HMAC-SHA256 ${order.map((i) => parts[i]![0]).join(', ')}`;
      }
      break;
    case 'separator':
      value = v4 ? value.replaceAll(', ', SEPARATORS[m.a % SEPARATORS.length]!) : value.replace(' ', SEPARATORS[m.a % SEPARATORS.length]!);
      break;
    case 'scheme':
      value = SCHEMES[m.a % SCHEMES.length]! + value.slice(value.indexOf(' '));
      break;
    case 'insert': {
      const at = m.a % (value.length + 1);
      value = value.slice(0, at) + m.value + value.slice(at);
      break;
    }
    case 'truncate':
      value = value.slice(0, m.a % (value.length + 1));
      break;
    case 'case':
      value = m.a % 2 === 0 ? value.replace('Credential', 'credential') : value.replace('SignedHeaders=', 'SignedHeaders=HOST;');
      break;
    case 'header': {
      const name = MANGLED_HEADERS[m.a % MANGLED_HEADERS.length]!;
      const pick = Math.floor(m.a / MANGLED_HEADERS.length);
      if (name === 'x-amz-content-sha256') headers[name] = pick % 3 === 0 ? m.value : CONTENT_SHA[pick % CONTENT_SHA.length]!;
      else if (name === 'authorization') headers[name] = m.value;
      else if (name === 'x-amz-security-token') headers[name] = m.value;
      else headers[name] = pick % 3 === 0 ? m.value : dates[pick % dates.length]!;
      return;
    }
  }
  headers.authorization = value;
}

test('mangled Authorization headers (SigV4 and SigV2): a 4xx with an AWS code, never a 5xx; a refused PUT stores nothing', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  const keys = { accessKeyId: f.gw.accessKey, secretAccessKey: f.gw.secretKey };
  await fc.assert(fc.asyncProperty(opArb, fc.boolean(), fc.array(mangleArb, { minLength: 1, maxLength: 3 }), async (op, v2, mangles) => {
    const now = new Date();
    const body = op.body ?? '';
    let headers: Record<string, string> = { host: 'localhost', ...(body ? { 'content-length': String(Buffer.byteLength(body)), 'content-md5': md5(body) } : {}) };
    if (v2) {
      headers.date = now.toUTCString();
      headers.authorization = `AWS ${keys.accessKeyId}:${signV2(keys.secretAccessKey, stringToSignV2({ method: op.method, contentMd5: headers['content-md5'], dateOrExpires: headers.date, resource: resourceOf(op.path) }))}`;
    } else {
      headers = signV4({ method: op.method, path: op.path, headers, payloadHash: sha256hex(body), keys, region: f.gw.region, date: now }).headers;
    }
    const dates = httpDates(now);
    for (const m of mangles) mangleAuthorization(headers.authorization!, headers, m, dates);
    const a = await f.check({ method: op.method, path: op.path, headers, body, anonymous: true, noMd5: true }, `mangled ${v2 ? 'SigV2' : 'SigV4'} Authorization ${JSON.stringify(headers.authorization).slice(0, 200)}`);
    await afterWrite(f, op, a);
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  await f.alive(B);
});

// ---------------------------------------------------------------------------------------------
// SigV2 signed correctly over odd inputs.

const SUBRESOURCES = ['acl', 'tagging', 'versionId', 'uploads', 'partNumber', 'uploadId', 'response-content-type', 'response-expires', 'response-content-disposition', 'versioning', 'location', 'torrent', 'x-id', 'list-type', 'prefix', 'delete'];

const v2Case = fc.record({
  op: opArb,
  date: fc.nat(),
  useAmzDate: fc.boolean(),
  contentType: fc.option(fc.oneof(fc.constantFrom('text/plain', 'application/xml', '', ' ', 'multipart/form-data; boundary=x'), latin1(20)), { freq: 3 }),
  md5: fc.constantFrom('right', 'none', 'wrong', 'odd'),
  amz: fc.array(fc.tuple(fc.constantFrom('x-amz-meta-a', 'x-amz-meta-b', 'x-amz-acl', 'x-amz-tagging', 'x-amz-storage-class', 'x-amz-meta-multi', 'x-amz-request-payer'), latin1(20)), { maxLength: 3 }),
  sub: fc.array(fc.tuple(fc.constantFrom(...SUBRESOURCES), fc.option(odd, { freq: 2 })), { maxLength: 2 }),
  /** Now and then a '+' of the signature sent as a space (tolerated in the query form only). */
  spaceForPlus: fc.nat({ max: 9 }),
});

/** The CanonicalizedResource (RESTAuthentication): the path as sent plus the signed sub-resources, sorted, values decoded. */
const SIGNED_SUBS = new Set(['acl', 'tagging', 'versionId', 'uploads', 'partNumber', 'uploadId', 'response-content-type', 'response-expires', 'response-content-disposition', 'versioning', 'location', 'torrent', 'delete']);
function resourceOf(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const subs = path.slice(q + 1).split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1));
    return [k, v] as const;
  }).filter(([k]) => SIGNED_SUBS.has(k)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return path.slice(0, q) + (subs.length > 0 ? '?' + subs.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&') : '');
}

test('SigV2 requests signed over odd dates (three HTTP formats), Content-MD5, Content-Type, x-amz-* headers and sub-resources: never a 5xx', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  let accepted = 0;
  await fc.assert(fc.asyncProperty(v2Case, async (c) => {
    const now = new Date();
    const op = c.op;
    const body = op.body ?? '';
    const dates = httpDates(now);
    const dateValue = dates[c.date % dates.length]!;
    const sep = op.path.includes('?') ? '&' : '?';
    const path = op.path + (c.sub.length > 0 ? sep + c.sub.map(([k, v]) => (v === null ? k : `${k}=${uriEncode(v)}`)).join('&') : '');
    const headers: Record<string, string> = { host: 'localhost' };
    if (body) headers['content-length'] = String(Buffer.byteLength(body));
    if (c.md5 === 'right' && body) headers['content-md5'] = md5(body);
    if (c.md5 === 'wrong') headers['content-md5'] = md5('other');
    if (c.md5 === 'odd') headers['content-md5'] = '!!';
    if (c.contentType !== null) headers['content-type'] = c.contentType;
    for (const [k, v] of c.amz) headers[k] = k in headers ? `${headers[k]},${v}` : v;
    if (c.useAmzDate) headers['x-amz-date'] = dateValue;
    else headers.date = dateValue;
    const sts = stringToSignV2({ method: op.method, contentMd5: headers['content-md5'], contentType: headers['content-type'], dateOrExpires: c.useAmzDate ? '' : dateValue, headers, resource: resourceOf(path) });
    const sig = signV2(f.gw.secretKey, sts);
    headers.authorization = `AWS ${f.gw.accessKey}:${c.spaceForPlus === 0 ? sig.replaceAll('+', ' ') : sig}`;
    const a = await f.check({ method: op.method, path, headers, body, anonymous: true, noMd5: true }, `SigV2 ${JSON.stringify(sts)}`);
    if (!refused(a)) accepted++;
    if (op.writes) {
      const head = await f.send({ method: 'HEAD', path: op.path });
      if (refused(a) && head.status !== 404) throw new Error(`refused SigV2 PUT (${a.status} ${a.code}) stored ${op.path}`);
    }
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  if (accepted === 0) throw new Error('no SigV2 request was accepted: the generator never signs a valid one');
  await f.alive(B);
});

// ---------------------------------------------------------------------------------------------
// Presigned URLs (SigV4 and SigV2) with odd query parameters.

const V4_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Content-Sha256', 'X-Amz-Security-Token', 'x-amz-algorithm'];
const V2_PARAMS = ['AWSAccessKeyId', 'Expires', 'Signature', 'x-amz-security-token', 'awsaccesskeyid'];

const presignCase = fc.record({
  op: opArb,
  v2: fc.boolean(),
  /** Before signing: a parameter set to an odd value (or a value of its own grammar's edge), and signed over. */
  before: fc.array(fc.tuple(fc.nat(), fc.oneof(odd, fc.constantFrom('0', '1', '604800', '604801', '-1', '1e3', '99999999', '9999999999999', 'UNSIGNED-PAYLOAD', 'host;x-amz-date', 'Host', 'host;', ';', 'host;host', 'x-amz-meta-a'))), { maxLength: 2 }),
  /** After signing: a parameter dropped, repeated, replaced or its name's case changed. */
  after: fc.array(fc.tuple(fc.constantFrom('drop', 'dup', 'replace', 'rename', 'append'), fc.nat(), odd), { maxLength: 2 }),
  dateOffsetS: fc.constantFrom(0, 0, 0, -1000, 1000, -700_000, 86_400 * 365 * 100),
});

function presign(c: typeof presignCase extends fc.Arbitrary<infer T> ? T : never, f: Fuzzer, op: Op): string {
  const keys = { accessKeyId: f.gw.accessKey, secretAccessKey: f.gw.secretKey };
  const now = new Date(Date.now() + c.dateOffsetS * 1000);
  const q = op.path.indexOf('?');
  const base = q < 0 ? op.path : op.path.slice(0, q);
  const own = q < 0 ? [] : op.path.slice(q + 1).split('&');
  let params: [string, string][];
  if (c.v2) {
    const expires = String(Math.floor(now.getTime() / 1000) + 600);
    params = [['AWSAccessKeyId', keys.accessKeyId], ['Expires', expires]];
    for (const [i, v] of c.before) {
      const name = V2_PARAMS[i % V2_PARAMS.length]!;
      const at = params.findIndex(([k]) => k === name);
      if (at >= 0) params[at] = [name, v];
      else if (name !== 'Signature') params.push([name, v]);
    }
    const exp = params.find(([k]) => k === 'Expires')?.[1] ?? '';
    const sig = signV2(keys.secretAccessKey, stringToSignV2({ method: op.method, dateOrExpires: exp, resource: resourceOf(op.path) }));
    params.push(['Signature', sig]);
  } else {
    const date = amzDate(now);
    const scope = `${date.slice(0, 8)}/${f.gw.region}/s3/aws4_request`;
    params = [['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${keys.accessKeyId}/${scope}`], ['X-Amz-Date', date], ['X-Amz-Expires', '600'], ['X-Amz-SignedHeaders', 'host']];
    for (const [i, v] of c.before) {
      const name = V4_PARAMS[i % V4_PARAMS.length]!;
      const at = params.findIndex(([k]) => k === name);
      if (at >= 0) params[at] = [name, v];
      else if (name !== 'X-Amz-Signature') params.push([name, v]);
    }
    const query = [...own, ...params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)].join('&');
    const signedList = (params.find(([k]) => k === 'X-Amz-SignedHeaders')?.[1] ?? 'host').split(';').map((h) => h.toLowerCase()).filter(Boolean);
    const canonical = canonicalRequestV4(op.method, `${base}?${query}`, { host: 'localhost' }, signedList, params.find(([k]) => k === 'X-Amz-Content-Sha256')?.[1] ?? 'UNSIGNED-PAYLOAD');
    const sts = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonical)].join('\n');
    const sig = createHmac('sha256', signingKey(keys.secretAccessKey, date.slice(0, 8), f.gw.region)).update(sts).digest('hex');
    params.push(['X-Amz-Signature', sig]);
  }
  const names = c.v2 ? V2_PARAMS : V4_PARAMS;
  for (const [kind, i, v] of c.after) {
    const at = i % params.length;
    const [k, val] = params[at]!;
    if (kind === 'drop') params.splice(at, 1);
    else if (kind === 'dup') params.push([k, i % 2 === 0 ? val : v]);
    else if (kind === 'replace') params[at] = [k, v];
    else if (kind === 'rename') params[at] = [i % 2 === 0 ? k.toLowerCase() : k.toUpperCase(), val];
    else params.push([names[i % names.length]!, v]);
    if (params.length === 0) break;
  }
  const query = [...own, ...params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)].join('&');
  return `${base}?${query}`;
}

test('presigned URLs (SigV4 and SigV2) with odd, dropped, repeated or renamed query parameters: never a 5xx; a refused PUT stores nothing', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  let accepted = 0;
  await fc.assert(fc.asyncProperty(presignCase, async (c) => {
    const op = c.op;
    const path = presign(c, f, op);
    const a = await f.check({ method: op.method, path, body: op.body, anonymous: true, noMd5: true, headers: { host: 'localhost' } }, `presigned ${c.v2 ? 'SigV2' : 'SigV4'}`);
    if (!refused(a)) accepted++;
    await afterWrite(f, op, a);
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  if (accepted === 0) throw new Error('no presigned request was accepted: the generator never builds a valid one');
  await f.alive(B);
});

// ---------------------------------------------------------------------------------------------
// Canonicalization: whatever a correct signer signs verifies.

const queryPart = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('', '=', '&', '+', ' ', '%', '%20', 'a=b', '~', '*', '/', '?', '#x', '\u00e9', 'A', 'a', 'Z', '_', '-', '.') },
);
const headerValue = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 20 }).map((a) => String.fromCharCode(...a)) },
  { weight: 1, arbitrary: fc.constantFrom('  a  b  ', '\ta\t', 'a,b', ' , ', '', '\u00e9') },
);

test('correctly signed SigV4 requests with odd query strings and header whitespace: never SignatureDoesNotMatch', async (t) => {
  const f = await fuzzer(t);
  await prepare(f);
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(queryPart, fc.option(queryPart, { freq: 4 })), { maxLength: 5 }),
    fc.array(fc.tuple(fc.constantFrom('x-amz-meta-a', 'x-amz-meta-b', 'x-custom', 'x-amz-request-payer', 'if-none-match', 'cache-control'), headerValue), { maxLength: 3 }),
    fc.constantFrom(`/${B}/obj`, `/${B}`, '/'),
    async (params, extra, target) => {
      // Parameters the gateway would act on are renamed: only the signature is under test.
      const query = params.map(([k, v]) => {
        const key = /^(x-amz-|X-Amz-|AWSAccessKeyId|Signature|Expires|list-type|versionId|partNumber|uploadId|response-|acl|tagging|torrent|versioning|location|delete|uploads|cors|policy|lifecycle|website|encryption|attributes|restore|select|legal-hold|retention)/i.test(k) ? `q${k}` : k;
        return v === null ? uriEncode(key) : `${uriEncode(key)}=${uriEncode(v)}`;
      }).join('&');
      const path = query ? `${target}?${query}` : target;
      const headers: Record<string, string> = {};
      for (const [k, v] of extra) headers[k] = v;
      const a = await f.check({ method: 'GET', path, headers, noMd5: true }, `signed GET ${path} ${JSON.stringify(headers)}`);
      if (a.code === 'SignatureDoesNotMatch' || a.code === 'AuthorizationHeaderMalformed') throw new Error(`correctly signed GET ${path} ${JSON.stringify(headers)}: ${a.status} ${a.code}`);
    }), { ...FC_PARAMS, includeErrorInReport: true });
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  await f.alive(B);
});

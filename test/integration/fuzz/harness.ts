/**
 * Shared pieces of the property-based parser fuzz tests (test/integration/fuzz/*.test.ts): an
 * in-process gateway reached through `fastify.inject`, requests SigV4-signed over the final bytes
 * (conformance/lib/sign.ts, written from the AWS documents, not the gateway's own signer) so the
 * fuzzed part gets past auth and into the parser, and the property every answer must keep:
 * "a 4xx with an AWS error code of the catalog (or a 2xx / 3xx when the input happened to be
 * valid); never a 5xx other than 501 NotImplemented; no hang".
 *
 * Runs are deterministic by default (a fixed seed), so `npm test` and CI give the same answer for
 * the same tree: a random seed found a real 500 in one CI run at 17:55Z on 2026-11-27 (a long CORS
 * AllowedOrigin; issue-4-cors-long-origin) and would have blocked every unrelated change until
 * fixed. FUZZ_SEED=random explores (run it in a loop when touching a parser); FUZZ_SEED=<n>
 * replays a run (fast-check prints the seed and the shrunk counterexample);
 * FUZZ_RUNS=<n> changes the number of runs per property; FUZZ_VERBOSE=1 prints the answer mix;
 * FUZZ_BACKEND=local runs every property over the local (LMDB + files) backend instead of memory.
 *
 * light-my-request does not validate header names the way Node's HTTP parser does (a name like
 * `x-amz-meta-ü` reaches the gateway through inject, but a socket gets 400 from the parser), so
 * generators keep header names to HTTP tokens; values may hold any Latin-1 (obs-text) character.
 */
import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { signV4, type V4Signed } from '../../../conformance/lib/sign.js';
import { S3Errors } from '../../../src/s3/errors.js';
import { startGateway, type GatewayOptions, type TestGateway } from '../../helpers/gateway.js';

/** The seed of `npm test` (see above; any value explores some path, this one is just fixed). */
const FIXED_SEED = 20261127;
/** Runs per property (modest: the whole directory stays well under a minute). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** fast-check parameters shared by every property. */
export const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: RUNS,
  ...(process.env.FUZZ_SEED === 'random' ? {} : { seed: Number(process.env.FUZZ_SEED ?? FIXED_SEED) }),
  endOnFailure: false,
  interruptAfterTimeLimit: 50_000,
};
/** An answer slower than this is a hang. */
const HANG_MS = 10_000;
const HOST = 'localhost';

/** One request to sign and inject. `path` is the wire path + query (already percent-encoded). */
export interface FuzzRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** x-amz-content-sha256 to sign (default: the body's SHA-256). */
  payloadHash?: string;
  /** Do not add Content-MD5 (default: added to every request with a body unless given). */
  noMd5?: boolean;
  /** Send unsigned (an anonymous request). */
  anonymous?: boolean;
  /** Headers to sign (default: all); e.g. leave Content-Length out when `after` sets the body. */
  signedHeaders?: string[];
  /** Sign, then let `after` change the headers (for the signed aws-chunked chain, which needs the seed). */
  after?: (signed: V4Signed) => { headers?: Record<string, string>; body?: Buffer };
}

/** An answer, its body as text and its XML `<Code>`. */
export interface FuzzAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  body: Buffer;
  code?: string;
}

export const md5b64 = (b: Buffer | string): string => createHash('md5').update(b).digest('base64');
export const sha256hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The gateway and the default user's keys. */
export interface Fuzzer {
  gw: TestGateway;
  send(r: FuzzRequest): Promise<FuzzAnswer>;
  /** Send and check the property; returns the answer for further checks. */
  check(r: FuzzRequest, what: string): Promise<FuzzAnswer>;
  /** A normal PUT + GET still works (the gateway survived). */
  alive(bucket: string): Promise<void>;
  /** `status code` → count of the answers `check` saw since the last call (then cleared). */
  outcomes(): Map<string, number>;
}

/** Start an in-process gateway (memory backend) closed by `t.after`. */
export async function fuzzer(t: TestContext, opts: GatewayOptions = {}): Promise<Fuzzer> {
  const backend = process.env.FUZZ_BACKEND === 'local' ? 'local' : opts.backend;
  const gw = await startGateway({ engine: { minPartSize: 5 }, ...opts, backend });
  t.after(() => gw.close());
  const keys = { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey };

  async function send(r: FuzzRequest): Promise<FuzzAnswer> {
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
    const headers: Record<string, string> = { host: HOST, ...(r.headers ?? {}) };
    if (body.length > 0 && !r.noMd5 && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-md5')) headers['content-md5'] = md5b64(body);
    if ((body.length > 0 || r.method === 'PUT' || r.method === 'POST') && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(body.length);
    }
    const signed = r.anonymous ? { headers: { ...headers }, signature: '', amzDate: '', scope: '', signingKey: Buffer.alloc(0), canonicalRequest: '', stringToSign: '' } : signV4({ method: r.method, path: r.path, headers, payloadHash: r.payloadHash ?? sha256hex(body), keys, region: gw.region, date: new Date(), signedHeaders: r.signedHeaders });
    const extra = r.after?.(signed) ?? {};
    const finalHeaders = { ...signed.headers, ...(extra.headers ?? {}) };
    const payload = extra.body ?? body;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms: ${r.method} ${r.path}`)), HANG_MS);
    });
    try {
      const res = await Promise.race([gw.app.inject({ method: r.method as 'GET', url: r.path, headers: finalHeaders, payload }), hang]);
      const text = res.body;
      return { status: res.statusCode, headers: res.headers, text, body: res.rawPayload, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
    } finally {
      clearTimeout(timer);
    }
  }

  const stats = new Map<string, number>();

  async function check(r: FuzzRequest, what: string): Promise<FuzzAnswer> {
    const a = await send(r);
    const k = `${a.status} ${a.code ?? ''}${a.status < 300 && a.code ? ' (in a 200)' : ''}`.trim();
    stats.set(k, (stats.get(k) ?? 0) + 1);
    assertAwsAnswer(a, `${what}: ${r.method} ${r.path}`);
    return a;
  }

  function outcomes(): Map<string, number> {
    const out = new Map(stats);
    stats.clear();
    return out;
  }

  async function alive(bucket: string): Promise<void> {
    const key = `alive-${Date.now()}`;
    const put = await send({ method: 'PUT', path: `/${bucket}/${key}`, body: 'still here' });
    if (put.status !== 200) throw new Error(`gateway no longer serves a normal PUT: ${put.status} ${put.text}`);
    const get = await send({ method: 'GET', path: `/${bucket}/${key}` });
    if (get.status !== 200 || get.text !== 'still here') throw new Error(`gateway no longer serves a normal GET: ${get.status} ${get.text}`);
  }

  return { gw, send, check, alive, outcomes };
}

const CATALOG = new Set(Object.keys(S3Errors));

/**
 * The property: no 5xx but 501 NotImplemented (a documented S3 answer), every 4xx/5xx answer but
 * HEAD's carries an XML `<Code>` of the catalog, and a 2xx body is not an error document (a 200
 * CompleteMultipartUpload with `<Error>` inside is how S3 reports a failed completion; that must
 * be a catalog code that is not InternalError).
 */
export function assertAwsAnswer(a: FuzzAnswer, what: string): void {
  const detail = `${what} → ${a.status} ${a.text.slice(0, 400)}`;
  if (a.status >= 500 && a.status !== 501) throw new Error(`server error: ${detail}`);
  if (a.code === 'InternalError') throw new Error(`InternalError: ${detail}`);
  if (a.status >= 400) {
    const isHead = a.text === '';
    if (!isHead && (a.code === undefined || !CATALOG.has(a.code))) throw new Error(`error answer without a catalog <Code>: ${detail}`);
  } else if (a.status >= 200 && a.status < 300 && /<Error>/.test(a.text) && (a.code === undefined || !CATALOG.has(a.code))) {
    throw new Error(`200 with an unknown error code: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid document (XML or JSON text), applied as 1–3 steps.

/** Values a parser meets at the edge of its number and string handling. */
export const ODD_VALUES = [
  '', ' ', '0', '-1', '-0', '+1', '1.5', '1e3', '1e400', 'NaN', 'Infinity', '0x10', '00001', '99999999999999999999999999',
  '9007199254740993', '2147483648', '4294967296', '-9223372036854775809', 'true', 'null', 'Enabled ', ' Enabled', 'enabled',
  '2026-13-45T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00.000Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'not a date',
  '&amp;', '&lt;x&gt;', '&#0;', '&#x1;', '&#xD800;', '&#1114112;', '&undefined;', '&', '<', ']]>', '<![CDATA[x]]>', '<!-- c -->',
  '\u0000', '\u0001', '\uFFFE', '\uD800', 'é', '😀', '\u202E', 'a'.repeat(1025), 'x'.repeat(70_000), '%00', '../', '/', '*', '?',
];

/** Bytes that are not UTF-8. */
const BAD_BYTES = [Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82])];

/** Raw pieces to splice into a document. */
const SPLICES = [
  '<?xml version="1.0" encoding="UTF-16"?>', '<?xml version="1.1"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>', '<?pi x?>',
  '<!DOCTYPE d [<!ENTITY e "expanded">]>', '<!DOCTYPE d SYSTEM "file:///etc/passwd">', '<!ENTITY x SYSTEM "http://127.0.0.1/">',
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>',
  '&e;', '&lol3;', '<![CDATA[<Key>x</Key>]]>', '<!-- comment -->', '<x/>', '<Unknown>v</Unknown>', '</Bad>', '<', '>', '&', '"', '\u0000',
  'xmlns="urn:other"', ' attr="1"', '<a:Key xmlns:a="urn:x">k</a:Key>', '<' + 'D>'.repeat(1) + '</D>',
];

/** One mutation step: a kind and numbers that pick where (mod the document's size). */
export interface Mutation {
  kind: 'truncate' | 'value' | 'dupElement' | 'dropElement' | 'moveElement' | 'renameTag' | 'splice' | 'badBytes' | 'deepNest' | 'emptyElement' | 'swapCase' | 'manyElements';
  a: number;
  b: number;
  value: string;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('truncate', 'value', 'value', 'value', 'dupElement', 'dropElement', 'moveElement', 'renameTag', 'splice', 'badBytes', 'deepNest', 'emptyElement', 'swapCase', 'manyElements'),
  a: fc.nat(),
  b: fc.nat(),
  value: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ODD_VALUES) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 1, arbitrary: fc.integer().map(String) }),
});

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

const TOKEN = /<[^>]*>|[^<]+/g;

interface Elem {
  open: number;
  close: number;
  name: string;
}

function elements(tokens: string[]): Elem[] {
  const out: Elem[] = [];
  const stack: { name: string; i: number }[] = [];
  tokens.forEach((t, i) => {
    const m = /^<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>$/.exec(t);
    if (!m) return;
    if (m[3] === '/') out.push({ open: i, close: i, name: m[2]! });
    else if (m[1] === '') stack.push({ name: m[2]!, i });
    else {
      const top = stack.pop();
      if (top && top.name === m[2]) out.push({ open: top.i, close: i, name: m[2] });
    }
  });
  return out;
}

/** Apply the mutations to `doc` in order; the result is bytes (bad UTF-8 included). */
export function mutate(doc: string, steps: Mutation[]): Buffer {
  let text = doc;
  let raw: Buffer | undefined;
  for (const s of steps) {
    if (raw) text = raw.toString('latin1');
    raw = undefined;
    const tokens = text.match(TOKEN) ?? [];
    const elems = elements(tokens);
    const el = elems.length > 0 ? elems[s.a % elems.length]! : undefined;
    switch (s.kind) {
      case 'truncate': {
        const b = Buffer.from(text, 'utf8');
        raw = b.subarray(0, b.length === 0 ? 0 : s.a % b.length);
        break;
      }
      case 'value': {
        const texts = tokens.map((t, i) => (t.startsWith('<') ? -1 : i)).filter((i) => i >= 0);
        if (texts.length > 0) tokens[texts[s.a % texts.length]!] = s.value;
        else if (el && el.open !== el.close) tokens.splice(el.open + 1, 0, s.value);
        text = tokens.join('');
        break;
      }
      case 'dupElement':
        if (el) tokens.splice(el.close + 1, 0, ...tokens.slice(el.open, el.close + 1));
        text = tokens.join('');
        break;
      case 'manyElements':
        // 1,000–2,000 copies, kept under ~3 MB (past every body limit, without building 100 MB requests).
        if (el) {
          const copy = tokens.slice(el.open, el.close + 1).join('');
          const n = Math.min(1000 + (s.b % 1001), Math.max(1, Math.floor(3_000_000 / Math.max(copy.length, 1))));
          tokens.splice(el.close + 1, 0, ...Array.from({ length: n }, () => copy));
        }
        text = tokens.join('');
        break;
      case 'dropElement':
        if (el) tokens.splice(el.open, el.close - el.open + 1);
        text = tokens.join('');
        break;
      case 'moveElement':
        if (el) {
          const moved = tokens.splice(el.open, el.close - el.open + 1);
          tokens.splice(s.b % (tokens.length + 1), 0, ...moved);
        }
        text = tokens.join('');
        break;
      case 'renameTag':
        if (el) {
          const name = ['Key', 'Rule', 'Object', 'Part', 'Tag', 'Grant', 'CORSRule', 'x', 'Status', 'ID', 'Delete', s.value.replace(/[^A-Za-z]/g, '') || 'Z'][s.b % 12]!;
          tokens[el.open] = tokens[el.open]!.replace(el.name, name);
          if (el.close !== el.open) tokens[el.close] = tokens[el.close]!.replace(el.name, name);
        }
        text = tokens.join('');
        break;
      case 'splice': {
        const at = s.b % (tokens.length + 1);
        tokens.splice(at, 0, SPLICES[s.a % SPLICES.length]!);
        text = tokens.join('');
        break;
      }
      case 'badBytes': {
        const b = Buffer.from(text, 'utf8');
        const at = b.length === 0 ? 0 : s.b % b.length;
        raw = Buffer.concat([b.subarray(0, at), BAD_BYTES[s.a % BAD_BYTES.length]!, b.subarray(at)]);
        break;
      }
      case 'deepNest':
        if (el && el.open !== el.close) {
          const depth = [10, 100, 1000, 5000, 20_000][s.b % 5]!;
          tokens.splice(el.open + 1, 0, '<N>'.repeat(depth) + '</N>'.repeat(depth));
        }
        text = tokens.join('');
        break;
      case 'emptyElement':
        if (el) tokens.splice(el.open, el.close - el.open + 1, `<${el.name}/>`);
        text = tokens.join('');
        break;
      case 'swapCase':
        if (el) {
          tokens[el.open] = tokens[el.open]!.replace(el.name, el.name.toLowerCase());
          if (el.close !== el.open) tokens[el.close] = tokens[el.close]!.replace(el.name, el.name.toLowerCase());
        }
        text = tokens.join('');
        break;
    }
  }
  return raw ?? Buffer.from(text, 'utf8');
}

/** A refusal: an error status, or S3's 200 with an `<Error>` document (CompleteMultipartUpload). */
export function refused(a: FuzzAnswer): boolean {
  return a.status >= 300 || (a.code !== undefined && /<Error>/.test(a.text));
}

/** `data` cut at `cuts` (each taken modulo length + 1; duplicates and the ends dropped): the pieces in order. */
export function chunksOf(data: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].filter((c) => c > 0 && c < data.length).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, data.length]) {
    if (c > from) out.push(data.subarray(from, c));
    from = c;
  }
  return out;
}

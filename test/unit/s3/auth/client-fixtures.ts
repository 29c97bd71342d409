/**
 * Loader for the recorded client requests in shared/fixtures/clients (see its README): turns each
 * JSON into a SignableRequest plus the raw body bytes. Resolved from the project root (cwd), where
 * the shared folder sits at ../shared.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { SignableRequest } from '../../../../src/s3/auth/index.js';

export const FIXTURE_DIR = resolve(process.cwd(), 'test/fixtures/clients');
export const FIXTURE_ACCESS_KEY = 'AKIAFIXTURE000000001';
export const FIXTURE_SECRET = 'fixtureSecretKey0123456789abcdefghijklmn';

/** The parts of a fixture JSON the tests read. */
export interface ClientFixture {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  bodyBase64?: string;
  bodyFile?: string;
  bodyFileEncoding?: string;
  bodySha256: string;
  bodyLength: number;
  verification: { scheme: string; expectedSignature?: string; expires?: number; canonicalRequest?: string };
  awsChunked?: {
    contentSha256: string;
    chunkSizes: number[];
    decodedLength: number;
    decodedSha256: string;
    trailerChecksum?: { header: string; value: string; computedOverDecodedPayload: string };
  };
  headerChecksum?: { header: string; value: string; computedOverBody: string };
  queryChecksum?: { param: string; value: string; computedOverBody: string };
}

/** Every request fixture (the *-presigned-urls.json files hold URLs only and are skipped). */
export function loadFixtures(): ClientFixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) as object) }) as ClientFixture)
    .filter((fx) => typeof fx.method === 'string');
}

/** Raw body bytes (framing included) of a fixture. */
export function fixtureBody(fx: ClientFixture): Buffer {
  if (fx.bodyBase64 !== undefined) return Buffer.from(fx.bodyBase64, 'base64');
  if (fx.bodyFile === undefined) return Buffer.alloc(0);
  const raw = readFileSync(join(FIXTURE_DIR, fx.bodyFile));
  return fx.bodyFileEncoding === 'gzip' ? gunzipSync(raw) : raw;
}

/** Headers as S3Request carries them: lower-case names, duplicates joined with ','. */
export function fixtureRequest(fx: ClientFixture): SignableRequest & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const [k, v] of fx.headers) {
    const n = k.toLowerCase();
    headers[n] = headers[n] === undefined ? v : `${headers[n]},${v}`;
  }
  return { method: fx.method, url: fx.url, headers };
}

/** The instant the fixture was signed: x-amz-date (header or query), SigV2 Expires − 900 s. */
export function fixtureClock(fx: ClientFixture): number {
  const req = fixtureRequest(fx);
  const q = new URL(fx.url, 'http://x').searchParams;
  const amz = req.headers['x-amz-date'] ?? q.get('X-Amz-Date');
  if (amz) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amz)!;
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  }
  const expires = q.get('Expires');
  if (expires) return Number(expires) * 1000 - 900_000;
  throw new Error(`no signing time in ${fx.name}`);
}

/** lookupSecret for the fixture credentials. */
export async function fixtureLookup(ak: string): Promise<{ secret: string; user: string } | undefined> {
  return ak === FIXTURE_ACCESS_KEY ? { secret: FIXTURE_SECRET, user: 'fixture' } : undefined;
}

/** Split a buffer into pieces of the given sizes (cycled), to exercise streaming boundaries. */
export function pieces(buf: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < buf.length) {
    const n = sizes[k++ % sizes.length]!;
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

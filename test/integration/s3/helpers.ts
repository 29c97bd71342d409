/**
 * Helpers of the S3 service tests: an engine with two users, and requests signed by `aws4` and sent
 * straight to `service.handle()`. SDK tests talk to the real gateway instead (startGateway in
 * test/helpers/gateway.ts): the node:http stand-in front end that used to live here is gone, so no
 * SDK test can pass on a front end the gateway does not have.
 */
import { Readable } from 'node:stream';
import aws4 from 'aws4';
import type { EngineApi } from '../../../src/engine/api.js';
import { createS3Service, type S3ServiceOptions } from '../../../src/s3/index.js';
import type { S3Request, S3Response, S3Service } from '../../../src/s3/types.js';
import { createFakeEngine } from './fake-engine.js';
import { createEngine } from '../../../src/engine/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';

/** The two tenants every test engine has. */
export const ALICE = { accessKey: 'AKIAALICE0000000000A', secretKey: 'aliceSecretKey0123456789abcdefghijklmnop', tenantId: 'a'.repeat(64), name: 'alice' };
export const BOB = { accessKey: 'AKIABOB00000000000BB', secretKey: 'bobSecretKey0123456789abcdefghijklmnopqr', tenantId: 'b'.repeat(64), name: 'bob' };

/**
 * A fresh engine with ALICE and BOB: the real engine over the memory backend (digests in-thread,
 * so tests start no workers). `S3_FAKE_ENGINE=1` swaps in the test fake, to tell protocol bugs from
 * engine bugs.
 */
export async function makeEngine(): Promise<EngineApi> {
  const engine = process.env.S3_FAKE_ENGINE === '1' ? createFakeEngine({ minPartSize: 5 * 1024 * 1024 }) : await createEngine(createMemoryBackend(), { digestWorker: false });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  return engine;
}

/** A service over a fresh engine. */
export async function makeService(opts: Partial<S3ServiceOptions> = {}): Promise<{ engine: EngineApi; service: S3Service; logged: unknown[] }> {
  const engine = opts.engine ?? (await makeEngine());
  const logged: unknown[] = [];
  const service = createS3Service({ engine, region: 'us-east-1', logger: { error: (o) => logged.push(o), warn: (o) => logged.push(o) }, ...opts });
  return { engine, service, logged };
}

let ids = 0;

/** One request to send. `path` is the raw, already percent-encoded target path + query. */
export interface TestRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sign as this user (default ALICE); null = anonymous. */
  as?: typeof ALICE | null;
}

/** A response with its body read. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | number | string[]>;
  body: Buffer;
  text: string;
}

/** Sign with aws4 (SigV4 header auth, payload SHA-256) and build the S3Request. */
export function buildRequest(r: TestRequest): S3Request {
  const headers: Record<string, string> = { host: 'localhost:9000', ...(r.headers ?? {}) };
  const body = r.body ?? '';
  if (r.as !== null) {
    const creds = r.as ?? ALICE;
    const signed = aws4.sign({ host: 'localhost:9000', method: r.method, path: r.path, headers, body, service: 's3', region: 'us-east-1', doNotEncodePath: true },
      { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey });
    for (const [k, v] of Object.entries(signed.headers ?? {})) headers[k.toLowerCase()] = String(v);
  }
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  // Like real clients: a length on every request that can carry a body (PUT without one is 411).
  if ((body.length > 0 || r.method === 'PUT' || r.method === 'POST') && lower['content-length'] === undefined) lower['content-length'] = String(Buffer.byteLength(body));
  return {
    method: r.method,
    url: r.path,
    headers: lower,
    body: Readable.from(body.length > 0 ? [Buffer.from(body)] : []),
    requestId: (++ids).toString(16).toUpperCase().padStart(16, '0'),
    secure: false,
  };
}

/** Read an S3Response body completely. */
export async function readResponse(res: S3Response): Promise<TestResponse> {
  let body: Buffer = Buffer.alloc(0);
  if (typeof res.body === 'string') body = Buffer.from(res.body);
  else if (Buffer.isBuffer(res.body)) body = res.body;
  else if (res.body) {
    const parts: Buffer[] = [];
    for await (const c of res.body) parts.push(Buffer.from(c));
    body = Buffer.concat(parts);
  }
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}

/** Sign, send to `service.handle()`, read the answer. */
export async function send(service: S3Service, r: TestRequest): Promise<TestResponse> {
  return readResponse(await service.handle(buildRequest(r)));
}

/** The text of `<name>` in an XML body (first occurrence). */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1];
}

/** Every text of `<name>` in an XML body. */
export function xmlAll(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

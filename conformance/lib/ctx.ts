/**
 * The {@link Ctx} implementation the runner hands to every case: SDK clients for the target's users,
 * unique bucket names, and raw requests (undici + aws4 SigV4) for what an SDK will not send.
 */
import { randomBytes } from 'node:crypto';
import aws4 from 'aws4';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import type { Ctx, RawRequest, RawResponse, TargetName } from './types.js';

/** What a booted target tells the context about itself (conformance/lib/targets.ts). */
export interface TargetInfo {
  target: TargetName;
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  other?: { accessKey: string; secretKey: string };
}

/** A context plus the resources it owns. */
export interface OwnedCtx extends Ctx {
  /** Destroy the SDK clients and the raw-request pool. */
  close(): Promise<void>;
}

/**
 * Build the context for one target. Clients are the SDK's defaults (flexible checksums on) with
 * path style and one attempt: a retried 5xx would only hide a failure behind a slower one.
 */
export function createCtx(info: TargetInfo): OwnedCtx {
  const pool = new Pool(info.endpoint, { connections: 16 });
  const clients: S3Client[] = [];
  const base = (keys: { accessKey: string; secretKey: string }): S3ClientConfig => ({
    endpoint: info.endpoint,
    region: info.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey },
  });
  const make = (cfg: S3ClientConfig): S3Client => {
    const c = new S3Client(cfg);
    clients.push(c);
    return c;
  };
  const s3 = make(base(info));
  const runId = randomBytes(3).toString('hex');
  let n = 0;
  return {
    target: info.target,
    endpoint: info.endpoint,
    region: info.region,
    accessKey: info.accessKey,
    secretKey: info.secretKey,
    other: info.other,
    s3,
    s3Other: info.other ? make(base(info.other)) : undefined,
    client: (overrides = {}) => make({ ...base(info), ...overrides }),
    bucket: async (prefix = 'b') => {
      const name = bucketName(prefix, runId, ++n);
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    raw: (req) => rawRequest(pool, info, req),
    close: async () => {
      for (const c of clients) c.destroy();
      await pool.close();
    },
  };
}

/**
 * A valid, unique bucket name (s3-surface.md §1: 3–63 of `[a-z0-9.-]`, letter or digit at both ends):
 * the readable prefix, then the run id and a counter.
 */
export function bucketName(prefix: string, runId: string, n: number): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'b';
  return `${clean}-${runId}-${n}`;
}

/**
 * Send one raw request. The path goes on the wire exactly as given (undici does not normalise
 * it); aws4 only computes the signature headers. aws4 adds `X-Amz-Content-Sha256` (the body's
 * SHA-256) unless one is given, and `Content-Type: application/x-www-form-urlencoded` to a body
 * sent without a content type.
 */
export async function rawRequest(pool: Pool, info: TargetInfo, req: RawRequest): Promise<RawResponse> {
  const url = new URL(info.endpoint);
  let headers: Record<string, string> = { ...req.headers };
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  if ((req.sign ?? 'v4') === 'v4') {
    const creds = req.credentials ?? { accessKeyId: info.accessKey, secretAccessKey: info.secretKey };
    // aws4 signs a copy of the headers and returns the options with the signed set.
    const signed = aws4.sign({ host: url.host, method: req.method, path: req.path, headers, body, service: 's3', region: info.region }, creds);
    headers = signed.headers as Record<string, string>;
  }
  const list: string[] = [];
  for (const [k, v] of Object.entries(headers)) list.push(k, String(v));
  for (const [k, v] of req.extraHeaders ?? []) list.push(k, v);
  const res = await pool.request({ method: req.method, path: req.path, headers: list, body });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { status: res.statusCode, headers: out, body: buf, text: buf.toString('utf8') };
}

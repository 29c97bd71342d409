/**
 * An in-process gateway on `listen(0)` for integration tests and the conformance suite: the same
 * composition as `ccow serve` (storage → engine → S3 service → http app), on a memory or local
 * backend, with a default user whose keys are returned.
 *
 * @example
 * import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
 * import { startGateway } from '../helpers/gateway.js';
 *
 * test('create a bucket', async (t) => {
 *   const gw = await startGateway({ backend: 'local' });
 *   t.after(() => gw.close());
 *   const s3 = new S3Client(gw.clientConfig());
 *   await s3.send(new CreateBucketCommand({ Bucket: 'b1' }));
 * });
 *
 * Restarting on the same data: `startGateway({ backend: 'local', dataDir })` again after `close()`
 * (a data dir you pass is never deleted; one the helper made is removed by `close()`).
 *
 * A gateway and an SDK client at once, both closed by `t.after`: gatewayWithClient in
 * ./gateway-client.ts (kept there so that this module has no SDK import).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { generateKeys } from '../../src/cli/credentials.js';
import { createEngine, type EngineApi, type EngineOptions, type User } from '../../src/engine/index.js';
import { buildApp, startServer, type AppOptions } from '../../src/http/index.js';
import { createS3Service, type S3ServiceOptions } from '../../src/s3/index.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { createLocalBackend, type LocalBackendOptions } from '../../src/storage/local/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';

/**
 * A user to create at start. Missing keys are generated; each user gets its own tenant (an existing
 * user with the same access key keeps its tenant, so restarts over the same data dir work).
 */
export interface GatewayUser {
  name: string;
  accessKey?: string;
  secretKey?: string;
  tenantId?: string;
}

/** Options of startGateway; every field is optional. */
export interface GatewayOptions {
  /** 'memory' (default: fast, nothing on disk) or 'local' (LMDB + chunk files in `dataDir`). */
  backend?: 'memory' | 'local';
  /** Local backend only: data dir to use and keep. Default: a fresh temp dir, removed by close(). */
  dataDir?: string;
  /** Local backend only: further options (durability, smallChunkMax…); `dataDirs` wins over `dataDir`. */
  local?: Partial<LocalBackendOptions>;
  /** Default user's keys; generated when absent (20 A-Z0-9 / 40 A-Za-z0-9). */
  accessKey?: string;
  secretKey?: string;
  /** More users, created after the default one. */
  users?: GatewayUser[];
  /** Region the gateway reports (default us-east-1). */
  region?: string;
  /** Virtual-hosted style domain. */
  domain?: string;
  /** Engine options (e.g. `{ minPartSize: 5 }`, `{ holdMs: 0 }`). */
  engine?: EngineOptions;
  /** Extra S3 service options (clock, allowSigV2, maxPutSize…). */
  s3?: Partial<Omit<S3ServiceOptions, 'engine'>>;
  /** Extra http options (metrics, readiness, timeouts, logger…). */
  http?: Partial<Omit<AppOptions, 's3'>>;
}

/** A running in-process gateway. */
export interface TestGateway {
  /** Base URL, e.g. `http://127.0.0.1:41237` (no trailing slash). */
  url: string;
  port: number;
  region: string;
  /** The default user's keys and tenant. */
  accessKey: string;
  secretKey: string;
  tenantId: string;
  /** Every user created at start (default user first). */
  users: User[];
  engine: EngineApi;
  backend: StorageBackend;
  app: FastifyInstance;
  /** Local backend: the data dir in use. */
  dataDir?: string;
  /**
   * Plain config for `new S3Client(...)`: path style, this endpoint and region, the default
   * user's keys (or `user`'s). Spread it to override: `new S3Client({ ...gw.clientConfig(), maxAttempts: 1 })`.
   */
  clientConfig(user?: { accessKey: string; secretKey: string }): GatewayClientConfig;
  /** Stop listening, close engine and backend, remove a helper-made data dir. Idempotent. */
  close(): Promise<void>;
}

/** Shape accepted by the S3Client constructor (kept SDK-free so the helper has no SDK import). */
export interface GatewayClientConfig {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Start a gateway on 127.0.0.1:0. Always `close()` it (e.g. in `t.after`). */
export async function startGateway(opts: GatewayOptions = {}): Promise<TestGateway> {
  const region = opts.region ?? 'us-east-1';
  const { backend, dataDir, removeDir } = await openBackend(opts);
  let engine: EngineApi | undefined;
  let app: FastifyInstance | undefined;
  try {
    engine = await createEngine(backend, opts.engine);
    const users = await createUsers(engine, opts);
    const s3 = createS3Service({ ...opts.s3, engine, region, domain: opts.domain });
    app = buildApp({ ...opts.http, s3, domain: opts.domain });
    const { url, port } = await startServer(app, { host: '127.0.0.1', port: 0 });
    const def = users[0]!;
    return {
      url, port, region, users, engine, backend, app, dataDir,
      accessKey: def.accessKey,
      secretKey: def.secretKey,
      tenantId: def.tenantId,
      clientConfig: (user = def) => ({
        endpoint: url,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId: user.accessKey, secretAccessKey: user.secretKey },
      }),
      close: once(() => closeAll(app, engine, backend, removeDir)),
    };
  } catch (e) {
    await closeAll(app, engine, backend, removeDir);
    throw e;
  }
}

async function openBackend(opts: GatewayOptions): Promise<{ backend: StorageBackend; dataDir?: string; removeDir?: string }> {
  if ((opts.backend ?? 'memory') === 'memory') return { backend: createMemoryBackend() };
  const removeDir = opts.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'ccow-gw-'));
  const dataDir = opts.dataDir ?? removeDir!;
  try {
    const backend = await createLocalBackend({ ...opts.local, dataDirs: opts.local?.dataDirs ?? [dataDir] });
    return { backend, dataDir, removeDir };
  } catch (e) {
    if (removeDir) await rm(removeDir, { recursive: true, force: true });
    throw e;
  }
}

async function createUsers(engine: EngineApi, opts: GatewayOptions): Promise<User[]> {
  const wanted: GatewayUser[] = [{ name: 'default', accessKey: opts.accessKey, secretKey: opts.secretKey }, ...(opts.users ?? [])];
  const users: User[] = [];
  for (const u of wanted) {
    const gen = generateKeys();
    const keys = { accessKey: u.accessKey ?? gen.accessKey, secretKey: u.secretKey ?? gen.secretKey };
    // On a restart over the same data the user exists already: keep its tenant (it owns buckets).
    const existing = await engine.getUser(keys.accessKey);
    const tenantId = u.tenantId ?? existing?.tenantId ?? randomBytes(32).toString('hex');
    users.push(await engine.putUser({ ...keys, name: u.name, tenantId }));
  }
  return users;
}

async function closeAll(app: FastifyInstance | undefined, engine: EngineApi | undefined, backend: StorageBackend, removeDir: string | undefined): Promise<void> {
  try {
    await app?.close();
    await engine?.close();
  } finally {
    await backend.close();
    if (removeDir) await rm(removeDir, { recursive: true, force: true });
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

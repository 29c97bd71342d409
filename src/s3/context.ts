/**
 * The per-request context handlers receive: the parsed request, the routed operation, the
 * authenticated caller, the bucket (when one is addressed) and the service configuration.
 */
import type { BucketInfo, EngineApi, User } from '../engine/index.js';
import type { AuthResult } from './auth/index.js';
import type { S3Operation } from './operations.js';
import type { QueryParams } from './router.js';
import type { S3Request, S3Response } from './types.js';

/** What authentication's key lookup carries: the secret plus the user it belongs to. */
export interface UserCredentials {
  secret: string;
  user: User;
}

/** The caller: a user (tenant) or anonymous. */
export type Identity = { kind: 'user'; user: User } | { kind: 'anonymous' };

/** Logger the service reports unmapped errors and notable events to (pino-compatible). */
export interface S3Logger {
  error(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

/** Service-wide settings handlers read. */
export interface ServiceConfig {
  engine: EngineApi;
  /** Region the gateway reports (GetBucketLocation, `x-amz-bucket-region`). */
  region: string;
  logger?: S3Logger;
  /** Epoch ms. */
  clock: () => number;
  /** Largest single PUT / part (5 GiB). */
  maxPutSize: number;
  /** A request body that delivers nothing for this long fails with RequestTimeout (§10: 60 s). */
  bodyStallMs: number;
  /** Accept SigV2 (PostObject forms verify their own signature with it). Default true. */
  allowSigV2?: boolean;
  /** `--strict-region`: the region a SigV4 scope must name (PostObject forms too). */
  strictRegion?: string;
}

/** One request in flight. */
export interface RequestContext {
  readonly config: ServiceConfig;
  readonly engine: EngineApi;
  readonly req: S3Request;
  readonly op: S3Operation;
  /** Raw path (percent-encoded) and parsed query. */
  readonly path: string;
  readonly query: QueryParams;
  /** Lower-case header names. */
  readonly headers: Record<string, string | undefined>;
  readonly auth: AuthResult<UserCredentials>;
  readonly identity: Identity;
  /** The addressed bucket, loaded (and checked to exist) before authorisation. */
  bucket?: BucketInfo;
  /** Set once the handler started reading the body (errors before that close the connection). */
  bodyRead: boolean;
}

/** A handler: parse → authorise (done before, except sources of copies) → engine → render. */
export type Handler<O extends S3Operation = S3Operation> = (ctx: RequestContext, op: O) => Promise<S3Response>;

/** The caller's tenant id (undefined for anonymous). */
export function tenantOf(ctx: RequestContext): string | undefined {
  return ctx.identity.kind === 'user' ? ctx.identity.user.tenantId : undefined;
}

/** The bucket the pipeline loaded; handlers of bucket operations can rely on it. */
export function bucketOf(ctx: RequestContext): BucketInfo {
  if (!ctx.bucket) throw new Error('bucket not loaded for a bucket operation');
  return ctx.bucket;
}

/** Options and results of request authentication (shared/spec/s3-surface.md §2). */
import type { PayloadMode } from './payload.js';

/** What the key store returns for an access key: at least the secret, plus whatever it carries. */
export interface Credentials {
  secret: string;
}

/** Look up an access key; undefined → `InvalidAccessKeyId`. */
export type LookupSecret<C extends Credentials> = (accessKeyId: string) => Promise<C | undefined>;

/** Authentication policy. */
export interface AuthOptions<C extends Credentials = Credentials> {
  lookupSecret: LookupSecret<C>;
  /** Clock in epoch ms (tests fix it). Default `Date.now`. */
  now?: () => number;
  /** Allowed distance between request time and now; default 15 min (`RequestTimeTooSkewed`). */
  maxSkewMs?: number;
  /** `--strict-region`: a scope naming another region → `AuthorizationHeaderMalformed`. */
  strictRegion?: string;
  /** Accept SigV2 (header and presigned). Default true (spec §2: on by default). */
  allowSigV2?: boolean;
  /**
   * Refuse requests carrying `x-amz-*` headers, or a `Host`, that are not signed (AWS: "There
   * were headers present in the request which were not signed"). Default true; SigV4 only.
   */
  requireSignedAmzHeaders?: boolean;
  /** SigV4 service name expected in the scope. Default `s3`. */
  service?: string;
}

/** Which mechanism authenticated a request. */
export type AuthScheme = 'sigv4-header' | 'sigv4-presigned' | 'sigv2-header' | 'sigv2-presigned' | 'sigv4-post' | 'sigv2-post';

/** A request that carried valid credentials. */
export interface SignedAuth<C extends Credentials = Credentials> {
  kind: 'signed';
  scheme: AuthScheme;
  accessKeyId: string;
  /** What `lookupSecret` returned (includes the secret: never log it). */
  credentials: C;
  /** How to read and check the body. */
  payload: PayloadMode;
  /** SigV4 scope region (undefined for SigV2). */
  region?: string;
  /** Request time (SigV4 `x-amz-date`, SigV2 Date / x-amz-date; presigned SigV2: undefined). */
  signedAt?: Date;
  /** Presigned: when the URL stops being valid. */
  expiresAt?: Date;
}

/** A request without any credentials. */
export interface AnonymousAuth {
  kind: 'anonymous';
  payload: PayloadMode;
}

/** Result of `authenticate`. */
export type AuthResult<C extends Credentials = Credentials> = SignedAuth<C> | AnonymousAuth;

/** Defaults applied to AuthOptions. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** Longest presigned lifetime AWS allows (7 days). */
export const MAX_PRESIGN_EXPIRES_S = 604800;

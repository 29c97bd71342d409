/**
 * The S3 service: the request pipeline behind the `S3Service` seam (src/s3/types.ts).
 *
 *   parse target → route → authenticate → authorise → handler → response
 *
 * Every failure, wherever it happens, becomes an S3 XML error through the one mapping of
 * errors.ts; unmapped failures are logged with the request id and answered InternalError
 * (shared/STYLE.md habit 2). Every response carries `x-amz-request-id`, `x-amz-id-2`, `Date` and
 * `Server` (shared/spec/s3-surface.md §1).
 */
import { newHostId } from '../common/index.js';
import type { EngineApi } from '../engine/index.js';
import { authenticate, withHoistedHeaders, type AuthResult } from './auth/index.js';
import { splitTarget } from './auth/uri.js';
import { authorize, concealMissingObject } from './authz.js';
import { discardRest, planBody } from './body.js';
import { actualMatchMethod, asStoredCors, corsResponseHeaders, matchRule, requestedHeaders } from './cors.js';
import type { Identity, RequestContext, S3Logger, ServiceConfig, UserCredentials } from './context.js';
import { mapError, S3Error, S3Errors } from './errors.js';
import { handlerFor } from './handlers/index.js';
import type { S3Extension } from './extension.js';
import type { S3Operation } from './operations.js';
import { checkKeyLength, parseTarget, route, splitPath, type RouteInput } from './router.js';
import type { S3Request, S3Response, S3Service } from './types.js';
import { renderError } from './xml/error.js';

/** The `Server` header of every answer (s3-surface.md §1), also of the http layer's own ones. */
export const SERVER_NAME = 'ccow';

/** Options of createS3Service. */
export interface S3ServiceOptions {
  engine: EngineApi;
  /** Region the gateway reports (GetBucketLocation, `x-amz-bucket-region`); default us-east-1. */
  region?: string;
  /** Virtual-host style base domain (`{bucket}.{domain}`); used when http/ did not resolve `hostBucket`. */
  domain?: string;
  logger?: S3Logger;
  /** Epoch ms; tests fix it (signature skew checks use it too). Default Date.now. */
  clock?: () => number;
  /** Accept SigV2 (header and presigned). Default true (§2). */
  allowSigV2?: boolean;
  /** `--strict-region`: a signing scope naming another region → AuthorizationHeaderMalformed. */
  strictRegion?: boolean;
  /** Verify signatures against `X-Forwarded-Host` instead of `Host` (behind a reverse proxy, §2). */
  trustProxyHeaders?: boolean;
  /** Largest single PUT / part in bytes. Default 5 GiB. */
  maxPutSize?: number;
  /** Body stall timeout (§10): no body bytes for this long → 400 RequestTimeout. Default 60 s. */
  bodyStallMs?: number;
  /** `Server` header value. Default SERVER_NAME. */
  serverName?: string;
  /** Extensions (S3X) consulted before the S3 router, in order (extension.ts). */
  extensions?: readonly S3Extension[];
  /** Admission control (§10): requests being handled at once; beyond → 503 SlowDown. Default 1024. */
  maxInflightRequests?: number;
  /**
   * Admission control (§10): body bytes the requests being handled may hold in memory at once,
   * each counted as the smaller of its declared length and `bodyBufferBytes`. Default 1 GiB.
   */
  maxInflightBodyBytes?: number;
  /**
   * The most one streamed body holds in memory at a time (the engine's put window: 16 chunks of
   * 1 MiB by default). Default 16 MiB.
   */
  bodyBufferBytes?: number;
}

const GiB = 1024 ** 3;

/**
 * Build the S3 service.
 *
 * @example
 * const s3 = createS3Service({ engine, region: 'us-east-1' });
 * const res = await s3.handle(request);
 */
export function createS3Service(opts: S3ServiceOptions): S3Service {
  const config: ServiceConfig = {
    engine: opts.engine,
    region: opts.region ?? 'us-east-1',
    logger: opts.logger,
    clock: opts.clock ?? Date.now,
    maxPutSize: opts.maxPutSize ?? 5 * GiB,
    bodyStallMs: opts.bodyStallMs ?? 60_000,
    allowSigV2: opts.allowSigV2 ?? true,
    strictRegion: opts.strictRegion ? opts.region ?? 'us-east-1' : undefined,
  };
  const pipeline = new Pipeline(config, opts);
  return {
    handle: (req) => pipeline.handle(req),
    precheck: (req) => pipeline.precheck(req),
  };
}

class Pipeline {
  readonly #config: ServiceConfig;
  readonly #opts: S3ServiceOptions;
  #inflight = 0;
  #inflightBytes = 0;
  constructor(config: ServiceConfig, opts: S3ServiceOptions) {
    this.#config = config;
    this.#opts = opts;
  }

  async handle(req: S3Request): Promise<S3Response> {
    // Bodies are streamed, never held whole: what a request costs in memory is its buffer share,
    // not its length. Counting whole lengths refused the second of two concurrent 1 GiB uploads.
    const bytes = this.#share(req);
    if (!this.#admit(bytes)) return this.#finish(req, this.#error(req, S3Errors.SlowDown(), undefined), undefined);
    let ctx: RequestContext | undefined;
    let res: S3Response;
    let failure: unknown;
    try {
      ctx = await this.#context(req);
      res = await this.#dispatch(ctx);
      if (hasUnreadBody(req, ctx)) res.closeConnection = true;
    } catch (e) {
      failure = ctx ? await concealMissingObject(ctx, e) : e;
      res = this.#error(req, failure, ctx);
    } finally {
      this.#inflight--;
      this.#inflightBytes -= bytes;
    }
    // A body the handler began but did not finish must not block the connection: a stalled or
    // broken one closes it after the answer; otherwise (the engine refused it half-way) the rest is
    // read and discarded, so the next request on the connection is served.
    if (ctx?.bodyRead && !req.body.readableEnded) {
      if (req.body.destroyed || S3Errors.RequestTimeout.is(failure)) res.closeConnection = true;
      else discardRest(req.body);
    }
    if (ctx === undefined && req.headers.origin !== undefined) await this.#corsOfFailure(req, res);
    return this.#finish(req, res, ctx);
  }

  /**
   * CORS headers on an answer that failed before the request context existed (bad or expired
   * signature, access denied): the bucket's rules apply to error answers too (§7 "actual requests
   * with a matching Origin"), and a browser can read an error only when it carries them. Preflights
   * answer for themselves.
   */
  async #corsOfFailure(req: S3Request, res: S3Response): Promise<void> {
    const origin = req.headers.origin!;
    const method = req.method.toUpperCase();
    if (method === 'OPTIONS') return;
    try {
      const { bucket } = splitPath(parseTarget(req.url).path, this.#hostBucket(req));
      const info = bucket === undefined ? undefined : await this.#config.engine.getBucket(bucket);
      const rule = info ? matchRule(asStoredCors(info.configs.cors), origin, actualMatchMethod(method, req.headers['access-control-request-method'])) : undefined;
      if (rule) Object.assign(res.headers, corsResponseHeaders(rule, origin));
    } catch {
      // An unparseable target or an unreadable bucket: the error goes out without CORS headers.
    }
  }

  /** What a request counts against maxInflightBodyBytes: its buffer share, at most bodyBufferBytes. */
  #share(req: S3Request): number {
    return Math.min(declaredBodyBytes(req), this.#opts.bodyBufferBytes ?? 16 * 1024 * 1024);
  }

  /**
   * Global admission (§10): memory blow-ups under many concurrent large PUTs are a common failure
   * of other gateways, so beyond the limits a request is refused at once with 503 SlowDown (which
   * SDKs retry with back-off). A single request larger than the byte budget is still admitted
   * when nothing else is in flight.
   */
  #admit(bytes: number): boolean {
    if (!this.#fits(bytes)) return false;
    this.#inflight++;
    this.#inflightBytes += bytes;
    return true;
  }

  /** Whether a request of `bytes` buffer share would be admitted now (#admit without taking a place). */
  #fits(bytes: number): boolean {
    const maxReq = this.#opts.maxInflightRequests ?? 1024;
    const maxBytes = this.#opts.maxInflightBodyBytes ?? GiB;
    if (this.#inflight >= maxReq) return false;
    return !(bytes > 0 && this.#inflightBytes > 0 && this.#inflightBytes + bytes > maxBytes);
  }

  /** `Expect: 100-continue`: everything that needs only the headers (§6). */
  async precheck(req: S3Request): Promise<S3Response | undefined> {
    // Admission is decided by the headers too: answered 100 Continue, a client refused at once
    // with SlowDown would have started sending its body on a connection then closed under it.
    // (handle() decides again: the place is not held meanwhile.)
    if (!this.#fits(this.#share(req))) {
      const res = this.#error(req, S3Errors.SlowDown(), undefined);
      res.closeConnection = true;
      return this.#finish(req, res, undefined);
    }
    try {
      const ctx = await this.#context(req);
      // Header-only body checks too (length, size limit, digest syntax); the decoder is lazy, so
      // nothing is read here.
      if (ctx.op.kind === 'PutObject' || ctx.op.kind === 'UploadPart') planBody(ctx, { requireLength: true });
      return undefined;
    } catch (e) {
      const res = this.#error(req, e, undefined);
      res.closeConnection = true;
      return this.#finish(req, res, undefined);
    }
  }

  /** The handler of the routed operation, or the extension that claimed the request. */
  async #dispatch(ctx: RequestContext): Promise<S3Response> {
    const op = ctx.op;
    if (op.kind !== 'Extension') return handlerFor(op)(ctx, op);
    const ext = this.#opts.extensions?.find((x) => x.name === op.extension);
    if (!ext) throw new Error(`extension ${op.extension} vanished`);
    return ext.handle(ctx, op);
  }

  /** Extensions first (S3X claims `comp=` requests), then the S3 router. */
  #route(input: RouteInput): S3Operation {
    for (const ext of this.#opts.extensions ?? []) {
      const claim = ext.classify(input);
      if (!claim) continue;
      const { bucket, key } = splitPath(input.path, input.hostBucket);
      if (key !== undefined) checkKeyLength(key);
      return { kind: 'Extension', extension: ext.name, bucket, key, action: claim.action, access: claim.access };
    }
    return route(input);
  }

  /** Parse, route, authenticate and authorise. */
  async #context(req: S3Request): Promise<RequestContext> {
    const { path, query } = parseTarget(req.url);
    // Authentication below reads req.headers; routing and handlers also see the x-amz-* request
    // parameters a SigV4 presigned URL carries in its query (auth/hoisted.ts).
    const headers = withHoistedHeaders(req.headers, query.entries());
    const op = this.#route({ method: req.method, path, query, headers, hostBucket: this.#hostBucket(req) });
    const auth = op.access === 'public'
      ? ({ kind: 'anonymous', payload: { kind: 'unsigned' } } as const)
      : await this.#authenticate(req).catch((e: unknown) => { throw withBucketRegion(e, op); });
    const identity: Identity = auth.kind === 'signed' ? { kind: 'user', user: auth.credentials.user } : { kind: 'anonymous' };
    const ctx: RequestContext = { config: this.#config, engine: this.#config.engine, req, op, path, query, headers, auth, identity, bodyRead: false };
    await authorize(ctx).catch((e: unknown) => { throw op.kind === 'HeadBucket' ? withBucketRegionDenied(e, this.#config.region) : e; });
    return ctx;
  }

  #hostBucket(req: S3Request): string | undefined {
    if (req.hostBucket !== undefined || !this.#opts.domain) return req.hostBucket;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const suffix = '.' + this.#opts.domain.toLowerCase();
    return host.endsWith(suffix) && host.length > suffix.length ? host.slice(0, -suffix.length) : undefined;
  }

  async #authenticate(req: S3Request): Promise<AuthResult<UserCredentials>> {
    // Behind trusted proxies the client signed the Host it sent, which is the first X-Forwarded-Host
    // entry: each proxy of a chain appends its own ("they will contain more than one (comma-separated)
    // value if the original request already contained one", Apache mod_proxy), and the bucket of a
    // virtual-hosted request is read from that entry too (http/request.ts hostOf). The whole list
    // verified no request of a two-proxy chain (issue-4-forwarded-host-list).
    const forwarded = this.#opts.trustProxyHeaders ? req.headers['x-forwarded-host']?.split(',')[0]?.trim() : undefined;
    const headers = forwarded ? { ...req.headers, host: forwarded } : req.headers;
    return authenticate<UserCredentials>({ method: req.method, url: req.url, headers, hostBucket: this.#hostBucket(req) }, {
      lookupSecret: async (accessKey) => {
        const user = await this.#config.engine.getUser(accessKey);
        return user ? { secret: user.secretKey, user } : undefined;
      },
      now: this.#config.clock,
      allowSigV2: this.#opts.allowSigV2 ?? true,
      strictRegion: this.#opts.strictRegion ? this.#config.region : undefined,
    });
  }

  /** The error response; unmapped errors are logged here, once, with the request id. */
  #error(req: S3Request, e: unknown, ctx: RequestContext | undefined): S3Response {
    const err: S3Error = clientGone(req, e) ? S3Errors.IncompleteBody({ cause: e }) : withSubject(mapError(e), ctx);
    if (err.internal) {
      this.#config.logger?.error({ err: e, requestId: req.requestId, method: req.method, url: req.url }, 'unmapped error answered as InternalError');
    }
    const bodiless = req.method.toUpperCase() === 'HEAD' || err.statusCode === 304;
    // The body's HostId is the x-amz-id-2 header, as in AWS answers (#finish keeps this one).
    const hostId = this.#hostId();
    const res: S3Response = {
      status: err.statusCode,
      headers: Object.assign(bodiless ? {} : { 'content-type': 'application/xml' }, err.headers, { 'x-amz-id-2': hostId }),
    };
    if (!bodiless) res.body = renderError(err, { resource: resourceOf(req), requestId: req.requestId, hostId });
    if (hasUnreadBody(req, ctx)) res.closeConnection = true;
    return res;
  }

  #hostId(): string {
    return newHostId();
  }

  /** Common headers (§1), CORS on actual requests (§7), no body for HEAD. */
  #finish(req: S3Request, res: S3Response, ctx: RequestContext | undefined): S3Response {
    // A fresh copy before members are added: a handler's headers may be an object made by a
    // spread, and Node 20's V8 takes every member added to such an object through a slow path
    // (~1 µs each here, four or more per answer; bench/RESULTS.md session 12). Copying is ~50 ns.
    const h = (res.headers = Object.assign({}, res.headers));
    h['x-amz-request-id'] = req.requestId;
    h['x-amz-id-2'] ??= this.#hostId();
    h.date = httpDateOf(this.#config.clock());
    h.server = this.#opts.serverName ?? SERVER_NAME;
    if (req.method.toUpperCase() === 'HEAD') {
      // No body; a length anyway, so Node does not announce chunked encoding on a HEAD answer.
      delete res.body;
      if (h['content-length'] === undefined && res.status !== 304) h['content-length'] = '0';
    } else if ((typeof res.body === 'string' || Buffer.isBuffer(res.body)) && h['content-length'] === undefined) {
      h['content-length'] = String(Buffer.byteLength(res.body));
    } else if (res.body === undefined && res.status !== 204 && res.status !== 304 && h['content-length'] === undefined) {
      h['content-length'] = '0';
    }
    addActualCors(req, res, ctx);
    return res;
  }
}

let dateSecond = NaN;
let dateText = '';

/** The RFC 1123 `Date` of `ms`, formatted once per second (as Node does for its own Date header). */
function httpDateOf(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toUTCString();
  }
  return dateText;
}

/**
 * A request to a bucket signed for another region than the gateway's (`--strict-region`) also gets
 * the region in `x-amz-bucket-region`, as S3 answers it: a HEAD answer has no body for `<Region>`,
 * and the SDKs redirect HeadBucket by that header only (botocore S3RegionRedirectorv2, which also
 * asks HeadBucket when a HeadObject fails so — boto/botocore#1512; aws-sdk-js-v3
 * regionRedirectMiddleware; aws-sdk-ruby#1162: "necessary for all HEAD responses"). Without it a
 * boto3 client set to another region could GET objects (redirected by the body's `<Region>`) but
 * not HEAD them, so download_file and the waiters failed.
 */
function withBucketRegion(e: unknown, op: S3Operation): unknown {
  const err = mapError(e);
  const region = err.fields.Region;
  if (region === undefined || !('bucket' in op) || op.bucket === undefined) return e;
  err.headers['x-amz-bucket-region'] = String(region);
  return err;
}

/**
 * HeadBucket refused for want of permission still names the bucket's region: "regardless of the
 * permissions on the bucket, you will receive a response header with the correct bucket location"
 * (S3 API reference, HeadBucket). A bucket that does not exist stays a bare 404.
 */
function withBucketRegionDenied(e: unknown, region: string): unknown {
  const err = mapError(e);
  if (!S3Errors.AccessDenied.is(err)) return e;
  err.headers['x-amz-bucket-region'] = region;
  return err;
}

/**
 * AWS names the missing key in a NoSuchKey body (`<Key>`), and the key and version in a
 * NoSuchVersion body (`<Key>k</Key><VersionId>v</VersionId>`, as captured from S3 in
 * versity/versitygw#2081); an engine error does not know them, so take them from the operation.
 * Not for copies: there the missing object is the source.
 */
function withSubject(err: S3Error, ctx: RequestContext | undefined): S3Error {
  if (!ctx) return err;
  const op = ctx.op;
  const version = S3Errors.NoSuchVersion.is(err);
  if (!(version || S3Errors.NoSuchKey.is(err)) || err.fields.Key !== undefined) return err;
  if (!('key' in op) || op.key === undefined || op.kind === 'CopyObject' || op.kind === 'UploadPartCopy') return err;
  // GetObjectTagging of a missing key names it with its bucket, `<Key>bucket/key</Key>`, where
  // Put/DeleteObjectTagging name the key alone (LocalStack's AWS-validated
  // tests/aws/services/s3/test_s3_api.py test_object_tagging_exc: get-no-key-tags, put-no-key-tags).
  err.fields.Key = op.kind === 'GetObjectTagging' && !version ? `${op.bucket}/${op.key}` : op.key;
  const versionId = ctx.query.get('versionId');
  if (version && versionId !== null) err.fields.VersionId = versionId;
  return err;
}

/**
 * CORS headers of an actual (non-preflight) cross-origin request to a bucket with rules (§7). Its
 * `Access-Control-Request-Headers`, when it sends them, must be allowed as a preflight's are: S3
 * answers a GET from an allowed origin with `Access-Control-Request-Headers: x-amz-request-payer`
 * (not in the rule) without CORS headers, and the same GET sending the header itself with them
 * (LocalStack's recording against S3, test_cors_match_headers `get-non-allowed-with-acl` /
 * `get-non-allowed`: "AWS is considering it like an OPTIONS request").
 */
function addActualCors(req: S3Request, res: S3Response, ctx: RequestContext | undefined): void {
  const origin = req.headers.origin;
  if (origin === undefined || !ctx?.bucket || ctx.op.kind === 'CorsPreflight') return;
  const rule = matchRule(asStoredCors(ctx.bucket.configs.cors), origin, actualMatchMethod(req.method, req.headers['access-control-request-method']),
    requestedHeaders(req.headers['access-control-request-headers']));
  if (rule) Object.assign(res.headers, corsResponseHeaders(rule, origin));
}

/** `<Resource>`: the decoded request path (raw when it does not decode). */
function resourceOf(req: S3Request): string {
  const raw = splitTarget(req.url).path;
  try {
    const { bucket, key } = splitPath(raw, req.hostBucket);
    if (bucket === undefined) return '/';
    return key === undefined ? `/${bucket}` : `/${bucket}/${key}`;
  } catch {
    return raw;
  }
}

/**
 * The client went away or its body stream broke (connection reset, premature close): the client's
 * failure, answered IncompleteBody (if anyone still listens) instead of a logged InternalError.
 */
function clientGone(req: S3Request, e: unknown): boolean {
  if (e instanceof S3Error) return false;
  if (e === req.body.errored) return e !== null;
  const code = (e as { code?: unknown } | undefined)?.code;
  return req.body.destroyed && (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE');
}

/**
 * Body bytes a request announces (decoded length for aws-chunked, else Content-Length). A body sent
 * with `Transfer-Encoding: chunked` and neither length (accepted by PutObject and UploadPart, and
 * streamed through the same buffers) announces none, yet may be of any size: it counts as
 * unbounded, i.e. a whole buffer share. Counted as 0 it bypassed maxInflightBodyBytes (§10).
 */
function declaredBodyBytes(req: S3Request): number {
  const v = req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'];
  if (v === undefined && req.headers['transfer-encoding'] !== undefined) return Number.MAX_SAFE_INTEGER;
  const n = v === undefined ? 0 : Number(v.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The request carries a body the handler never read: the connection cannot be reused safely. */
function hasUnreadBody(req: S3Request, ctx: RequestContext | undefined): boolean {
  if (ctx?.bodyRead) return false;
  const cl = req.headers['content-length'];
  return (cl !== undefined && cl.trim() !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Request bodies: decoding (aws-chunked) and every integrity check a body can carry — the signed
 * payload hash, Content-MD5 and one flexible checksum from a header, an aws-chunked trailer or a
 * presigned query (shared/spec/s3-surface.md §2, §2.1, §5.2, §6). All checks run after the last
 * byte and **before** the engine commits (through PutOptions.verify), so a failed check leaves
 * nothing behind.
 */
import { finished, type Readable } from 'node:stream';
import { releaseBytes } from '../common/index.js';
import type { DigestName, PutDigests } from '../engine/index.js';
import { awsChunkedOptions, decodeAwsChunked, stripAwsChunked } from './auth/index.js';
import {
  algorithmOfHeader, createChecksum, declaredChecksum, decodeChecksumValue, isEmptyChecksum, missingSdkChecksum, refuseUnsupported, sdkChecksumAlgorithm,
  verifyChecksum, type ChecksumAlgorithm, type DeclaredChecksum, type DigestAlgorithm,
} from './checksum/index.js';
import type { RequestContext } from './context.js';
import { S3Errors } from './errors.js';

/** How to read one body and what to check once it has been read. */
export interface BodyPlan {
  /** The object's bytes (framing removed). */
  source: AsyncIterable<Uint8Array>;
  /** Exact size the body must have (Content-Length or x-amz-decoded-content-length). */
  expectedSize?: number;
  /** Digests the checks need, computed in the same pass as the body is stored. */
  digests: DigestName[];
  /** Algorithm whose FULL_OBJECT checksum the version should carry (§5.2). */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Throws the S3/auth/checksum error of the first failed check. */
  verify: (d: PutDigests) => void;
  /** Content-Encoding to store (`aws-chunked` removed, §2.1). */
  contentEncoding?: string;
}

/** Options of planBody. */
export interface BodyPlanOptions {
  /** PUT-like operations need a length: no Content-Length and no chunked encoding → 411. */
  requireLength?: boolean;
  /**
   * Whether `x-amz-checksum-*` describes this body. CompleteMultipartUpload's checksum header
   * describes the object, not the XML (§5.3), so it passes false.
   */
  checksumIsBody?: boolean;
}

const DIGEST_OF: Record<ChecksumAlgorithm, DigestName> = {
  CRC32: 'crc32', CRC32C: 'crc32c', CRC64NVME: 'crc64nvme', SHA1: 'sha1', SHA256: 'sha256',
};

/** Engine digest name of a checksum algorithm. */
export function digestName(alg: ChecksumAlgorithm): DigestName {
  return DIGEST_OF[alg];
}

/** The digest `name` from a PutDigests (the engine computed what it was asked for). */
function digestOf(d: PutDigests, name: DigestName): Buffer {
  const v = d[name];
  if (!v) throw new Error(`engine did not compute the ${name} digest`);
  return v;
}

/** Build the plan for the current request's body. Throws on headers that are already wrong. */
export function planBody(ctx: RequestContext, opts: BodyPlanOptions = {}): BodyPlan {
  const h = ctx.headers;
  const checks: ((d: PutDigests) => void)[] = [];
  const digests = new Set<DigestName>();
  let trailers: ReadonlyMap<string, string> | undefined;
  // Released when the pieces are the parser's own: the engine's ingest, the aws-chunked decoder
  // and readBody copy each piece before they ask for the next.
  const raw = stallGuard(ctx.req.body, ctx.config.bodyStallMs, { release: ctx.req.bodyPiecesOwned === true });
  let source: AsyncIterable<Uint8Array> = raw;
  let expectedSize: number | undefined;
  let contentEncoding = h['content-encoding'];
  const payload = ctx.auth.payload;

  if (payload.kind === 'aws-chunked') {
    const o = awsChunkedOptions(payload, h);
    source = decodeAwsChunked(raw, o, (t) => { trailers = t; });
    expectedSize = o.decodedContentLength;
    contentEncoding = stripAwsChunked(contentEncoding);
  } else {
    expectedSize = contentLength(h, opts.requireLength ?? false);
  }
  if (expectedSize !== undefined && expectedSize > ctx.config.maxPutSize) {
    // As S3 answers it (a 7.4 GB PutObject in stechstudio/laravel-zipstream#46, versitygw#2041).
    throw S3Errors.EntityTooLarge({ fields: { ProposedSize: expectedSize, MaxSizeAllowed: ctx.config.maxPutSize } });
  }

  if (payload.kind === 'sha256') {
    digests.add('sha256');
    checks.push((d) => {
      const got = digestOf(d, 'sha256').toString('hex');
      if (got !== payload.expectedHex) {
        throw S3Errors.XAmzContentSHA256Mismatch({ fields: { ClientComputedContentSHA256: payload.expectedHex, S3ComputedContentSHA256: got } });
      }
    });
  }

  const md5 = contentMd5(h['content-md5']);
  if (md5) {
    // S3 names both digests: its own in base64, the client's in hex for object data (put-object,
    // versity/versitygw#2034) and in base64 for a configuration body (put-bucket-tagging, #1525).
    const hex = ctx.op.kind === 'PutObject' || ctx.op.kind === 'UploadPart';
    checks.push((d) => {
      if (d.md5.equals(md5)) return;
      throw S3Errors.BadDigest({ fields: { CalculatedDigest: d.md5.toString('base64'), ExpectedDigest: md5.toString(hex ? 'hex' : 'base64') } });
    });
  }

  let checksumAlgorithm: ChecksumAlgorithm | undefined;
  if (opts.checksumIsBody !== false) {
    const declared = declaredChecksum(h) ?? queryChecksum(ctx);
    if (declared) {
      checksumAlgorithm = declared.algorithm;
      digests.add(DIGEST_OF[declared.algorithm]);
      checks.push((d) => verifyDeclared(declared, digestOf(d, DIGEST_OF[declared.algorithm]), trailers));
    } else if (h['x-amz-sdk-checksum-algorithm']) {
      // The client names an algorithm but sends no value and no trailer: 400 (missingSdkChecksum),
      // an unknown name first being the unknown-name error. Presigned uploads keep the §6
      // leniency: the JS SDK v3 presigns with the algorithm and an empty-body CRC (which
      // queryChecksum ignores), both in the query as it does it, and a URL signed with the
      // algorithm as a header gets its checksum computed and stored as before.
      checksumAlgorithm = sdkChecksumAlgorithm(h['x-amz-sdk-checksum-algorithm']);
      if (!isPresigned(ctx)) throw missingSdkChecksum();
      digests.add(DIGEST_OF[checksumAlgorithm]);
    }
  }

  return {
    source,
    expectedSize,
    digests: [...digests],
    checksumAlgorithm,
    contentEncoding,
    verify: (d) => {
      for (const c of checks) c(d);
    },
  };
}

/**
 * Yield the request body but fail with RequestTimeout when the client sends nothing for `ms`
 * (§10: a stalled body must not hold an upload, its buffers and its intent forever). Time the
 * consumer spends on a piece does not count.
 *
 * The request stream is never destroyed here: destroying a server request destroys its socket, so
 * the 400 RequestTimeout (or the 507 of a consumer that stopped early) could not be sent. A stalled
 * read is abandoned instead (the service then closes the connection after answering), and an early
 * stop leaves the rest of the body for discardRest().
 *
 * With `release`, each piece is lent: it is valid until the consumer asks for the next one (or
 * stops), and then its memory is freed at once (common/release.ts) instead of at V8's next
 * collection. Only for consumers that copy what they keep — the engine's ingest, the aws-chunked
 * decoder and readBody do; busboy (PostObject) keeps slices of its input in its file streams, so
 * the form reads without it.
 */
export function stallGuard(body: Readable, ms: number, o: { release?: boolean } = {}): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => new GuardedBody(body, ms, o.release ?? false) };
}

const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });
const ignore = (): void => undefined;

/**
 * The iterator of stallGuard. It reads as Node's own Readable iterator does (`read()` on
 * 'readable', the end or error from `finished`, buffered data first, an error thrown once nothing
 * is left), but as one object instead of two async generators, and it arms the stall timer only
 * while it waits: a small body that came with its headers is taken without a timer or a wait
 * (every 4 KiB PUT paid a timer, two generator steps and Node's iterator set-up before).
 */
class GuardedBody implements AsyncIterator<Uint8Array> {
  readonly #body: Readable;
  readonly #ms: number;
  #ended = false;
  #error: Error | undefined;
  #waiting: (() => void) | undefined;
  #detached = false;
  readonly #release: boolean;
  /** The piece the consumer holds (with `release`): freed when it asks for the next one. */
  #lent: Uint8Array | undefined;
  readonly #onReadable = (): void => this.#waiting?.();
  readonly #stopFinished: () => void;

  constructor(body: Readable, ms: number, release: boolean) {
    this.#body = body;
    this.#ms = ms;
    this.#release = release;
    body.on('readable', this.#onReadable);
    this.#stopFinished = finished(body, { writable: false }, (err) => {
      if (err) this.#error ??= err;
      else this.#ended = true;
      this.#waiting?.();
    });
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    this.#giveBack();
    const now = this.#poll();
    if (now !== undefined) return now instanceof Error ? Promise.reject(now) : Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Abandoned: nobody reads this body again (the service closes the connection). An error the
        // stream emits later must not go unhandled (it would end the process).
        this.#detach();
        this.#body.on('error', ignore);
        reject(S3Errors.RequestTimeout());
      }, this.#ms);
      this.#waiting = () => {
        const r = this.#poll();
        if (r === undefined) return;
        clearTimeout(timer);
        this.#waiting = undefined;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  /** An early stop (the consumer broke off): listeners go, the stream stays for discardRest(). */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.#giveBack();
    this.#detach();
    return Promise.resolve(DONE);
  }

  /** A piece, the end, the stream's error, or undefined when the body has to be waited for. */
  #poll(): IteratorResult<Uint8Array> | Error | undefined {
    const b = this.#body;
    const chunk = b.destroyed ? null : (b.read() as Uint8Array | null);
    if (chunk !== null) {
      if (this.#release) this.#lent = chunk;
      return { done: false, value: chunk };
    }
    if (this.#error) {
      this.#detach();
      return this.#error;
    }
    if (this.#ended) {
      this.#detach();
      return DONE;
    }
    return undefined;
  }

  /** Free the piece lent last (the consumer has asked for the next one, or stopped). */
  #giveBack(): void {
    const lent = this.#lent;
    if (lent === undefined) return;
    this.#lent = undefined;
    releaseBytes(lent);
  }

  #detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#waiting = undefined;
    this.#body.off('readable', this.#onReadable);
    this.#stopFinished();
  }
}

/**
 * Read and discard what a failed consumer left of a request body. A handler that stops reading
 * half-way (the engine refused a chunk: 507, 400 …) answers at once; the rest of the body is still
 * on the connection, and on a kept-alive connection the next request would queue behind bytes
 * nobody reads — the client hangs (RFC 9112 §9.3: the message must be read whole before the next
 * one). Node does this itself (`_dump`) only for bodies nobody started to read. The consumer's own
 * iterator may still be attached (suspended), so this reads with `read()` rather than flowing mode.
 */
export function discardRest(body: Readable): void {
  if (body.readableEnded || body.destroyed) return;
  const drain = (): void => {
    while (body.read() !== null) {
      // discarded
    }
  };
  body.on('readable', drain);
  body.once('end', () => body.off('readable', drain));
  // A client that goes away meanwhile is not an error here.
  body.on('error', () => undefined);
  drain();
}

/** Content-Length as a number; absent with no chunked encoding → 411 when a length is required. */
function contentLength(h: Record<string, string | undefined>, required: boolean): number | undefined {
  const cl = h['content-length'];
  if (cl === undefined) {
    if (required && h['transfer-encoding'] === undefined) throw S3Errors.MissingContentLength();
    return undefined;
  }
  if (!/^\d{1,16}$/.test(cl.trim())) throw S3Errors.InvalidArgument('Content-Length must be a non-negative integer');
  return Number(cl.trim());
}

/**
 * Content-MD5 must be the base64 of 16 bytes, else InvalidDigest (§9), naming the value as S3 does
 * (`<Content-MD5>dummy</Content-MD5>`, versity/versitygw#1526).
 */
function contentMd5(v: string | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  const b = /^[A-Za-z0-9+/]{22}==$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (!b || b.length !== 16) throw S3Errors.InvalidDigest({ fields: { 'Content-MD5': v } });
  return b;
}

function verifyDeclared(declared: DeclaredChecksum, computed: Buffer, trailers: ReadonlyMap<string, string> | undefined): void {
  if (declared.source === 'header') {
    verifyChecksum(declared.algorithm, declared.value, computed);
    return;
  }
  const value = trailers?.get(declared.trailerName);
  if (value === undefined) throw S3Errors.MalformedTrailerError(`The trailing header ${declared.trailerName} was not received.`);
  decodeChecksumValue(declared.algorithm, value, 'trailer');
  verifyChecksum(declared.algorithm, value, computed);
}

/** Whether the request was authenticated by a presigned URL (SigV4 or SigV2 query). */
function isPresigned(ctx: RequestContext): boolean {
  return ctx.auth.kind === 'signed' && ctx.auth.scheme.endsWith('presigned');
}

/**
 * A checksum carried only by a presigned URL's query (§6). The JS presigner embeds the CRC32 of an
 * *empty* body (`AAAAAA==`) whatever is uploaded later: that value is deliberately ignored (logged
 * once per access key); any other value is verified like a header.
 */
function queryChecksum(ctx: RequestContext): DeclaredChecksum | undefined {
  if (!isPresigned(ctx)) return undefined;
  for (const [name, value] of ctx.query.entries()) {
    const alg = algorithmOfHeader(name.toLowerCase());
    // A value of an algorithm S3 has and this gateway does not compute: refused as its header or
    // trailer is (request-checksum.ts), not skipped, which stored the body unverified.
    if (!alg) refuseUnsupported(name.toLowerCase());
    if (!alg || name.toLowerCase() === 'x-amz-checksum-mode') continue;
    if (isEmptyChecksum(alg, value)) {
      warnLenientChecksum(ctx, name);
      return undefined;
    }
    return { source: 'header', algorithm: alg, value: value.trim(), digest: decodeChecksumValue(alg, value) };
  }
  return undefined;
}

const warnedKeys = new Set<string>();

function warnLenientChecksum(ctx: RequestContext, param: string): void {
  if (ctx.auth.kind !== 'signed' || warnedKeys.has(ctx.auth.accessKeyId) || warnedKeys.size > 10_000) return;
  warnedKeys.add(ctx.auth.accessKeyId);
  ctx.config.logger?.warn?.({ accessKeyId: ctx.auth.accessKeyId, param, requestId: ctx.req.requestId },
    'presigned URL carries the empty-body checksum; ignored (s3-surface.md §6)');
}

const HASHER_OF: Record<DigestName, DigestAlgorithm> = {
  md5: 'MD5', sha1: 'SHA1', sha256: 'SHA256', crc32: 'CRC32', crc32c: 'CRC32C', crc64nvme: 'CRC64NVME',
};

/**
 * Read a small body (XML, policy JSON) into memory, at most `max` bytes (`tooLarge` otherwise),
 * and run the plan's checks on it.
 */
export async function readBody(ctx: RequestContext, max: number, tooLarge: () => Error, opts: BodyPlanOptions = {}): Promise<Buffer> {
  const plan = planBody(ctx, opts);
  if (plan.expectedSize !== undefined && plan.expectedSize > max) throw tooLarge();
  ctx.bodyRead = true;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of plan.source) {
    size += chunk.length;
    if (size > max) throw tooLarge();
    parts.push(Buffer.from(chunk));
  }
  const body = Buffer.concat(parts);
  if (plan.expectedSize !== undefined && body.length !== plan.expectedSize) throw S3Errors.IncompleteBody();
  const d: PutDigests = { size: body.length, md5: createChecksum('MD5').update(body).digest() };
  for (const name of plan.digests) d[name as Exclude<DigestName, 'md5'>] = createChecksum(HASHER_OF[name]).update(body).digest();
  plan.verify(d);
  return body;
}

/**
 * Read handlers: GetObject, HeadObject (shared/spec/s3-surface.md §3, §4.2, §4.6, §5.4) and
 * GetObjectAttributes (§5.4).
 */
import type { ObjectVersion } from '../../engine/index.js';
import { EngineErrors } from '../../engine/index.js';
import { checkGrantHolds, mayReadTags } from '../authz.js';
import { failedPrecondition, requestConditions } from '../conditional.js';
import type { Handler, RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import { asOverrideValue, expirationHeader, httpDate, objectHeaders, refuseCustomerKeyRead, refuseEncryptionHeader, RESPONSE_OVERRIDES, showsVersionId } from '../object-headers.js';
import type { OperationOf } from '../operations.js';
import { contentRange, parsePartNumber, parseRange, partWindow, type ByteWindow } from '../range.js';
import { empty, xml } from '../respond.js';
import type { S3Response } from '../types.js';
import { OBJECT_ATTRIBUTES, renderObjectAttributes, type ObjectAttribute } from '../xml/objects.js';
import { authorisedBucketId, headVersion, readVersion, versionIdParam } from './common.js';

/** What part of the object a GET/HEAD answers with. */
interface Selection {
  window?: ByteWindow;
  partsCount?: number;
  partNumber?: number;
}

/** Resolve `partNumber` / `Range` (§4.6): both at once → InvalidRequest. */
function select(ctx: RequestContext, v: ObjectVersion): Selection {
  const pn = ctx.query.get('partNumber');
  const range = ctx.headers.range;
  if (pn !== null) {
    if (range !== undefined) throw S3Errors.InvalidRequest('Cannot specify both Range header and partNumber query parameter');
    const n = parsePartNumber(pn);
    const { window, count } = partWindow(v.parts, n, v.size);
    // An empty object has no byte range to name: part 1 of it is a plain 200 (as AWS).
    if (v.size === 0) return { partsCount: count, partNumber: n };
    return { window, partsCount: count, partNumber: n };
  }
  const w = parseRange(range, v.size);
  return w ? { window: w } : {};
}

/**
 * A malformed `partNumber` is refused before the object is looked up: S3 answers 400
 * InvalidArgument to `partNumber=-3` of a key that does not exist, not 404 (versitygw
 * GetObject_invalid_part_number / HeadObject_invalid_part_number, written against S3).
 */
function checkPartNumberParam(ctx: RequestContext): void {
  const pn = ctx.query.get('partNumber');
  if (pn !== null) parsePartNumber(pn);
}

/**
 * `response-*` overrides (signed requests only: AWS answers anonymous ones with InvalidRequest).
 */
function overrides(ctx: RequestContext): Record<string, string> {
  // A `response-` parameter S3 cannot override is refused, not ignored (S3's answer quoted in
  // versitygw#2075; versitygw HeadObject_invalid_response_override).
  for (const [name, value] of ctx.query.entries()) {
    if (name.startsWith('response-') && !Object.hasOwn(RESPONSE_OVERRIDES, name)) {
      throw S3Errors.InvalidArgument({
        message: `${name} is not in the set of overridable response headers. Please refer to the S3 API documentation for a complete list of overridable response headers.`,
        fields: { ArgumentName: name, ArgumentValue: value },
      });
    }
  }
  const out: Record<string, string> = {};
  for (const [param, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = ctx.query.get(param);
    if (v !== null) out[header] = asOverrideValue(param, v);
  }
  if (Object.keys(out).length > 0 && ctx.identity.kind !== 'user') {
    throw S3Errors.InvalidRequest('Request specific response headers cannot be used for anonymous GET requests.');
  }
  return out;
}

/** Outcome of prepare: a 304, or what to send. */
type Prepared =
  | { notModified: S3Response }
  | { notModified?: undefined; v: ObjectVersion; window: ByteWindow; status: number; headers: Record<string, string> };

/** Conditionals, selection and headers shared by GET and HEAD, for the version `v` addressed. */
function prepare(ctx: RequestContext, v: ObjectVersion, isGet: boolean, over: Record<string, string>): Prepared {
  // About the object found (MinIO decides it before the conditionals too): a missing key stays 404.
  refuseEncryptionHeader(ctx.headers);
  refuseCustomerKeyRead(ctx.headers);
  const failed = failedPrecondition(requestConditions(ctx.headers), v);
  if (failed?.status === 412) throw S3Errors.PreconditionFailed({ fields: { Condition: failed.header } });
  if (failed?.status === 304) {
    // 304 carries the validators and no body, and MUST carry the Cache-Control and Expires a 200
    // would have (RFC 9110 §15.4.5; API_GetObject defers to RFC 7232 for conditional requests;
    // MinIO's writeHeadersPrecondition sends both): without them a cache that revalidates keeps
    // its old freshness lifetime, or none.
    const h: Record<string, string> = { etag: v.etag, 'last-modified': httpDate(v.lastModified) };
    for (const name of ['cache-control', 'expires'] as const) {
      // As the 200 would send them: a response-* override wins over the stored value.
      const value = over[name] ?? v.sysMeta[name];
      if (value !== undefined) h[name] = value;
    }
    if (showsVersionId(v, ctx.bucket)) h['x-amz-version-id'] = v.versionId;
    return { notModified: empty(304, h) };
  }
  const sel = select(ctx, v);
  const whole = sel.window === undefined;
  const wantChecksum = ctx.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED';
  const tagCount = isGet && v.tags !== undefined && Object.keys(v.tags).length > 0 && mayReadTags(ctx, v.key);
  const headers = objectHeaders(v, { bucket: ctx.bucket, includeTagCount: tagCount, includeChecksum: wantChecksum && whole });
  if (wantChecksum && sel.partNumber !== undefined) addPartChecksum(headers, v, sel.partNumber);
  // Only about the current version, as addressed without a versionId (expirationHeader).
  if (ctx.query.get('versionId') === null) Object.assign(headers, expirationHeader(ctx.bucket, v));
  const window = sel.window ?? { offset: 0, length: v.size };
  headers['content-length'] = String(window.length);
  if (!whole) headers['content-range'] = contentRange(window, v.size);
  if (sel.partsCount !== undefined && v.parts && v.parts.length > 0) headers['x-amz-mp-parts-count'] = String(sel.partsCount);
  Object.assign(headers, over);
  return { v, window, status: whole ? 200 : 206, headers };
}

/** A COMPOSITE upload's part checksum for a partNumber read (§5.4). */
function addPartChecksum(h: Record<string, string>, v: ObjectVersion, n: number): void {
  const part = v.parts?.[n - 1];
  if (v.checksum?.type !== 'COMPOSITE' || !part?.checksum) return;
  h[`x-amz-checksum-${part.checksum.algorithm.toLowerCase()}`] = part.checksum.value;
  h['x-amz-checksum-type'] = 'COMPOSITE';
}

/**
 * GET /{b}/{k}. One engine read resolves the version and opens the whole body lazily (nothing is
 * fetched before the first chunk is pulled); the conditionals and the selection are then decided
 * on that version. Only a ranged or part read asks the engine a second time, for its window — a
 * plain GET used to resolve the version twice (head, then read).
 */
export const getObject: Handler<OperationOf<'GetObject'>> = (ctx, op) => getObjectOnce(ctx, op, true);

async function getObjectOnce(ctx: RequestContext, op: OperationOf<'GetObject'>, mayRetry: boolean): Promise<S3Response> {
  const over = overrides(ctx);
  checkPartNumberParam(ctx);
  const r = await readVersion(ctx, op.bucket, op.key, versionIdParam(ctx));
  let p: Prepared;
  try {
    checkGrantHolds(ctx, r.version);
    p = prepare(ctx, r.version, true, over);
  } catch (e) {
    await release(r.body);
    throw e;
  }
  if (p.notModified || p.window.length === 0 || p.window.length !== r.version.size) await release(r.body);
  if (p.notModified) return p.notModified;
  if (p.window.length === 0) return { status: p.status, headers: p.headers, body: Buffer.alloc(0) };
  // An inline object's bytes are in memory already: sent in one write, no stream to pump.
  if (p.window.length === r.version.size) return { status: p.status, headers: p.headers, body: r.bytes ? Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) : await primed(r.body) };
  // The window of exactly the version the headers and conditionals were decided on: by its UVID,
  // which names a null version too ('null' would name whatever null version is there by now).
  let ranged;
  try {
    ranged = await ctx.engine.read({ bucket: op.bucket, key: op.key, bucketId: authorisedBucketId(ctx, op.bucket) }, { versionId: p.v.uvid, offset: p.window.offset, length: p.window.length, lend: true });
  } catch (e) {
    // Purged in between by an overwrite (unversioned / suspended bucket): answer as if the request
    // came after it, once; a request naming its version keeps the error.
    if (mayRetry && versionIdParam(ctx) === undefined && EngineErrors.NO_SUCH_VERSION.is(e)) return getObjectOnce(ctx, op, false);
    throw e;
  }
  return { status: p.status, headers: p.headers, body: await primed(ranged.body) };
}

/**
 * The body with its first piece already read. A chunk that fails its hash check (or is missing)
 * is an error the client must see as S3 answers it, 500 InternalError (s3-surface.md §9; ccow.md:
 * "corrupted data is an error, never served"); once the status line is out, all the gateway can do
 * is cut the connection. Reading the first piece before answering turns the commonest case (the
 * object's only or first chunk, or a range inside one) into that 500; damage further in still cuts
 * the body short. The response waited for this piece anyway.
 */
async function primed(body: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const it = body[Symbol.asyncIterator]();
  const first = await it.next();
  let sentFirst = false;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (sentFirst) return it.next();
        sentFirst = true;
        return Promise.resolve(first);
      },
      return: async (value?: unknown) => (it.return ? it.return(value) : { done: true as const, value: undefined }),
    }),
  };
}

/** Close a body that will not be sent (an unstarted engine read holds nothing, but say so). */
async function release(body: AsyncIterable<Uint8Array>): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}

/** HEAD /{b}/{k}: GET's headers, no body (§3). */
export const headObject: Handler<OperationOf<'HeadObject'>> = async (ctx, op): Promise<S3Response> => {
  const over = overrides(ctx);
  checkPartNumberParam(ctx);
  const v = await headVersion(ctx, op.bucket, op.key, versionIdParam(ctx), true);
  checkGrantHolds(ctx, v);
  const p = prepare(ctx, v, false, over);
  if (p.notModified) return p.notModified;
  return { status: p.status, headers: p.headers };
};

/**
 * `x-amz-object-attributes`: a comma list of known names (an unknown one → InvalidArgument), at
 * least one: a missing or empty header is 400 InvalidRequest with S3's message (its answer quoted
 * in versitygw#915; versitygw GetObjectAttributes_empty_attrs).
 */
function requestedAttributes(ctx: RequestContext): Set<ObjectAttribute> {
  const names = (ctx.headers['x-amz-object-attributes'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw S3Errors.InvalidRequest('The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
  for (const n of names) {
    if (!(OBJECT_ATTRIBUTES as readonly string[]).includes(n)) {
      throw S3Errors.InvalidArgument({ message: 'Invalid attribute name specified.', fields: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: n } });
    }
  }
  return new Set(names as ObjectAttribute[]);
}

/** GET /{b}/{k}?attributes (§5.4). */
export const getObjectAttributes: Handler<OperationOf<'GetObjectAttributes'>> = async (ctx, op) => {
  const attributes = requestedAttributes(ctx);
  const v = await headVersion(ctx, op.bucket, op.key, versionIdParam(ctx), true);
  checkGrantHolds(ctx, v);
  refuseEncryptionHeader(ctx.headers);
  refuseCustomerKeyRead(ctx.headers);
  const maxParts = headerInt(ctx, 'x-amz-max-parts', 1000, 1000);
  // Not clamped: a marker past part 1000 (S3 allows 10,000 parts) must page on, not restart at 1001.
  const marker = headerInt(ctx, 'x-amz-part-number-marker', 0, Number.MAX_SAFE_INTEGER);
  let parts;
  if (v.parts && v.parts.length > 0 && !v.checksum && !v.parts.some((p) => p.checksum)) {
    // API_GetObjectAttributesParts, Parts: "if an additional checksum … isn't applied to the object
    // specified in the request, the response doesn't return the Part element" — the count only.
    parts = { total: v.parts.length, list: [] };
  } else if (v.parts && v.parts.length > 0) {
    const list = v.parts.filter((p) => p.partNumber > marker).slice(0, maxParts);
    const truncated = v.parts.some((p) => p.partNumber > (list[list.length - 1]?.partNumber ?? marker));
    parts = { total: v.parts.length, marker, maxParts, truncated, list, next: list.length > 0 ? list[list.length - 1]!.partNumber : undefined };
  }
  const headers: Record<string, string> = { 'last-modified': httpDate(v.lastModified) };
  if (showsVersionId(v, ctx.bucket)) headers['x-amz-version-id'] = v.versionId;
  return xml(renderObjectAttributes({ attributes, etag: v.etag, checksum: v.checksum, parts, storageClass: v.storageClass || 'STANDARD', size: v.size }), headers);
};

/** A non-negative integer header, `dflt` when absent, at most `max`; anything else is InvalidArgument. */
function headerInt(ctx: RequestContext, name: string, dflt: number, max: number): number {
  const v = ctx.headers[name];
  if (v === undefined) return dflt;
  if (!/^\d{1,9}$/.test(v.trim())) throw S3Errors.InvalidArgument({ message: `Invalid ${name}`, fields: { ArgumentName: name, ArgumentValue: v } });
  return Math.min(Number(v.trim()), max);
}

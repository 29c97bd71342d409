/**
 * Node request → framework-neutral S3Request (src/s3/types.ts). Nothing here reads the body or
 * rewrites the URL: the S3 layer signs and routes on the bytes exactly as the client sent them
 * (shared/spec/s3-surface.md §2: the canonical URI is the path as sent, not normalised).
 */
import { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { S3Request } from '../s3/index.js';

/** How http/ resolves virtual-hosted buckets and client addresses. */
export interface RequestOptions {
  /** Base domain of virtual-hosted style (`{bucket}.{domain}`), s3-surface.md §1. */
  domain?: string;
  /** Use X-Forwarded-Host / X-Forwarded-For (behind a reverse proxy, s3-surface.md §2). */
  trustProxyHeaders?: boolean;
}

/** Request ids live in common/ (s3/ makes them too). */
import { newRequestId } from '../common/index.js';

export { newHostId, newRequestId } from '../common/index.js';

// Per-request state kept beside the raw request rather than on it, so IncomingMessage stays untyped
// by us: the id (assigned early for `Expect: 100-continue`) and the header snapshot.
const ids = new WeakMap<IncomingMessage, string>();
const snapshots = new WeakMap<IncomingMessage, Record<string, string | undefined>>();

/** The request's id, assigned on first use and stable afterwards (also across checkContinue → request). */
export function requestIdOf(req: IncomingMessage): string {
  let id = ids.get(req);
  if (id === undefined) {
    id = newRequestId();
    ids.set(req, id);
  }
  return id;
}

/**
 * Snapshot the headers for the S3 layer, names lower-case. Taken once, before anything else may
 * touch `req.headers`. A header sent more than once is joined with "," — the form SigV4 signs
 * (AWS test suite get-header-key-duplicate) and S3Request promises — where Node joins with ", "
 * (a request repeating a signed header never verified). Headers whose repeats Node discards
 * (content-type, host, authorization …) keep Node's single value.
 */
export function snapshotHeaders(req: IncomingMessage): Record<string, string | undefined> {
  let snap = snapshots.get(req);
  if (snap === undefined) {
    snap = {};
    const h = req.headers;
    let names = 0;
    for (const name in h) {
      const value = h[name];
      snap[name] = Array.isArray(value) ? value.join(',') : value;
      names++;
    }
    // rawHeaders holds name/value pairs as sent: more pairs than names means a repeat.
    if (req.rawHeaders.length > 2 * names) rejoinRepeats(snap, req.rawHeaders);
    snapshots.set(req, snap);
  }
  return snap;
}

/** Re-join Node's ", "-joined repeated headers with ",". */
function rejoinRepeats(snap: Record<string, string | undefined>, raw: string[]): void {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const list = values.get(name);
    if (list) list.push(raw[i + 1]!);
    else values.set(name, [raw[i + 1]!]);
  }
  for (const [name, list] of values) {
    if (list.length > 1 && snap[name] === list.join(', ')) snap[name] = list.join(',');
  }
}

/** Build the S3Request for one raw Node request. The body is the IncomingMessage itself, unread. */
export function toS3Request(req: IncomingMessage, opts: RequestOptions): S3Request {
  const headers = snapshotHeaders(req);
  const s3req: S3Request = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    body: req,
    // A real request's pieces are the parser's copies; under fastify.inject `req` is
    // light-my-request's stream, which pushes the caller's own payload buffer.
    bodyPiecesOwned: req instanceof IncomingMessage,
    requestId: requestIdOf(req),
    secure: (req.socket as Partial<TLSSocket> | undefined)?.encrypted === true,
  };
  const remote = remoteAddressOf(req, headers, opts);
  if (remote !== undefined) s3req.remoteAddress = remote;
  const hostBucket = hostBucketOf(headers, opts);
  if (hostBucket !== undefined) s3req.hostBucket = hostBucket;
  return s3req;
}

/**
 * Virtual-hosted style: `Host: {bucket}.{domain}` names the bucket (s3-surface.md §1). A Host equal
 * to the domain itself (or any other host) is path style. Bucket names are lower-case, and host
 * names compare case-insensitively (RFC 9110 §4.2.3), so the host is lower-cased first.
 */
export function hostBucketOf(headers: Record<string, string | undefined>, opts: RequestOptions): string | undefined {
  if (!opts.domain) return undefined;
  const host = hostOf(headers, opts);
  if (host === undefined) return undefined;
  const suffix = '.' + opts.domain.toLowerCase().replace(/\.$/, '');
  return host.endsWith(suffix) && host.length > suffix.length ? host.slice(0, -suffix.length) : undefined;
}

/** Host name without port, lower-cased; X-Forwarded-Host (first entry) when trusted. */
function hostOf(headers: Record<string, string | undefined>, opts: RequestOptions): string | undefined {
  const forwarded = opts.trustProxyHeaders ? firstListEntry(headers['x-forwarded-host']) : undefined;
  const raw = forwarded ?? headers.host;
  if (!raw) return undefined;
  const host = raw.trim().toLowerCase();
  // "[::1]:9000" keeps its brackets; "name:9000" loses the port; a trailing dot is the same name.
  const bare = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return bare.replace(/\.$/, '');
}

/** Client address: the socket peer, or the first X-Forwarded-For hop when proxies are trusted. */
function remoteAddressOf(req: IncomingMessage, headers: Record<string, string | undefined>, opts: RequestOptions): string | undefined {
  const forwarded = opts.trustProxyHeaders ? firstListEntry(headers['x-forwarded-for']) : undefined;
  return forwarded ?? req.socket?.remoteAddress;
}

function firstListEntry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = value.split(',')[0]?.trim();
  return first ? first : undefined;
}

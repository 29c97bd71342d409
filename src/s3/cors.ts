/**
 * Bucket CORS (shared/spec/s3-surface.md §7): the stored rule set, rule matching, and the response
 * headers of a preflight and of an actual cross-origin request.
 */

/** One CORS rule. */
export interface CorsRule {
  id?: string;
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** The persisted CORS configuration (bucket config `cors`). */
export interface StoredCors {
  v: 1;
  rules: CorsRule[];
}

/** Methods a rule may allow (§7). */
export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'] as const;

/** At most this many rules per bucket (§7). */
export const MAX_CORS_RULES = 100;

/** `Vary` sent with every CORS answer so caches keep per-origin variants apart. */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/**
 * Whether `s` matches `pattern`, a glob with at most one `*` (validated at Put) standing for any
 * run of characters. Compared by prefix and suffix, not through a RegExp: V8 refuses to compile
 * a pattern of ~100,000 characters ("Regular expression too large"), and a stored AllowedOrigin
 * that long made every preflight of the bucket a 500 (found by test/integration/fuzz).
 */
function globMatch(pattern: string, s: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? s.toLowerCase() : s;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/** Whether `origin` matches one of the rule's AllowedOrigin patterns. */
export function originMatches(rule: CorsRule, origin: string): boolean {
  return rule.allowedOrigins.some((o) => globMatch(o, origin));
}

/** Whether every requested header matches an AllowedHeader (case-insensitive). */
function headersMatch(rule: CorsRule, requested: string[]): boolean {
  return requested.every((h) => rule.allowedHeaders.some((p) => globMatch(p, h, true)));
}

/** First rule matching origin, method and every requested header (§7), or undefined. */
export function matchRule(cors: StoredCors | undefined, origin: string, method: string, requestedHeaders: string[] = []): CorsRule | undefined {
  return cors?.rules.find((r) => r.allowedMethods.includes(method) && originMatches(r, origin) && headersMatch(r, requestedHeaders));
}

/** Split `Access-Control-Request-Headers` into trimmed, non-empty names. */
export function requestedHeaders(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Headers of a request that matched `rule`, preflight or actual: Allow-Origin (+ Allow-Credentials
 * unless the rule's origin is exactly `*`), Allow-Methods (the rule's), Expose-Headers, Max-Age
 * (when set), Vary. S3 sends Allow-Methods and Max-Age on actual requests too: LocalStack's
 * recordings against S3 (tests/aws/services/s3/test_s3_cors.snapshot.json, `get-right-origin`,
 * `get-op`: a GET from an allowed origin carries `Access-Control-Allow-Methods: GET, PUT` and
 * `Access-Control-Max-Age: 3000`), as s3-tests' test_cors_origin_response expects.
 */
export function corsResponseHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const h: Record<string, string> = {};
  if (rule.allowedOrigins.includes('*') && !rule.allowedOrigins.some((o) => o !== '*' && globMatch(o, origin))) {
    h['access-control-allow-origin'] = '*';
  } else {
    h['access-control-allow-origin'] = origin;
    h['access-control-allow-credentials'] = 'true';
  }
  h['access-control-allow-methods'] = rule.allowedMethods.join(', ');
  if (rule.exposeHeaders.length > 0) h['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) h['access-control-max-age'] = String(rule.maxAgeSeconds);
  h.vary = CORS_VARY;
  return h;
}

/**
 * Headers of a successful preflight (§7): an actual request's plus Allow-Headers, the requested
 * headers in lower case, as S3 answers them: LocalStack's recording against S3
 * (tests/aws/services/s3/test_s3_cors.snapshot.json, test_cors_match_headers,
 * `opt-get-allowed-diff-casing`) asks for `x-AMZ-expected-BUCKET-owner, x-amz-server-side-encryption`
 * and gets `Access-Control-Allow-Headers: x-amz-expected-bucket-owner, x-amz-server-side-encryption`;
 * versitygw's PreflightOPTIONS_access_granted expects the same. Header names are case-insensitive
 * (RFC 9110 §5.1), so a browser's check is unchanged.
 */
export function preflightHeaders(rule: CorsRule, origin: string, requested: string[]): Record<string, string> {
  const h = corsResponseHeaders(rule, origin);
  if (requested.length > 0) h['access-control-allow-headers'] = requested.map((r) => r.toLowerCase()).join(', ');
  return h;
}

/**
 * The method an actual (non-preflight) request is matched with: its `Access-Control-Request-Method`
 * when it sends one, else its own. S3 does so: a GET with `Access-Control-Request-Method: PUT` to a
 * GET-only rule gets no CORS headers (LocalStack's recording `get-wrong-op`, test_cors_match_methods,
 * 2025), and s3-tests' test_cors_origin_response has a PUT with `Access-Control-Request-Method: GET`
 * answered with the GET rule's headers.
 */
export function actualMatchMethod(method: string, requestMethod: string | undefined): string {
  return requestMethod?.trim() ?? method.toUpperCase();
}

/** Read a stored CORS config back (undefined for anything else). */
export function asStoredCors(v: unknown): StoredCors | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Partial<StoredCors>;
  return c.v === 1 && Array.isArray(c.rules) ? (c as StoredCors) : undefined;
}

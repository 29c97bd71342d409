/** `<CORSConfiguration>` of Get/PutBucketCors (shared/spec/s3-surface.md §7). */
import { CORS_METHODS, MAX_CORS_RULES, type CorsRule, type StoredCors } from '../cors.js';
import { S3Errors } from '../errors.js';
import { parseXmlAsync, renderXml } from './codec.js';

/**
 * Parse and validate: 1–100 rules, each with ≥ 1 AllowedMethod (GET/PUT/POST/DELETE/HEAD) and
 * ≥ 1 AllowedOrigin; an origin or header with more than one `*` → InvalidRequest (AWS wording).
 */
export async function parseCors(body: Buffer): Promise<StoredCors> {
  const root = await parseXmlAsync(body, 'CORSConfiguration');
  const rules = root.all('CORSRule').map((r): CorsRule => {
    const texts = (name: string): string[] => r.all(name).map((n) => n.text().trim());
    const rule: CorsRule = {
      allowedMethods: texts('AllowedMethod'),
      allowedOrigins: texts('AllowedOrigin'),
      allowedHeaders: texts('AllowedHeader'),
      exposeHeaders: texts('ExposeHeader'),
    };
    const id = r.childToken('ID');
    if (id) rule.id = id;
    const maxAge = r.childToken('MaxAgeSeconds');
    if (maxAge !== undefined) {
      // An integer; S3 takes a negative one too (versitygw PutBucketCors_success: "weirdly negative
      // max age seconds are also considered valid"). What S3 then sends as Access-Control-Max-Age is
      // not on record; the stored value is sent.
      if (!/^-?\d{1,10}$/.test(maxAge)) throw S3Errors.MalformedXML();
      rule.maxAgeSeconds = Number(maxAge);
    }
    validateRule(rule);
    return rule;
  });
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw S3Errors.MalformedXML();
  return { v: 1, rules };
}

function validateRule(rule: CorsRule): void {
  if (rule.allowedMethods.length === 0 || rule.allowedOrigins.length === 0) throw S3Errors.MalformedXML();
  for (const m of rule.allowedMethods) {
    if (!(CORS_METHODS as readonly string[]).includes(m)) {
      throw S3Errors.InvalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    }
  }
  for (const o of rule.allowedOrigins) {
    if (o.split('*').length > 2) throw S3Errors.InvalidRequest(`AllowedOrigin "${o}" can not have more than one wildcard.`);
  }
  for (const h of rule.allowedHeaders) {
    if (h.split('*').length > 2) throw S3Errors.InvalidRequest(`AllowedHeader "${h}" can not have more than one wildcard.`);
  }
  // Header names are HTTP tokens (RFC 9110 §5.1; `*` is a token character). An ExposeHeader is
  // sent back in Access-Control-Expose-Headers on every CORS answer of the bucket: one holding a
  // control or non-Latin-1 character (`&#10;` is well-formed XML) made each of them a 500.
  // versitygw refuses both lists with this InvalidRequest, wording and all (PutBucketCors_invalid_header).
  for (const h of [...rule.allowedHeaders, ...rule.exposeHeaders]) {
    if (!HEADER_NAME.test(h)) throw S3Errors.InvalidRequest(`AllowedHeader "${h}" contains invalid character.`);
  }
}

/** An HTTP token (tchar*), or empty. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*$/;

/** Render the stored rules. */
export function renderCors(cors: StoredCors): string {
  return renderXml('CORSConfiguration', {
    CORSRule: cors.rules.map((r) => ({
      ID: r.id,
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      MaxAgeSeconds: r.maxAgeSeconds,
    })),
  });
}

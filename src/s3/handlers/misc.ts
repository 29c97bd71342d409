/**
 * CORS preflight (shared/spec/s3-surface.md §7) and the answers to operations that are not
 * implemented (501) or not allowed on the resource (405).
 */
import { asStoredCors, matchRule, preflightHeaders, requestedHeaders } from '../cors.js';
import type { Handler } from '../context.js';
import { S3Errors } from '../errors.js';
import type { OperationOf } from '../operations.js';
import { empty } from '../respond.js';

/**
 * OPTIONS /{b}[/{k}] — unauthenticated. Needs `Origin` and `Access-Control-Request-Method` (else
 * 400 BadRequest); the first rule matching origin, method and every requested header answers 200;
 * none (or no configuration, or no bucket) → 403 AccessForbidden.
 *
 * A missing bucket or a bucket without CORS rules is refused before the missing
 * Access-Control-Request-Method is: S3 answers a preflight with `Origin` alone 403 with
 * `<Method>OPTIONS</Method>` there (LocalStack's AWS-validated tests/aws/services/s3/test_s3_cors.py
 * test_cors_http_options_no_config `options-with-origin-no-method`,
 * test_cors_http_options_non_existent_bucket `options-with-origin`).
 *
 * The 403 says which: S3 answers a missing bucket "CORSResponse: Bucket not found" and a bucket
 * without CORS rules "CORSResponse: CORS is not enabled for this bucket.", both with ResourceType
 * BUCKET even when the preflight names a key; only a configuration no rule of which matches gets
 * the long message and the resource the request names (LocalStack's recordings against S3,
 * tests/aws/services/s3/test_s3_cors.snapshot.json: test_cors_http_options_non_existent_bucket,
 * test_cors_http_options_no_config `options-with-origin-and-method`, test_cors_match_origins
 * `opt-wrong-origin`).
 */
export const corsPreflight: Handler<OperationOf<'CorsPreflight'>> = async (ctx, op) => {
  const origin = ctx.headers.origin;
  const method = ctx.headers['access-control-request-method'];
  if (origin === undefined) throw S3Errors.BadRequest('Insufficient information. Origin request header needed.');
  const bucket = await ctx.engine.getBucket(op.bucket);
  const cors = asStoredCors(bucket?.configs.cors);
  // Without Access-Control-Request-Method these two 403s name the request's own method, OPTIONS.
  if (!bucket) throw S3Errors.AccessForbidden({ message: 'CORSResponse: Bucket not found', fields: { Method: method ?? 'OPTIONS', ResourceType: 'BUCKET' } });
  if (!cors) throw S3Errors.AccessForbidden({ message: 'CORSResponse: CORS is not enabled for this bucket.', fields: { Method: method ?? 'OPTIONS', ResourceType: 'BUCKET' } });
  if (method === undefined) throw S3Errors.BadRequest('Invalid Access-Control-Request-Method: null');
  const requested = requestedHeaders(ctx.headers['access-control-request-headers']);
  const rule = matchRule(cors, origin, method.trim(), requested);
  if (!rule) throw S3Errors.AccessForbidden({ fields: { Method: method, ResourceType: op.key !== undefined ? 'OBJECT' : 'BUCKET' } });
  return empty(200, preflightHeaders(rule, origin, requested));
};

/** A feature marked "No" in §3. */
export const notImplemented: Handler<OperationOf<'NotImplemented'>> = async (ctx, op) => {
  // A missing bucket comes first, as on S3 (`aws s3 website s3://missing` says NoSuchBucket).
  if (op.bucket !== undefined && !(await ctx.engine.getBucket(op.bucket))) throw S3Errors.NoSuchBucket({ fields: { BucketName: op.bucket } });
  throw S3Errors.NotImplemented(`${op.operation} is not implemented`);
};

/**
 * The methods S3 lists in the 405's `Allow` header (RFC 9110 §15.5.6: a 405 MUST carry one): `GET`
 * for the service (S3's answer to POST / quoted in versitygw#1810), `HEAD, DELETE, GET, PUT` for an
 * object (S3's answer to a POST of an object, recorded in google/tensorstore#91). A bucket's is not
 * on record, so none is claimed.
 */
const ALLOWED: Readonly<Record<string, string>> = { SERVICE: 'GET', OBJECT: 'HEAD, DELETE, GET, PUT' };

/** A method the resource does not support. */
export const methodNotAllowed: Handler<OperationOf<'MethodNotAllowed'>> = async (ctx, op) => {
  const resourceType = op.key !== undefined ? 'OBJECT' : op.bucket !== undefined ? 'BUCKET' : 'SERVICE';
  const allow = ALLOWED[resourceType];
  throw S3Errors.MethodNotAllowed({ headers: allow ? { allow } : {}, fields: { Method: ctx.req.method.toUpperCase(), ResourceType: resourceType } });
};

/** Extension operations are answered by their extension (service.ts dispatch); never reached. */
export const unregisteredExtension: Handler<OperationOf<'Extension'>> = async (_ctx, op) => {
  throw new Error(`no handler registered for extension ${op.extension}`);
};

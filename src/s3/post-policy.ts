/**
 * The POST policy of a browser form upload (PostObject): parse the base64 JSON document and check a
 * form against it. AWS "POST Policy" (sigv4-HTTPPOSTConstructPolicy.html): `expiration` (ISO 8601
 * GMT) and `conditions` — exact matches (`{"acl": "public-read"}` or `["eq", "$acl", "public-read"]`),
 * `["starts-with", "$key", "user/"]` (`""` matches anything; for Content-Type every entry of a
 * comma-separated list must match) and `["content-length-range", min, max]`; "Each form field that
 * you specify in a form (except x-amz-signature, file, policy, and field names that have an
 * x-ignore- prefix) must appear in the list of conditions" (SigV2 forms: also AWSAccessKeyId and
 * signature, RESTObjectPOST). Field names are matched case-insensitively (ceph/s3-tests
 * test_post_object_case_insensitive_condition_fields); the policy's own keys are not
 * (test_post_object_condition_is_case_sensitive, test_post_object_expires_is_case_sensitive: 400).
 * Pure: no I/O.
 */
import { S3Errors } from './errors.js';

/**
 * One eq / starts-with condition; `field` lower-case without `$`. `never`: a condition S3 reads
 * but no form satisfies (see parseListCondition); it fails with its text.
 */
export interface PolicyCondition {
  op: 'eq' | 'starts-with' | 'never';
  field: string;
  value: string;
  /** The condition as AWS quotes it in a failure message: `["eq", "$key", "a"]`. */
  text: string;
}

/** A parsed POST policy. */
export interface PostPolicy {
  /** Epoch ms after which the policy is void. */
  expiration: number;
  conditions: PolicyCondition[];
  /** `content-length-range`, when the policy has one. */
  lengthRange?: { min: number; max: number };
}

/** Form fields no condition needs to name (lower-case); `x-ignore-*` too. */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'awsaccesskeyid', 'signature', 'file']);

const invalid = (detail: string): Error => S3Errors.InvalidPolicyDocument(`Invalid Policy: ${detail}`);

/**
 * Decode and parse the `policy` field. Anything malformed → 400 InvalidPolicyDocument (ceph/s3-tests:
 * missing expiration, missing conditions, a non-ISO expiration, `[{}]`, a content-length-range with
 * a missing or negative bound all answer 400).
 */
export function parsePostPolicy(b64: string): PostPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('Invalid JSON.');
  const o = doc as Record<string, unknown>;
  if (!Object.hasOwn(o, 'expiration')) throw invalid('Policy missing expiration.');
  if (!Object.hasOwn(o, 'conditions')) throw invalid('Policy missing conditions.');
  const expiration = parseExpiration(o.expiration);
  if (!Array.isArray(o.conditions)) throw invalid('Invalid conditions: must be an array.');
  const policy: PostPolicy = { expiration, conditions: [] };
  for (const c of o.conditions as unknown[]) {
    if (Array.isArray(c)) parseListCondition(c, policy);
    else if (typeof c === 'object' && c !== null) parseSimpleCondition(c as Record<string, unknown>, policy);
    else throw invalid('Invalid Condition: must be an object or an array.');
  }
  return policy;
}

/** `2013-08-01T12:00:00.000Z` (fraction optional, GMT only). */
function parseExpiration(v: unknown): number {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/.exec(v) : null;
  const ms = m ? Date.parse(v as string) : NaN;
  if (!m || Number.isNaN(ms)) throw invalid(`Invalid 'expiration' value: '${shown(v)}'`);
  return ms;
}

function parseSimpleCondition(c: Record<string, unknown>, policy: PostPolicy): void {
  const keys = Object.keys(c);
  if (keys.length !== 1) throw invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
  const name = keys[0]!;
  const value = c[name];
  if (typeof value !== 'string') throw invalid(`Invalid Simple-Condition: value must be a string.`);
  policy.conditions.push({ op: 'eq', field: name.toLowerCase(), value, text: JSON.stringify(['eq', `$${name}`, value]).replaceAll('","', '", "') });
}

function parseListCondition(c: unknown[], policy: PostPolicy): void {
  const op = typeof c[0] === 'string' ? c[0].toLowerCase() : '';
  if (op === 'content-length-range') {
    if (c.length === 3 && scalar(c[1]) && scalar(c[2]) && (notANumber(c[1]) || notANumber(c[2]))) {
      policy.conditions.push({ op: 'never', field: '', value: '', text: `["${op}", "${String(c[1])}", "${String(c[2])}"]` });
      return;
    }
    const min = lengthBound(c[1]);
    const max = lengthBound(c[2]);
    if (c.length !== 3 || min === undefined || max === undefined || min > max) throw invalid('Invalid content-length-range condition.');
    policy.lengthRange = { min, max };
    return;
  }
  if ((op !== 'eq' && op !== 'starts-with') || c.length !== 3) throw invalid(`Invalid Condition: ${quoted(c)}`);
  const [, field, value] = c;
  // A field named without its `$` is no malformed policy to S3 but a condition no form meets: 403
  // AccessDenied "Policy Condition failed: [\"eq\", \"success_action_redirect\", \"http://…\"]"
  // (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py TestS3PresignedPost::
  // test_post_object_policy_conditions_validation_eq, invalid-condition-missing-prefix).
  if (typeof field === 'string' && field !== '' && !field.startsWith('$') && typeof value === 'string') {
    policy.conditions.push({ op: 'never', field: '', value, text: `["${op}", "${field}", "${value}"]` });
    return;
  }
  if (typeof field !== 'string' || !field.startsWith('$') || field.length < 2 || typeof value !== 'string') {
    throw invalid(`Invalid Condition: ${quoted(c)}`);
  }
  policy.conditions.push({ op, field: field.slice(1).toLowerCase(), value, text: `["${op}", "${field}", "${value}"]` });
}

/**
 * A condition as the error message quotes it. JSON.parse reads any depth, JSON.stringify (and
 * String of an array) recurse: a value nested a few thousand arrays deep (it fits the 20 KB of
 * fields before the file) overflowed the stack, and the form was answered 500
 * (issue-4-post-policy-deep-condition). Such a one is quoted one level deep.
 */
function quoted(c: unknown[]): string {
  try {
    return JSON.stringify(c);
  } catch {
    return JSON.stringify(c.map((v) => (typeof v === 'object' && v !== null ? '…' : v)));
  }
}

/** String(v) for the expiration message; an array nested thousands deep overflows its join, and shows as `…`. */
function shown(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '…';
  }
}

/**
 * A content-length-range bound that is a string but no number (`"test"`): S3 takes the condition
 * and the form fails it, 403 AccessDenied "Policy Condition failed: [\"content-length-range\",
 * \"test\", \"10\"]" (LocalStack's AWS recordings, tests/aws/services/s3/test_s3.snapshot.json
 * TestS3PresignedPost::test_post_object_policy_validation_size, invalid-content-length-wrong-type),
 * where a missing or negative bound is a malformed policy (400, ceph/s3-tests).
 */
function notANumber(v: string | number): boolean {
  return typeof v === 'string' && !/^-?\d+$/.test(v.trim());
}

function scalar(v: unknown): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

/** A content-length-range bound: a non-negative integer, as a number or a numeric string. */
function lengthBound(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Check a form against its policy; throws 403 AccessDenied "Invalid according to Policy: …" (the
 * expired policy, the first failed condition, or the fields no condition names — the bucket among
 * them), as S3 answers:
 * `Policy Condition failed: ["eq", "$Content-Type", "application/pdf"]` (danialfarid/ng-file-upload#2054),
 * `Extra input fields: content-type` (lower-case, waynehoover/s3_direct_upload#54).
 * `fields` maps lower-case field names to values (with `key` already substituted); `bucket` is the
 * bucket addressed by the request, which `bucket` conditions test.
 */
export function checkPostPolicy(policy: PostPolicy, fields: ReadonlyMap<string, string>, bucket: string, now: number): void {
  if (policy.expiration <= now) throw denied('Policy expired.');
  const named = new Set<string>();
  for (const c of policy.conditions) {
    named.add(c.field);
    const actual = c.field === 'bucket' ? bucket : fields.get(c.field) ?? '';
    if (!conditionHolds(c, actual)) throw denied(`Policy Condition failed: ${c.text}`);
  }
  const extra = [...fields.keys()].filter((f) => !EXEMPT.has(f) && !f.startsWith('x-ignore-') && !named.has(f));
  // The bucket posted to is an input too, named by a condition or refused, whether or not the form
  // repeats it in a `bucket` field: S3 answers a policy without one "Extra input fields: bucket"
  // (aws/aws-sdk-php#3292, reproduced against S3 with PostObjectV4, which adds no bucket condition);
  // ceph/s3-tests test_post_object_missing_policy_condition expects 403 (RGW puts the bucket among
  // the variables every one of which a condition must check).
  if (!named.has('bucket') && !fields.has('bucket')) extra.unshift('bucket');
  if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(', ')}`);
}

function conditionHolds(c: PolicyCondition, actual: string): boolean {
  if (c.op === 'never') return false;
  if (c.op === 'eq') return actual === c.value;
  if (c.field === 'content-type' && c.value !== '') return actual.split(',').every((t) => t.trim().startsWith(c.value));
  return actual.startsWith(c.value);
}

function denied(detail: string): Error {
  return S3Errors.AccessDenied(`Invalid according to Policy: ${detail}`);
}

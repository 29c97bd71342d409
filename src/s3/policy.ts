/**
 * Policy-lite (shared/spec/s3-surface.md §8): validation of bucket policy documents at
 * PutBucketPolicy and their evaluation. Anything beyond Effect/Principal/Action/Resource —
 * `Condition`, `NotPrincipal`, `NotAction`, `NotResource` — is refused with MalformedPolicy, because
 * silently ignoring a condition could grant more than the author meant.
 */
import { S3Errors } from './errors.js';
import { actionTarget } from './policy-actions.js';

/** Largest policy document accepted (§8). */
export const MAX_POLICY_BYTES = 20 * 1024;

/** A validated statement. */
export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** `'*'` for everyone (anonymous included), else the listed AWS principals. */
  principals: '*' | string[];
  actions: string[];
  resources: string[];
}

/** A validated policy; `text` is the document as the client sent it (GetBucketPolicy returns it). */
export interface StoredPolicy {
  v: 1;
  text: string;
  statements: PolicyStatement[];
}

/** The caller as policies see it. */
export interface PolicyPrincipal {
  tenantId: string;
  accessKey: string;
  userName: string;
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource']);
const REFUSED_KEYS = new Set(['Condition', 'NotPrincipal', 'NotAction', 'NotResource']);

function malformed(message: string): never {
  throw S3Errors.MalformedPolicy(message);
}

/**
 * What S3 says of an empty Action, Resource or AWS principal (`""`, `[]`, a list holding `""`):
 * versitygw PutBucketPolicy_invalid_action, _empty_resources_string/_array,
 * _principals_aws_struct_empty_string/_slice.
 */
const EMPTY_MESSAGE: Record<string, string> = {
  Action: 'Policy has invalid action',
  Resource: 'Policy has invalid resource',
  Principal: 'Invalid principal in policy',
};

function stringList(v: unknown, what: string): string[] {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : malformed(`${what} must be a string or a list of strings`);
  if (!list.every((x): x is string => typeof x === 'string')) malformed(`${what} must be a string or a list of strings`);
  if (list.length === 0 || list.includes('')) malformed(EMPTY_MESSAGE[what] ?? `${what} must be a string or a list of strings`);
  return list;
}

/**
 * `"*"`, `{"AWS": …}` and `{"CanonicalUser": …}` (the canonical id is the tenant id here; S3 user
 * guide, "Principals": `"Principal":{"CanonicalUser":"64-digit-alphanumeric-value"}`).
 */
function parsePrincipal(p: unknown): '*' | string[] {
  if (p === '*') return '*';
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return malformed('Invalid principal in policy');
  const keys = Object.keys(p);
  if (keys.length === 0 || !keys.every((k) => k === 'AWS' || k === 'CanonicalUser')) return malformed('Invalid principal in policy');
  const rec = p as Record<string, unknown>;
  const aws = rec.AWS === undefined ? [] : stringList(rec.AWS, 'Principal');
  const canonical = rec.CanonicalUser === undefined ? [] : stringList(rec.CanonicalUser, 'Principal');
  if (aws.includes('*')) return '*';
  if (canonical.includes('*')) malformed('Invalid principal in policy');
  return [...aws, ...canonical];
}

/** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/pattern`, naming this bucket. */
function checkResource(r: string, bucket: string): void {
  const prefix = `arn:aws:s3:::${bucket}`;
  if (r !== prefix && !r.startsWith(prefix + '/')) malformed('Policy has invalid resource');
}

/**
 * Every action written out in full must be one S3 defines and apply to one of the statement's
 * resources (policy-actions.ts); wildcard actions are taken as written.
 */
function checkActionsApply(actions: string[], resources: string[], bucket: string): void {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const has = { bucket: resources.includes(bucketArn), object: resources.some((r) => r !== bucketArn), other: false };
  for (const a of actions) {
    if (/[*?]/.test(a)) continue;
    const target = actionTarget(a);
    if (target === undefined) malformed('Policy has invalid action');
    if (!has[target]) malformed('Action does not apply to any resource(s) in statement');
  }
}

/** Validate a PutBucketPolicy body for `bucket`. */
export function parsePolicy(text: string, bucket: string): StoredPolicy {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) malformed('Policies must be less than 20 KB');
  // Messages as S3 words them (versitygw PutBucketPolicy_invalid_json, _empty_statement,
  // _invalid_effect, _version; the first-byte one also quoted by S3 console users who pasted a
  // CORS array as a policy). Leading white space is still allowed here.
  if (!text.trimStart().startsWith('{')) malformed("Policies must be valid JSON and the first byte must be '{'");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return malformed('This policy contains invalid Json');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return malformed('This policy contains invalid Json');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (k !== 'Version' && k !== 'Id' && k !== 'Statement') malformed(`Unknown field ${k}`);
  }
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') malformed('The policy must contain a valid version string');
  if (d.Statement === undefined) malformed('Missing required field Statement');
  const raw = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  if (raw.length === 0) malformed('Could not parse the policy: Statement is empty!');
  return { v: 1, text, statements: raw.map((s) => parseStatement(s, bucket)) };
}

function parseStatement(s: unknown, bucket: string): PolicyStatement {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return malformed('Invalid statement');
  const st = s as Record<string, unknown>;
  for (const k of Object.keys(st)) {
    if (REFUSED_KEYS.has(k)) malformed(`Policy element ${k} is not supported`);
    if (!STATEMENT_KEYS.has(k)) malformed(`Unknown field ${k}`);
  }
  if (st.Effect === undefined) malformed('Missing required field Effect');
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') malformed(`Invalid effect: ${typeof st.Effect === 'string' ? st.Effect : JSON.stringify(st.Effect)}`);
  if (st.Principal === undefined) malformed('Missing required field Principal');
  const actions = stringList(st.Action, 'Action');
  // "The prefix and the action name are case insensitive" (IAM JSON policy elements: Action), so
  // `S3:GetObject` is `s3:GetObject`; evaluation already compares both ignoring case.
  for (const a of actions) if (a !== '*' && !/^s3:[A-Za-z*?]+$/i.test(a)) malformed('Policy has invalid action');
  const resources = stringList(st.Resource, 'Resource');
  for (const r of resources) checkResource(r, bucket);
  checkActionsApply(actions, resources, bucket);
  const out: PolicyStatement = { effect: st.Effect, principals: parsePrincipal(st.Principal), actions, resources };
  if (typeof st.Sid === 'string') out.sid = st.Sid;
  return out;
}

/**
 * IAM-style glob: `*` any run, `?` one character (UTF-16 code units, as the RegExp this replaced).
 * Matched by the greedy scan that backs up to the last `*` only, O(pattern × value) at worst: the
 * RegExp `^.*a.*a…$` it compiled to backtracks exponentially, and a policy Resource such as
 * `arn:aws:s3:::b/*a*a*a…*b` (20 KB of policy allows thousands of stars) made one GET of a key of
 * 200 `a`s block the event loop for minutes, for every tenant (issue-4-policy-glob-backtracking).
 * `ignoreCase` (actions, ASCII) compares lower-cased.
 */
export function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < v.length) {
    const c = p.charCodeAt(i);
    if (i < p.length && c !== 42 && (c === 63 || c === v.charCodeAt(j))) {
      i++;
      j++;
    } else if (i < p.length && c === 42) {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.length && p.charCodeAt(i) === 42) i++;
  return i === p.length;
}

/**
 * Whether a listed principal names the caller: the tenant id, the access key id, or an IAM ARN
 * `arn:aws:iam::<tenant>:root` / `arn:aws:iam::<tenant>:user/<name>` (§8).
 */
function principalMatches(p: string, who: PolicyPrincipal): boolean {
  if (p === who.tenantId || p === who.accessKey) return true;
  const m = /^arn:aws:iam::([^:]+):(root|user\/(.+))$/.exec(p);
  if (!m || m[1] !== who.tenantId) return false;
  return m[2] === 'root' || m[3] === who.userName;
}

/**
 * Every principal a policy names must be a user of this gateway (its tenant id, access key or IAM
 * ARN): AWS refuses a principal that does not exist with MalformedPolicy "Invalid principal in
 * policy" (AWS re:Post, "s3-invalid-principal-in-policy-error"), so a mistyped principal in a Deny
 * is caught at PutBucketPolicy instead of never applying.
 */
export function validatePrincipals(policy: StoredPolicy, users: readonly PolicyPrincipal[]): void {
  for (const s of policy.statements) {
    if (s.principals === '*') continue;
    for (const p of s.principals) {
      if (!users.some((u) => principalMatches(p, u))) malformed('Invalid principal in policy');
    }
  }
}

function statementApplies(s: PolicyStatement, who: PolicyPrincipal | undefined, action: string, resource: string): boolean {
  const principalOk = s.principals === '*' || (who !== undefined && s.principals.some((p) => principalMatches(p, who)));
  return principalOk
    && s.actions.some((a) => glob(a, action, true))
    && s.resources.some((r) => glob(r, resource));
}

/**
 * Evaluate a policy for one request: `deny` if any applicable statement denies, else `allow` if one
 * allows, else `none` (§8 evaluation order is applied by authz.ts).
 */
export function evaluatePolicy(policy: StoredPolicy | undefined, who: PolicyPrincipal | undefined, action: string, resource: string): 'allow' | 'deny' | 'none' {
  if (!policy || action === '') return 'none';
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, who, action, resource)) continue;
    if (s.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/** True when some Allow statement applies to anonymous callers (GetBucketPolicyStatus). */
export function policyIsPublic(policy: StoredPolicy | undefined): boolean {
  return policy?.statements.some((s) => s.effect === 'Allow' && s.principals === '*') ?? false;
}

/** The resource ARN of a bucket or object. */
export function resourceArn(bucket: string, key?: string): string {
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/** Read a stored policy back (undefined for anything else). */
export function asStoredPolicy(v: unknown): StoredPolicy | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as Partial<StoredPolicy>;
  return p.v === 1 && typeof p.text === 'string' && Array.isArray(p.statements) ? (p as StoredPolicy) : undefined;
}
